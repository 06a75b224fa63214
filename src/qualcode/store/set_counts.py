"""Code-set counts per speaker, kept up to date: why a matrix over a million codings takes a fraction of a second.

Theme matrices and co-occurrence need, for every coded unit (segment or speaker turn), the set
of codes it carries: a parent counts a segment once however many of its sub-codes it has, and
co-occurrence counts pairs. Grouping a million codings by segment at every view costs seconds,
so ``code_set_counts`` keeps the result per transcript, speaker, unit and coder: how many units
carry exactly this set of accepted codes, and their words (packed as int64 triples, the sets
named in ``code_set_names``). Segments with no code are counted there too (for anyone), which
makes the same rows the share denominators.

Keeping it right: database triggers (`set_triggers`, SQLite and PostgreSQL) mark a transcript in
``code_sets_stale`` whenever one of its codings, segments or turns changes, in the same
transaction as the change, whatever wrote it (the app, the CLI, an import, a codebook
migration, a cascade). Readers (`speaker_sets`) take the stored rows of unmarked transcripts
and compute marked ones on the fly from the codings, so they always see their own snapshot
exactly; `refresh` stores the recomputed rows and clears the marks (the matrix entry points
call it before they read).
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np
from sqlalchemy import Engine, func, insert, select

from .db import transaction
from .models import (
    ROLE_INTERVIEWER,
    STATUS_ACCEPTED,
    CodeSetCount,
    CodeSetName,
    Coding,
    Segment,
    StaleCodeSets,
    Transcript,
    Turn,
)

SEGMENT, TURN = "s", "t"
ANYONE = ""  # the coder key of "accepted by anyone"
SEP = "\x1f"  # joins the sorted codes of a set (no code id holds a control character)
CHUNK = 200  # transcripts per query

# --- computing -------------------------------------------------------------------------------

PACKED = np.dtype("<i8")  # (key, units, words) triples, little-endian whatever the machine


@lru_cache(maxsize=1 << 16)
def set_key(codes: str) -> int:
    """A code set's key: the first 8 bytes of its BLAKE2b hash as a signed 64-bit integer."""
    return int.from_bytes(hashlib.blake2b(codes.encode("utf-8"), digest_size=8).digest(), "little", signed=True)


def pack(sets: dict[str, list[int]]) -> bytes:
    """{codes: [units, words]} as (key, units, words) triples, sorted by key (the same bytes every time)."""
    triples = sorted((set_key(codes), n, w) for codes, (n, w) in sets.items())
    return np.array(triples, dtype=PACKED).reshape(-1, 3).tobytes()


def fetch(session, stmt) -> list[tuple]:
    """All rows of ``stmt`` as plain tuples, straight from the driver's cursor in the session's
    transaction (a fraction of the cost of result objects when there are many)."""
    conn = session.connection()
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.params
    args = tuple(params[k] for k in compiled.positiontup) if compiled.positional else params
    cursor = conn.connection.cursor()
    try:
        cursor.execute(str(compiled), args)
        return cursor.fetchall()
    finally:
        cursor.close()


def _chunks(ids: Iterable[int], size: int = CHUNK) -> Iterator[list[int]]:
    ids = sorted(ids)
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


@dataclass
class Computed:
    rows: list[dict]  # CodeSetCount rows
    names: dict[int, str]  # key -> codes of every set in them


