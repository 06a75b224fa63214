"""Read a DOCX package's text straight from its XML, in reading order.

python-docx's ``paragraph.text`` drops tracked insertions and text in content controls, and
``row.cells`` repeats merged cells, so the importer reads WordprocessingML itself:

- paragraphs and tables in body order (each cell once: vertically merged continuations and
  legacy ``hMerge`` continuations are skipped, ``gridSpan`` cells are one element anyway);
- tracked changes resolved to the accepted text: ``w:ins``/``w:moveTo`` in, ``w:del``/``w:moveFrom``
  out, and a paragraph whose mark was deleted runs on into the next one;
- content controls (``w:sdt``), custom XML, smart tags, fields and hyperlinks are transparent;
- text boxes become paragraphs of their own after the paragraph that anchors them
  (``mc:Fallback`` copies are skipped so nothing is read twice);
- a footnote or endnote reference becomes a marker ``[1]``/``[L1]`` in the text; the notes
  themselves, comments (with their anchors), core and custom properties come back separately.

The XML parser never resolves entities or touches the network.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field

from lxml import etree

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
M = "http://schemas.openxmlformats.org/officeDocument/2006/math"
CUSTOM_PROPS = "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


W_R, W_RPR, W_B, W_VAL, W_P, W_TBL, W_SDT, W_SDTCONTENT = (w(t) for t in ("r", "rPr", "b", "val", "p", "tbl", "sdt",
                                                                          "sdtContent"))
W_TXBX, W_SYM, W_CHAR, W_BR = w("txbxContent"), w("sym"), w("char"), w("br")
COMMENT_MARKS = {w("commentRangeStart"): "comment_start", w("commentRangeEnd"): "comment_end",
                 w("commentReference"): "comment_ref"}
NOTE_REFS = {w("footnoteReference"): "footnote", w("endnoteReference"): "endnote"}
NO_TEXT_OBJECTS = frozenset({w("object"), w("drawing"), w("pict")})
# Elements whose content is never text of the accepted document.
SKIP = frozenset({
    w("del"), w("moveFrom"), w("delText"), w("instrText"), w("delInstrText"), f"{{{MC}}}Fallback",
    w("rPr"), w("pPr"), w("sectPr"), w("tblPr"), w("trPr"), w("tcPr"), w("sdtPr"), w("sdtEndPr"),
    w("rt"),  # ruby (phonetic guide) text; the base text is kept
    w("fldData"), w("footnotePr"), w("endnotePr"),
})
BREAKS = {w("br"): "\n", w("cr"): "\n", w("tab"): "\t", w("ptab"): "\t", w("noBreakHyphen"): "-",
          w("softHyphen"): ""}
TEXT_TAGS = frozenset({w("t"), f"{{{M}}}t"})
# Block-level wrappers whose children are read as if they stood in the body.
TRANSPARENT_BLOCKS = frozenset({w("customXml"), w("ins"), w("moveTo"), w("smartTag"), f"{{{MC}}}AlternateContent",
                                f"{{{MC}}}Choice", w("sdtContent")})

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True,
                         remove_pis=True, load_dtd=False)


@dataclass(eq=False)
class Paragraph:
    """One paragraph's text, with where bold runs and anchors (comments, notes) fall in it."""

    text: str = ""
    bold: list[tuple[int, int]] = field(default_factory=list)
    style: str = ""
    kind: str = "body"  # body | textbox | cell
    marks: list[tuple[str, str, int]] = field(default_factory=list)  # (comment_start|comment_end|comment_ref, id, offset)
    mark_deleted: bool = False  # tracked deletion of the paragraph mark: runs on into the next paragraph

    def is_bold(self, start: int, end: int) -> bool:
        """True if the non-blank characters of ``text[start:end]`` are all in bold runs."""
        if end <= start or not self.bold:
            return False
        covered = start
        for s, e in self.bold:  # runs are in text order
            if e <= covered:
                continue
            if s > covered and self.text[covered:s].strip():
                return False
            covered = max(covered, e)
            if covered >= end:
                return True
        return not self.text[covered:end].strip()


@dataclass(eq=False)
class Table:
    rows: list[list[list[Paragraph]]]  # row -> cell -> paragraphs; each cell once

    def cell_texts(self) -> list[list[str]]:
        return [[" ".join(p.text for p in cell if p.text) for cell in row] for row in self.rows]


@dataclass
class Note:
    kind: str  # footnote | endnote
    marker: str  # "1", "L1": what the body shows at the reference
    paragraphs: list[Paragraph]


@dataclass
class DocxContent:
    blocks: list[Paragraph | Table]
    core: dict[str, str] = field(default_factory=dict)
    custom: dict[str, str] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)
    comments: dict[str, dict] = field(default_factory=dict)  # id -> {"author", "text"}
    warnings: list[str] = field(default_factory=list)

    def paragraphs(self) -> list[Paragraph]:
        return [b for b in self.blocks if isinstance(b, Paragraph)]

    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


def parse_xml(data: bytes) -> etree._Element:
    return etree.fromstring(data, PARSER)


