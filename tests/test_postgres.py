"""The same code on a PostgreSQL team server: `QUALCODE_DB=postgresql://...` and the usual commands.

Runs when QUALCODE_TEST_PG names a server (`.ci/pg-server start`; README: testing against
PostgreSQL). QUALCODE_TEST_BACKEND=postgres runs the whole suite there as well.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from qualcode.cli import main
from qualcode.review import accept, transcript_view
from qualcode.store import make_engine, transaction
from qualcode.store.models import Transcript

from .conftest import CODEBOOK, TRANSCRIPTS

pytestmark = pytest.mark.postgres


def test_import_tag_code_and_team_commands_on_postgres(pg_url, nlp, monkeypatch):
    monkeypatch.setenv("QUALCODE_DB", pg_url)
    monkeypatch.setenv("QUALCODE_USER", "lead")
    run = CliRunner().invoke
    r = run(main, ["import", str(TRANSCRIPTS / "ohs_group.docx"), str(TRANSCRIPTS / "mgmt_intermediary.docx")])
    assert r.exit_code == 0 and "2 imported" in r.output, r.output
    r = run(main, ["import", str(TRANSCRIPTS / "ohs_group.docx")])
    assert "0 imported, 1 skipped" in r.output
    r = run(main, ["tag", "--codebook", str(CODEBOOK)])
    assert r.exit_code == 0 and "segmented 2 transcripts" in r.output, r.output

    engine = make_engine(pg_url)
    with transaction(engine) as s:
        tid = s.scalar(select(Transcript.id).where(Transcript.name == "ohs_group"))
    _, turns = transcript_view(engine, tid, "anna")
    segs = [seg for t in turns if t.role == "participant" for seg in t.segments][:6]
    for i, seg in enumerate(segs):
        accept(engine, seg.id, "trust", "anna")
        accept(engine, seg.id, "trust" if i % 2 else "resilience", "ben")

    r = run(main, ["agreement", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data["overall"]["n_units"] == 6 and data["overall"]["percent_agreement"] == pytest.approx(0.5)
    r = run(main, ["history", "--transcript", "ohs_group"])
    assert r.exit_code == 0 and "accepted trust on segment" in r.output and "segmented transcript" in r.output
    r = run(main, ["matrix", "--by", "stakeholder", "--format", "csv", "--coder", "anna"])
    assert r.exit_code == 0 and r.output.splitlines()[0].startswith("code,")
    r = run(main, ["check"])
    assert r.exit_code == 0 and r.output.startswith("ok: 2 transcripts"), r.output
    r = run(main, ["db", "status"])
    assert "schema matches the models" in r.output
    engine.dispose()
