"""Lay a DOCX's blocks out as one plain text, and know where every line and paragraph landed.

``Transcript.text`` holds paragraphs one per line (a soft line break inside a paragraph is a
line of its own too, because people do type turns with Shift+Enter), a table row per line
with its cells separated by tabs, and after the body the notes (``[Alaviite 1] ...``).
Every offset the importer records (turns, annotations, comment anchors) is into this text.
"""

from __future__ import annotations

from dataclasses import dataclass

from .docx_text import DocxContent, Paragraph, Table

NOTE_LABELS = {"footnote": "Alaviite", "endnote": "Loppuviite"}


@dataclass(eq=False)
class Line:
    text: str
    start: int
    kind: str  # body | textbox | row | note
    para: Paragraph | None = None  # body/textbox lines: the paragraph the line is part of
    offset: int = 0  # where the line starts inside ``para.text``
    table: Table | None = None
    row: int = -1

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    def is_bold(self, start: int, end: int) -> bool:
        """Are line characters ``start:end`` bold in the document?"""
        return self.para is not None and self.para.is_bold(self.offset + start, self.offset + end)


@dataclass
class Layout:
    text: str
    lines: list[Line]
    para_start: dict[int, int]  # id(paragraph) -> offset of its first character in ``text``
    body_end: int  # where the notes begin (== len(text) without notes)


class _Writer:
    def __init__(self) -> None:
        self.chunks: list[str] = []
        self.pos = 0
        self.lines: list[Line] = []
        self.para_start: dict[int, int] = {}

    def line(self, text: str, kind: str, **kw) -> Line:
        if self.lines:
            self.chunks.append("\n")
            self.pos += 1
        ln = Line(text, self.pos, kind, **kw)
        self.chunks.append(text)
        self.pos += len(text)
        self.lines.append(ln)
        return ln

    def paragraph(self, para: Paragraph) -> None:
        kind = "textbox" if para.kind == "textbox" else "body"
        text = para.text.replace("\r", "\n")
        offset = 0
        for i, piece in enumerate(text.split("\n")):
            ln = self.line(piece, kind, para=para, offset=offset)
            if i == 0:
                self.para_start[id(para)] = ln.start
            offset += len(piece) + 1

    def table(self, table: Table) -> None:
        for r, row in enumerate(table.rows):
            pieces: list[str] = []
            starts: list[tuple[Paragraph, int]] = []
            col = 0
            for c, cell in enumerate(row):
                if c:
                    pieces.append("\t")
                    col += 1
                first = True
                for para in cell:
                    if para.text and not first:
                        pieces.append(" ")
                        col += 1
                    starts.append((para, col))
                    if para.text:
                        t = para.text.replace("\r", " ").replace("\n", " ")
                        pieces.append(t)
                        col += len(t)
                        first = False
            ln = self.line("".join(pieces), "row", table=table, row=r)
            for para, col in starts:
                self.para_start[id(para)] = ln.start + col

    def note(self, label: str, paras: list[Paragraph]) -> None:
        prefix = f"[{label}] "
        col = len(prefix)
        pieces = [prefix]
        starts = []
        for para in paras:
            if not para.text:
                starts.append((para, col))
                continue
            if col > len(prefix):
                pieces.append(" ")
                col += 1
            starts.append((para, col))
            t = para.text.replace("\r", " ").replace("\n", " ")
            pieces.append(t)
            col += len(t)
        ln = self.line("".join(pieces), "note")
        for para, col in starts:
            self.para_start[id(para)] = ln.start + col


def linearise(content: DocxContent) -> Layout:
    out = _Writer()
    for block in content.blocks:
        if isinstance(block, Paragraph):
            out.paragraph(block)
        else:
            out.table(block)
    body_end = out.pos
    for note in content.notes:
        out.note(f"{NOTE_LABELS[note.kind]} {note.marker}", note.paragraphs)
    return Layout("".join(out.chunks), out.lines, out.para_start, body_end)


def comment_anchors(content: DocxContent, layout: Layout) -> dict[str, tuple[int, int]]:
    """Comment id -> (start, end) in the text; a comment with only a reference marks its line."""
    starts: dict[str, int] = {}
    ends: dict[str, int] = {}
    refs: dict[str, int] = {}
    for para, base in _marked_paragraphs(content, layout):
        for kind, cid, offset in para.marks:
            pos = base + offset
            if kind == "comment_start":
                starts.setdefault(cid, pos)
            elif kind == "comment_end":
                ends[cid] = pos
            else:
                refs.setdefault(cid, pos)
    anchors = {}
    for cid in set(starts) | set(ends) | set(refs):
        if cid in starts:
            lo = starts[cid]
            hi = ends.get(cid, refs.get(cid, lo))
        else:
            lo = hi = ends.get(cid, refs.get(cid))
        if hi < lo:
            lo, hi = hi, lo
        if hi == lo:  # no range: the whole line around the reference
            line_lo = layout.text.rfind("\n", 0, lo) + 1
            line_hi = layout.text.find("\n", lo)
            lo, hi = line_lo, (len(layout.text) if line_hi < 0 else line_hi)
        anchors[cid] = (lo, hi)
    return anchors


def _marked_paragraphs(content: DocxContent, layout: Layout):
    def walk(paras):
        for p in paras:
            if p.marks and id(p) in layout.para_start:
                yield p, layout.para_start[id(p)]

    for block in content.blocks:
        if isinstance(block, Paragraph):
            yield from walk([block])
        else:
            yield from walk(p for row in block.rows for cell in row for p in cell)
    for note in content.notes:
        yield from walk(note.paragraphs)
