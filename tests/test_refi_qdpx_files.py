"""Reading .qdpx files from other tools, and clear refusals that leave the database as it was."""

from __future__ import annotations

import re
import zipfile

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from qualcode.cli import main
from qualcode.codebook import parse_codebook
from qualcode.importing import import_file
from qualcode.refi import RefiError, guids, read_qdpx, write_qdpx
from qualcode.refi.qdpx_read import read_project
from qualcode.review import accept
from qualcode.store import exchange, transaction
from qualcode.store.codebooks import record_version
from qualcode.store.models import CodebookVersion, Coding, Memo, Segment, Transcript

from .conftest import CODEBOOK, TRANSCRIPTS
from .refi_helpers import (
    FOREIGN_TEXT,
    INLINE_TEXT,
    assert_valid,
    foreign_positions,
    foreign_qde,
    foreign_qdpx,
    official_schema,
    write_zip,
)


def test_reader_copes_with_other_tools_conventions(tmp_path):
    project = read_project(foreign_qdpx(tmp_path / "nvivo.qdpx"))
    assert project.problems == []  # the hand-written file is schema-valid
    assert project.name == "Vertaistuki NVivo"
    interview, inline = project.sources
    assert interview.text == FOREIGN_TEXT  # BOM dropped, upper-case file name found in Sources/
    assert inline.text == INLINE_TEXT
    assert interview.guid == "f0000000-0000-4000-8000-000000000001"  # braces and case normalised
    assert project.user("{AAAAAAAA-1111-4111-8111-111111111111}") == "Maija Meikäläinen"
    assert project.user("cccccccc-3333-4333-8333-333333333333") == "user-cccccccc"
    first = interview.selections[0]
    assert (first.start, first.end) == foreign_positions()["ask"]
    assert [c.user for c in first.codings] == ["Maija Meikäläinen", None]
    assert interview.variables == {"Haastattelupäivä": "2025-05-02"}
    assert project.notes["90000000-0000-4000-8000-000000000002"].text == "NVivo-muistio: laaja jakso."
    assert project.notes["90000000-0000-4000-8000-000000000003"].anchors == [foreign_positions()["anchor"]]
    assert project.skipped == {"codings of whole sources (qualcode codes passages of text)": 1,
                               "PictureSource sources (qualcode reads text only)": 1,
                               "sets of codes, sources or notes": 1}


def test_atlas_counts_a_windows_line_break_as_one_character(tmp_path):
    crlf = FOREIGN_TEXT.replace("\n", "\r\n")
    members = {"project.qde": foreign_qde("ATLAS.ti 9.1"),
               "sources/f0000000-0000-4000-8000-000000000001.txt": crlf}
    project = read_project(write_zip(tmp_path / "atlas.qdpx", members))
    sel = project.sources[0].selections[0]
    assert project.sources[0].text[sel.start:sel.end] == "kysytään neuvoa toisiltamme"
    # Other tools count both characters: the same offsets read the text as it is.
    members["project.qde"] = foreign_qde("NVivo 14")
    other = read_project(write_zip(tmp_path / "nvivo.qdpx", members)).sources[0]
    assert "\r\n" in other.text


def counts(engine):
    with transaction(engine) as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Transcript, Segment, Coding, Memo,
                                                                              CodebookVersion))


@pytest.mark.parametrize("members, message", [
    (None, "not a REFI-QDA project: a .qdpx file is a zip"),
    ({"readme.txt": "hello"}, "no project.qde inside"),
    ({"project.qde": "<Project name='x'"}, "not well-formed XML"),
    ({"project.qde": "<CodeBook xmlns='urn:QDA-XML:codebook:1.0'/>"}, "root <CodeBook>, expected <Project>"),
    ({"project.qde": foreign_qde()}, "its text file internal://F0000000-0000-4000-8000-000000000001.TXT is not in"),
])
def test_invalid_files_are_refused_and_change_nothing(tmp_path, engine, members, message):
    import_file(engine, TRANSCRIPTS / "mgmt_user_company.docx")
    before = counts(engine)
    path = tmp_path / "bad.qdpx"
    if members is None:
        path.write_text("not a zip", encoding="utf-8")
    else:
        write_zip(path, members)
    with pytest.raises(RefiError, match=message) as err:
        read_qdpx(engine, path)
    assert "bad.qdpx" in str(err.value)
    assert counts(engine) == before


