"""Read a DOCX package's text straight from its XML, in reading order.

python-docx's ``paragraph.text`` drops tracked insertions and text in content controls, and
``row.cells`` repeats merged cells, so the importer reads WordprocessingML itself:

- paragraphs and tables in body order (each cell once, vertically merged continuations skipped);
- tracked changes resolved to the accepted text (``w:ins`` in, ``w:del``/``w:moveFrom`` out);
- content controls (``w:sdt``), smart tags and hyperlinks are transparent;
- text boxes become paragraphs of their own after the paragraph that anchors them
  (``mc:Fallback`` copies are skipped so nothing is read twice);
- footnotes, endnotes and comments are returned separately.

The XML parser never resolves entities or touches the network.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
CP = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
DC = "http://purl.org/dc/elements/1.1/"
DCTERMS = "http://purl.org/dc/terms/"


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


SKIP = {w("del"), w("moveFrom"), w("delText"), w("instrText"), w("delInstrText"), f"{{{MC}}}Fallback",
        w("rPr"), w("pPr"), w("sectPr"), w("commentReference")}
BREAKS = {w("br"): "\n", w("cr"): "\n", w("tab"): "\t", w("noBreakHyphen"): "-", w("softHyphen"): ""}

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True,
                         remove_pis=True, load_dtd=False)


@dataclass
class Run:
    text: str
    bold: bool = False


@dataclass
class Paragraph:
    runs: list[Run] = field(default_factory=list)
    style: str = ""
    in_table: bool = False
    comment_ids: list[str] = field(default_factory=list)
    comment_ranges: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "".join(r.text for r in self.runs)


@dataclass
class Table:
    rows: list[list[str]]  # cell texts, each cell once


@dataclass
class DocxContent:
    blocks: list[Paragraph | Table]
    core: dict[str, str]
    footnotes: list[str]
    endnotes: list[str]
    comments: dict[str, dict]  # id -> {"author", "text"}

    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


def parse_xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, PARSER)


def _is_bold(run: etree._Element) -> bool:
    rpr = run.find(w("rPr"))
    if rpr is None:
        return False
    b = rpr.find(w("b"))
    return b is not None and b.get(w("val"), "true") not in ("0", "false", "off")


class _ParagraphReader:
    """Collects one paragraph's runs; text boxes met on the way go to ``boxes``."""

    def __init__(self) -> None:
        self.para = Paragraph()
        self.boxes: list[Paragraph] = []

    def read(self, p: etree._Element) -> Paragraph:
        ppr = p.find(w("pPr"))
        if ppr is not None and ppr.find(w("pStyle")) is not None:
            self.para.style = ppr.find(w("pStyle")).get(w("val"), "")
        self._walk(p, bold=False)
        return self.para

    def _add(self, text: str, bold: bool) -> None:
        if text:
            self.para.runs.append(Run(text, bold))

    def _walk(self, el: etree._Element, bold: bool) -> None:
        for child in el:
            tag = child.tag
            if not isinstance(tag, str) or tag in SKIP:
                continue
            if tag == w("t"):
                self._add(child.text or "", bold)
            elif tag in BREAKS:
                self._add(BREAKS[tag], bold)
            elif tag == w("r"):
                self._walk(child, _is_bold(child))
            elif tag == w("txbxContent"):
                for p in child.iterchildren(w("p")):
                    sub = _ParagraphReader()
                    self.boxes.append(sub.read(p))
                    self.boxes.extend(sub.boxes)
            elif tag == w("commentRangeStart"):
                cid = child.get(w("id"))
                self.para.comment_ids.append(cid)
                self.para.comment_ranges[cid] = (len(self.para.text), -1)
            elif tag == w("commentRangeEnd"):
                cid = child.get(w("id"))
                start = self.para.comment_ranges.get(cid, (0, -1))[0]
                self.para.comment_ranges[cid] = (start, len(self.para.text))
            elif tag == w("p"):
                # a paragraph nested where runs are expected (sdt inside a paragraph, etc.)
                self._walk(child, bold)
            else:
                self._walk(child, bold)


