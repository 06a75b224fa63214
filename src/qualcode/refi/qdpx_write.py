"""The project as a REFI-QDA .qdpx: a zip of ``project.qde`` (Project-mrt2019.xsd) and ``sources/<guid>.txt``.

What goes where:

- coders -> ``<User>``; the codebook in use (with hierarchy, plus any code a coding uses that
  this version lacks) -> ``<CodeBook>``; every codebook version's YAML -> a ``<Note>`` named
  ``qualcode codebook NAME VERSION`` so qualcode can restore patterns and examples;
- each transcript -> a ``<TextSource>`` whose plain text (``Transcript.text``, UTF-8, no BOM) is
  in ``sources/``; offsets are code points, end exclusive, as in the database;
- accepted codings -> one ``<PlainTextSelection>`` per segment and coder holding that coder's
  ``<Coding>`` elements (``creatingUser`` = the coder); a coding's note -> a ``<NoteRef>``;
- memos -> ``<Note>``; anchored ones through a selection at the anchor, others on the source;
- transcript attributes -> ``<Variable>`` values on a ``<Case>`` per transcript and as
  ``<VariableValue>`` on its ``<TextSource>``; speakers -> a ``<Case>`` each with their label,
  role and attributes (so interviewer turns stay interviewer turns after a round trip).

Everything is ordered and every GUID is derived from ids and offsets, so exporting the same
data twice gives the same bytes.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from lxml import etree
from sqlalchemy import Engine

from ..codebook import CodebookError, parse_codebook
from ..exports.files import write_atomic
from ..store import transaction
from ..store.exchange import MemoRecord, ProjectSnapshot, project_snapshot
from . import guids
from .codes import add_code_elements, codes_for_export, one_line
from .common import (
    PROJECT_NS,
    XSI_NS,
    RefiError,
    format_datetime,
    qualcode_version,
    schema_location,
    schema_problems,
    serialise,
    xml_safe,
)

SPEAKER_LABEL = "speaker_label"
SPEAKER_ROLE = "speaker_role"
CODEBOOK_NOTE = "qualcode codebook"
CODEBOOK_IN_USE = "The qualcode codebook version in use (YAML)."
CODEBOOK_EARLIER = "An earlier qualcode codebook version (YAML)."
DOCX_COMMENT = "Comment in the DOCX file."
_INTEGER = re.compile(r"^-?(0|[1-9]\d{0,17})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries carry no export time: same data, same bytes


@dataclass
class ExportSummary:
    path: Path
    transcripts: int = 0
    selections: int = 0
    codings: int = 0
    memos: int = 0
    coders: list[str] = field(default_factory=list)
    codebook: str | None = None
    not_exported: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [f"{self.transcripts} transcripts, {self.codings} accepted codings in "
                 f"{self.selections} selections by {len(self.coders)} coders ({', '.join(self.coders) or '-'}), "
                 f"{self.memos} memos, codebook {self.codebook or '(none)'}"]
        lines += [f"not in the REFI-QDA file: {x}" for x in self.not_exported]
        return "\n".join(lines)


def _el(parent, name: str, attrs: dict | None = None, text: str | None = None):
    el = etree.SubElement(parent, f"{{{PROJECT_NS}}}{name}",
                          {k: v for k, v in (attrs or {}).items() if v is not None})
    if text is not None:
        el.text = xml_safe(text)
    return el


def excerpt(text: str, limit: int = 100) -> str:
    text = one_line(text)
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def variable_type(values: list[str]) -> str:
    """Integer or Date when every non-empty value is one (so other tools can sort and filter), else Text."""
    vals = [v for v in values if v != ""]
    if vals and all(_INTEGER.match(v) for v in vals):
        return "Integer"
    if vals and all(_DATE.match(v) for v in vals):
        try:
            for v in vals:
                date.fromisoformat(v)
            return "Date"
        except ValueError:
            pass
    return "Text"


def _variable_value(parent, name: str, value: str, types: dict[str, str]) -> None:
    vv = _el(parent, "VariableValue")
    _el(vv, "VariableRef", {"targetGUID": guids.variable_guid(name)})
    kind = types[name]
    if kind == "Text":
        _el(vv, "TextValue", text=value)
    elif value != "":
        _el(vv, f"{kind}Value", text=value)


def memo_guid(m: MemoRecord, n: int) -> str:
    return guids.guid("memo", m.transcript, m.coder, m.start, m.end, format_datetime(m.created_at), m.text, n)


def build_project(snap: ProjectSnapshot, name: str, lang: str = "en") -> tuple[etree._Element, dict[str, bytes],
                                                                                ExportSummary]:
    """The ``project.qde`` tree, the source files by zip path, and what was written."""
    summary = ExportSummary(Path(name))
    root = etree.Element(f"{{{PROJECT_NS}}}Project", nsmap={None: PROJECT_NS, "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation", schema_location(PROJECT_NS))
    root.set("name", xml_safe(name))
    root.set("origin", f"qualcode {qualcode_version()}")

    # Codebook versions: the one in use becomes <CodeBook>; all travel as YAML notes.
    current, older = None, []
    for rec in reversed(snap.codebooks):  # newest first, for looking up codes the current version lacks
        try:
            book = parse_codebook(rec.yaml_text, f"{rec.name} {rec.version}")
        except CodebookError:
            summary.not_exported.append(f"codebook {rec.name} {rec.version} (not valid YAML in the database)")
            continue
        if rec.is_current and current is None:
            current = book
        else:
            older.append(book)
    used = {c.code for c in snap.codings}
    codes = codes_for_export(current, used, older)
    book_name = current.name if current else (older[0].name if older else "qualcode")
    summary.codebook = f"{current.name} {current.version}" if current else None

    coders = sorted({c.coder for c in snap.codings} | {m.coder for m in snap.memos}
                    | {t.imported_by for t in snap.transcripts if t.imported_by})
    summary.coders = sorted({c.coder for c in snap.codings})
    if coders:
        users = _el(root, "Users")
        for coder in coders:
            _el(users, "User", {"guid": guids.user_guid(coder), "name": xml_safe(coder)})
    code_guid: dict[str, str] = {}
    if codes:
        codes_el = _el(_el(root, "CodeBook"), "Codes")
        code_guid = add_code_elements(codes_el, PROJECT_NS, book_name, codes, lang)

    # Variables: transcript attributes, and speaker label/role/attributes for the speaker cases.
    values: dict[str, list[str]] = defaultdict(list)
    for t in snap.transcripts:
        for k, v in t.attributes.items():
            values[k].append(v)
        for sp in t.speakers:
            values[SPEAKER_LABEL].append(sp.label)
            values[SPEAKER_ROLE].append(sp.role)
            for k, v in sp.attributes.items():
                values[k].append(v)
    types = {k: variable_type(v) for k, v in values.items()}
    if values:
        variables = _el(root, "Variables")
        for k in sorted(values):
            _el(variables, "Variable", {"guid": guids.variable_guid(k), "name": xml_safe(k),
                                        "typeOfVariable": types[k]})
    if snap.transcripts:
        cases = _el(root, "Cases")
        for t in snap.transcripts:
            case = _el(cases, "Case", {"guid": guids.guid("case", t.name), "name": xml_safe(t.name)})
            for k in sorted(t.attributes):
                _variable_value(case, k, t.attributes[k], types)
            _el(case, "SourceRef", {"targetGUID": guids.source_guid(t.name)})
            for sp in t.speakers:
                case = _el(cases, "Case", {"guid": guids.guid("case", t.name, sp.label),
                                           "name": xml_safe(f"{t.name}: {sp.label}")})
                _variable_value(case, SPEAKER_LABEL, sp.label, types)
                _variable_value(case, SPEAKER_ROLE, sp.role, types)
                for k in sorted(sp.attributes):
                    _variable_value(case, k, sp.attributes[k], types)
                _el(case, "SourceRef", {"targetGUID": guids.source_guid(t.name)})

    # Notes are collected while writing sources, then written after them (schema order).
    notes: list[tuple[str, dict, str | None, str]] = []  # guid, attrs, description, text
    for rec in snap.codebooks:
        gid = guids.guid("codebook", rec.name, rec.version)
        notes.append((gid, {"name": f"{CODEBOOK_NOTE} {rec.name} {rec.version}",
                            "creationDateTime": format_datetime(rec.applied_at)},
                      CODEBOOK_IN_USE if rec.is_current else CODEBOOK_EARLIER, rec.yaml_text))
    codebook_notes = [n[0] for n in notes]

    by_transcript: dict[str, list] = defaultdict(list)
    for c in snap.codings:
        by_transcript[c.transcript].append(c)
    memos_by: dict[str, list[MemoRecord]] = defaultdict(list)
    for m in snap.memos:
        memos_by[m.transcript].append(m)
    files: dict[str, bytes] = {}
    if snap.transcripts:
        sources = _el(root, "Sources")
    for t in snap.transcripts:
        sguid = guids.source_guid(t.name)
        files[f"sources/{sguid}.txt"] = t.text.encode("utf-8")
        src = _el(sources, "TextSource", {
            "guid": sguid, "name": xml_safe(t.name), "plainTextPath": f"internal://{sguid}.txt",
            "creatingUser": guids.user_guid(t.imported_by) if t.imported_by else None,
            "creationDateTime": format_datetime(t.imported_at)})
        selections: list[tuple[tuple, callable]] = []
        groups: dict[tuple[int, int, str], list] = defaultdict(list)
        for c in by_transcript.get(t.name, []):
            groups[(c.start, c.end, c.coder)].append(c)
        for (start, end, coder), group in groups.items():
            selections.append(((start, end, 0, coder), (start, end, coder, group)))
        seen: dict[str, int] = defaultdict(int)
        loose_notes = []
        for m in memos_by.get(t.name, []):
            key = memo_guid(m, 0)
            seen[key] += 1
            mguid = memo_guid(m, seen[key] - 1)
            notes.append((mguid, {"name": xml_safe(f"{m.coder}: {excerpt(m.text, 60)}"),
                                  "creatingUser": guids.user_guid(m.coder),
                                  "creationDateTime": format_datetime(m.created_at),
                                  "modifyingUser": guids.user_guid(m.coder),
                                  "modifiedDateTime": format_datetime(m.updated_at)},
                          DOCX_COMMENT if m.origin == "docx_comment" else None, m.text))
            summary.memos += 1
            if m.start is None:
                loose_notes.append(mguid)
            else:  # an anchor past the text (edited text?) is kept inside it
                m.start, m.end = min(m.start, len(t.text)), min(m.end, len(t.text))
                selections.append(((m.start, m.end, 1, mguid), (m, mguid)))
        for _, item in sorted(selections, key=lambda x: x[0]):
            if len(item) == 4:
                start, end, coder, group = item
                user = guids.user_guid(coder)
                sel = _el(src, "PlainTextSelection", {
                    "guid": guids.guid("selection", t.name, start, end, coder),
                    "name": xml_safe(excerpt(t.text[start:end])), "startPosition": str(start),
                    "endPosition": str(end), "creatingUser": user,
                    "creationDateTime": format_datetime(min((c.created_at for c in group if c.created_at),
                                                            default=None)),
                    "modifyingUser": user,
                    "modifiedDateTime": format_datetime(max((c.updated_at for c in group if c.updated_at),
                                                            default=None))})
                for c in sorted(group, key=lambda c: c.code):
                    cguid = guids.guid("coding", t.name, start, end, coder, c.code)
                    coding = _el(sel, "Coding", {"guid": cguid, "creatingUser": user,
                                                 "creationDateTime": format_datetime(c.created_at)})
                    _el(coding, "CodeRef", {"targetGUID": code_guid[c.code]})
                    if c.note:
                        nguid = guids.guid("coding-note", cguid)
                        _el(coding, "NoteRef", {"targetGUID": nguid})
                        notes.append((nguid, {"name": xml_safe(f"{coder}: note on {c.code}"),
                                              "creatingUser": user,
                                              "creationDateTime": format_datetime(c.updated_at)}, None, c.note))
                    summary.codings += 1
                summary.selections += 1
            else:
                m, mguid = item
                sel = _el(src, "PlainTextSelection", {
                    "guid": guids.guid("memo-selection", mguid), "name": xml_safe(excerpt(t.text[m.start:m.end])),
                    "startPosition": str(m.start), "endPosition": str(m.end),
                    "creatingUser": guids.user_guid(m.coder), "creationDateTime": format_datetime(m.created_at)})
                _el(sel, "NoteRef", {"targetGUID": mguid})
        for mguid in loose_notes:
            _el(src, "NoteRef", {"targetGUID": mguid})
        for k in sorted(t.attributes):
            _variable_value(src, k, t.attributes[k], types)
        summary.transcripts += 1
    if notes:
        notes_el = _el(root, "Notes")
        for gid, attrs, desc, text in notes:
            note = _el(notes_el, "Note", {"guid": gid, **attrs})
            if desc:
                _el(note, "Description", text=desc)
            _el(note, "PlainTextContent", text=text)
    for gid in codebook_notes:
        _el(root, "NoteRef", {"targetGUID": gid})
    summary.not_exported += ["rejected decisions and pending suggestions (REFI-QDA has only codings)",
                             "segmentation, pre-tagging scores and the audit log"]
    return root, files, summary


def qdpx_bytes(root, files: dict[str, bytes]) -> bytes:
    """The zip: ``project.qde`` first, then the sources in name order, with fixed entry times."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in [("project.qde", serialise(root)), *sorted(files.items())]:
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return buf.getvalue()


def write_qdpx(engine: Engine, path: Path, *, lang: str = "en", name: str | None = None) -> ExportSummary:
    """Export the project to ``path`` (written to a temporary file and renamed)."""
    if lang not in ("fi", "en"):
        raise RefiError(f"language must be fi or en, not {lang!r}")
    with transaction(engine) as session:
        snap = project_snapshot(session)
    root, files, summary = build_project(snap, name or Path(path).stem, lang)
    problems = schema_problems(root, PROJECT_NS)
    if problems:  # a bug in qualcode, not in the data: never hand other tools an invalid file
        raise RefiError(f"internal error: project.qde does not validate: {'; '.join(problems)}")
    write_atomic(path, qdpx_bytes(root, files))
    summary.path = Path(path)
    return summary