def _is_bold(run: etree._Element) -> bool:
    rpr = run.find(W_RPR)
    if rpr is None:
        return False
    b = rpr.find(W_B)
    return b is not None and b.get(W_VAL, "true") not in ("0", "false", "off")


class _DocReader:
    """Walks one XML part; shared state: note references in order, things it could not read."""

    def __init__(self) -> None:
        self.note_refs: list[tuple[str, str, str]] = []  # (kind, xml id, marker)
        self.skipped: dict[str, int] = {}

    # -- paragraphs ---------------------------------------------------------------------------
    def paragraph(self, p: etree._Element, kind: str = "body") -> list[Paragraph]:
        """The paragraph, followed by the paragraphs of text boxes anchored in it."""
        para = Paragraph(kind=kind)
        ppr = p.find(w("pPr"))
        if ppr is not None:
            style = ppr.find(w("pStyle"))
            if style is not None:
                para.style = style.get(w("val"), "")
            rpr = ppr.find(w("rPr"))
            if rpr is not None and (rpr.find(w("del")) is not None or rpr.find(w("moveFrom")) is not None):
                para.mark_deleted = True
        parts: list[str] = []
        boxes: list[Paragraph] = []
        self._walk(p, False, para, parts, [0], boxes)
        para.text = "".join(parts)
        return [para, *boxes]

    def _walk(self, el, bold: bool, para: Paragraph, parts: list[str], pos: list[int], boxes: list) -> None:
        for child in el:
            tag = child.tag
            if tag in TEXT_TAGS:
                text = child.text
                if len(child):  # an entity reference the parser left unresolved: keep the text around it
                    text = (text or "") + "".join(c.tail or "" for c in child)
                if text:
                    if bold:
                        para.bold.append((pos[0], pos[0] + len(text)))
                    parts.append(text)
                    pos[0] += len(text)
            elif tag == W_R:
                self._walk(child, _is_bold(child), para, parts, pos, boxes)
            elif not isinstance(tag, str) or tag in SKIP:
                continue
            elif tag in BREAKS:
                br = BREAKS[tag]
                if br:
                    parts.append(br)
                    pos[0] += len(br)
            elif tag == W_SYM:
                code = child.get(W_CHAR, "")
                try:
                    ch = chr(int(code, 16))
                except ValueError:
                    ch = ""
                if ch and not 0xE000 <= ord(ch) <= 0xF8FF:  # symbol-font private-use glyphs are not text
                    parts.append(ch)
                    pos[0] += 1
            elif tag == W_TXBX:
                for block in self.blocks(child, "textbox"):
                    if isinstance(block, Paragraph):
                        boxes.append(block)
                    else:  # a table inside a text box: its cells as paragraphs
                        boxes.extend(p for row in block.rows for cell in row for p in cell)
            elif tag in COMMENT_MARKS:
                para.marks.append((COMMENT_MARKS[tag], child.get(w("id"), ""), pos[0]))
            elif tag in NOTE_REFS:
                kind = NOTE_REFS[tag]
                n = sum(1 for k, _, _ in self.note_refs if k == kind) + 1
                marker = str(n) if kind == "footnote" else f"L{n}"
                self.note_refs.append((kind, child.get(w("id"), ""), marker))
                text = f"[{marker}]"
                parts.append(text)
                pos[0] += len(text)
            elif tag in NO_TEXT_OBJECTS and next(child.iter(W_TXBX), None) is None:
                if tag == w("object"):
                    self.skipped["embedded object"] = self.skipped.get("embedded object", 0) + 1
                continue  # pictures and OLE objects hold no text we can read
            else:
                self._walk(child, bold, para, parts, pos, boxes)

    # -- tables -------------------------------------------------------------------------------
    def table(self, tbl: etree._Element) -> Table:
        rows: list[list[list[Paragraph]]] = []
        for tr in self._children(tbl, w("tr")):
            cells: list[list[Paragraph]] = []
            for tc in self._children(tr, w("tc")):
                tcpr = tc.find(w("tcPr"))
                if tcpr is not None:
                    vm = tcpr.find(w("vMerge"))
                    hm = tcpr.find(w("hMerge"))
                    if (vm is not None and vm.get(w("val"), "continue") == "continue") or (
                            hm is not None and hm.get(w("val"), "continue") == "continue"):
                        continue  # a merged cell's continuation: its text (if any) is in the first cell
                paras: list[Paragraph] = []
                for block in self.blocks(tc, "cell"):
                    if isinstance(block, Paragraph):
                        paras.append(block)
                    else:  # nested table: its cells' paragraphs in reading order
                        paras.extend(p for row in block.rows for cell in row for p in cell)
                cells.append(paras)
            rows.append(cells)
        return Table(rows)

    @staticmethod
    def _children(el: etree._Element, tag: str):
        """``tag`` children of ``el``, looking through sdt/customXml/ins wrappers (rows, cells)."""
        for child in el:
            if child.tag == tag:
                yield child
            elif child.tag in TRANSPARENT_BLOCKS or child.tag == w("sdt"):
                yield from _DocReader._children(child, tag)

    # -- blocks -------------------------------------------------------------------------------
    def blocks(self, container: etree._Element, kind: str = "body") -> list[Paragraph | Table]:
        out: list[Paragraph | Table] = []
        self._blocks(container, kind, out)
        return _merge_deleted_marks(out)

    def _blocks(self, container: etree._Element, kind: str, out: list) -> None:
        for child in container:
            tag = child.tag
            if tag == w("p"):
                out.extend(self.paragraph(child, kind))
            elif tag == w("tbl"):
                out.append(self.table(child))
            elif tag == w("sdt"):
                content = child.find(w("sdtContent"))
                if content is not None:
                    self._blocks(content, kind, out)
            elif tag in TRANSPARENT_BLOCKS:
                self._blocks(child, kind, out)
            elif tag == w("altChunk"):
                self.skipped["embedded document (altChunk)"] = self.skipped.get("embedded document (altChunk)", 0) + 1


