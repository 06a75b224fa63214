"""Speaker labels, interviewer roles and transcriber annotations in transcript paragraphs."""

from __future__ import annotations

import re

from ..store.models import ROLE_INTERVIEWER, ROLE_PARTICIPANT
from ..transcript import AnnotationData

TIMESTAMP = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
# "[00:12:34] H1: text", "(12:34) Haastattelija: text", "Osallistuja 3: text", "**H:** text"
COLON_LABEL = re.compile(
    rf"^\s*(?:[\[(]?(?P<ts>{TIMESTAMP})[\])]?\s*)?"
    r"(?P<label>[^\W\d_][\w.'’\- ]{0,40}?)\s*:(?=\s|$)\s*"
)
# Label shapes that are speaker labels even on first sight.
KNOWN_LABEL = re.compile(
    r"^(?:[A-ZÅÄÖ]{1,2}\d{0,2}|(?:Haastattelija|Haastateltava|Osallistuja|Puhuja|Speaker|Participant|"
    r"Interviewer|Respondent|Moderaattori|Moderator|Fasilitaattori|Facilitator|Tutkija|Researcher|"
    r"Haast|Int|Resp|Vastaaja)(?:\s*\d{1,2})?)$",
    re.IGNORECASE,
)
INTERVIEWER_LABEL = re.compile(
    r"^(?:H|I|Q|Int|Haast|Haastattelija|Interviewer|Moderaattori|Moderator|Fasilitaattori|Facilitator|"
    r"Tutkija|Researcher)(?:\s*\d{1,2})?$",
    re.IGNORECASE,
)
ANNOTATION_PATTERNS = [
    ("timestamp", re.compile(rf"\[{TIMESTAMP}\]|\({TIMESTAMP}\)")),
    ("pause", re.compile(r"\((?:\.{1,3}|\d+(?:[.,]\d+)?\s*s?|tauko|pause)\)", re.IGNORECASE)),
    ("placeholder", re.compile(r"\[(?:Yritys|Henkilö|Firma|Paikka|Organisaatio|Company|Person|Place)\s+[\w\d]{1,4}\]")),
    ("annotation", re.compile(r"\[[^\[\]\n]{1,80}\]")),
]


def find_annotations(text: str) -> list[AnnotationData]:
    """Time stamps, pauses, placeholders and transcriber notes in ``text``, without overlaps."""
    taken: list[tuple[int, int]] = []
    found: list[AnnotationData] = []
    for kind, pattern in ANNOTATION_PATTERNS:
        for m in pattern.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            taken.append((m.start(), m.end()))
            found.append(AnnotationData(kind, m.start(), m.end(), m.group(0)))
    return sorted(found, key=lambda a: a.start)


def label_candidate(paragraph: str, pattern: re.Pattern | None = None) -> tuple[str, str | None, int] | None:
    """(label, time stamp, offset where the turn's text starts) if the paragraph opens with a label."""
    m = (pattern or COLON_LABEL).match(paragraph)
    if not m:
        return None
    label = " ".join(m.group("label").split())
    if not label or len(label.split()) > 4:
        return None
    ts = m.groupdict().get("ts")
    return label, ts, m.end()


def plausible_label(label: str, count: int, known: set[str]) -> bool:
    """Accept a label if it is listed, has a usual shape, or recurs like a name would."""
    if label in known or KNOWN_LABEL.match(label):
        return True
    words = label.split()
    return count >= 2 and len(words) <= 3 and all(w[:1].isupper() for w in words)


def speaker_role(label: str, interviewers: set[str], participants: set[str]) -> str:
    if label in participants:
        return ROLE_PARTICIPANT
    if label in interviewers or INTERVIEWER_LABEL.match(label):
        return ROLE_INTERVIEWER
    return ROLE_PARTICIPANT
