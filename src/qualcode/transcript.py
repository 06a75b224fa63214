"""A transcript as imported: plain text, speaker turns, participants, attributes, annotations.

This is the hand-off between the DOCX importer and the store. All offsets are code points
into ``text``, end exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ParticipantData:
    label: str
    role: str  # interviewer | participant
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class TurnData:
    speaker: str
    role: str
    start: int
    end: int
    timestamp: str | None = None


@dataclass
class AnnotationData:
    kind: str  # timestamp | annotation | pause | placeholder | note_ref
    start: int
    end: int
    text: str


@dataclass
class CommentData:
    author: str
    text: str
    start: int | None = None
    end: int | None = None


@dataclass
class TranscriptData:
    name: str
    source_file: str
    content_hash: str
    text: str
    metadata_text: str = ""
    metadata_end: int = 0  # text[:metadata_end] is the part before the first turn (title, header block)
    attributes: dict[str, str] = field(default_factory=dict)
    participants: list[ParticipantData] = field(default_factory=list)
    turns: list[TurnData] = field(default_factory=list)
    annotations: list[AnnotationData] = field(default_factory=list)
    comments: list[CommentData] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what the researcher should check; not stored

    @property
    def word_count(self) -> int:
        return sum(len(self.text[t.start:t.end].split()) for t in self.turns)


def masked(text: str, annotations: list, start: int = 0, end: int | None = None) -> str:
    """``text[start:end]`` with annotations blanked out (same length, so offsets still hold).

    ``annotations`` are objects with ``start`` and ``end`` into ``text``.
    """
    end = len(text) if end is None else end
    return _masked(text, [(a.start, a.end) for a in annotations], start, end)


def masked_turns(text: str, annotations: list, turns: list) -> list[str]:
    """``masked`` text of each turn (objects with ``start`` and ``end``), reading each annotation once.

    A transcript has dozens of annotations (timestamps, comments); looking each one up
    again for every turn took longer than the rest of a turn's preparation.
    """
    ranges = [(a.start, a.end) for a in annotations]
    return [_masked(text, ranges, t.start, t.end) for t in turns]


def _masked(text: str, ranges: list[tuple[int, int]], start: int, end: int) -> str:
    inside = sorted((max(lo, start), min(hi, end)) for lo, hi in ranges if lo < hi and lo < end and start < hi)
    if not inside:
        return text[start:end]  # most turns: no list() and join() of every character
    pieces, at = [], start
    for lo, hi in inside:
        if hi <= at:
            continue
        lo = max(lo, at)
        pieces += [text[at:lo], " " * (hi - lo)]
        at = hi
    pieces.append(text[at:end])
    return "".join(pieces)
