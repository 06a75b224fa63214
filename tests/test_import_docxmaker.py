"""Build real DOCX files for the import tests (no tests here).

``write_docx`` writes a minimal but complete WordprocessingML package from body XML, for what
python-docx cannot write (tracked changes, comments, notes, text boxes, content controls);
``word_transcript`` uses python-docx for transcripts laid out as people type them in Word.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

NS = {
    "w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "wps": "http://schemas.microsoft.com/office/word/2010/wordprocessingShape",
    "v": "urn:schemas-microsoft-com:vml",
    "m": "http://schemas.openxmlformats.org/officeDocument/2006/math",
}
XMLNS = " ".join(f'xmlns:{k}="{v}"' for k, v in NS.items())
DOCX_MAIN = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
DOCM_MAIN = "application/vnd.ms-word.document.macroEnabled.main+xml"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def r(text: str, bold: bool = False) -> str:
    rpr = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def p(*content: str, ppr: str = "") -> str:
    return f"<w:p>{'<w:pPr>' + ppr + '</w:pPr>' if ppr else ''}{''.join(content)}</w:p>"


def para(text: str) -> str:
    return p(r(text))


def ins(*runs: str) -> str:
    return f'<w:ins w:id="90" w:author="Editor" w:date="2026-01-01T00:00:00Z">{"".join(runs)}</w:ins>'


def dele(text: str) -> str:
    return (f'<w:del w:id="91" w:author="Editor" w:date="2026-01-01T00:00:00Z"><w:r>'
            f'<w:delText xml:space="preserve">{escape(text)}</w:delText></w:r></w:del>')


def cell(*paras: str, props: str = "") -> str:
    return f"<w:tc><w:tcPr>{props}</w:tcPr>{''.join(paras) or '<w:p/>'}</w:tc>"


def table(*rows: list[str]) -> str:
    return "<w:tbl><w:tblPr/>" + "".join(f"<w:tr>{''.join(row)}</w:tr>" for row in rows) + "</w:tbl>"


def kv_table(pairs: dict[str, str]) -> str:
    return table(*[[cell(para(k)), cell(para(v))] for k, v in pairs.items()])


def text_box(*paras: str, fallback: bool = True) -> str:
    """A DrawingML text box with (as Word writes it) a VML copy in mc:Fallback."""
    content = "".join(paras)
    vml = (f'<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>{content}</w:txbxContent>'
           f'</v:textbox></v:shape></w:pict></mc:Fallback>') if fallback else ""
    return (f'<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic>'
            f'<a:graphicData><wps:wsp><wps:txbx><w:txbxContent>{content}</w:txbxContent></wps:txbx></wps:wsp>'
            f'</a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>{vml}</mc:AlternateContent></w:r>')


def core_xml(props: dict[str, str]) -> str:
    tags = {"title": "dc:title", "subject": "dc:subject", "creator": "dc:creator", "keywords": "cp:keywords",
            "description": "dc:description", "identifier": "dc:identifier", "category": "cp:category"}
    body = "".join(f"<{tags[k]}>{escape(v)}</{tags[k]}>" for k, v in props.items())
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><cp:coreProperties '
            'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/">' + body + "</cp:coreProperties>")


def custom_xml(props: dict[str, str]) -> str:
    items = "".join(
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{i}" name="{escape(k)}">'
        f"<vt:lpwstr>{escape(v)}</vt:lpwstr></property>" for i, (k, v) in enumerate(props.items(), start=2))
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Properties '
            'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
            'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">' + items + "</Properties>")


def write_docx(path: Path, body: str, *, comments: dict[str, tuple[str, str]] | None = None,
               footnotes: dict[str, str] | None = None, endnotes: dict[str, str] | None = None,
               core: dict[str, str] | None = None, custom: dict[str, str] | None = None,
               main_type: str = DOCX_MAIN, root_ns: str | None = None) -> Path:
    """A .docx with ``body`` (XML of w:body's children) and the optional parts."""
    path = Path(path)
    overrides = {"/word/document.xml": main_type}
    doc_rels = []
    parts: dict[str, str] = {}
    w = NS["w"]
    if comments:
        parts["word/comments.xml"] = (f'<w:comments {XMLNS}>' + "".join(
            f'<w:comment w:id="{cid}" w:author="{escape(author)}">{para(text)}</w:comment>'
            for cid, (author, text) in comments.items()) + "</w:comments>")
        overrides["/word/comments.xml"] = "application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"
        doc_rels.append(("comments", "comments.xml"))
    for kind, notes in (("footnote", footnotes), ("endnote", endnotes)):
        if notes:
            sep = (f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
                   f'<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
                   f'</w:r></w:p></w:{kind}>')
            parts[f"word/{kind}s.xml"] = (f'<w:{kind}s {XMLNS}>{sep}' + "".join(
                f'<w:{kind} w:id="{nid}">{para(text)}</w:{kind}>' for nid, text in notes.items()) + f"</w:{kind}s>")
            overrides[f"/word/{kind}s.xml"] = f"application/vnd.openxmlformats-officedocument.wordprocessingml.{kind}s+xml"
            doc_rels.append((f"{kind}s", f"{kind}s.xml"))
    pkg_rels = [("officeDocument", "word/document.xml")]
    if core:
        parts["docProps/core.xml"] = core_xml(core)
        overrides["/docProps/core.xml"] = "application/vnd.openxmlformats-package.core-properties+xml"
        pkg_rels.append(("http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
                         "docProps/core.xml"))
    if custom:
        parts["docProps/custom.xml"] = custom_xml(custom)
        overrides["/docProps/custom.xml"] = "application/vnd.openxmlformats-officedocument.custom-properties+xml"
        doc_rels.append(("custom-properties", "../docProps/custom.xml"))
    xmlns = XMLNS if root_ns is None else XMLNS.replace(w, root_ns)
    parts["word/document.xml"] = f'<w:document {xmlns}><w:body>{body}<w:sectPr/></w:body></w:document>'
    types = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             + "".join(f'<Override PartName="{k}" ContentType="{v}"/>' for k, v in overrides.items()) + "</Types>")

    def rels(items):
        return ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' + "".join(
            f'<Relationship Id="rId{i}" Type="{t if t.startswith("http") else REL + "/" + t}" Target="{target}"/>'
            for i, (t, target) in enumerate(items, start=1)) + "</Relationships>")

    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", types)
        zf.writestr("_rels/.rels", rels(pkg_rels))
        zf.writestr("word/_rels/document.xml.rels", rels(doc_rels))
        for name, xml in parts.items():
            zf.writestr(name, xml)
    return path


