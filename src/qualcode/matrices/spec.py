"""What a matrix counts (MatrixSpec) and the context every matrix shares.

The context holds the codebook in use (row order, hierarchy, labels), the roll-up mapping
that counts a sub-code's units for its parents too, and the grouping that puts each
(transcript, participant) into one column: the participant's own attribute value if it has
one, else the transcript's (so ``stakeholder`` works for mixed workshops and individual
interviews alike). Pseudo-attributes ``transcript`` and ``participant`` give one column per
interview or per speaker.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ..codebook import Codebook
from ..importing.attributes import INTERVIEW_FORMATS, ORGANISATION_TYPES, STAKEHOLDERS
from ..store import transaction
from ..store import matrices as q
from ..store import set_counts
from ..store.codebooks import current_codebook, current_version
from ..store.matrices import BY_PARTICIPANT, BY_TRANSCRIPT, MISSING
from ..store.models import ADJUDICATED, ROLE_INTERVIEWER

UNITS = ("segments", "words", "documents", "participants")
UNIT_ALIASES = {"transcripts": "documents", "interviews": "documents"}
STATUSES = ("accepted", "all")
TOTAL = "total"
VOCABULARY = {"stakeholder": STAKEHOLDERS, "organisation_type": ORGANISATION_TYPES, "format": INTERVIEW_FORMATS}
UNIT_NAMES = {"segments": "coded segments", "words": "words coded", "documents": "transcripts mentioning",
              "participants": "participants mentioning"}
BASE_NAMES = {"segments": "segments", "words": "words", "documents": "transcripts", "participants": "participants"}


class MatrixError(ValueError):
    """A matrix that cannot be built as asked (unknown unit, code or group)."""


@dataclass
class MatrixSpec:
    """What to count and how: the attribute for the columns, the unit and which codings count.

    ``coder`` None counts a segment when any coder accepted the code; a name counts only that
    coder's codings; ``ADJUDICATED`` (or ``adjudicated=True``) counts the agreed coding.
    ``share`` turns counts into percentages of the group's units (its transcripts,
    participants, segments or words). ``rollup`` counts sub-codes' units for their parents.
    """

    by: str = "stakeholder"
    unit: str = "segments"
    status: str = "accepted"
    coder: str | None = None
    share: bool = False
    rollup: bool = True
    total_row: bool = False
    adjudicated: bool = False

    def __post_init__(self) -> None:
        self.unit = UNIT_ALIASES.get(self.unit, self.unit)
        if self.unit not in UNITS:
            raise MatrixError(f"unit must be one of {', '.join(UNITS)}, not {self.unit!r}")
        if self.status not in STATUSES:
            raise MatrixError(f"status must be one of {', '.join(STATUSES)}, not {self.status!r}")
        if not self.by or not self.by.strip():
            raise MatrixError("`by` needs an attribute name, e.g. stakeholder")
        if self.adjudicated:
            if self.coder not in (None, ADJUDICATED):
                raise MatrixError("choose either one coder or the adjudicated coding, not both")
            self.coder = ADJUDICATED
        self.adjudicated = self.coder == ADJUDICATED

    def filters(self) -> dict[str, str]:
        """The settings as text, for the method sheet of an export."""
        d = asdict(self)
        d["coder"] = "adjudicated" if self.adjudicated else (self.coder or "any coder")
        d["unit"] = f"{self.unit} ({UNIT_NAMES[self.unit]})"
        for shown_elsewhere in ("adjudicated", "total_row", "share", "rollup"):
            d.pop(shown_elsewhere)
        d["interviewer turns"] = "excluded"
        return {k: str(v) for k, v in d.items()}


def code_tree(book: Codebook | None, extra: list[str] = ()) -> list[tuple[str, int]]:
    """(code, depth) in tree order: each code followed by its sub-codes, in codebook order."""
    if book is None:
        return [(c, 0) for c in sorted(set(extra))]
    ids = book.ids()
    children: dict[str | None, list[str]] = {}
    for c in book.codes:
        parent = c.parent if c.parent in ids and c.parent != c.id else None
        children.setdefault(parent, []).append(c.id)
    out: list[tuple[str, int]] = []
    seen: set[str] = set()

    def walk(code: str, depth: int) -> None:
        if code in seen:
            return
        seen.add(code)
        out.append((code, depth))
        for child in children.get(code, []):
            walk(child, depth + 1)

    for top in children.get(None, []):
        walk(top, 0)
    for c in ids:  # codes caught in a parent cycle still get a row
        walk(c, 0)
    out += [(c, 0) for c in sorted(set(extra) - seen)]
    return out


def rollup_mapping(book: Codebook | None, rollup: bool = True) -> tuple[tuple[str, str], ...]:
    """(code, target) pairs: a code counts for itself and, rolled up, for every ancestor.

    Old ids listed in ``renamed_from``/``merged_from`` count for the code that replaced them, so
    codings made under an earlier codebook version keep counting. Empty when nothing maps.
    """
    if book is None:
        return ()
    parent = {c.id: c.parent for c in book.codes}
    pairs: set[tuple[str, str]] = set()
    plain = True
    for c in book.codes:
        chain = [c.id]
        while rollup and parent.get(chain[-1]) and parent[chain[-1]] not in chain:
            chain.append(parent[chain[-1]])
        plain = plain and len(chain) == 1
        for source in [c.id, *c.renamed_from, *c.merged_from]:
            if source != c.id and source in parent:
                continue  # an id still in the codebook keeps its own meaning
            plain = plain and source == c.id
            pairs.update((source, target) for target in chain)
    return () if plain else tuple(sorted(pairs))


def code_labels(book: Codebook | None, lang: str = "en") -> dict[str, str]:
    if book is None:
        return {}
    return {c.id: (c.label.fi if lang == "fi" else c.label.en) for c in book.codes}


@dataclass
class Grouping:
    """Which column each (transcript, participant) falls in, and the columns in order."""

    by: str
    of: dict[tuple[int, int | None], str]
    order: list[str]
    transcript_names: dict[int, str] = field(default_factory=dict)

    def group(self, transcript_id: int, participant_id: int | None) -> str:
        found = self.of.get((transcript_id, participant_id))
        if found is None:
            found = self.of.get((transcript_id, None), MISSING)
        return found

    def transcripts_in(self, group: str) -> list[int]:
        return sorted({t for (t, _), g in self.of.items() if g == group})


def group_order(session, by: str) -> list[str]:
    """The columns of a matrix by ``by``: the vocabulary's values first (even if unused), then the
    other values in use, sorted; or every transcript or speaker by name."""
    if by == BY_TRANSCRIPT:
        return [name for _, name in q.transcripts(session)]
    if by == BY_PARTICIPANT:
        names = dict(q.transcripts(session))
        return sorted(f"{names[tid]}: {label}" for _, tid, label, role in q.speakers(session)
                      if role != ROLE_INTERVIEWER)
    vocab = list(VOCABULARY.get(by, ()))
    seen = set(q.attribute_values(session, by)) - {MISSING}
    return vocab + sorted(seen - set(vocab))


def load_grouping(session, by: str) -> Grouping:
    """Each (transcript, participant)'s column, for code that maps single segments (quotes)."""
    names = dict(q.transcripts(session))
    people = [p for p in q.speakers(session) if p[3] != ROLE_INTERVIEWER]
    group_of = q.group_namer(session, by)  # the mapping the matrices' counts use
    of = {(tid, None): group_of(tid, None) for tid in names}
    of.update({(tid, pid): group_of(tid, pid) for pid, tid, _, _ in people})
    if by == BY_TRANSCRIPT:
        order = sorted(names.values())
    elif by == BY_PARTICIPANT:
        order = sorted({of[(tid, pid)] for pid, tid, _, _ in people})
    else:
        order = group_order(session, by)
    return Grouping(by, of, order, names)


