"""Import a REFI-QDA project (.qdpx) into the database in one transaction, losing no coding.

Each text source becomes a transcript (or is matched to one already in the project by name
or identical text; a transcript of the same name with a different text is an error, because
the offsets would point at other words). Each coded selection becomes a segment at exactly
its offsets unless a segment with those offsets exists, and each ``<Coding>`` an accepted
coding of the user who made it. Notes become memos, anchored where the tool anchored them.
The codebook is recorded as a codebook version: qualcode's own exports carry the full YAML
(patterns, examples) as notes; other tools' codebooks are converted like a .qdc.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from hashlib import sha256
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from ..codebook import CodebookError, parse_codebook
from ..importing.turns import find_annotations
from ..store import exchange as store
from ..store import transaction
from ..store.codebooks import current_version, record_version
from ..store.transcripts import add_transcript
from ..transcript import ParticipantData, TranscriptData
from .codes import assign_ids
from .common import RefiError
from .qdc import codebook_yaml
from .qdpx_plan import SourcePlan, attributes_and_speakers, normalised, plan_source, unique_names
from .qdpx_read import ProjectData, read_project
from .qdpx_write import CODEBOOK_IN_USE, CODEBOOK_NOTE
from .structure import fit_segments, rebuild_turns, sentence_spans_for, turn_of

Progress = Callable[[int, int, str], None]
_CODEBOOK_NOTE = re.compile(rf"^{CODEBOOK_NOTE} (?P<name>\S+) (?P<version>\S+)$")


@dataclass
class _Span:
    start: int
    end: int


@dataclass
class ImportReport:
    path: Path
    origin: str
    new: list[str] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)
    codebook: str = ""
    codings: Counter = field(default_factory=Counter)
    codings_present: int = 0
    conflicts: int = 0
    segments: int = 0
    memos: int = 0
    memos_present: int = 0
    skipped: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        by = ", ".join(f"{coder} {n}" for coder, n in sorted(self.codings.items())) or "-"
        lines = [
            f"imported {self.path.name}" + (f" (written by {self.origin})" if self.origin else ""),
            f"  transcripts: {len(self.new)} new, {len(self.matched)} already in the project",
            f"  codebook: {self.codebook or '(none in the file)'}",
            f"  codings: {sum(self.codings.values())} new ({by}), {self.codings_present} already present"
            + (f", {self.conflicts} left as they were because the coder had rejected that code"
               if self.conflicts else ""),
            f"  segments created at selection offsets or by sentence: {self.segments}",
            f"  memos: {self.memos} new, {self.memos_present} already present",
        ]
        lines += [f"  not imported: {n} {what}" for what, n in sorted(self.skipped.items())]
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def _codebook_notes(project: ProjectData, report: ImportReport, used_notes: set[str]):
    """qualcode's codebook YAML notes: [(book, yaml, applied_at, in_use)] in the order they were applied."""
    found = []
    for note in project.notes.values():
        m = _CODEBOOK_NOTE.match(note.name)
        if not m:
            continue
        used_notes.add(note.guid)
        try:
            book = parse_codebook(note.text, f"{project.path.name}: note {note.name!r}")
        except CodebookError as exc:
            report.notes.append(f"codebook note skipped: {exc}")
            continue
        found.append((book, note.text, note.created, (note.description or "").strip() == CODEBOOK_IN_USE))
    found.sort(key=lambda x: (x[3], x[2] or datetime.min))
    return found


