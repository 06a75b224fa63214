"""The analyst's commands on a real SQLite file: matrix, cooccurrence, framework, export,
and bulk accept/reject (one transaction, every decision audited)."""

from __future__ import annotations

import openpyxl
from click.testing import CliRunner
from sqlalchemy import func, select

from qualcode.cli import main
from qualcode.store import transaction
from qualcode.store.models import AuditEntry, Coding

from . import matrices_data


def run(db_url, *args):
    return CliRunner().invoke(main, ["--db", db_url, *args], catch_exceptions=False)


def build(engine):
    matrices_data.build(engine)


def test_matrix_csv_contract(db_url, engine):
    build(engine)
    r = run(db_url, "matrix", "--by", "stakeholder", "--format", "csv")
    assert r.exit_code == 0, r.output
    assert r.output.splitlines() == [
        "code,management,gig_worker,ohs,total", "support,4,2,0,6", "practical,2,2,0,4", "advice,0,1,0,1",
        "emotional,2,0,0,2", "trust,1,3,0,4", "competition,0,0,0,0", "total,4,5,0,9"]
    r = run(db_url, "matrix", "--unit", "participants", "--share", "--no-total-row", "--format", "csv")
    assert r.output.splitlines()[1] == "support,100.0,100.0,0.0,100.0"
    assert len(r.output.splitlines()) == 7
    r = run(db_url, "matrix", "--adjudicated", "--format", "csv")
    assert r.output.splitlines()[-1] == "total,1,1,0,2"
    r = run(db_url, "matrix", "--coder", "ville", "--unit", "words", "--format", "csv")
    assert r.output.splitlines()[2] == "practical,0,5,0,5"


def test_matrix_files_and_errors(db_url, engine, tmp_path):
    build(engine)
    out = tmp_path / "m.xlsx"
    r = run(db_url, "matrix", "--by", "age_group", "--format", "xlsx", "-o", str(out), "--date", "2026-06-01")
    assert r.exit_code == 0, r.output
    ws = openpyxl.load_workbook(out)["counts"]
    assert [c.value for c in ws[1]] == ["code", "label", "18-24", "25-34", "45-54", "(missing)", "total"]
    assert [c.value for c in ws[2]][2:] == [1, 1, 3, 1, 6]
    r = run(db_url, "matrix", "--format", "png")
    assert r.exit_code == 1 and "needs -o FILE" in r.output
    r = run(db_url, "matrix", "--format", "svg", "-o", str(tmp_path / "m.svg"))
    assert r.exit_code == 0 and (tmp_path / "m.svg").read_bytes().lstrip().startswith(b"<?xml")
    r = run(db_url, "matrix", "--coder", "anna", "--adjudicated")
    assert r.exit_code == 2 and "either one coder or the adjudicated" in r.output


def test_cooccurrence_and_framework_commands(db_url, engine):
    build(engine)
    r = run(db_url, "cooccurrence", "--on", "turns", "--format", "csv")
    assert r.output.splitlines()[5] == "trust,2,2,0,1,3,0"
    r = run(db_url, "cooccurrence", "--group", "management", "--format", "csv")
    assert r.output.splitlines()[1] == "support,4,2,0,2,1,0"
    r = run(db_url, "cooccurrence", "--group", "nobody")
    assert r.exit_code == 2 and "no group 'nobody'" in r.output
    r = run(db_url, "framework", "--code", "trust", "--quotes", "1")
    assert "- **g2** (gig\\_worker, n=1): “Luotan kaveriin kyllä.” (P1, turn 1)" in r.output


