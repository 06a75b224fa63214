"""Shared setup for the app's tests: a real project database (two sample interviews imported and
pre-tagged with the real Finnish pipeline), copied per test, and AppTest runs of the real app."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select, text

from .conftest import CODEBOOK, TRANSCRIPTS

# The two smallest sample interviews: one management interview (two speakers), one group interview.
SAMPLES = ("mgmt_intermediary", "ohs_group")


def build_project(path: Path, nlp, names=SAMPLES) -> Path:
    """Import and pre-tag sample interviews into a new SQLite file at ``path``."""
    from qualcode.codebook import load_codebook
    from qualcode.importing import import_files
    from qualcode.pretag import pretag
    from qualcode.store import make_engine

    engine = make_engine(f"sqlite:///{path}")
    reports = import_files(engine, [TRANSCRIPTS / f"{n}.docx" for n in names])
    assert all(r.ok for r in reports), [r.line() for r in reports]
    book, yaml_text = load_codebook(CODEBOOK)
    pretag(engine, book, yaml_text, nlp=nlp)
    with engine.begin() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def project_template(tmp_path_factory, request) -> Path:
    """Built once per test session (about a minute: the real pipeline tags two interviews).
    ``QUALCODE_TEST_TEMPLATE=FILE`` keeps the built file there and reuses it on later runs."""
    import os

    keep = os.environ.get("QUALCODE_TEST_TEMPLATE")
    if keep and Path(keep).exists():
        return Path(keep)
    path = build_project(tmp_path_factory.mktemp("template") / "project.db", request.getfixturevalue("nlp"))
    if keep:
        shutil.copy(path, keep)
    return path


@pytest.fixture
def project(tmp_path, project_template, monkeypatch):
    """A fresh copy of the tagged project; the app under test uses it (QUALCODE_DB)."""
    from qualcode.store import make_engine

    path = tmp_path / "project.db"
    shutil.copy(project_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("QUALCODE_DB", url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def _app(default):
    from qualcode.ui.app import main

    main(default=default)


def app(default: str = "review", *, coder: str | None = "anna", lang: str | None = None, blind: bool | None = None,
        transcript: str | None = None):
    """The real app (sidebar and navigation) opened on ``default``, run once."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_app, kwargs={"default": default}, default_timeout=60)
    if coder is not None:
        at.session_state["coder"] = coder
    if lang is not None:
        at.session_state["lang"] = lang
    if blind is not None:
        at.session_state["blind"] = blind
    if transcript is not None:
        at.session_state["transcript"] = transcript
    return run(at)


def run(thing):
    """Run the app (an AppTest, or a widget after an interaction); fail on any exception in the page."""
    at = thing.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def only_waiting(at):
    """Turn on the filter "only with suggestions waiting" (the first page may have none)."""
    return run(at.toggle(key="f_pending").set_value(True))


def click(at, key: str):
    return run(at.button(key=key).click())


def keys(at, prefix: str) -> list[str]:
    return [b.key for b in at.button if b.key and b.key.startswith(prefix)]


def accept_keys(at) -> list[str]:
    """Keys of the accept buttons of single suggestions (``acc-<segment>-<code>``)."""
    return [k for k in keys(at, "acc-") if not k.startswith("acc-turn")]


def rows(at) -> list[int]:
    """The segments shown, in order (each has an "add a code" button)."""
    return [int(k.rsplit("-", 1)[1]) for k in keys(at, "open-add-")]


def add_code(at, segment_id: int, code: str):
    """Open a segment's "add a code" dialog, pick ``code`` and add it."""
    at = click(at, f"open-add-{segment_id}")
    at = run(at.selectbox(key=f"pick-{segment_id}").select(code))
    return click(at, f"add-{segment_id}")


def parse_key(key: str) -> tuple[int, str]:
    _, seg, code = key.split("-", 2)
    return int(seg), code


def transcript_id(engine, name: str) -> int:
    from qualcode.store import transaction
    from qualcode.store.models import Transcript

    with transaction(engine) as s:
        return s.scalar(select(Transcript.id).where(Transcript.name == name))


def codings(engine, coder: str | None = None) -> set[tuple[int, str, str, str, str]]:
    """(segment, code, coder, status, origin) of every coding (of one coder)."""
    from qualcode.store import transaction
    from qualcode.store.models import Coding

    q = select(Coding.segment_id, Coding.code, Coding.coder, Coding.status, Coding.origin)
    if coder:
        q = q.where(Coding.coder == coder)
    with transaction(engine) as s:
        return set(s.execute(q).all())


def html_text(at) -> str:
    """The HTML blocks of the page itself (not the sidebar, which holds the coder-name cookie script)."""
    return "\n".join(h.proto.body for h in at.main.get("html"))
