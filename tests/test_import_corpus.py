"""Every real-world file in ../shared/docx-corpus either imports with all of its body text, as
read independently from its XML here, or is refused with a clear message and nothing written."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from sqlalchemy import select

from qualcode.cli import main
from qualcode.importing import import_file
from qualcode.store import transaction
from qualcode.store import transcripts as store
from qualcode.store.models import Base

from .conftest import DOCX_CORPUS, SHARED

CORPUS = DOCX_CORPUS  # a copy of ../shared/docx-corpus (checked against it below when it exists)
FILES = sorted(p for p in CORPUS.glob("*") if p.suffix.lower() in (".docx", ".docm", ".doc"))
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
# What each known file is refused for (words the reason must contain); the rest must import.
REFUSED = {
    "mammoth_empty.docx": "no text",
    "mammoth_strict-format.docx": "Strict Open XML",
    "poi_45690_macro.docm": "macro",
    "poi_EmptyDocumentWithHeaderFooter.docx": "only its headers/footers",
    "poi_bug53475-password-is-pass.docx": "password",
    "poi_truncated62886.docx": "truncated",
    "pydocx_doc-word-default-blank.docx": "no text",
    "pydocx_tbl-having-tables.docx": "no text",
}
NOTE_MARKER = re.compile(r"\[L?\??\d{1,3}\]")
SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def squash(text: str) -> str:
    return re.sub(r"\s+", "", NOTE_MARKER.sub("", text))


def _own_text(p: etree._Element) -> str:
    """Text of w:t/m:t (and the characters w:noBreakHyphen, w:sym stand for) under paragraph ``p``
    but not under a nested paragraph, deletion or fallback."""
    out = []
    for t in p.iter(f"{{{W}}}t", f"{{{M}}}t", f"{{{W}}}noBreakHyphen", f"{{{W}}}sym"):
        el, ok = t.getparent(), True
        while el is not None and el is not p:
            if el.tag in (f"{{{W}}}p", f"{{{W}}}del", f"{{{W}}}moveFrom", f"{{{MC}}}Fallback", f"{{{W}}}rt"):
                ok = False
                break
            el = el.getparent()
        if not ok:
            continue
        if t.tag == f"{{{W}}}noBreakHyphen":
            out.append("-")
        elif t.tag == f"{{{W}}}sym":
            ch = chr(int(t.get(f"{{{W}}}char"), 16))
            out.append("" if 0xE000 <= ord(ch) <= 0xF8FF else ch)
        else:  # text around an (unresolved) entity reference is text too
            out.append((t.text or "") + "".join(c.tail or "" for c in t))
    return "".join(out)


def xml_paragraph_texts(xml: bytes) -> list[str]:
    """Each paragraph's own text in document order (a text box's paragraphs follow their anchor)."""
    root = etree.fromstring(xml, SAFE)
    texts = []
    for p in root.iter(f"{{{W}}}p"):
        if any(a.tag == f"{{{MC}}}Fallback" for a in p.iterancestors()):
            continue
        texts.append(_own_text(p))
    return texts


def xml_notes(zf: zipfile.ZipFile) -> list[str]:
    notes = []
    for part, tag in (("word/footnotes.xml", "footnote"), ("word/endnotes.xml", "endnote")):
        if part in zf.namelist():
            for note in etree.fromstring(zf.read(part), SAFE).iter(f"{{{W}}}{tag}"):
                if note.get(f"{{{W}}}type") in (None, "normal"):
                    text = "".join(_own_text(p) for p in note.iter(f"{{{W}}}p"))
                    if text.strip():
                        notes.append(text)
    return notes


def snapshot(engine) -> dict[str, list]:
    with engine.connect() as conn:
        return {t.name: sorted(map(tuple, conn.execute(select(t)).all()), key=repr) for t in Base.metadata.sorted_tables}


@pytest.fixture
def seeded(engine, sample_docx):
    """A project that already holds a transcript, so 'unchanged' means something."""
    assert import_file(engine, sample_docx[0]).status == "imported"
    return engine


def test_corpus_is_there():
    assert len(FILES) >= 20, f"the DOCX corpus is missing at {CORPUS}"
    shared = SHARED / "docx-corpus"
    if shared.is_dir():  # the copy is the shared corpus, file for file
        theirs = sorted(p for p in shared.iterdir() if p.suffix.lower() in (".docx", ".docm", ".doc"))
        assert [(p.name, p.read_bytes()) for p in theirs] == [(p.name, p.read_bytes()) for p in FILES]


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_corpus_file_imports_all_body_text_or_is_refused(path: Path, seeded):
    engine = seeded
    before = snapshot(engine)
    report = import_file(engine, path, attributes={"stakeholder": "ohs"})
    if report.status == "failed":
        assert path.name in REFUSED, f"{path.name} was refused: {report.message}"
        assert REFUSED[path.name] in report.message
        assert ";" in report.message, "a refusal says what to do"
        assert report.path == str(path)
        assert snapshot(engine) == before, "a refused file must leave the database as it was"
        return
    assert path.name not in REFUSED, f"{path.name} should have been refused ({REFUSED.get(path.name)})"
    assert report.status == "imported", report.message
    with transaction(engine) as s:
        shown = store.as_dict(store.load(s, path.stem))
    text = shown["text"]
    with zipfile.ZipFile(path) as zf:
        paragraphs = xml_paragraph_texts(zf.read("word/document.xml"))
        notes = xml_notes(zf)
        n_comments = len(re.findall(rb"<w:comment ", zf.read("word/comments.xml"))) \
            if "word/comments.xml" in zf.namelist() else 0
    lines = text.split("\n")
    n_note_lines = sum(1 for ln in lines if re.match(r"\[(Alaviite|Loppuviite) L?\??\d+\] ", ln))
    body = "\n".join(lines[:len(lines) - n_note_lines])
    assert squash(body) == squash("".join(paragraphs)), "body text differs from the XML's"
    note_text = squash("\n".join(lines[len(lines) - n_note_lines:]))
    assert n_note_lines == len(notes)
    for note in notes:
        assert squash(note) in note_text
    assert len(shown["memos"]) <= n_comments
    for turn in shown["turns"]:
        assert text[turn["start"]:turn["end"]] == turn["text"]


def test_corpus_specifics(engine):
    def imported(name):
        path = CORPUS / name
        assert import_file(engine, path, attributes={"stakeholder": "ohs"}).ok
        with transaction(engine) as s:
            return store.as_dict(store.load(s, path.stem))

    xxe = imported("poi_ExternalEntityInText.docx")
    assert xxe["text"] == 'Here should not be the POI web site: ""'  # the external entity is never fetched
    assert imported("mammoth_text-box.docx")["text"].count("Datum plane") == 1
    tracked = imported("poi_delins_tracked.docx")["text"]
    assert "March 2009: Apache Tika Release" in tracked  # insertion in
    assert "A pendant worn in place of the red spot" not in tracked  # deletion out
    controls = imported("poi_clusterfuzz-6733884933668864.docx")["text"]
    assert "text content from within a paragraph" in controls
    assert "Content control that is the entire paragraph" in controls
    rich = imported("pydocx_comments-rich-para.docx")
    anchored = {m["text"]: rich["text"][m["start"]:m["end"]] for m in rich["memos"]}
    assert anchored["Text with hyperlink https://google.com embedded."] == "Some text worthy of note."
    assert anchored["Paragraph with Heading 2 paragraph style."] == "Paragraph 6"
    assert {m["coder"] for m in rich["memos"]} == {"Steve Canny", "docx"}
    german = imported("poi_stress008_large_german.docx")["text"]
    assert german.count("\n[Alaviite ") == len(xml_notes(zipfile.ZipFile(CORPUS / "poi_stress008_large_german.docx")))


def test_batch_reports_every_file_and_exits_non_zero(tmp_path, sample_docx):
    db = f"sqlite:///{tmp_path / 'batch.db'}"
    files = [str(sample_docx[0]), *(str(p) for p in FILES)]
    res = CliRunner().invoke(main, ["--db", db, "import", "--attr", "stakeholder=ohs", *files])
    assert res.exit_code == 1
    for f in files:
        assert f in res.output, f"{f} missing from the report"
    for name, why in REFUSED.items():
        line = next(ln for ln in res.output.splitlines() if ln.endswith(name) or f"/{name}:" in ln)
        assert line.startswith("FAILED") and why in line
    n_ok = len(files) - len(REFUSED)
    assert f"{n_ok} imported, 0 skipped, {len(REFUSED)} failed" in res.output
