"""Exports opened again and checked cell by cell: XLSX (openpyxl), DOCX (python-docx), CSV,
Markdown, PNG and SVG; the same data gives the same bytes; a failed write leaves no file.
"""

from __future__ import annotations

import io
import zipfile
from datetime import datetime
from xml.etree import ElementTree

import docx
import openpyxl
import pytest

from qualcode.exports import (
    ReportError,
    build_report,
    export,
    render_report,
    to_csv,
    to_markdown,
    write_atomic,
)
from qualcode.matrices import MatrixSpec, theme_matrix
from qualcode.store import transaction
from qualcode.store.models import Transcript

from . import matrices_data

DATE = "2026-06-01"
LABELS = ["Support", "Practical support", "Advice", "Emotional support", "Trust", "Competition"]
COUNTS = [  # hand-computed in test_matrices.py: management, gig_worker, ohs, total
    [4, 2, 0, 6], [2, 2, 0, 4], [0, 1, 0, 1], [2, 0, 0, 2], [1, 3, 0, 4], [0, 0, 0, 0]]
ANY = [4, 5, 0, 9]


@pytest.fixture
def mini(engine):
    matrices_data.build(engine)
    return engine


@pytest.fixture
def report(mini):
    return build_report(mini, MatrixSpec(), when=DATE, quotes_per_cell=2)


def test_xlsx_cell_by_cell(report, tmp_path):
    path = write_atomic(tmp_path / "report.xlsx", render_report(report, "xlsx"))
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[:3] == ["method", "counts", "shares"]
    assert "framework" in wb.sheetnames and "cooccurrence_turns_management" in wb.sheetnames
    method = {row[0]: row[1] for row in wb["method"].iter_rows(min_row=2, max_col=2, values_only=True) if row[0]}
    assert method["codebook"] == "mini 1.0.0"
    assert method["date"] == "2026-06-01T00:00:00"
    assert method["by"] == "stakeholder" and method["coder"] == "any coder" and method["status"] == "accepted"
    assert method["interviewer turns"] == "excluded"
    assert method["database"].startswith(("sqlite:///", "postgresql")) and method["transcripts in database"] == "3"

    ws = wb["counts"]
    assert ws.freeze_panes == "C2"
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("code", "label", "management", "gig_worker", "ohs", "total")
    for i, (code, label, values) in enumerate(zip(["support", "practical", "advice", "emotional", "trust",
                                                   "competition"], LABELS, COUNTS), start=1):
        assert rows[i] == (code, label, *values)
    assert rows[7] == ("total", "any code", *ANY)
    assert ws["B3"].alignment.indent == 1 and ws["B4"].alignment.indent == 2, "sub-codes are indented"
    assert ws["B2"].font.bold is False and ws["A8"].font.bold is True

    shares = list(wb["shares"].iter_rows(values_only=True))
    assert shares[1][2:] == (80.0, 40.0, 0.0, 60.0)
    assert wb["shares"]["C2"].number_format == "0.0"

    co = list(wb["cooccurrence_turns"].iter_rows(values_only=True))
    assert co[0][2:] == tuple(LABELS)
    assert co[5][2:] == (2, 2, 0, 1, 3, 0)  # trust's row on turns

    fw = wb["framework"]
    assert [c.value for c in fw[1]] == ["transcript", "stakeholder", *LABELS, "memo"]
    assert fw["A2"].value == "m1" and fw["B2"].value == "management"
    assert fw["D2"].value.startswith("n=2\n“Kysyin neuvoa kollegalta.” (V, turn 2)")
    assert fw["I2"].value == "anna: Vertaisneuvo: tärkeä kohta"
    assert fw.freeze_panes == "C2"


def test_xlsx_text_is_never_a_formula(mini, tmp_path):
    with transaction(mini) as s:
        t = s.query(Transcript).filter_by(name="m1").one()
        t.name = "=HYPERLINK(\"http://x\")"
    report = build_report(mini, MatrixSpec(), when=DATE, parts=("framework",))
    path = write_atomic(tmp_path / "f.xlsx", render_report(report, "xlsx"))
    ws = openpyxl.load_workbook(path)["framework"]
    names = [ws.cell(row=r, column=1) for r in range(2, 5)]
    cell = next(c for c in names if str(c.value).startswith("="))
    assert cell.data_type == "s"
    with zipfile.ZipFile(path) as z:
        sheet = z.read("xl/worksheets/sheet2.xml").decode()
    assert "<f>" not in sheet
    assert to_csv(report.table("framework").frame).count("'=HYPERLINK") == 1