def _cell_is_merge_continuation(tc: etree._Element) -> bool:
    tcpr = tc.find(w("tcPr"))
    if tcpr is None:
        return False
    vm = tcpr.find(w("vMerge"))
    return vm is not None and vm.get(w("val"), "continue") == "continue"


def _read_table(tbl: etree._Element, out: list) -> Table:
    rows: list[list[str]] = []
    for tr in tbl.iterchildren(w("tr")):
        cells: list[str] = []
        for tc in tr.iter(w("tc")):
            if tc.getparent() is not tr and tc.getparent().getparent() is not tr:
                continue  # cells of nested tables belong to those tables
            if _cell_is_merge_continuation(tc):
                continue
            texts: list[str] = []
            for child in tc:
                if child.tag == w("p"):
                    reader = _ParagraphReader()
                    texts.append(reader.read(child).text)
                    texts.extend(b.text for b in reader.boxes)
                elif child.tag == w("tbl"):
                    nested = _read_table(child, out)
                    texts.extend("\t".join(r) for r in nested.rows)
                elif child.tag == w("sdt"):
                    for p in child.iter(w("p")):
                        texts.append(_ParagraphReader().read(p).text)
            cells.append("\n".join(t for t in texts))
        rows.append(cells)
    return Table(rows)


def _read_blocks(container: etree._Element, blocks: list) -> None:
    for child in container:
        tag = child.tag
        if tag == w("p"):
            reader = _ParagraphReader()
            blocks.append(reader.read(child))
            blocks.extend(reader.boxes)
        elif tag == w("tbl"):
            blocks.append(_read_table(child, blocks))
        elif tag in (w("sdt"),):
            content = child.find(w("sdtContent"))
            if content is not None:
                _read_blocks(content, blocks)
        elif tag in (w("customXml"), w("ins"), w("moveTo"), w("smartTag"), f"{{{MC}}}AlternateContent",
                     f"{{{MC}}}Choice"):
            _read_blocks(child, blocks)


def _notes(zf: zipfile.ZipFile, name: str, tag: str) -> list[str]:
    if name not in zf.namelist():
        return []
    root = parse_xml(zf.read(name))
    notes = []
    for note in root.iter(w(tag)):
        if note.get(w("type")) in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        text = "\n".join(_ParagraphReader().read(p).text for p in note.iter(w("p"))).strip()
        if text:
            notes.append(text)
    return notes


def _comments(zf: zipfile.ZipFile) -> dict[str, dict]:
    if "word/comments.xml" not in zf.namelist():
        return {}
    root = parse_xml(zf.read("word/comments.xml"))
    out = {}
    for c in root.iter(w("comment")):
        text = "\n".join(_ParagraphReader().read(p).text for p in c.iter(w("p"))).strip()
        out[c.get(w("id"))] = {"author": c.get(w("author"), ""), "text": text}
    return out


def _core(zf: zipfile.ZipFile) -> dict[str, str]:
    if "docProps/core.xml" not in zf.namelist():
        return {}
    root = parse_xml(zf.read("docProps/core.xml"))
    out = {}
    for el in root:
        if isinstance(el.tag, str) and (el.text or "").strip():
            out[etree.QName(el).localname] = el.text.strip()
    return out


def main_part_name(zf: zipfile.ZipFile) -> str:
    """The main document part named by the package relationships (usually word/document.xml)."""
    rels = "_rels/.rels"
    if rels in zf.namelist():
        root = parse_xml(zf.read(rels))
        for rel in root:
            if rel.get("Type", "").endswith("/officeDocument"):
                return rel.get("Target", "word/document.xml").lstrip("/")
    return "word/document.xml"


def read_docx(zf: zipfile.ZipFile) -> DocxContent:
    """All text of an open, already checked DOCX package."""
    root = parse_xml(zf.read(main_part_name(zf)))
    body = root.find(w("body"))
    blocks: list[Paragraph | Table] = []
    if body is not None:
        _read_blocks(body, blocks)
    return DocxContent(
        blocks=blocks,
        core=_core(zf),
        footnotes=_notes(zf, "word/footnotes.xml", "footnote"),
        endnotes=_notes(zf, "word/endnotes.xml", "endnote"),
        comments=_comments(zf),
    )
