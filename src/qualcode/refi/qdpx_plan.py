"""How the parts of a REFI-QDA project map onto qualcode: codings, memos, attributes and speakers per source.

Pure functions over ``qdpx_read.ProjectData``; what cannot be mapped is counted in ``skipped``
for the import report.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from ..importing.attributes import AttributeError_, normalise
from ..store import exchange as store
from ..store.models import ROLE_INTERVIEWER, ROLE_PARTICIPANT
from ..transcript import TranscriptData
from .common import RefiError
from .qdpx_read import ProjectData, SourceData
from .qdpx_write import DOCX_COMMENT, SPEAKER_LABEL, SPEAKER_ROLE

UNKNOWN_USER = "imported"


@dataclass
class PlannedCoding:
    span: tuple[int, int]
    code: str
    coder: str
    created: datetime | None
    updated: datetime | None
    note: str | None


@dataclass
class PlannedMemo:
    coder: str
    text: str
    origin: str
    span: tuple[int, int] | None
    created: datetime | None
    updated: datetime | None


@dataclass
class SourcePlan:
    """What one text source becomes."""

    source: SourceData
    name: str
    attributes: dict[str, str]
    speakers: dict[str, tuple[str, dict[str, str]]]  # label -> (role, attributes)
    codings: list[PlannedCoding] = field(default_factory=list)
    memos: list[PlannedMemo] = field(default_factory=list)
    existing: store.ExistingTranscript | None = None
    data: TranscriptData | None = None
    spans: list[tuple[int, int, int]] | None = None  # segments to create (start, end, turn index)


def unique_names(sources: list[SourceData]) -> list[str]:
    """Source names as transcript names: a name used twice in the file gets ' (2)', ' (3)' ..."""
    taken: set[str] = set()
    names = []
    for src in sources:
        base = name = src.name[:240]
        n = 1
        while name in taken:
            n += 1
            name = f"{base} ({n})"
        taken.add(name)
        names.append(name)
    return names


def normalised(attrs: dict[str, str], where: str) -> dict[str, str]:
    try:
        return normalise(attrs, where)
    except AttributeError_ as exc:
        raise RefiError(f"{exc}; change the variable's value in the other tool (or in the .qdpx) and import again")


def attributes_and_speakers(project: ProjectData, skipped: Counter) -> tuple[dict[str, dict], dict[str, dict]]:
    """Per source GUID: attributes (own values win over case values) and speakers from qualcode's speaker cases."""
    from_cases: dict[str, dict[str, str]] = {}
    speakers: dict[str, dict[str, tuple[str, dict[str, str]]]] = {}
    for case in project.cases:
        if not case.sources:
            if case.selections:
                skipped["cases that group selections rather than sources"] += 1
            continue
        values = dict(case.variables)
        if SPEAKER_LABEL in values:
            label = values.pop(SPEAKER_LABEL)
            role = values.pop(SPEAKER_ROLE, ROLE_PARTICIPANT)
            role = role if role in (ROLE_INTERVIEWER, ROLE_PARTICIPANT) else ROLE_PARTICIPANT
            for sid in case.sources:
                speakers.setdefault(sid, {})[label] = (role, values)
            continue
        for sid in case.sources:
            mine = from_cases.setdefault(sid, {})
            for key, value in values.items():
                if key in mine and mine[key] != value:
                    skipped[f"conflicting values of variable {key!r} from several cases (first kept)"] += 1
                mine.setdefault(key, value)
    attrs = {src.guid: {**from_cases.get(src.guid, {}), **src.variables} for src in project.sources}
    return attrs, speakers


def plan_source(plan: SourcePlan, project: ProjectData, code_ids: dict[str, str], used_notes: set[str],
                used_links: set, skipped: Counter) -> None:
    """The codings and memos of one source, resolved to code ids, coder names and offsets."""
    src = plan.source
    fallback = src.user or UNKNOWN_USER
    notes = project.notes
    by_guid = {sel.guid: sel for sel in src.selections}

    def note_text(guid: str) -> str | None:
        note = notes.get(guid)
        if note is None:
            return None
        used_notes.add(guid)
        return note.text

    def memo_from_note(guid: str, span, default_user: str) -> None:
        note = notes.get(guid)
        if note is None:
            skipped["references to notes that are not in the file"] += 1
            return
        used_notes.add(guid)
        if not note.text.strip():
            return
        origin = "docx_comment" if (note.description or "").strip() == DOCX_COMMENT else "manual"
        plan.memos.append(PlannedMemo(note.user or default_user, note.text, origin, span, note.created,
                                      note.modified or note.created))

    for sel in src.selections:
        user = sel.user or fallback
        span = (sel.start, sel.end)
        for c in sel.codings:
            code = code_ids.get(c.code_guid)
            if code is None:
                skipped["codings of codes that are not in the file's codebook"] += 1
                continue
            if sel.end <= sel.start:
                skipped["codings of empty selections"] += 1
                continue
            texts = [t for t in (note_text(g) for g in c.note_guids) if t]
            plan.codings.append(PlannedCoding(span, code, c.user or user, c.created or sel.created,
                                              sel.modified or c.created or sel.created,
                                              "\n\n".join(texts) if texts else None))
        for g in sel.note_guids:
            memo_from_note(g, span, user)
        if sel.description and sel.description.strip():
            plan.memos.append(PlannedMemo(user, sel.description, "manual", span, sel.created, sel.modified))
        if not sel.codings and not sel.note_guids and not (sel.description or "").strip():
            skipped["selections with neither codes nor notes"] += 1
    for g in src.note_guids:
        note = notes.get(g)
        anchors = [(a, b) for a, b in (note.anchors if note else []) if 0 <= a <= b <= len(src.text)]
        for span in anchors or [None]:
            memo_from_note(g, span, fallback)
    for link in project.links:  # NVivo links a note and the selection it annotates
        for note_guid, sel_guid in (link, link[::-1]):
            if note_guid in notes and sel_guid in by_guid and note_guid not in used_notes:
                sel = by_guid[sel_guid]
                memo_from_note(note_guid, (sel.start, sel.end), sel.user or fallback)
                used_links.add(link)
    if src.description and src.description.strip():
        plan.memos.append(PlannedMemo(fallback, src.description, "manual", None, src.created, src.created))
