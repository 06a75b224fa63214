"""Replace names of people and firms in an imported transcript by stable placeholders.

Person names come from the Finnish pipeline's NER (``PERSON``) and from a user list; firm
names from the user list (a line ``yritys: Acme Oy`` or ``firm: Acme Oy``; other lines are
people). A name is keyed by its base form, so "Matti Virtasen" and "Matti Virtanen" get the
same ``[Henkilö 1]``, in every transcript of the project. Within one transcript a lone first
or last name of someone already named in full gets that person's placeholder.

Two steps, so the slow part runs outside the database transaction:
``find_names`` (NLP, no database) and ``apply`` (placeholders from the store, text rewritten
with every offset moved accordingly).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .importing.turns import KNOWN_LABEL, find_annotations
from .nlp import tagging_disabled
from .transcript import AnnotationData, CommentData, ParticipantData, TranscriptData, TurnData

FIRM_PREFIXES = ("yritys", "firma", "firm", "company", "organisaatio", "organisation", "organization")
PERSON_PREFIXES = ("henkilö", "person", "nimi", "name")
_SUFFIX = r"(?::[a-zåäö]{1,5}|[a-zåäö]{0,3})"  # Acme Oy:n, Kallella? (inflection the lemma pass misses)


class NameListError(ValueError):
    """A name list that cannot be read."""


@dataclass
class NameList:
    persons: list[str] = field(default_factory=list)
    firms: list[str] = field(default_factory=list)

    def entries(self) -> list[tuple[str, str]]:
        return [("person", n) for n in self.persons] + [("firm", n) for n in self.firms]


def read_name_list(path: str | Path) -> NameList:
    """One name a line; ``yritys: Acme Oy`` marks a firm; ``#`` starts a comment."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise NameListError(f"{path}: cannot read the name list ({exc}); save it as UTF-8 text, one name a line") from exc
    return parse_name_list(text)


def parse_name_list(text: str) -> NameList:
    names = NameList()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        kind, _, rest = line.partition(":")
        if rest.strip() and kind.strip().lower() in FIRM_PREFIXES:
            names.firms.append(" ".join(rest.split()))
        elif rest.strip() and kind.strip().lower() in PERSON_PREFIXES:
            names.persons.append(" ".join(rest.split()))
        else:
            names.persons.append(" ".join(line.split()))
    return names


@dataclass
class Hit:
    start: int
    end: int
    kind: str  # person | firm
    key: str  # base form, lower case
    surface: str


@dataclass
class Found:
    """Names found in one transcript: in its text, and in its other strings."""

    text: list[Hit]
    strings: dict[str, list[Hit]]  # any other string (labels, attribute values, memo texts) -> hits

    def keys(self) -> dict[tuple[str, str], str]:
        out = {}
        for h in self.text + [h for hs in self.strings.values() for h in hs]:
            out.setdefault((h.kind, h.key), h.surface)
        return out


def _other_strings(data: TranscriptData) -> list[str]:
    out = [p.label for p in data.participants]
    out += list(data.attributes.values())
    out += [v for p in data.participants for v in p.attributes.values()]
    out += [c.text for c in data.comments] + [c.author for c in data.comments]
    return [s for s in dict.fromkeys(out) if s and s.strip()]


def _entity_ok(ent) -> bool:
    text = ent.text.strip()
    if len(text) < 2 or not text[0].isupper() or KNOWN_LABEL.match(text):
        return False
    return not (ent.start_char > 0 and ent.doc.text[ent.start_char - 1] == "[")  # already a placeholder


def _hits_in(doc, names: list[tuple[str, str, list[str]]]) -> list[Hit]:
    hits = []
    for ent in doc.ents:
        if ent.label_ == "PERSON" and _entity_ok(ent):
            # Base forms, in a fixed order: "Virtasen Matti" is "Matti Virtanen".
            key = " ".join(sorted(t.lemma_.lower() or t.text.lower() for t in ent if not t.is_punct))
            hits.append(Hit(ent.start_char, ent.end_char, "person", key, ent.text))
    # listed names by base form (Virtasen -> virtanen) ...
    lemmas = [t.lemma_.lower() for t in doc]
    for kind, name, name_lemmas in names:
        n = len(name_lemmas)
        for i in range(len(doc) - n + 1):
            if lemmas[i:i + n] == name_lemmas and doc[i].text[:1].isupper():
                span = doc[i:i + n]
                hits.append(Hit(span.start_char, span.end_char, kind, _key(kind, name), span.text))
    # ... and by surface form with a case ending (Acme Oy:n)
    for kind, name, _ in names:
        pattern = r"(?<![\w\[])" + r"\s+".join(map(re.escape, name.split())) + _SUFFIX + r"(?!\w)"
        for m in re.finditer(pattern, doc.text):
            hits.append(Hit(m.start(), m.end(), kind, _key(kind, name), m.group(0)))
    return _no_overlaps(hits)


def _key(kind: str, name: str) -> str:
    words = name.lower().split()
    return " ".join(sorted(words) if kind == "person" else words)