def _record_codebook(session, project: ProjectData, yaml_notes, report: ImportReport) -> int | None:
    """Record the file's codebook version(s); returns the id codings are made under."""
    make_current = current_version(session) is None
    if yaml_notes:
        chosen = None
        for i, (book, text, applied, in_use) in enumerate(yaml_notes):
            last = i == len(yaml_notes) - 1
            is_new = store.codebook_row(session, book.name, book.version) is None
            try:
                row = record_version(session, book, text, source_path=str(project.path),
                                     make_current=make_current and last)
            except CodebookError as exc:
                raise RefiError(f"{project.path}: codebook {book.name} {book.version} in the file differs from the "
                                f"version of that name already in the database ({exc}); import into another "
                                "database, or give one of them a new version number") from exc
            if is_new:
                store.set_applied_at(session, row.id, applied)
            chosen = (book, row)
        book, row = chosen
    elif project.codes:
        version, n = "1.0.0", 0
        while True:
            text = codebook_yaml(project.codes, project.origin, project.path.name, default_name=project.name,
                                 version=version)
            book = parse_codebook(text, project.path.name)
            try:
                row = record_version(session, book, text, source_path=str(project.path), make_current=make_current)
                break
            except CodebookError:
                n += 1
                version = f"1.0.{n}"
                if n > 999:
                    raise RefiError(f"{project.path}: cannot find a free version number for codebook {book.name}")
    else:
        return None
    report.codebook = f"{book.name} {book.version}" + (" (now in use)" if row.is_current else
                                                       " (recorded; the project keeps its codebook in use)")
    return row.id


def import_qdpx(engine: Engine, path: Path, *, nlp=None, progress: Progress | None = None) -> ImportReport:
    """Import the project at ``path``; all or nothing. ``nlp`` is loaded only if a text must be segmented."""
    project = read_project(path)
    report = ImportReport(Path(path), project.origin, skipped=project.skipped)
    if project.problems:
        report.notes.append("the file does not fully follow the REFI-QDA schema (read what could be read): "
                            + "; ".join(project.problems))
    assign_ids(project.codes)
    code_ids = {info.guid: info.id for info in project.codes}
    used_notes: set[str] = set()
    used_links: set[tuple[str, str]] = set()
    yaml_notes = _codebook_notes(project, report, used_notes)
    attrs, speakers = attributes_and_speakers(project, report.skipped)

    plans = []
    for src, name in zip(project.sources, unique_names(project.sources)):
        where = f"{Path(path).name}: {name}"
        people = {label: (role, normalised(a, where)) for label, (role, a) in speakers.get(src.guid, {}).items()}
        plan = SourcePlan(src, name, normalised(attrs.get(src.guid, {}), where), people)
        plan_source(plan, project, code_ids, used_notes, used_links, report.skipped)
        plans.append(plan)
    if len(project.links) > len(used_links):
        report.skipped["links between objects"] += len(project.links) - len(used_links)
    unused = [g for g in project.notes if g not in used_notes]
    if unused:
        report.skipped["notes not attached to any text (qualcode memos belong to a transcript)"] += len(unused)

    with transaction(engine) as session:
        by_name, by_text = store.existing_transcripts(session, [p.name for p in plans], [p.source.text for p in plans])
    for plan in plans:
        found = by_name.get(plan.name)
        if found is not None and found.text != plan.source.text:
            raise RefiError(f"{path}: transcript {plan.name!r} is already in the project with a different text, "
                            "so the file's offsets would point at other words; import into an empty database, or "
                            "rename or delete that transcript first")
        plan.existing = found or by_text.get(plan.source.text)

    todo = [p for p in plans if p.codings and (p.existing is None or not p.existing.segmented)]
    words = sum(len(p.source.text.split()) for p in todo) or 1
    done = 0
    for plan in plans:
        text = plan.source.text
        if plan.existing is None:
            roles = {label: role for label, (role, _) in plan.speakers.items()}
            turns, header_end = rebuild_turns(text, roles or None, plan.attributes.get("interviewer"))
            used = {t.speaker for t in turns}
            people = [ParticipantData(label, role, a) for label, (role, a) in sorted(plan.speakers.items())]
            people += [ParticipantData(s, next(t.role for t in turns if t.speaker == s))
                       for s in sorted(used - set(plan.speakers))]
            plan.data = TranscriptData(name=plan.name, source_file=f"{Path(path).name}: {plan.source.name}"[:1024],
                                       content_hash=sha256(text.encode("utf-8")).hexdigest(), text=text,
                                       metadata_text=text[:header_end].strip(), attributes=plan.attributes,
                                       participants=people, turns=turns, annotations=find_annotations(text))
            annotations = plan.data.annotations
        else:
            turns = [_Span(s, e) for s, e, _ in plan.existing.turns]
            annotations = [_Span(s, e) for s, e in plan.existing.annotations]
        if plan in todo:
            if nlp is None:
                from ..nlp import load_pipeline

                nlp = load_pipeline()
            sentences = sentence_spans_for(nlp, text, turns, annotations)
            plan.spans = fit_segments(text, turns, sentences, {c.span for c in plan.codings})
            done += len(text.split())
            if progress:
                progress(done, words, f"segmenting {plan.name}")

    try:
        with transaction(engine) as session:
            version_id = _record_codebook(session, project, yaml_notes, report)
            for plan in plans:
                _write(session, plan, version_id, report)
    except IntegrityError as exc:
        raise RefiError(f"{path}: the database changed while importing (another import or coder?); nothing was "
                        f"imported, run the import again ({exc.orig})") from exc
    return report