def test_a_transcript_with_the_same_name_but_other_text_is_refused(tmp_path, engine):
    import_file(engine, TRANSCRIPTS / "mgmt_user_company.docx")
    before = counts(engine)
    qde = foreign_qde().replace('name="Haastattelu 7.docx"', 'name="mgmt_user_company"')
    path = write_zip(tmp_path / "clash.qdpx", {"project.qde": qde,
                                               "sources/f0000000-0000-4000-8000-000000000001.txt": FOREIGN_TEXT})
    with pytest.raises(RefiError, match="'mgmt_user_company' is already in the project with a different text"):
        read_qdpx(engine, path)
    assert counts(engine) == before


def test_a_conflicting_codebook_version_is_refused(tmp_path, engine):
    """The file's codebook YAML has the version number of a different codebook already recorded."""
    book_text = CODEBOOK.read_text(encoding="utf-8")
    with transaction(engine) as s:
        record_version(s, parse_codebook(book_text), book_text)
    before = counts(engine)
    book = parse_codebook(book_text)
    changed = book_text + "\n# edited without a new version number\n"
    note = (f'<Notes><Note guid="90000000-0000-4000-8000-00000000000a" name="qualcode codebook {book.name} {book.version}">'
            f"<Description>The qualcode codebook version in use (YAML).</Description>"
            f"<PlainTextContent><![CDATA[{changed}]]></PlainTextContent></Note></Notes>")
    qde = ('<Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="qualcode 0.1.0">'
           '<CodeBook><Codes><Code guid="c0000000-0000-4000-8000-000000000002" name="x" isCodable="true"/>'
           f"</Codes></CodeBook>{note}</Project>")
    with pytest.raises(RefiError, match=f"codebook {book.name} {book.version} in the file differs"):
        read_qdpx(engine, write_zip(tmp_path / "book.qdpx", {"project.qde": qde}))
    assert counts(engine) == before


def test_cli_reports_a_bad_file_without_a_traceback(tmp_path, db_url):
    path = write_zip(tmp_path / "empty.qdpx", {"x.txt": "x"})
    r = CliRunner().invoke(main, ["--db", db_url, "import", "--format", "qdpx", str(path)])
    assert r.exit_code == 1
    assert "error: " in r.output and "no project.qde inside" in r.output


def test_project_export_keeps_codes_missing_from_the_codebook_in_use(tmp_path, engine):
    """A code dropped from the codebook in use still travels with its codings (label from an older version)."""
    import_file(engine, TRANSCRIPTS / "mgmt_user_company.docx")
    base_text = CODEBOOK.read_text(encoding="utf-8")
    base = parse_codebook(base_text)
    with transaction(engine) as s:
        record_version(s, base, base_text)
        t = s.scalar(select(Transcript))
        turn = exchange.turns_of(s, t.id)[1]
        exchange.add_segments(s, t.id, [(turn.start, turn.end, turn)], t.text, mark_segmented=False)
        sid = exchange.segments_by_offsets(s, t.id)[(turn.start, turn.end)]
    accept(engine, sid, "trust", "anna")
    accept(engine, sid, "mystery_code", "anna")
    newer_text = re.sub(r"(?m)^version: .*$", "version: 99.9.0", base_text).replace("- id: trust", "- id: trust_renamed")
    with transaction(engine) as s:  # as if codings had been left behind (migrating skips the orphan check)
        record_version(s, parse_codebook(newer_text), newer_text, migrating=True)
    path = tmp_path / "p.qdpx"
    write_qdpx(engine, path)
    root = assert_valid(official_schema("Project-mrt2019.xsd"), zipfile.ZipFile(path).read("project.qde"))
    codes = {el.get("name"): el for el in root.iter("{urn:QDA-XML:project:1.0}Code")}
    assert codes["Trust"].get("guid") == guids.code_guid("peer_support", "trust")  # from the older version
    assert "defined in no codebook version" in codes["mystery_code"].find("{urn:QDA-XML:project:1.0}Description").text
    refs = {el.get("targetGUID") for el in root.iter("{urn:QDA-XML:project:1.0}CodeRef")}
    assert refs == {guids.code_guid("peer_support", "trust"), guids.code_guid("peer_support", "mystery_code")}


def test_empty_project_exports_a_valid_file(tmp_path, engine):
    summary = write_qdpx(engine, tmp_path / "empty.qdpx")
    assert summary.transcripts == 0
    assert_valid(official_schema("Project-mrt2019.xsd"), zipfile.ZipFile(tmp_path / "empty.qdpx").read("project.qde"))
