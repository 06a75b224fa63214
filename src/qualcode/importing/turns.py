"""Speaker labels, interviewer roles and transcriber annotations in transcript lines.

Two layouts are found automatically:

- *colon labels*: ``H: text``, ``**Haastattelija:** text``, ``[00:12:34] H1: text``,
  ``Osallistuja 3 (12:03): text``, ``Matti Virtanen: text``;
- *header lines*: a line holding only a name and a time stamp (``Speaker 1  0:42``,
  ``00:01:02 Puhuja 2``, ``Matti Virtanen (12:03)``) with the turn's text in the lines below,
  as transcription services and Word/Teams transcripts export it.

A user pattern (``--speaker-pattern``) replaces both: a match that covers the whole line is a
header line, otherwise the turn's text starts where the match ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..store.models import ROLE_INTERVIEWER, ROLE_PARTICIPANT
from ..transcript import AnnotationData

TIMESTAMP = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"


def _ts_group(name: str) -> str:
    return rf"[\[(]?(?<!\d)(?P<{name}>{TIMESTAMP})(?!\d)[\])]?"


COLON_LABEL = re.compile(
    r"^\s*(?:" + _ts_group("ts") + r"\s*(?:[-–|]\s*)?)?"
    r"(?P<label>[^\W\d_][\w.'’\- ]{0,40}?)"
    r"(?:\s*" + _ts_group("ts2") + r")?"
    r"\s*:(?=\s|$|[^\W\d_])\s*"
)
_NAME = r"[^\W\d_][\w.'’\-]*(?:[ \t]+[\w.'’\-]+){0,3}"
HEADER_LINE = re.compile(
    rf"^\s*(?:(?P<label>{_NAME})[ \t]*(?:[-–|,][ \t]*)?" + _ts_group("ts") +
    r"|" + _ts_group("ts2") + rf"[ \t]*(?:[-–|,][ \t]*)?(?P<label2>{_NAME}))[ \t]*:?[ \t]*$"
)
# Label shapes that are speaker labels even on first sight.
KNOWN_LABEL = re.compile(
    r"^(?:[A-ZÅÄÖ]{1,2}\d{0,2}|(?:Haastattelija|Haastateltava|Osallistuja|Puhuja|Speaker|Participant|"
    r"Interviewer|Interviewee|Respondent|Moderaattori|Moderator|Fasilitaattori|Facilitator|Tutkija|Researcher|"
    r"Haast|Int|Resp|Vastaaja|Kysyjä|Henkilö|Person)(?:\s*\d{1,2})?)$",
    re.IGNORECASE,
)
INTERVIEWER_LABEL = re.compile(
    r"^(?:H|I|Q|K|Int|Haast|Haastattelija|Interviewer|Moderaattori|Moderator|Fasilitaattori|Facilitator|"
    r"Tutkija|Researcher|Kysyjä|Kysyja)(?:\s*\d{1,2})?$",
    re.IGNORECASE,
)
# Words that open a line with a colon without being anybody's name.
NOT_LABELS = {
    "huom", "huomio", "huomautus", "note", "nb", "esim", "esimerkiksi", "eg", "kommentti", "comment",
    "kysymys", "question", "teema", "theme", "aihe", "topic", "liite", "appendix", "osio", "section", "tausta",
    "background", "yhteenveto", "summary", "lähde", "source", "http", "https", "www", "ks", "vrt", "see",
}
ANNOTATION_PATTERNS = [
    ("timestamp", re.compile(rf"\[{TIMESTAMP}\]|\({TIMESTAMP}\)")),
    ("pause", re.compile(r"\((?:\.{1,3}|\d+(?:[.,]\d+)?\s*s?|tauko|pause)\)", re.IGNORECASE)),
    ("placeholder", re.compile(r"\[(?:Yritys|Henkilö|Firma|Paikka|Organisaatio|Company|Person|Place)\s+[\w\d]{1,4}\]")),
    ("note_ref", re.compile(r"\[L?\d{1,3}\]|\[(?:Alaviite|Loppuviite) L?\??\d{1,3}\]")),
    ("annotation", re.compile(r"\[[^\[\]\n]{1,80}\]")),
    ("annotation", re.compile(
        r"\((?:naurua|nauraa|naurahtaa|nauraen|yhteistä naurua|epäselvä|epäselvää|päällekkäistä puhetta|"
        r"päällekkäin|tauko|hiljaisuus|huokaa|yskii|keskeytys|nimi poistettu|laughs|laughter|inaudible|"
        r"unclear|crosstalk|pause|silence|sighs|coughs)\)", re.IGNORECASE)),
]


def find_annotations(text: str) -> list[AnnotationData]:
    """Time stamps, pauses, placeholders, note markers and transcriber notes, without overlaps."""
    taken: list[tuple[int, int]] = []
    found: list[AnnotationData] = []
    for kind, pattern in ANNOTATION_PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append(AnnotationData(kind, m.start(), m.end(), m.group(0)))
    return sorted(found, key=lambda a: a.start)


@dataclass
class Candidate:
    """A line that may open a turn."""

    label: str
    text_start: int  # offset in the line where the turn's text starts (== len(line) for a header line)
    header: bool  # a header line: the turn's text is in the lines below
    ts: str | None = None
    ts_span: tuple[int, int] | None = None  # the time stamp's offsets in the line
    bold: bool = False


def colon_candidate(line: str, pattern: re.Pattern | None = None) -> Candidate | None:
    m = (pattern or COLON_LABEL).match(line)
    if not m:
        return None
    groups = m.groupdict()
    label = " ".join((groups.get("label") or (m.group(1) if m.re.groups else m.group(0))).split()).rstrip(":")
    if not label or len(label.split()) > 4:
        return None
    ts, span = _ts(m)
    header = pattern is not None and not line[m.end():].strip()
    return Candidate(label, len(line) if header else m.end(), header, ts, span)


def header_candidate(line: str) -> Candidate | None:
    if len(line) > 80:
        return None
    m = HEADER_LINE.match(line)
    if not m:
        return None
    label = " ".join((m.group("label") or m.group("label2")).split())
    words = label.split()
    if not all(w[0].isupper() or w[0].isdigit() or w in ("van", "von", "de", "af", "da") for w in words):
        return None
    ts, span = _ts(m)
    return Candidate(label, len(line), True, ts, span)


def _ts(m: re.Match) -> tuple[str | None, tuple[int, int] | None]:
    for name in ("ts", "ts2"):
        if name in m.re.groupindex and m.group(name):
            return m.group(name), m.span(name)
    return None, None


def plausible_label(cand: Candidate, count: int, known: set[str]) -> bool:
    """Accept a label if it is listed, has a usual shape, is bold, or recurs like a name would."""
    label = cand.label
    if label in known:
        return True
    if cand.header:  # a line of only a name and a time stamp: the layout is the evidence (see find_turns)
        return label.split()[0].lower() not in NOT_LABELS
    if label.split()[0].lower().rstrip(".") in NOT_LABELS:
        return False
    if KNOWN_LABEL.match(label):
        return True
    words = label.split()
    capitalised = all(w[:1].isupper() or w.isdigit() for w in words) and len(words) <= 4
    return capitalised and (count >= 2 or cand.bold)


@dataclass
class Roles:
    """What the document says about who is who; the label heuristic fills in the rest."""

    interviewers: set[str] = field(default_factory=set)
    participants: set[str] = field(default_factory=set)

    def resolve(self, labels: list[str]) -> dict[str, str]:
        used = set(labels)
        # "H" with "H1".."Hn": H is the interviewer, H1.. are respondents (haastateltava 1..n);
        # "H1", "H2" next to "V1", "P1"...: interviewers numbered.
        bare_h = "H" in used or "h" in used
        others = {lb for lb in used if not INTERVIEWER_LABEL.match(lb)}
        roles = {}
        for label in labels:
            if label in self.participants:
                role = ROLE_PARTICIPANT
            elif label in self.interviewers:
                role = ROLE_INTERVIEWER
            elif re.fullmatch(r"[Hh]\s*\d{1,2}", label):
                role = ROLE_INTERVIEWER if (not bare_h and others) else ROLE_PARTICIPANT
            elif INTERVIEWER_LABEL.match(label):
                role = ROLE_INTERVIEWER
            else:
                role = ROLE_PARTICIPANT
            roles[label] = role
        return roles


def label_list(value: str) -> set[str]:
    """Labels named in an attribute value: "H", "H, H2", "Maija Mäkinen (H)", "H ja M"."""
    out = set()
    for piece in re.split(r"[,;/]|\s+(?:ja|and|&)\s+", value):
        piece = piece.strip()
        if not piece:
            continue
        inner = re.findall(r"\(([^()]{1,40})\)", piece)
        out.update(i.strip() for i in inner)
        bare = re.sub(r"\([^()]*\)", "", piece).strip()
        if bare:
            out.add(bare)
    return out