def word_transcript(path: Path, lines: list, *, title: str | None = None, header: dict[str, str] | None = None,
                    participants: list[dict[str, str]] | None = None, core: dict[str, str] | None = None,
                    bold_labels: bool = True) -> Path:
    """A transcript written with python-docx, the way people lay them out in Word.

    ``lines``: a string is a paragraph; ``(label, text)`` is a turn ``label: text`` with the
    label (and its colon) in a bold run when ``bold_labels``; a list of strings is one paragraph
    whose pieces are separated by soft line breaks (Shift+Enter).
    """
    from docx import Document

    doc = Document()
    if title:
        doc.add_heading(title, level=0)
    if header:
        t = doc.add_table(rows=0, cols=2)
        for k, v in header.items():
            cells = t.add_row().cells
            cells[0].text, cells[1].text = k, v
    if participants:
        keys = list(dict.fromkeys(k for row in participants for k in row))
        doc.add_paragraph("Osallistujat")
        t = doc.add_table(rows=0, cols=len(keys))
        cells = t.add_row().cells
        for i, k in enumerate(keys):
            cells[i].text = k
        for row in participants:
            cells = t.add_row().cells
            for i, k in enumerate(keys):
                cells[i].text = row.get(k, "")
    for line in lines:
        para_ = doc.add_paragraph()
        if isinstance(line, tuple):
            label, text = line
            para_.add_run(f"{label}:").bold = bold_labels
            para_.add_run(f" {text}")
        elif isinstance(line, list):
            run = para_.add_run(line[0])
            for piece in line[1:]:
                run.add_break()
                run = para_.add_run(piece)
        else:
            para_.add_run(line)
    if core:
        for k, v in core.items():
            setattr(doc.core_properties, k, v)
    doc.save(path)
    return Path(path)
