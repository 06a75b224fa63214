"""Turn a DOCX's blocks into a TranscriptData: plain text, header attributes, turns."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ..transcript import CommentData, ParticipantData, TranscriptData, TurnData
from . import attributes as attrs
from .docx_text import DocxContent, Paragraph, Table
from .turns import find_annotations, label_candidate, plausible_label, speaker_role

CORE_KEYS = {"title": "title", "subject": "subject", "keywords": "keywords", "description": "description"}


@dataclass
class _Line:
    text: str
    start: int
    block: Paragraph | Table
    row: int = -1


def _linearise(content: DocxContent) -> tuple[str, list[_Line]]:
    """Plain text (paragraphs and table rows, one per line) and where each line starts."""
    lines: list[_Line] = []
    pos = 0
    for block in content.blocks:
        if isinstance(block, Paragraph):
            texts = [(block.text, -1)]
        else:
            texts = [("\t".join(c.replace("\n", " ") for c in row), i) for i, row in enumerate(block.rows)]
        for text, row in texts:
            text = text.replace("\r", "")
            lines.append(_Line(text, pos, block, row))
            pos += len(text) + 1
    notes = [("Alaviite", n) for n in content.footnotes] + [("Loppuviite", n) for n in content.endnotes]
    for kind, note in notes:
        text = f"[{kind}] " + note.replace("\n", " ")
        lines.append(_Line(text, pos, Paragraph()))
        pos += len(text) + 1
    return "\n".join(line.text for line in lines), lines


def _header_tables(content: DocxContent) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Key/value attributes and participant rows from tables that describe the interview."""
    found: dict[str, str] = {}
    people: list[dict[str, str]] = []
    for table in content.tables():
        rows = [[c.strip() for c in r] for r in table.rows if any(c.strip() for c in r)]
        if not rows:
            continue
        header = [attrs.normalise_key(c) for c in rows[0]]
        if "label" in header and len(rows) > 1:
            for r in rows[1:]:
                people.append({rows[0][i]: r[i] for i in range(min(len(r), len(header))) if r[i]})
        elif all(len(r) == 2 for r in rows):
            for key, value in rows:
                if key and value and len(key) < 60:
                    found.setdefault(key.rstrip(":"), value)
    return found, people


def build_transcript(content: DocxContent, *, name: str, source_file: str, content_hash: str,
                     speaker_pattern: re.Pattern | None = None, extra_attributes: dict[str, str] | None = None
                     ) -> TranscriptData:
    text, lines = _linearise(content)
    raw_attrs = {CORE_KEYS[k]: v for k, v in content.core.items() if k in CORE_KEYS}
    table_attrs, people = _header_tables(content)
    raw_attrs.update(table_attrs)
    raw_attrs.update(extra_attributes or {})
    attributes = attrs.normalise(raw_attrs, source_file)

    participants: dict[str, ParticipantData] = {}
    for person in people:
        norm = attrs.normalise(person, source_file)
        label = norm.pop("label", "")
        if label:
            participants[label] = ParticipantData(label, "participant", norm)
    interviewers = {w.strip("()") for w in attributes.get("interviewer", "").replace(",", " ").split()}

    candidates = [
        (i, label_candidate(line.text, speaker_pattern)) for i, line in enumerate(lines)
        if isinstance(line.block, Paragraph) and line.text.strip()
    ]
    counts = Counter(c[0] for _, c in candidates if c)
    known = set(participants) | interviewers
    turns: list[TurnData] = []
    first_turn_line = None
    for i, cand in candidates:
        line = lines[i]
        if cand and (speaker_pattern is not None or plausible_label(cand[0], counts[cand[0]], known)):
            label, ts, offset = cand
            role = speaker_role(label, interviewers, set(participants))
            if label not in participants:
                participants[label] = ParticipantData(label, role)
            else:
                participants[label].role = role
            turns.append(TurnData(label, role, line.start + offset, line.start + len(line.text), ts))
            if first_turn_line is None:
                first_turn_line = i
        elif turns and first_turn_line is not None:
            turns[-1].end = line.start + len(line.text)  # a paragraph continuing the turn
    for t in turns:  # trim trailing whitespace so offsets cover the words only
        while t.end > t.start and text[t.end - 1].isspace():
            t.end -= 1
    metadata_end = lines[first_turn_line].start if first_turn_line is not None else len(text)
    comments = []
    for para in content.paragraphs():
        for cid, (lo, hi) in para.comment_ranges.items():
            comment = content.comments.get(cid)
            line = next((ln for ln in lines if ln.block is para), None)
            if comment and line is not None:
                comments.append(CommentData(comment["author"], comment["text"], line.start + lo,
                                            line.start + (hi if hi >= 0 else len(para.text))))
    anchored = {c.text for c in comments}
    comments += [CommentData(c["author"], c["text"]) for c in content.comments.values() if c["text"] not in anchored]
    used = {t.speaker for t in turns}
    return TranscriptData(
        name=name,
        source_file=source_file,
        content_hash=content_hash,
        text=text,
        metadata_text=text[:metadata_end].strip(),
        attributes=attributes,
        participants=[p for p in participants.values() if p.label in used or p.attributes],
        turns=turns,
        annotations=find_annotations(text),
        comments=comments,
    )