def test_docx_cell_by_cell(report, tmp_path):
    path = write_atomic(tmp_path / "report.docx", render_report(report, "docx"))
    d = docx.Document(str(path))
    assert d.core_properties.created.replace(tzinfo=None) == datetime(2026, 6, 1)
    method = {r.cells[0].text: r.cells[1].text for r in d.tables[0].rows}
    assert method["codebook"] == "mini 1.0.0" and method["coder"] == "any coder"
    counts = d.tables[1]
    assert [c.text for c in counts.rows[0].cells] == ["code", "management", "gig_worker", "ohs", "total"]
    for row, label, values in zip(counts.rows[1:], LABELS, COUNTS):
        cells = [c.text for c in row.cells]
        assert cells[0].strip("\u00a0") == label
        assert cells[1:] == [str(v) for v in values]
    assert [c.text for c in counts.rows[-1].cells] == ["any code", *map(str, ANY)]
    assert counts.rows[2].cells[0].text.startswith("\u00a0\u00a0"), "a sub-code is indented"
    assert len(d.inline_shapes) == 6, "heat maps: counts, shares, transcripts and their shares, two co-occurrences"
    text = "\n".join(p.text for p in d.paragraphs)
    assert "Framework matrix: transcripts by codes" in text and "Not coded in: m1, g1, g2" in text
    quotes = [t for t in d.tables if t.rows[0].cells[-1].text == "quotes"]
    first = quotes[0]  # support
    assert [c.text for c in first.rows[1].cells[:3]] == ["m1", "management", "3"]
    assert "(V, turn" in first.rows[1].cells[3].text
    assert "m1: anna: Vertaisneuvo: tärkeä kohta" in text


def test_same_data_same_bytes_and_the_date_is_in_the_file(mini):
    one = build_report(mini, MatrixSpec(), when=DATE)
    two = build_report(mini, MatrixSpec(), when=DATE)
    for fmt in ("xlsx", "md", "csv", "png", "svg"):
        assert render_report(one, fmt) == render_report(two, fmt), fmt
    small = [build_report(mini, MatrixSpec(), when=DATE, parts=("counts", "framework")) for _ in range(2)]
    first = render_report(small[0], "docx")
    assert first == render_report(small[1], "docx")
    later = build_report(mini, MatrixSpec(), when="2026-07-01", parts=("counts",))
    assert render_report(later, "xlsx") != render_report(build_report(mini, MatrixSpec(), when=DATE,
                                                                      parts=("counts",)), "xlsx")
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        assert {i.date_time for i in z.infolist()} == {(2026, 6, 1, 0, 0, 0)}
    # Without a date, the report takes the latest change in the data (the fixture's time).
    assert build_report(mini, MatrixSpec(), parts=("counts",)).date == matrices_data.WHEN


def test_csv_and_markdown(report, mini):
    csv_text = render_report(report, "csv", "counts").decode()
    assert csv_text.splitlines() == [
        "code,management,gig_worker,ohs,total",
        "support,4,2,0,6", "practical,2,2,0,4", "advice,0,1,0,1", "emotional,2,0,0,2", "trust,1,3,0,4",
        "competition,0,0,0,0", "total,4,5,0,9"]
    shares = render_report(report, "csv", "shares").decode().splitlines()
    assert shares[1] == "support,80.0,40.0,0.0,60.0"
    md = render_report(report, "md").decode()
    assert "| code | management | gig_worker | ohs | total |" in md
    assert "| \u00a0\u00a0\u00a0\u00a0Advice | 0 | 1 | 0 | 1 |" in md
    assert "- **m1** (management, n=2): “Kysyin neuvoa kollegalta.” (V, turn 2)" in md
    plain = to_markdown(theme_matrix(mini, MatrixSpec()))
    assert plain.splitlines()[2] == "| support | 4 | 2 | 0 | 6 |"


def test_markdown_escapes_transcript_text(mini):
    with transaction(mini) as s:
        s.query(Transcript).filter_by(name="g2").one().name = "<b>x</b>|*y*"
    md = render_report(build_report(mini, MatrixSpec(), when=DATE, parts=("framework", "counts")), "md").decode()
    assert "<b>" not in md and "&lt;b&gt;x&lt;/b&gt;\\|\\*y\\*" in md


def test_plots_png_and_svg(report):
    png = render_report(report, "png", "counts")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    svg = render_report(report, "svg", "cooccurrence_segments")
    root = ElementTree.fromstring(svg)
    assert root.tag.endswith("svg")
    assert b"Date" not in svg[:2000]
    with pytest.raises(ReportError, match="quotes"):
        render_report(report, "png", "framework")


def test_export_writes_atomically_and_leaves_nothing_on_failure(mini, tmp_path):
    target = tmp_path / "out" / "m.xlsx"
    export(mini, MatrixSpec(), "xlsx", target, when=DATE)
    before = target.read_bytes()
    with pytest.raises(TypeError):
        write_atomic(target, "not bytes")  # fails while writing the temporary file
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["m.xlsx"], "no temporary file left behind"
    with pytest.raises(ReportError, match="unknown table"):
        export(mini, MatrixSpec(), "csv", tmp_path / "x.csv", table="nope")
    assert not (tmp_path / "x.csv").exists()
    with pytest.raises(ReportError, match="export date"):
        build_report(mini, MatrixSpec(), when="1.6.2026")


def test_finnish_labels(mini):
    report = build_report(mini, MatrixSpec(), when=DATE, lang="fi", parts=("counts",))
    md = render_report(report, "md").decode()
    assert "| \u00a0\u00a0Käytännöllinen tuki | 2 | 2 | 0 | 4 |" in md
