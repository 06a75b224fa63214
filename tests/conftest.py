"""Shared fixtures: real SQLite files, the real Finnish pipeline, the real sample DOCX files."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TRANSCRIPTS = ROOT / "transcripts"
CODEBOOK = ROOT / "codebooks" / "peer_support.yaml"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def nlp():
    from qualcode.nlp import load_pipeline

    return load_pipeline()


@pytest.fixture(scope="session")
def codebook():
    from qualcode.codebook import load_codebook

    return load_codebook(CODEBOOK)


@pytest.fixture
def db_url(tmp_path):
    return f"sqlite:///{tmp_path / 'project.db'}"


@pytest.fixture
def engine(db_url):
    from qualcode.store import make_engine

    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sample_docx():
    files = sorted(TRANSCRIPTS.glob("*.docx"))
    assert len(files) >= 6, "sample transcripts missing: run python transcripts/build_docx.py"
    return files
