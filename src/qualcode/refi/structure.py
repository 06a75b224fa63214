"""Turns and segments for a transcript that arrives as plain text from a REFI-QDA project.

A .qdpx carries the text and the coded selections but not qualcode's speaker turns or
sentence segments. Turns are found again from the speaker labels in the text (with the
speaker list and roles the export wrote as cases, when there is one); segments are the
Finnish parser's sentences inside turns, as ``qualcode tag`` makes them, except that every
coded selection becomes a segment at exactly its offsets and the sentences it overlaps keep
only their parts outside it. A qualcode export therefore comes back with the same segments.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Callable

from ..importing.turns import Roles, colon_candidate, label_list, plausible_label
from ..store.models import ROLE_PARTICIPANT
from ..transcript import TurnData

NO_SPEAKER = "?"
# Pipeline components that cannot move a sentence boundary; skipping them makes the parse ~4x faster.
NOT_FOR_SENTENCES = ("tagger", "morphologizer", "attribute_ruler", "lemmatizer", "ner", "qualcode_lemmas")

Span = tuple[int, int]


def rebuild_turns(text: str, speakers: dict[str, str] | None = None,
                  interviewer: str | None = None) -> tuple[list[TurnData], int]:
    """Speaker turns in ``text`` and where the first turn's line starts (the header ends).

    ``speakers`` (label -> role) are the labels to accept when the file says who spoke;
    without it labels are recognised as in a DOCX import and roles come from their shape and
    the ``interviewer`` attribute. A text with no labels at all becomes one turn.
    """
    lines, pos = [], 0
    for line in text.split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    candidates = [(start, line, colon_candidate(line)) for start, line in lines if line.strip()]
    counts = Counter(c.label for _, _, c in candidates if c)
    interviewers = label_list(interviewer or "")
    turns: list[TurnData] = []
    header_end = len(text)
    for start, line, cand in candidates:
        accept = False
        if cand:
            accept = cand.label in speakers if speakers else plausible_label(cand, counts[cand.label], interviewers)
        if accept:
            if not turns:
                header_end = start
            turns.append(TurnData(cand.label, ROLE_PARTICIPANT, start + cand.text_start, start + len(line), cand.ts))
        elif turns:
            turns[-1].end = start + len(line)
    roles = speakers or Roles(interviewers=interviewers).resolve([t.speaker for t in turns])
    for t in turns:
        t.role = roles[t.speaker]
    for t in turns:
        while t.end > t.start and text[t.end - 1].isspace():
            t.end -= 1
    if not turns and text.strip():
        first = len(text) - len(text.lstrip())
        turns = [TurnData(NO_SPEAKER, ROLE_PARTICIPANT, first, len(text.rstrip()))]
        header_end = first
    return turns, header_end


def turn_of(turns: list, start: int) -> int:
    """Index of the turn holding offset ``start`` (else the last turn before it, else the first)."""
    best = 0
    for i, t in enumerate(turns):
        if t.start <= start < t.end:
            return i
        if t.start <= start:
            best = i
    return best


def _has_word(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def fit_segments(text: str, turns: list, sentences: list[tuple[int, int, int]],
                 selections: set[Span]) -> list[tuple[int, int, int]]:
    """Segments (start, end, turn index): every selection exactly, sentences cut around them.

    Sentences that equal a selection stay whole; a sentence overlapping other selections keeps
    the pieces outside them that still hold a word. Selections may overlap one another (two
    coders' passages), sentences never do.
    """
    sentence_spans = {(s, e) for s, e, _ in sentences}
    extra = sorted(sel for sel in selections if sel not in sentence_spans and sel[1] > sel[0])
    starts = [s for s, _ in extra]
    out = [(s, e, turn_of(turns, s)) for s, e in extra]
    longest = max((e - s for s, e in extra), default=0)
    for s, e, ti in sentences:
        if (s, e) in selections:
            out.append((s, e, ti))
            continue
        pieces = [(s, e)]
        lo = bisect.bisect_left(starts, s - longest)
        for a, b in extra[lo:]:
            if a >= e:
                break
            if b <= s:
                continue
            cut = []
            for x, y in pieces:
                if b <= x or a >= y:
                    cut.append((x, y))
                    continue
                if x < a:
                    cut.append((x, a))
                if b < y:
                    cut.append((b, y))
            pieces = cut
        for x, y in pieces:
            while x < y and text[x].isspace():
                x += 1
            while y > x and text[y - 1].isspace():
                y -= 1
            if y > x and _has_word(text[x:y]):
                out.append((x, y, ti))
    return sorted(set(out), key=lambda seg: (seg[0], -seg[1], seg[2]))


def sentence_spans_for(nlp, text: str, turns: list, annotations: list,
                       progress: Callable[[int, int], None] | None = None) -> list[tuple[int, int, int]]:
    """The parser's sentences in each turn, as ``qualcode tag`` finds them: (start, end, turn index)."""
    from ..segments import sentence_spans
    from ..transcript import masked_turns

    texts = masked_turns(text, annotations, turns)
    skip = [name for name in NOT_FOR_SENTENCES if name in nlp.pipe_names]
    out = []
    with nlp.select_pipes(disable=skip):
        for i, (turn, doc) in enumerate(zip(turns, nlp.pipe(texts, batch_size=16))):
            for span in sentence_spans(doc):
                out.append((turn.start + span.start_char, turn.start + span.end_char, i))
            if progress:
                progress(i + 1, len(turns))
    return out
