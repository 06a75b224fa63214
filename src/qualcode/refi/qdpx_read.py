"""Read a .qdpx (from qualcode or any REFI-QDA tool) into plain data, without touching the database.

Files from other tools differ from the standard in small ways, so the reader is lenient where
it can be (element names without namespaces, ``Sources/`` or ``sources/``, braces and case in
GUIDs, a BOM in text files, notes in text files or inline) and strict where data would be
lost (a missing source text or project.qde is an error). What it cannot use it counts in
``skipped`` so the import report can say what was left out (REFI-QDA 1.5, section 7).
"""

from __future__ import annotations

import posixpath
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from lxml import etree

from . import guids
from .codes import CodeInfo, read_code_elements
from .common import PROJECT_NS, RefiError, kid, kids, local, parse_datetime, parse_xml, schema_problems, text_of

MAX_QDE_BYTES = 1 << 30
MAX_TEXT_BYTES = 200 << 20
# Tools that count a Windows line break (\r\n) as one character in selection offsets.
CRLF_AS_ONE = ("ATLAS", "MAXQDA")
VALUE_ELEMENTS = ("TextValue", "BooleanValue", "IntegerValue", "FloatValue", "DateValue", "DateTimeValue")


@dataclass
class CodingData:
    code_guid: str
    user: str | None
    created: datetime | None
    note_guids: list[str] = field(default_factory=list)


@dataclass
class SelectionData:
    guid: str
    start: int
    end: int
    user: str | None
    created: datetime | None
    modified: datetime | None
    description: str | None
    codings: list[CodingData] = field(default_factory=list)
    note_guids: list[str] = field(default_factory=list)


@dataclass
class SourceData:
    guid: str
    name: str
    text: str
    user: str | None
    created: datetime | None
    description: str | None
    selections: list[SelectionData] = field(default_factory=list)
    note_guids: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)


@dataclass
class NoteData:
    guid: str
    name: str
    text: str
    description: str | None
    user: str | None
    created: datetime | None
    modified: datetime | None
    anchors: list[tuple[int, int]] = field(default_factory=list)  # QualCoder: selections inside the note


@dataclass
class CaseData:
    guid: str
    name: str | None
    variables: dict[str, str]
    sources: list[str]
    selections: list[str]


@dataclass
class ProjectData:
    path: Path
    name: str
    origin: str
    users: dict[str, str]
    codes: list[CodeInfo]
    sources: list[SourceData]
    notes: dict[str, NoteData]
    cases: list[CaseData]
    links: list[tuple[str, str]]
    project_notes: list[str]
    skipped: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)

    def user(self, gid: str | None) -> str | None:
        """A user's name from a GUID (names the file lacks become 'user-1a2b3c4d')."""
        if not gid:
            return None
        gid = guids.normalise(gid)
        return self.users.get(gid) or f"user-{gid[:8]}"


class _Zip:
    """Members of the .qdpx by case-insensitive path, with size limits."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.zf = zipfile.ZipFile(path)
        except FileNotFoundError as exc:
            raise RefiError(f"{path}: no such file") from exc
        except (zipfile.BadZipFile, OSError) as exc:
            raise RefiError(f"{path}: not a REFI-QDA project: a .qdpx file is a zip archive and this is not one "
                            f"({exc}); export the project again as .qdpx") from exc
        self.members = {i.filename.lower(): i for i in self.zf.infolist() if not i.is_dir()}
        qde = sorted((n for n in self.members if posixpath.basename(n) == "project.qde"), key=len)
        if not qde:
            qde = [n for n in self.members if n.endswith(".qde")]
            if len(qde) != 1:
                raise RefiError(f"{path}: no project.qde inside; this zip is not a REFI-QDA project export")
        self.qde = self.members[qde[0]]
        self.base = posixpath.dirname(qde[0])

    def read(self, info: zipfile.ZipInfo, limit: int) -> bytes:
        if info.file_size > limit:
            raise RefiError(f"{self.path}: {info.filename} is {info.file_size >> 20} MB, more than qualcode reads "
                            f"({limit >> 20} MB)")
        try:
            return self.zf.read(info)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise RefiError(f"{self.path}: {info.filename} is damaged in the zip ({exc})") from exc

    def internal(self, url: str | None) -> zipfile.ZipInfo | None:
        """The member an ``internal://NAME`` path refers to (in sources/ or Sources/ or beside project.qde)."""
        if not url or not url.lower().startswith("internal://"):
            return None
        name = url[len("internal://"):].lstrip("/").lower()
        for folder in ("sources", ""):
            found = self.members.get(posixpath.join(self.base, folder, name))
            if found is not None:
                return found
        return None