@dataclass
class Context:
    """Everything a matrix needs besides the counts: codebook, filter, roll-up, column order."""

    spec: MatrixSpec
    codebook: Codebook | None
    codebook_version: str | None
    unit_filter: q.UnitFilter
    order: list[str]  # the columns (groups) in order
    mapping: tuple[tuple[str, str], ...] = ()

    def targets(self) -> dict[str, list[str]]:
        """Code -> the rows its units count for (itself, its ancestors; an old id -> its successor)."""
        out: dict[str, list[str]] = {c: [c] for c in (self.codebook.ids() if self.codebook else [])}
        if self.mapping:
            out = {}
            for code, target in self.mapping:
                out.setdefault(code, []).append(target)
        return out

    def tree(self, present: set[str] | list[str] = ()) -> list[tuple[str, int]]:
        """Rows in tree order; retired codes only when they still have units, unknown codes last."""
        present = set(present)
        known = set(self.codebook.ids()) if self.codebook else set()
        tree = code_tree(self.codebook, sorted(present - known))
        if self.codebook is None:
            return tree
        retired = {c.id for c in self.codebook.codes if c.status == "retired"}
        return [(c, d) for c, d in tree if c not in retired or c in present]

    def rows_for(self, sources: list[str]) -> list[tuple[str, int]]:
        """The tree of rows for data carrying ``sources`` codes (after roll-up and renames)."""
        targets = self.targets()
        return self.tree({t for c in sources for t in targets.get(c, [c])})