def test_export_report_and_single_tables(db_url, engine, tmp_path):
    build(engine)
    for fmt in ("xlsx", "docx", "md"):
        out = tmp_path / f"report.{fmt}"
        r = run(db_url, "export", "--format", fmt, "-o", str(out), "--date", "2026-06-01", "--part", "counts",
                "--part", "framework")
        assert r.exit_code == 0, r.output
        assert out.stat().st_size > 0
    assert "Not coded in" not in (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "- *not coded in:* m1, g1, g2" in (tmp_path / "report.md").read_text(encoding="utf-8")
    out = tmp_path / "turns_ohs.csv"
    r = run(db_url, "export", "--format", "csv", "--table", "cooccurrence_turns_gig_worker", "-o", str(out))
    assert r.exit_code == 0
    assert out.read_text().splitlines()[1] == "support,2,2,1,0,1,0"
    r = run(db_url, "export", "--format", "csv", "--table", "nope", "-o", str(tmp_path / "n.csv"))
    assert r.exit_code == 2 and "unknown table 'nope'" in r.output and not (tmp_path / "n.csv").exists()


def test_export_qdpx_is_dispatched_to_refi(db_url, engine, tmp_path):
    from qualcode import refi

    build(engine)
    r = CliRunner().invoke(main, ["--db", db_url, "export", "--format", "qdpx", "-o", str(tmp_path / "p.qdpx")])
    try:
        refi.write_qdpx(engine, tmp_path / "probe.qdpx")
    except NotImplementedError as exc:
        assert r.exit_code == 1 and str(exc) in r.output
    else:
        assert r.exit_code == 0 and (tmp_path / "p.qdpx").exists()


def _codings(engine, coder):
    with transaction(engine) as s:
        return sorted((c.segment_id, c.code, c.status) for c in s.scalars(select(Coding).where(Coding.coder == coder)))


def _audit(engine):
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(AuditEntry))


def test_bulk_accept_and_reject(db_url, engine):
    seg = matrices_data.build(engine)
    made = _audit(engine)  # building the data is audited too; count what the commands add
    # bea has decided nothing: the four suggestions are open for her.
    r = run(db_url, "accept", "--coder", "bea", "--min-score", "0.75", "--dry-run")
    assert r.exit_code == 0 and "would accept 2 suggestions for bea" in r.output
    assert _codings(engine, "bea") == [] and _audit(engine) == made
    r = run(db_url, "accept", "--coder", "bea", "--min-score", "0.75")
    assert "accepted 2 suggestions for bea" in r.output and "competition: 1" in r.output and "trust: 1" in r.output
    assert _codings(engine, "bea") == sorted([(seg[("m1", 5)], "trust", "accepted"),
                                              (seg[("g1", 4)], "competition", "accepted")])
    assert _audit(engine) == made + 2
    r = run(db_url, "reject", "--coder", "bea", "--transcript", "g2", "--code", "emotional")
    assert "rejected 1 suggestions for bea" in r.output
    # Already decided suggestions are left alone; the rest (m1 practical 0.7) is still open.
    r = run(db_url, "accept", "--coder", "bea")
    assert "accepted 1 suggestions for bea" in r.output and "practical: 1" in r.output
    assert _audit(engine) == made + 4
    # anna rejected competition by hand: a bulk accept does not overturn it.
    r = run(db_url, "accept", "--coder", "anna")
    assert (seg[("g1", 4)], "competition", "rejected") in _codings(engine, "anna")
    assert "accepted 2 suggestions for anna" in r.output  # m1 s5 trust, g2 s0 emotional


def test_bulk_refuses_bad_input_and_changes_nothing(db_url, engine):
    matrices_data.build(engine)
    made = _audit(engine)
    for args, message in [
        (("--transcript", "nope"), "no transcript named 'nope'"),
        (("--code", "nope"), "unknown codes: nope"),
        (("--min-score", "1.5"), "scores run from 0 to 1"),
    ]:
        r = run(db_url, "accept", "--coder", "bea", *args)
        assert r.exit_code == 2 and message in r.output, r.output
    r = run(db_url, "reject", "--coder", " ")
    assert r.exit_code == 2 and "a coder name is needed" in r.output
    assert _codings(engine, "bea") == [] and _audit(engine) == made