def decode_text(data: bytes, where: str) -> str:
    """Source text as UTF-8 (a BOM is dropped, so offsets count from the first real character)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RefiError(f"{where}: the text is not UTF-8 (byte {exc.start}); REFI-QDA requires UTF-8") from exc


def _variables(element, variables: dict[str, str]) -> dict[str, str]:
    out = {}
    for vv in kids(element, "VariableValue"):
        ref = kid(vv, "VariableRef")
        name = variables.get(guids.normalise(ref.get("targetGUID"))) if ref is not None else None
        if not name:
            continue
        value = ""
        for tag in VALUE_ELEMENTS:
            found = text_of(vv, tag)
            if found is not None:
                value = found.strip()
                break
        out[name] = value
    return out


def _selection(el, project: ProjectData, text_len: int) -> SelectionData | None:
    try:
        start, end = int(el.get("startPosition")), int(el.get("endPosition"))
    except (TypeError, ValueError):
        project.skipped["text selections without valid positions"] += 1
        return None
    if end > text_len >= start:
        project.skipped["selections ending after their text (cut at the end)"] += 1
        end = text_len
    if not 0 <= start <= end <= text_len:
        project.skipped["text selections outside their text"] += 1
        return None
    sel = SelectionData(guids.normalise(el.get("guid")) or "", start, end,
                        project.user(el.get("creatingUser") or el.get("modifyingUser")),
                        parse_datetime(el.get("creationDateTime")), parse_datetime(el.get("modifiedDateTime")),
                        text_of(el, "Description"))
    for c in kids(el, "Coding"):
        ref = kid(c, "CodeRef")
        if ref is None:
            continue
        sel.codings.append(CodingData(guids.normalise(ref.get("targetGUID")), project.user(c.get("creatingUser")),
                                      parse_datetime(c.get("creationDateTime")),
                                      [guids.normalise(n.get("targetGUID")) for n in kids(c, "NoteRef")]))
    sel.note_guids = [guids.normalise(n.get("targetGUID")) for n in kids(el, "NoteRef")]
    return sel


def _text(el, zipped: _Zip, where: str, crlf_as_one: bool, required: bool = True) -> str | None:
    inline = kid(el, "PlainTextContent")
    if inline is not None:
        text = inline.text or ""
    else:
        path = el.get("plainTextPath") or el.get("path")
        member = zipped.internal(path)
        if member is None:
            if not required:
                return None
            if path and not path.lower().startswith("internal://"):
                return None  # external file: the caller reports it
            raise RefiError(f"{zipped.path}: {where}: its text file {path or '(no plainTextPath)'} is not in the "
                            "archive; the export is incomplete, export the project again")
        text = decode_text(zipped.read(member, MAX_TEXT_BYTES), f"{zipped.path}: {member.filename}")
    return text.replace("\r\n", "\n") if crlf_as_one else text


def _text_source(el, name: str, zipped: _Zip, project: ProjectData, variables: dict[str, str],
                 crlf_as_one: bool) -> SourceData | None:
    text = _text(el, zipped, f"source {name!r}", crlf_as_one)
    if text is None:
        project.skipped["text sources stored outside the .qdpx (external files)"] += 1
        return None
    src = SourceData(guids.normalise(el.get("guid")) or "", name, text,
                     project.user(el.get("creatingUser")), parse_datetime(el.get("creationDateTime")),
                     text_of(el, "Description"))
    for sel_el in kids(el, "PlainTextSelection"):
        sel = _selection(sel_el, project, len(text))
        if sel is not None:
            src.selections.append(sel)
    whole = len(kids(el, "Coding"))
    if whole:
        project.skipped["codings of whole sources (qualcode codes passages of text)"] += whole
    src.note_guids = [guids.normalise(n.get("targetGUID")) for n in kids(el, "NoteRef")]
    src.variables = _variables(el, variables)
    return src


def read_project(path: Path) -> ProjectData:
    """Parse a .qdpx into ``ProjectData``; RefiError for what makes it unusable."""
    path = Path(path)
    zipped = _Zip(path)
    root = parse_xml(zipped.read(zipped.qde, MAX_QDE_BYTES), f"{path}: {zipped.qde.filename}")
    if local(root.tag) != "Project":
        raise RefiError(f"{path}: {zipped.qde.filename} is not a REFI-QDA project (root <{local(root.tag)}>, "
                        "expected <Project>)")
    origin = root.get("origin") or ""
    project = ProjectData(path, (root.get("name") or path.stem).strip() or path.stem, origin, {}, [], [], {}, [],
                          [], [])
    namespace = etree.QName(root).namespace
    if namespace == PROJECT_NS:
        project.problems = schema_problems(root, PROJECT_NS, limit=3)
    else:
        project.problems = [f"namespace {namespace!r} is not REFI-QDA 1.0's {PROJECT_NS!r}; read by element names"]
    users_el = kid(root, "Users")
    for u in kids(users_el, "User") if users_el is not None else []:
        gid = guids.normalise(u.get("guid"))
        if gid:
            project.users[gid] = (u.get("name") or u.get("id") or f"user-{gid[:8]}").strip()
    codebook = kid(root, "CodeBook")
    codes_el = kid(codebook, "Codes") if codebook is not None else None
    project.codes = read_code_elements(codes_el) if codes_el is not None else []
    variables: dict[str, str] = {}
    vars_el = kid(root, "Variables")
    for v in kids(vars_el, "Variable") if vars_el is not None else []:
        if v.get("name"):
            variables[guids.normalise(v.get("guid"))] = v.get("name").strip()
    crlf_as_one = any(tool in origin.upper() for tool in CRLF_AS_ONE)
    sources_el = kid(root, "Sources")
    for el in list(sources_el) if sources_el is not None else []:
        kind = local(el.tag)
        name = (el.get("name") or "").strip() or f"source-{(guids.normalise(el.get('guid')) or '')[:8]}"
        if kind == "TextSource":
            src = _text_source(el, name, zipped, project, variables, crlf_as_one)
        elif kind == "PDFSource" and kid(el, "Representation") is not None:
            # The PDF itself stays behind; its plain-text representation and text codings come along.
            src = _text_source(kid(el, "Representation"), name, zipped, project, variables, crlf_as_one)
            if src is not None:
                src.guid = guids.normalise(el.get("guid")) or src.guid
                src.variables = {**_variables(el, variables), **src.variables}
            project.skipped["PDF page-area selections"] += len(kids(el, "PDFSelection"))
        else:
            project.skipped[f"{kind} sources (qualcode reads text only)"] += 1
            continue
        if src is not None:
            project.sources.append(src)
    notes_el = kid(root, "Notes")
    for el in kids(notes_el, "Note") if notes_el is not None else []:
        gid = guids.normalise(el.get("guid")) or ""
        text = _text(el, zipped, f"note {el.get('name') or gid!r}", False, required=False)
        description = text_of(el, "Description")
        if text is None and description:
            text, description = description, None
        if text is None:
            project.skipped["notes whose text is only in a rich-text or external file"] += 1
            continue
        note = NoteData(gid, (el.get("name") or "").strip(), text, description,
                        project.user(el.get("creatingUser") or el.get("modifyingUser")),
                        parse_datetime(el.get("creationDateTime")), parse_datetime(el.get("modifiedDateTime")))
        for sel in kids(el, "PlainTextSelection"):
            try:
                note.anchors.append((int(sel.get("startPosition")), int(sel.get("endPosition"))))
            except (TypeError, ValueError):
                pass
        project.notes[gid] = note
    cases_el = kid(root, "Cases")
    for el in kids(cases_el, "Case") if cases_el is not None else []:
        project.cases.append(CaseData(
            guids.normalise(el.get("guid")) or "", el.get("name"), _variables(el, variables),
            [guids.normalise(r.get("targetGUID")) for r in kids(el, "SourceRef")],
            [guids.normalise(r.get("targetGUID")) for r in kids(el, "SelectionRef")]))
    links_el = kid(root, "Links")
    for el in kids(links_el, "Link") if links_el is not None else []:
        a, b = guids.normalise(el.get("originGUID")), guids.normalise(el.get("targetGUID"))
        if a and b:
            project.links.append((a, b))
    project.project_notes = [guids.normalise(n.get("targetGUID")) for n in kids(root, "NoteRef")]
    for kind, label in (("Sets", "sets of codes, sources or notes"), ("Graphs", "graphs")):
        el = kid(root, kind)
        if el is not None and len(el):
            project.skipped[label] += len(el)
    return project