def load_context(session, spec: MatrixSpec, codebook: Codebook | None = None) -> Context:
    version = current_version(session)
    if codebook is None:
        found = current_codebook(session)
        codebook = found[0] if found else None
    f = q.UnitFilter(status=spec.status, coder=spec.coder, version_id=version.id if version else None)
    label = f"{codebook.name} {codebook.version}" if codebook else None
    return Context(spec, codebook, label, f, group_order(session, spec.by), rollup_mapping(codebook, spec.rollup))


BIG_REFRESH = 50  # stale transcripts above which the faces show progress while counts are brought up to date


def prepare_counts(engine: Engine, progress=None) -> int:
    """Bring the kept code-set counts up to date (`store.set_counts.refresh`); returns how many
    transcripts were recounted. Every matrix entry point does this itself; the CLI and the app
    call it first with a progress bar when many transcripts changed (an import, a codebook
    migration, a bulk accept), which on a million codings takes about ten seconds."""
    return set_counts.refresh(engine, progress)


def stale_transcripts(engine: Engine) -> int:
    return set_counts.stale_count(engine)


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A session for building matrices, opened after the kept code-set counts are brought up
    to date (`store.set_counts.refresh`; readers would be right without it, only slower)."""
    set_counts.refresh(engine)
    with transaction(engine) as s:
        yield s


def context(engine: Engine, spec: MatrixSpec, codebook: Codebook | None = None) -> Context:
    with transaction(engine) as s:
        return load_context(s, spec, codebook)


def attribute_choices(engine: Engine) -> list[str]:
    """What a matrix can be grouped by: stakeholder first, the vocabulary's attributes, the
    other transcript and participant attributes in use, then one column per transcript or speaker."""
    with transaction(engine) as s:
        on_transcripts, on_participants = q.attribute_keys(s)
    first = list(VOCABULARY)
    rest = sorted((set(on_transcripts) | set(on_participants)) - set(first) - {BY_TRANSCRIPT, BY_PARTICIPANT})
    return first + rest + [BY_TRANSCRIPT, BY_PARTICIPANT]


def coders(engine: Engine) -> list[str]:
    """The people who coded (not the adjudicated pseudo-coder), for pickers."""
    with transaction(engine) as s:
        return [c for c in q.coders(s) if c != ADJUDICATED]
