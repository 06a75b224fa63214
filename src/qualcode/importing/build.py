"""Turn a DOCX's blocks into a TranscriptData: plain text, attributes, participants, turns, memos."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from ..store.models import ROLE_INTERVIEWER, ROLE_PARTICIPANT
from ..transcript import AnnotationData, CommentData, ParticipantData, TranscriptData, TurnData
from . import attributes as attrs
from .docx_text import DocxContent, Table
from .linear import Layout, Line, comment_anchors, linearise
from .turns import (
    Candidate,
    Roles,
    colon_candidate,
    find_annotations,
    header_candidate,
    label_list,
    plausible_label,
)

# Core properties worth keeping ("description" is left out: templates and tools fill it with their name).
CORE_KEYS = {"title": "title", "subject": "subject", "keywords": "keywords", "category": "category",
             "identifier": "interview_id"}
UNKNOWN_SPEAKER = "unknown"
MAX_VALUE = 1000


@dataclass
class TurnFinding:
    turns: list[TurnData] = field(default_factory=list)
    first_line: int | None = None  # index of the line of the first turn
    attribute_lines: dict[str, str] = field(default_factory=dict)  # "Key: value" lines before the first turn
    ts_spans: list[tuple[int, int, str]] = field(default_factory=list)  # time stamps in label/header lines


def _tables(content: DocxContent) -> list[tuple[Table, list[list[str]]]]:
    out = []
    for table in content.tables():
        rows = [[c.strip() for c in r] for r in table.cell_texts()]
        rows = [r for r in rows if any(r)]
        if rows:
            out.append((table, rows))
    return out


def participant_rows(content: DocxContent) -> list[dict[str, str]]:
    """Rows of tables whose header row has a speaker-label column (Puhuja, label, Speaker...)."""
    people = []
    for _, rows in _tables(content):
        header = [attrs.normalise_key(c) for c in rows[0]]
        if "label" in header and len(rows) > 1:
            col = header.index("label")
            labels = [r[col] for r in rows[1:] if len(r) > col and r[col]]
            if len(labels) != len(set(labels)):
                continue  # labels that recur: a transcript laid out as a table, not a list of people
            for r in rows[1:]:
                people.append({rows[0][i]: r[i] for i in range(min(len(r), len(header))) if r[i]})
    return people


def key_value_rows(content: DocxContent, before: int | None, layout: Layout) -> dict[str, str]:
    """Two-column key/value tables that describe the interview.

    A table counts if it stands before the first turn, or if most of its keys are known
    attribute names (a transcript laid out as a speaker/text table is not an attribute table).
    """
    found: dict[str, str] = {}
    table_start = {id(ln.table): ln.start for ln in layout.lines if ln.kind == "row" and ln.row == 0}
    for table, rows in _tables(content):
        if not all(len(r) == 2 for r in rows):
            continue
        if attrs.normalise_key(rows[0][0]) == "label":
            continue
        known = sum(attrs.normalise_key(k) in attrs.TRANSCRIPT_KEYS for k, _ in rows)
        early = before is not None and table_start.get(id(table), 0) < before
        if not (early or known * 2 >= len(rows)):
            continue
        for key, value in rows:
            key = key.rstrip(":").strip()
            if key and value and len(key) < 60 and len(value) <= MAX_VALUE:
                found.setdefault(key, value)
    return found


def _attribute_line(line: str) -> tuple[str, str] | None:
    m = re.match(r"^\s*([^:\n]{1,40}?)\s*:\s+(\S.{0,300})$", line)
    if not m:
        return None
    key, value = m.group(1), m.group(2).strip()
    return (key, value) if attrs.normalise_key(key) in attrs.TRANSCRIPT_KEYS else None


def _header_value(value: str) -> bool:
    """An attribute value such as "Maija Mäkinen (H)" or "V, toimitusjohtaja", not a sentence said."""
    return value.rstrip()[-1:] not in ".?!…" and len(value.split()) <= 8


def find_turns(layout: Layout, pattern: re.Pattern | None, known: set[str]) -> TurnFinding:
    """Speaker turns in the body lines; text before the first turn is metadata."""
    body = [ln for ln in layout.lines if ln.kind in ("body", "textbox")]
    cands: dict[int, Candidate] = {}
    for ln in body:
        if not ln.text.strip():
            continue
        if pattern is not None:
            c = colon_candidate(ln.text, pattern)
        else:
            c = colon_candidate(ln.text) or header_candidate(ln.text)
        if c:
            at = ln.text.find(c.label)
            c.bold = at >= 0 and ln.is_bold(at, at + len(c.label))
            cands[id(ln)] = c
    if pattern is None:
        cands.update(table_turn_candidates(layout))
        counts = Counter((c.label, c.header) for c in cands.values())
        ok = {k: c for k, c in cands.items() if plausible_label(c, counts[(c.label, c.header)], known)}
        n_header = sum(c.header for c in ok.values())
        use_header = n_header > len(ok) - n_header and (n_header >= 2 or any(c.label in known for c in ok.values()))
        cands = {k: c for k, c in ok.items() if c.header == use_header}

    found = TurnFinding()
    attribute_region = True
    prev_attr = False
    for i, ln in enumerate(layout.lines):
        if ln.kind == "note":
            break
        c = cands.get(id(ln))
        if c is not None and attribute_region:
            kv = _attribute_line(ln.text)
            if kv and (attrs.normalise_key(kv[0]) not in attrs.SPEAKER_KEYS or (
                    _header_value(kv[1]) and (prev_attr or _next_is_attribute(layout.lines, i)))):
                found.attribute_lines.setdefault(kv[0], kv[1])
                prev_attr = True
                continue
        if c is None and attribute_region:
            kv = _attribute_line(ln.text) if ln.kind == "body" else None
            if kv and attrs.normalise_key(kv[0]) not in attrs.SPEAKER_KEYS:
                found.attribute_lines.setdefault(kv[0], kv[1])
                prev_attr = True
                continue
            prev_attr = prev_attr and not ln.text.strip()
        if c is not None:
            attribute_region = False
            if found.first_line is None:
                found.first_line = i
            start = ln.start + c.text_start
            found.turns.append(TurnData(c.label, ROLE_PARTICIPANT, start, ln.end if not c.header else start, c.ts))
            if c.ts_span:
                found.ts_spans.append((ln.start + c.ts_span[0], ln.start + c.ts_span[1], c.ts))
            if c.header:
                found.turns[-1].start = -1  # text starts on the next line with words
        elif found.turns and ln.text.strip():
            turn = found.turns[-1]
            if turn.start < 0:
                turn.start = ln.start + len(ln.text) - len(ln.text.lstrip())
            turn.end = ln.end
    text = layout.text
    kept = []
    for t in found.turns:
        if t.start < 0:
            continue  # a header line with no text under it
        while t.end > t.start and text[t.end - 1].isspace():
            t.end -= 1
        while t.start < t.end and text[t.start].isspace():
            t.start += 1
        if t.end > t.start:
            kept.append(t)
    found.turns = kept
    return found


def table_turn_candidates(layout: Layout) -> dict[int, Candidate]:
    """Rows of a transcript laid out as a table: (time,) speaker, text, as some tools export it.

    A table counts if at least three rows have a short speaker cell that recurs and a text cell
    after it; a participants table (each label once) does not.
    """
    tables: dict[int, list[Line]] = {}
    for ln in layout.lines:
        if ln.kind == "row":
            tables.setdefault(id(ln.table), []).append(ln)
    out: dict[int, Candidate] = {}
    for rows in tables.values():
        cells = rows[0].table.cell_texts()
        if len(rows) < 3 or max(len(c) for c in cells) < 2:
            continue
        for col in (0, 1):  # the speaker column, after an optional time column
            labels = [r[col].strip() if len(r) > col + 1 else "" for r in cells]
            shaped = [lb for lb in labels if lb and len(lb) <= 40 and len(lb.split()) <= 4 and lb[0].isalpha()]
            counts = Counter(shaped)
            recurring = sum(n for lb, n in counts.items() if n >= 2)
            if len(counts) < 1 or recurring < 3 or recurring < 0.6 * sum(1 for lb in labels if lb):
                continue
            for ln, row in zip(rows, cells):
                label = row[col].strip() if len(row) > col + 1 else ""
                if label not in counts or attrs.normalise_key(label) == "label":
                    continue  # an empty speaker cell continues the turn; a header row is no turn
                start = sum(len(c) + 1 for c in row[:col + 1])
                ts = row[0].strip() if col == 1 and re.fullmatch(r"[\[(]?\d{1,2}:\d{2}(:\d{2})?[.,\d]*[\])]?",
                                                                   row[0].strip()) else None
                out[id(ln)] = Candidate(label, start, False, ts, (0, len(row[0])) if ts else None, bold=True)
            break
    return out


def _next_is_attribute(lines: list[Line], i: int) -> bool:
    for ln in lines[i + 1:i + 4]:
        if ln.text.strip():
            kv = _attribute_line(ln.text)
            return kv is not None and attrs.normalise_key(kv[0]) not in attrs.SPEAKER_KEYS
    return False


def used_labels(turns: list[TurnData]) -> set[str]:
    return {t.speaker for t in turns}


def _layered_attributes(content: DocxContent, table_attrs: dict[str, str], line_attrs: dict[str, str],
                        extra: list[tuple[str, dict[str, str]]], source_file: str) -> dict[str, str]:
    """Attributes in rising priority: core properties, custom properties, header, manifest, --attr."""
    layers = [
        ("document properties", {CORE_KEYS[k]: v for k, v in content.core.items() if k in CORE_KEYS}),
        ("custom document properties",  # Word templates bring many; only the interview's own count
         {k: v for k, v in content.custom.items() if attrs.normalise_key(k) in attrs.TRANSCRIPT_KEYS}),
        ("header table", {**line_attrs, **table_attrs}),
        *extra,
    ]
    winners: dict[str, tuple[str, str, str]] = {}  # key -> (value, as written, where from)
    for where, raw in layers:
        for key, value in raw.items():
            k = attrs.normalise_key(key)
            if k and str(value).strip():
                winners[k] = (value, key, where)
    # Only the value that wins is checked: an --attr can correct a bad header table value.
    out = {k: attrs.normalise_value(k, v, where) for k, (v, _, where) in winners.items()}
    return {k: v[:MAX_VALUE] for k, v in out.items() if v}


def build_transcript(content: DocxContent, *, name: str, source_file: str, content_hash: str,
                     speaker_pattern: re.Pattern | None = None,
                     extra_attributes: dict[str, str] | list[tuple[str, dict[str, str]]] | None = None
                     ) -> TranscriptData:
    """``extra_attributes``: a mapping (from --attr) or (source, mapping) layers in rising priority."""
    if isinstance(extra_attributes, dict):
        extra_attributes = [("--attr", extra_attributes)]
    layout = linearise(content)
    text = layout.text

    participants: dict[str, ParticipantData] = {}
    roles = Roles()
    for person in participant_rows(content):
        norm = attrs.normalise(person, "participants table")
        label = norm.pop("label", "")
        if not label:
            continue
        desc = " ".join(norm.get(k, "") for k in ("description", "position")).lower()
        if re.search(r"\b(haastattelija|interviewer|moderaattori|moderator|fasilitaattori|facilitator)\b", desc):
            roles.interviewers.add(label)
        else:
            roles.participants.add(label)
        participants[label] = ParticipantData(label, ROLE_PARTICIPANT, norm)

    # A first pass over the header table gives the interviewer labels the turn finder should know.
    early_attrs = key_value_rows(content, None, layout)
    early_interviewers = {lb for k, v in early_attrs.items() if attrs.normalise_key(k) == "interviewer"
                          for lb in label_list(v)}
    found = find_turns(layout, speaker_pattern, set(participants) | early_interviewers)
    first = layout.lines[found.first_line].start if found.first_line is not None else None
    table_attrs = key_value_rows(content, first, layout)
    attributes = _layered_attributes(content, table_attrs, found.attribute_lines, extra_attributes or [],
                                     source_file)
    roles.interviewers |= label_list(attributes.get("interviewer", ""))
    roles.participants |= label_list(attributes.get("participants", "")) - roles.interviewers

    warnings = list(content.warnings)
    turns = found.turns
    if not turns:
        body = text[:layout.body_end]
        lo, hi = len(body) - len(body.lstrip()), len(body.rstrip())
        if hi > lo:
            turns = [TurnData(UNKNOWN_SPEAKER, ROLE_PARTICIPANT, lo, hi)]
            warnings.append(f"no speaker labels found: the whole text is one turn of speaker {UNKNOWN_SPEAKER!r} "
                            "(if the file has labels, give their shape with --speaker-pattern)")
    labels = list(dict.fromkeys(t.speaker for t in turns))
    resolved = roles.resolve(labels)
    for t in turns:
        t.role = resolved.get(t.speaker, ROLE_PARTICIPANT)
        if t.speaker not in participants:
            participants[t.speaker] = ParticipantData(t.speaker, t.role)
        participants[t.speaker].role = t.role
    for label in roles.interviewers - used_labels(turns) - roles.participants:
        if label in participants:  # listed in the table as interviewer but never speaks
            participants[label].role = ROLE_INTERVIEWER
    before = len(text[:first].split()) if first is not None else 0
    if before > 300 and found.turns:
        warnings.append(f"{before} words before the first speaker label are kept as metadata, not as turns; "
                        "if that part is interview, its labels need --speaker-pattern")
    if "stakeholder" not in attributes:
        warnings.append("no stakeholder type: set it in the header table, a manifest or with --attr stakeholder=...")

    annotations = find_annotations(text)
    taken = [(a.start, a.end) for a in annotations]
    for lo, hi, ts in found.ts_spans:
        if not any(lo < e and s < hi for s, e in taken):
            annotations.append(AnnotationData("timestamp", lo, hi, text[lo:hi]))
    annotations.sort(key=lambda a: a.start)

    anchors = comment_anchors(content, layout)
    comments = []
    for cid, c in content.comments.items():
        if not c["text"]:
            continue
        lo, hi = anchors.get(cid, (None, None))
        comments.append(CommentData(c["author"], c["text"], lo, hi))
    comments.sort(key=lambda c: (c.start is None, c.start or 0))

    metadata_end = first if first is not None else 0
    used = used_labels(turns)
    return TranscriptData(
        name=name,
        source_file=source_file,
        content_hash=content_hash,
        text=text,
        metadata_text=text[:metadata_end].strip(),
        metadata_end=metadata_end,
        attributes=attributes,
        participants=[p for p in participants.values() if p.label in used or p.attributes],
        turns=turns,
        annotations=annotations,
        comments=comments,
        warnings=warnings,
    )