def _write(session, plan: SourcePlan, version_id: int | None, report: ImportReport) -> None:
    """One source's transcript, segments, codings and memos (inside the import's transaction)."""
    text = plan.source.text
    if plan.existing is None:
        t = add_transcript(session, plan.data, imported_by=plan.source.user)
        store.set_imported_at(session, t.id, plan.source.created)
        tid, turns = t.id, list(t.turns)
        report.new.append(plan.name)
    else:
        tid = plan.existing.id
        turns = store.turns_of(session, tid)
        report.matched.append(plan.name if plan.name == plan.existing.name
                              else f"{plan.name} (as {plan.existing.name!r}, same text)")
        missing = {k: v for k, v in plan.attributes.items() if k not in plan.existing.attributes}
        for k, v in plan.attributes.items():
            if k in plan.existing.attributes and plan.existing.attributes[k] != v:
                report.notes.append(f"{plan.existing.name}: attribute {k} kept as "
                                    f"{plan.existing.attributes[k]!r} (the file says {v!r})")
        store.add_attributes(session, tid, missing)
    offsets = store.segments_by_offsets(session, tid)
    if plan.spans is not None and turns and not offsets:  # (not segmented meanwhile by `qualcode tag`)
        store.add_segments(session, tid, [(s, e, turns[ti]) for s, e, ti in plan.spans], text, mark_segmented=True)
        report.segments += len(plan.spans)
        offsets = store.segments_by_offsets(session, tid)
    missing = sorted({c.span for c in plan.codings} - set(offsets))
    if missing and turns:
        store.add_segments(session, tid, [(s, e, turns[turn_of(turns, s)]) for s, e in missing], text,
                           mark_segmented=False)
        report.segments += len(missing)
        offsets = store.segments_by_offsets(session, tid)
    decided = store.decisions_of(session, tid)
    new = []
    for c in plan.codings:
        sid = offsets.get(c.span)
        if sid is None:
            report.skipped["codings in a text without words (no segment possible)"] += 1
            continue
        key = (sid, c.code, c.coder)
        if key in decided:
            status = decided[key]
            if status == "imported":
                report.skipped["duplicate codings in the file"] += 1
            elif status == "accepted":
                report.codings_present += 1
            else:
                report.conflicts += 1
            continue
        decided[key] = "imported"
        new.append(store.NewCoding(sid, c.code, c.coder, c.created, c.updated, c.note))
        report.codings[c.coder] += 1
    store.add_imported_codings(session, tid, new, version_id, report.path.name)
    present = store.memo_keys(session, tid)  # memos already there (an earlier import of this file)
    for m in plan.memos:
        start, end = m.span if m.span else (None, None)
        key = (m.coder, m.text, start, end)
        if present[key] > 0:
            present[key] -= 1
            report.memos_present += 1
            continue
        store.add_memo(session, transcript_id=tid, coder=m.coder, text=m.text, origin=m.origin, start=start,
                       end=end, segment_id=offsets.get(m.span) if m.span else None, created_at=m.created,
                       updated_at=m.updated)
        report.memos += 1
