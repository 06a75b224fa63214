"""The audit trail: every change to codings, memos, transcripts and the codebook is logged (who,
when, before, after), in the change's own transaction; `qualcode history` shows it."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from qualcode import importing
from qualcode.cli import main
from qualcode.codebook import parse_codebook
from qualcode.history import project_history, transcript_history
from qualcode.store import audit, make_engine, transaction
from qualcode.store import transcripts as transcript_store
from qualcode.store.codebooks import record_version
from qualcode.store.models import AuditEntry, CoderProgress, Memo, Transcript

from .conftest import CODEBOOK, TRANSCRIPTS

OHS = TRANSCRIPTS / "ohs_group.docx"
MGMT = TRANSCRIPTS / "mgmt_intermediary.docx"


def _entries(engine, **kw):
    with transaction(engine) as s:
        return [(e.who, e.action, e.entity) for e in reversed(audit.history(s, limit=None, **kw))]


def test_transcripts_memos_codebook_and_progress_are_logged(backend_url, monkeypatch):
    monkeypatch.setenv("QUALCODE_USER", "lead")
    engine = make_engine(backend_url)
    assert importing.import_file(engine, OHS).ok
    assert importing.import_file(engine, MGMT, imported_by="ben").ok
    assert importing.import_file(engine, OHS, name="mgmt_intermediary", replace=True).status == "replaced"
    with transaction(engine) as s:
        t = transcript_store.by_name(s, "ohs_group")
        memo = Memo(transcript=t, coder="anna", text="luottamus rakentuu hitaasti")
        s.add(memo)
        s.add(CoderProgress(transcript_id=t.id, coder="anna", done=True))
    with audit.acting_as("anna"):
        with transaction(engine) as s:
            s.get(Memo, memo.id).text = "luottamus rakentuu vähitellen"
            next(a for a in transcript_store.by_name(s, "ohs_group").attributes if a.key == "stakeholder").value = \
                "gig_worker"
    text = CODEBOOK.read_text(encoding="utf-8")
    with transaction(engine) as s:
        record_version(s, parse_codebook(text), text)
    with transaction(engine) as s:
        s.delete(s.get(Memo, memo.id))
    with transaction(engine) as s:
        transcript_store.delete_transcript(s, transcript_store.by_name(s, "ohs_group"))

    assert _entries(engine) == [
        ("lead", "imported", "transcript"),
        ("lead", "imported", "transcript"),  # QUALCODE_USER is who ran it; ben is recorded as importer
        ("lead", "replaced", "transcript"),
        ("lead", "created", "memo"),
        ("lead", "marked done", "progress"),
        ("anna", "edited", "memo"),
        ("anna", "attributes changed", "transcript"),
        ("lead", "added", "codebook"),
        ("lead", "applied", "codebook"),
        ("lead", "deleted", "memo"),
        ("lead", "deleted", "transcript"),
    ]
    with transaction(engine) as s:
        rows = {(e.action, e.entity): e for e in s.scalars(select(AuditEntry))}
        replaced = rows[("replaced", "transcript")]
        assert replaced.before["source_file"] == "mgmt_intermediary.docx"
        assert replaced.after["source_file"] == "ohs_group.docx"
        assert rows[("edited", "memo")].before == {"text": "luottamus rakentuu hitaasti"}
        assert rows[("edited", "memo")].after == {"text": "luottamus rakentuu vähitellen"}
        assert rows[("attributes changed", "transcript")].before == {"stakeholder": "ohs"}
        assert rows[("deleted", "memo")].before["text"] == "luottamus rakentuu vähitellen"
        assert rows[("deleted", "transcript")].before["name"] == "ohs_group"
        assert rows[("applied", "codebook")].after["version"] == parse_codebook(text).version
        assert all(e.at is not None for e in rows.values())

    # The deleted transcript's history is still there under its name.
    items = transcript_history(engine, "ohs_group")
    assert [(i.action, i.entity) for i in items] == [
        ("deleted", "transcript"), ("deleted", "memo"), ("attributes changed", "transcript"), ("edited", "memo"),
        ("marked done", "progress"), ("created", "memo"), ("imported", "transcript")]
    assert items[0].summary == "deleted transcript ohs_group with 0 codings and 0 memos"
    with pytest.raises(KeyError, match="no transcript named 'nobody'"):
        transcript_history(engine, "nobody")
    engine.dispose()


def test_a_rolled_back_change_leaves_no_entry_and_ids_are_not_reused(backend_url):
    engine = make_engine(backend_url)
    importing.import_file(engine, OHS)
    importing.import_file(engine, MGMT)
    with pytest.raises(RuntimeError):
        with transaction(engine) as s:
            s.add(Memo(transcript_id=1, coder="anna", text="never saved"))
            s.flush()
            raise RuntimeError("the app crashed before commit")
    assert [a for _, a, e in _entries(engine) if e == "memo"] == []
    with transaction(engine) as s:
        last = transcript_store.by_name(s, "mgmt_intermediary")
        last_id = last.id
        transcript_store.delete_transcript(s, last)
    importing.import_file(engine, TRANSCRIPTS / "gig_platform_workers.docx")
    with transaction(engine) as s:
        assert transcript_store.by_name(s, "gig_platform_workers").id > last_id
    assert [i.action for i in transcript_history(engine, "gig_platform_workers")] == ["imported"]
    engine.dispose()


def test_codings_are_logged_by_coder_and_cli_history(tmp_path, copy_tagged_project, monkeypatch):
    from qualcode.comparison import adjudicate
    from qualcode.review import accept, reject, remove_code
    from qualcode.store.models import ADJUDICATED, Segment

    url = f"sqlite:///{tmp_path / 'p.db'}"
    engine = copy_tagged_project(url)
    with transaction(engine) as s:
        seg = s.scalar(select(Segment).where(Segment.role == "participant").order_by(Segment.index))
        seg_id, index = seg.id, seg.index
    accept(engine, seg_id, "trust", "anna")
    reject(engine, seg_id, "trust", "anna")
    adjudicate(engine, seg_id, ["trust"], "lead")
    remove_code(engine, seg_id, "trust", "anna")

    items = project_history(engine, transcript="ohs_group")
    assert [(i.who, i.action) for i in items[:4]] == [("anna", "removed"), ("lead", "accepted"),
                                                      ("anna", "rejected"), ("anna", "accepted")]
    assert items[1].summary.endswith(f"for {ADJUDICATED}")  # lead adjudicated
    assert items[2].summary.startswith(f"changed trust on segment {index} «")
    assert items[2].before["status"] == "accepted" and items[2].after["status"] == "rejected"

    r = CliRunner().invoke(main, ["--db", url, "history", "--transcript", "ohs_group", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert data[0]["who"] == "anna" and data[0]["action"] == "removed" and data[0]["transcript"] == "ohs_group"
    assert set(data[0]) == {"id", "at", "who", "action", "entity", "entity_id", "transcript", "summary", "before",
                            "after"}
    r = CliRunner().invoke(main, ["--db", url, "history", "--who", "anna", "--limit", "2"])
    assert r.exit_code == 0 and len(r.output.splitlines()) == 2 and "removed trust from segment" in r.output
    r = CliRunner().invoke(main, ["--db", url, "history", "--transcript", "nope"])
    assert r.exit_code == 1 and "no transcript named 'nope'" in r.output
    with transaction(engine) as s:
        assert s.scalar(select(Transcript.name)) == "ohs_group"


def test_coding_changes_made_elsewhere_are_logged_once(tmp_path, copy_tagged_project, monkeypatch):
    """A codebook migration or an import that edits codings through the ORM is in the trail too."""
    from qualcode.review import accept
    from qualcode.store import codings as coding_store
    from qualcode.store.models import Segment

    monkeypatch.setenv("QUALCODE_USER", "maintainer")
    url = f"sqlite:///{tmp_path / 'p.db'}"
    engine = copy_tagged_project(url)
    with transaction(engine) as s:
        seg_id = s.scalar(select(Segment.id).where(Segment.role == "participant").order_by(Segment.index))
    accept(engine, seg_id, "trust", "anna")  # logged once by store.codings, in anna's name
    with transaction(engine) as s:
        coding = coding_store.get(s, seg_id, "trust", "anna")
        coding.code = "trust_and_openness"  # e.g. a renamed code
        coding_id = coding.id
    with transaction(engine) as s:
        s.delete(s.get(type(coding), coding_id))
    with transaction(engine) as s:
        rows = s.scalars(select(AuditEntry).where(AuditEntry.entity == "coding", AuditEntry.entity_id == coding_id)
                         .order_by(AuditEntry.id)).all()
        assert [(e.who, e.action) for e in rows] == [("anna", "accepted"), ("maintainer", "accepted"),
                                                     ("maintainer", "removed")]
        assert (rows[1].before["code"], rows[1].after["code"]) == ("trust", "trust_and_openness")
        assert (rows[1].before["version"], rows[1].after["version"]) == (1, 2)
        assert rows[2].before["code"] == "trust_and_openness" and rows[2].after is None
        assert all(e.transcript_id == 1 for e in rows)
    items = project_history(engine, transcript="ohs_group", limit=3)
    assert items[1].summary.startswith("recoded trust as trust_and_openness on segment")