def compute(session, transcript_ids: Iterable[int]) -> Computed:
    """The `CodeSetCount` rows of these transcripts, from their segments and accepted codings.

    Interviewer segments count for nothing. A turn carries the union of its segments' code
    sets (per coder); its words are those of its segments that carry a code.
    """
    with no_gc():  # a few hundred thousand small lists and dicts: the cyclic GC would triple the time
        return _compute(session, transcript_ids)


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small containers that are all kept."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _compute(session, transcript_ids: Iterable[int]) -> Computed:
    rows: list[dict] = []
    names: dict[int, str] = {}
    for chunk in _chunks(transcript_ids):
        segs = fetch(session, select(Segment.id, Segment.transcript_id, Segment.turn_id, Turn.participant_id,
                                     Segment.word_count).join(Turn, Turn.id == Segment.turn_id)
                     .where(Segment.transcript_id.in_(chunk), Segment.role != ROLE_INTERVIEWER))
        # Each segment's codes per coder, in code order (the order of the (status, segment_id,
        # code) index, so the lists come sorted without sorting), and anyone's as one more coder.
        coded: dict[int, dict[str, list[str]]] = {}
        in_chunk = select(Segment.id).where(Segment.transcript_id.in_(chunk))  # codings by segment: an index search
        for sid, coder, code in fetch(session, select(Coding.segment_id, Coding.coder, Coding.code).where(
                Coding.status == STATUS_ACCEPTED, Coding.segment_id.in_(in_chunk))
                .order_by(Coding.segment_id, Coding.code)):
            by_coder = coded.get(sid)
            if by_coder is None:
                coded[sid] = {coder: [code], ANYONE: [code]}
                continue
            mine = by_coder.get(coder)
            if mine is None:
                by_coder[coder] = [code]
            else:
                mine.append(code)
            anyone = by_coder[ANYONE]
            if anyone[-1] != code:
                anyone.append(code)
        speakers: dict[tuple, dict[str, list[int]]] = {}
        turns: dict[tuple, set[str]] = {}
        turn_words: dict[tuple, int] = {}
        uncoded = {ANYONE: []}
        for sid, tid, turn_id, pid, words in segs:
            words = words or 0
            for coder, codes in coded.get(sid, uncoded).items():
                text = SEP.join(codes)
                sets = speakers.get((SEGMENT, coder, tid, pid))
                if sets is None:
                    sets = speakers[SEGMENT, coder, tid, pid] = {}
                c = sets.get(text)
                if c is None:
                    sets[text] = [1, words]
                else:
                    c[0] += 1
                    c[1] += words
                if codes:
                    key = (turn_id, coder, tid, pid)
                    if key in turns:
                        turns[key].update(codes)
                        turn_words[key] += words
                    else:
                        turns[key] = set(codes)
                        turn_words[key] = words
        for key, codes in turns.items():
            _turn, coder, tid, pid = key
            sets = speakers.setdefault((TURN, coder, tid, pid), {})
            c = sets.setdefault(SEP.join(sorted(codes)), [0, 0])
            c[0] += 1
            c[1] += turn_words[key]
        for (unit, coder, tid, pid), sets in speakers.items():
            rows.append({"unit": unit, "coder": coder, "transcript_id": tid, "participant_id": pid,
                         "sets": pack(sets)})
            names.update((set_key(codes), codes) for codes in sets)
    return Computed(rows, names)


def stale(session) -> set[int]:
    return set(session.scalars(select(StaleCodeSets.transcript_id)))


def _insert_names(session, names: dict[int, str]) -> None:
    """Add set names not there yet (another refresh may add the same ones at the same time)."""
    if not names:
        return
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    items = [{"key": k, "codes": v} for k, v in sorted(names.items())]
    for i in range(0, len(items), 1000):
        session.execute(dialect_insert(CodeSetName).on_conflict_do_nothing(index_elements=["key"]),
                        items[i:i + 1000])


def stale_count(engine: Engine) -> int:
    with transaction(engine) as s:
        return s.scalar(select(func.count()).select_from(StaleCodeSets)) or 0


def refresh(engine: Engine, progress: Callable[[int, int, str], None] | None = None) -> int:
    """Store the counts of every stale transcript and clear its mark; returns how many there were.

    One transaction: the marks are taken (``DELETE ... RETURNING``, so two refreshes never take
    the same mark) and the rows replaced together; a change committed meanwhile marks its
    transcript again for the next refresh. ``progress(done, total, label)`` after each chunk.
    """
    with transaction(engine) as s:
        if s.scalar(select(StaleCodeSets.transcript_id).limit(1)) is None:
            return 0
        table = StaleCodeSets.__table__
        taken = set(s.scalars(table.delete().returning(table.c.transcript_id)))
        done_count = 0
        for chunk in _chunks(taken):
            s.execute(CodeSetCount.__table__.delete().where(CodeSetCount.transcript_id.in_(chunk)))
            done = compute(s, chunk)
            _insert_names(s, done.names)
            if done.rows:
                s.execute(insert(CodeSetCount), done.rows)
            done_count += len(chunk)
            if progress:
                progress(done_count, len(taken), "transcripts")
        return len(taken)


# --- reading ---------------------------------------------------------------------------------

@dataclass
class SpeakerSets:
    """Code sets per speaker as flat arrays: entry i is ``n[i]`` units (``words[i]`` words) of
    speaker ``speakers[speaker[i]]`` (transcript_id, participant_id) carrying the set ``key[i]``.
    ``names`` (key -> codes) is read on first use: totals need no names."""

    speakers: list[tuple[int, int | None]]
    speaker: np.ndarray
    key: np.ndarray
    n: np.ndarray
    words: np.ndarray
    load_names: Callable[[], dict[int, str]]

    @cached_property
    def names(self) -> dict[int, str]:
        return self.load_names()

    def rows(self) -> list[tuple]:
        """(transcript_id, participant_id, codes, n, words) tuples: for tests and a look by hand."""
        return [(*self.speakers[s], self.names[k], int(n), int(w))
                for s, k, n, w in zip(self.speaker, self.key, self.n, self.words)]


