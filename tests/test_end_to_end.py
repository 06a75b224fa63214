"""The whole path on a real SQLite file: sample DOCX -> import -> tag -> accept -> matrix."""

from __future__ import annotations

import json

from click.testing import CliRunner
from sqlalchemy import select

from qualcode.cli import main
from qualcode.matrices import MatrixSpec, theme_matrix
from qualcode.review import accept, reject, transcript_view
from qualcode.store import transaction
from qualcode.store.models import Coding, Segment, Suggestion, Transcript

from .conftest import CODEBOOK, ROOT


def run(db_url, *args):
    result = CliRunner().invoke(main, ["--db", db_url, *args], catch_exceptions=False)
    return result


def test_import_tag_accept_matrix(db_url, engine, sample_docx, nlp):
    r = run(db_url, "import", *map(str, sample_docx))
    assert r.exit_code == 0, r.output
    assert f"{len(sample_docx)} imported, 0 skipped, 0 failed" in r.output

    again = run(db_url, "import", *map(str, sample_docx))
    assert again.exit_code == 0 and f"0 imported, {len(sample_docx)} skipped" in again.output

    r = run(db_url, "tag", "--codebook", str(CODEBOOK))
    assert r.exit_code == 0, r.output
    with transaction(engine) as s:
        n_segments = s.scalar(select(Segment.id).order_by(Segment.id.desc()).limit(1))
        n_suggestions = len(s.scalars(select(Suggestion)).all())
        tagged_roles = {seg.role for seg in s.scalars(select(Segment).join(Suggestion))}
    assert n_segments > 1000 and n_suggestions > 100
    assert tagged_roles == {"participant"}, "interviewer turns must not be tagged"

    # A second tag run finds nothing left to do.
    r = run(db_url, "tag", "--codebook", str(CODEBOOK))
    assert "tagged 0 segments" in r.output

    with transaction(engine) as s:
        ids = {t.name: t.id for t in s.scalars(select(Transcript))}
    mgmt, _ = ids["mgmt_user_company"], None
    _, turns = transcript_view(engine, mgmt, "anna")
    pending = [(seg.id, sg.code) for t in turns if t.role == "participant" for seg in t.segments
               for sg in seg.pending]
    interviewer_segments = [seg.id for t in turns if t.role == "interviewer" for seg in t.segments]
    assert len(pending) >= 3 and interviewer_segments
    accepted = pending[:3]
    for seg_id, code in accepted:
        accept(engine, seg_id, code, "anna")
    reject(engine, pending[3][0], pending[3][1], "anna")
    accept(engine, interviewer_segments[0], "trust", "anna")  # interviewer turns never count

    frame = theme_matrix(engine, MatrixSpec(by="stakeholder"))
    assert list(frame.columns) == ["management", "gig_worker", "ohs", "total"]
    expected = {}
    for seg_id, code in accepted:
        expected.setdefault(code, set()).add(seg_id)
    for code, segs in expected.items():
        assert frame.loc[code, "management"] == len(segs)
    assert frame["gig_worker"].sum() == 0 and frame["ohs"].sum() == 0
    assert frame["management"].sum() == len(accepted)

    documents = theme_matrix(engine, MatrixSpec(by="stakeholder", unit="documents"))
    assert all(documents.loc[c, "management"] == 1 for c in expected)

    r = run(db_url, "matrix", "--by", "stakeholder", "--format", "csv")
    assert r.exit_code == 0
    first = r.output.splitlines()[0]
    assert first == "code,management,gig_worker,ohs,total"

    # The decisions survived: a fresh engine on the same file sees them.
    from qualcode.store import make_engine

    with transaction(make_engine(db_url)) as s:
        rows = s.scalars(select(Coding).where(Coding.coder == "anna")).all()
    assert sorted((c.status, c.origin) for c in rows).count(("accepted", "suggested")) == 3
    assert any(c.status == "rejected" for c in rows)


def test_show_json_offsets(db_url, sample_docx):
    run(db_url, "import", str(sample_docx[0]))
    r = run(db_url, "show", sample_docx[0].stem, "--json")
    data = json.loads(r.output)
    assert data["participants"] and data["turns"]
    for turn in data["turns"]:
        assert data["text"][turn["start"]:turn["end"]] == turn["text"]


def test_cli_help_lists_commands():
    r = CliRunner().invoke(main, ["--help"])
    for cmd in ("import", "tag", "matrix", "evaluate", "transcripts", "show"):
        assert cmd in r.output


def test_readme_starts_with_the_two_commands():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [line.strip() for line in text.splitlines() if line.strip().startswith("make ")]
    assert commands[:2] == ["make run", "make test"]