def _no_overlaps(hits: list[Hit]) -> list[Hit]:
    """Longest first; listed names (firms) win ties over NER."""
    hits.sort(key=lambda h: (-(h.end - h.start), h.kind != "firm", h.start))
    kept: list[Hit] = []
    for h in hits:
        if not any(h.start < k.end and k.start < h.end for k in kept):
            kept.append(h)
    return sorted(kept, key=lambda h: h.start)


def find_names(data: TranscriptData, nlp, names: NameList | None = None) -> Found:
    """Names in the transcript's text and other strings (no database)."""
    entries = []
    for kind, name in (names or NameList()).entries():
        entries.append((kind, name, [t.lemma_.lower() for t in nlp(name)]))
    disabled = tagging_disabled(nlp, sentences=False)
    lines, starts, pos = [], [], 0
    for line in data.text.split("\n"):
        lines.append(line)
        starts.append(pos)
        pos += len(line) + 1
    text_hits: list[Hit] = []
    with nlp.select_pipes(disable=disabled):
        for doc, base in zip(nlp.pipe(lines, batch_size=64), starts):
            for h in _hits_in(doc, entries):
                text_hits.append(Hit(h.start + base, h.end + base, h.kind, h.key, h.surface))
        others = _other_strings(data)
        strings = {s: _hits_in(doc, entries) for s, doc in zip(others, nlp.pipe(others, batch_size=64))}
    _first_last_names(text_hits)
    return Found(text_hits, strings)


def _first_last_names(hits: list[Hit]) -> None:
    """"Matti" after "Matti Virtanen" in the same transcript is the same person."""
    full = [h.key.split() for h in hits if h.kind == "person" and len(h.key.split()) > 1]
    for h in hits:
        if h.kind == "person" and len(h.key.split()) == 1:
            owners = {" ".join(f) for f in full if h.key in f}
            if len(owners) == 1:
                h.key = owners.pop()


def _rewrite(s: str, hits: list[Hit], placeholders: dict[tuple[str, str], str]) -> tuple[str, list[tuple[int, int, int]]]:
    """``s`` with hits replaced; and (old_start, old_end, new_start) of each replacement."""
    out, moves, pos, shift = [], [], 0, 0
    for h in hits:
        ph = placeholders[(h.kind, h.key)]
        out.append(s[pos:h.start])
        moves.append((h.start, h.end, h.start + shift))
        out.append(ph)
        shift += len(ph) - (h.end - h.start)
        pos = h.end
    out.append(s[pos:])
    return "".join(out), moves


def _mover(moves: list[tuple[int, int, int]], lens: list[int]) -> Callable[[int, bool], int]:
    """Map an offset in the old text to the new one (inside a replaced name: the placeholder's edge)."""
    ends = [hi for _, hi, _ in moves]

    def move(p: int, is_end: bool) -> int:
        i = bisect_right(ends, p)  # replacements wholly before p
        if i < len(moves) and moves[i][0] < p:
            return moves[i][2] + (lens[i] if is_end else 0)
        if i == 0:
            return p
        lo, hi, new_lo = moves[i - 1]
        return p + new_lo + lens[i - 1] - hi
    return move


def apply(data: TranscriptData, found: Found, placeholders: dict[tuple[str, str], str]) -> TranscriptData:
    """A copy of ``data`` with every found name replaced by its placeholder, offsets moved."""
    text, moves = _rewrite(data.text, found.text, placeholders)
    lens = [len(placeholders[(h.kind, h.key)]) for h in found.text]
    move = _mover(moves, lens)

    def sub(s: str) -> str:
        hits = found.strings.get(s)
        return _rewrite(s, hits, placeholders)[0] if hits else s

    turns = [TurnData(sub(t.speaker), t.role, move(t.start, False), move(t.end, True), t.timestamp)
             for t in data.turns]
    labels = {p.label: sub(p.label) for p in data.participants}
    participants = [ParticipantData(labels[p.label], p.role, {k: sub(v) for k, v in p.attributes.items()})
                    for p in data.participants]
    annotations = find_annotations(text)
    taken = [(a.start, a.end) for a in annotations]
    for a in data.annotations:
        if a.kind == "timestamp":
            lo, hi = move(a.start, False), move(a.end, True)
            if not any(lo < e and s < hi for s, e in taken):
                annotations.append(AnnotationData(a.kind, lo, hi, text[lo:hi]))
    annotations.sort(key=lambda a: a.start)
    comments = [CommentData(sub(c.author), sub(c.text),
                            None if c.start is None else move(c.start, False),
                            None if c.end is None else move(c.end, True)) for c in data.comments]
    metadata_end = move(data.metadata_end, False)
    attributes = {k: sub(v) for k, v in data.attributes.items()}
    attributes["pseudonymised"] = "yes"
    return replace(data, text=text, turns=turns, participants=participants, annotations=annotations,
                   comments=comments, attributes=attributes, metadata_end=metadata_end,
                   metadata_text=text[:metadata_end].strip())