def _merge_deleted_marks(blocks: list) -> list:
    """Accept a tracked deletion of a paragraph mark: the paragraph joins the next one."""
    if not any(isinstance(b, Paragraph) and b.mark_deleted for b in blocks):
        return blocks
    out: list = []
    for block in blocks:
        prev = out[-1] if out else None
        if isinstance(block, Paragraph) and isinstance(prev, Paragraph) and prev.mark_deleted \
                and prev.kind == block.kind:
            shift = len(prev.text)
            prev.text += block.text
            prev.bold += [(s + shift, e + shift) for s, e in block.bold]
            prev.marks += [(k, i, o + shift) for k, i, o in block.marks]
            prev.mark_deleted = block.mark_deleted
        else:
            out.append(block)
    return out


def _notes(zf: zipfile.ZipFile, names: set[str], reader: _DocReader) -> list[Note]:
    """Footnotes, then endnotes, in the order the body refers to them (unreferenced ones last)."""
    found: dict[tuple[str, str], list[Paragraph]] = {}
    order: list[tuple[str, str]] = []
    for kind, part in (("footnote", "word/footnotes.xml"), ("endnote", "word/endnotes.xml")):
        if part not in names:
            continue
        root = parse_xml(zf.read(part))
        for note in root.iter(w(kind)):
            if note.get(w("type")) in ("separator", "continuationSeparator", "continuationNotice"):
                continue
            paras = [p for p in reader.blocks(note, "note") if isinstance(p, Paragraph)]
            if any(p.text.strip() for p in paras):
                key = (kind, note.get(w("id"), ""))
                found[key] = paras
                order.append(key)
    notes = []
    seen = set()
    refs = sorted(reader.note_refs, key=lambda ref: ref[0] != "footnote")  # footnotes, then endnotes
    for kind, nid, marker in refs:
        if (kind, nid) in found and (kind, nid) not in seen:
            seen.add((kind, nid))
            notes.append(Note(kind, marker, found[(kind, nid)]))
    for n, key in enumerate((k for k in order if k not in seen), start=1):
        notes.append(Note(key[0], f"{'' if key[0] == 'footnote' else 'L'}?{n}", found[key]))
    return notes


def _comments(zf: zipfile.ZipFile, names: set[str]) -> dict[str, dict]:
    if "word/comments.xml" not in names:
        return {}
    root = parse_xml(zf.read("word/comments.xml"))
    reader = _DocReader()
    out = {}
    for c in root.iter(w("comment")):
        text = "\n".join(p.text for p in reader.blocks(c, "comment") if isinstance(p, Paragraph)).strip()
        out[c.get(w("id"), "")] = {"author": c.get(w("author"), ""), "date": c.get(w("date"), ""), "text": text}
    return out


def _core(zf: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    if "docProps/core.xml" not in names:
        return {}
    root = parse_xml(zf.read("docProps/core.xml"))
    out = {}
    for el in root:
        if isinstance(el.tag, str) and (el.text or "").strip():
            out[etree.QName(el).localname] = el.text.strip()
    return out


def _custom(zf: zipfile.ZipFile, names: set[str]) -> dict[str, str]:
    """Custom document properties (File > Properties > Custom in Word): name -> value."""
    if "docProps/custom.xml" not in names:
        return {}
    root = parse_xml(zf.read("docProps/custom.xml"))
    out = {}
    for prop in root.iter(f"{{{CUSTOM_PROPS}}}property"):
        name = prop.get("name", "").strip()
        value = "".join(t for el in prop for t in el.itertext()).strip()
        if name and value:
            out[name] = value
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


def read_docx(zf: zipfile.ZipFile, root: etree._Element | None = None) -> DocxContent:
    """All text of an open, already checked DOCX package (``root``: the parsed main part, if at hand)."""
    names = set(zf.namelist())
    if root is None:
        root = parse_xml(zf.read(main_part_name(zf)))
    reader = _DocReader()
    body = root.find(w("body"))
    blocks = reader.blocks(body) if body is not None else []
    notes = _notes(zf, names, reader)
    warnings = [f"{n} {what}{'s' if n > 1 else ''} without readable text left out"
                for what, n in sorted(reader.skipped.items())]
    return DocxContent(blocks=blocks, core=_core(zf, names), custom=_custom(zf, names), notes=notes,
                       comments=_comments(zf, names), warnings=warnings)