def speaker_sets(session, unit: str, coder: str | None, transcript_ids: Iterable[int] | None = None,
                 *, uncoded: bool = False) -> SpeakerSets:
    """The code sets of ``unit`` (``s`` or ``t``) accepted by ``coder`` (None: anyone), per speaker,
    exactly as this session's snapshot of the codings has them (stale transcripts computed here).

    The empty set (segments with no code) comes only with ``uncoded`` (and only for anyone).
    """
    key = ANYONE if coder is None else coder
    q = (select(CodeSetCount.transcript_id, CodeSetCount.participant_id, CodeSetCount.sets)
         .where(CodeSetCount.unit == unit, CodeSetCount.coder == key))
    wanted = None if transcript_ids is None else set(transcript_ids)
    if wanted is not None:
        q = q.where(CodeSetCount.transcript_id.in_(sorted(wanted)))
    # The marks first: a refresh committed between the two reads then only makes this reader
    # recount a transcript it need not have (on SQLite outside a write, and on PostgreSQL, each
    # statement sees the latest commit).
    marked = stale(session)
    rows = fetch(session, q)
    extra: dict[int, str] = {}
    if marked:
        live = compute(session, marked if wanted is None else marked & wanted)
        rows = [r for r in rows if r[0] not in marked]
        rows += [(r["transcript_id"], r["participant_id"], r["sets"]) for r in live.rows
                 if r["unit"] == unit and r["coder"] == key]
        extra = live.names
    arrays = [np.frombuffer(blob, dtype=PACKED).reshape(-1, 3) for _t, _p, blob in rows]
    packed = np.concatenate(arrays) if arrays else np.zeros((0, 3), dtype=PACKED)
    speaker = np.repeat(np.arange(len(rows), dtype=np.int64), [len(a) for a in arrays]) if arrays else \
        np.zeros(0, dtype=np.int64)
    if not uncoded:
        keep = packed[:, 0] != EMPTY_KEY
        packed, speaker = packed[keep], speaker[keep]
    def load_names() -> dict[int, str]:
        return {**dict(fetch(session, select(CodeSetName.key, CodeSetName.codes))), **extra}

    return SpeakerSets([(t, p) for t, p, _b in rows], speaker, packed[:, 0].astype(np.int64),
                       packed[:, 1].astype(np.int64), packed[:, 2].astype(np.int64), load_names)


def speaker_totals(session) -> list[tuple]:
    """(transcript_id, participant_id, segments, words) of everything each speaker said (interviewers not)."""
    found = speaker_sets(session, SEGMENT, None, uncoded=True)
    n = np.bincount(found.speaker, weights=found.n, minlength=len(found.speakers))
    w = np.bincount(found.speaker, weights=found.words, minlength=len(found.speakers))
    return [(tid, pid, int(a), int(b)) for (tid, pid), a, b in zip(found.speakers, n, w)]


EMPTY_KEY = set_key("")


def disagreements(engine: Engine) -> list[int]:
    """Transcripts (not marked stale) whose kept counts differ from a count of their codings now:
    what `qualcode check` reports. Empty unless something bypassed the triggers."""
    with transaction(engine) as s:
        marked = stale(s)
        ids = sorted(set(s.scalars(select(CodeSetCount.transcript_id).distinct())) | set(
            s.scalars(select(Segment.transcript_id).distinct())) - marked)
        wrong: list[int] = []
        for chunk in _chunks(ids):
            kept = {(u, c, t, p): bytes(b) for t, p, u, c, b in fetch(s, select(
                CodeSetCount.transcript_id, CodeSetCount.participant_id, CodeSetCount.unit, CodeSetCount.coder,
                CodeSetCount.sets).where(CodeSetCount.transcript_id.in_(chunk)))}
            now = {(r["unit"], r["coder"], r["transcript_id"], r["participant_id"]): r["sets"]
                   for r in compute(s, chunk).rows}
            wrong += sorted({k[2] for k in kept.keys() ^ now.keys()}
                            | {k[2] for k in kept.keys() & now.keys() if kept[k] != now[k]})
        return wrong


def mark_stale(engine: Engine, transcript_ids: Iterable[int] | None = None) -> int:
    """Mark transcripts (default: all) for recounting by the next refresh."""
    with transaction(engine) as s:
        ids = set(s.scalars(select(Transcript.id))) if transcript_ids is None else set(transcript_ids)
        ids -= stale(s)
        if ids:
            s.execute(insert(StaleCodeSets), [{"transcript_id": t} for t in sorted(ids)])
        return len(ids)
