"""Kept code-set counts summed by group: the rows `matrices.code_sets` returns, from `set_counts`.

A speaker's rows (one per code set) are mapped to the speaker's group (an attribute value, the
transcript, or the speaker) and summed with numpy: a million codings arrive as a couple of
hundred thousand speaker rows, and only the few thousand distinct (code set, group) pairs are
turned into the bit masks the matrices decode.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import set_counts
from .models import Participant, ParticipantAttribute, Transcript, TranscriptAttribute

MASK_BITS = 62  # codes per bit mask: SQLite and PostgreSQL integers are signed 64-bit
MISSING = "(missing)"
BY_TRANSCRIPT = "transcript"
BY_PARTICIPANT = "participant"
OTHER = "\x00other"  # stands for codes not listed in a code_sets() call


def group_namer(session: Session, by: str) -> Callable[[int, int | None], str]:
    """(transcript_id, participant_id) -> its group: the participant's value of attribute ``by``,
    else the transcript's, else MISSING; or the transcript's name, or "name: speaker"."""
    names = dict(session.execute(select(Transcript.id, Transcript.name)).all())
    if by == BY_TRANSCRIPT:
        return lambda tid, pid: names[tid]
    if by == BY_PARTICIPANT:
        labels = dict(session.execute(select(Participant.id, Participant.label)).all())
        return lambda tid, pid: f"{names[tid]}: {labels.get(pid, MISSING)}"
    on_participant = dict(session.execute(select(ParticipantAttribute.participant_id, ParticipantAttribute.value)
                                          .where(ParticipantAttribute.key == by)).all())
    on_transcript = dict(session.execute(select(TranscriptAttribute.transcript_id, TranscriptAttribute.value)
                                         .where(TranscriptAttribute.key == by)).all())
    return lambda tid, pid: on_participant[pid] if pid in on_participant else on_transcript.get(tid, MISSING)


def _mask_table(texts: list[str], codes: list[str]) -> np.ndarray:
    """Distinct code sets (joined texts) x masks: bit j of mask i stands for ``codes[62 i + j]``;
    a code not in ``codes`` sets the bit of OTHER if it is listed."""
    n_masks = -(-len(codes) // MASK_BITS)
    where = {c: (i // MASK_BITS, 1 << (i % MASK_BITS)) for i, c in enumerate(codes)}
    other = where.pop(OTHER, None)
    flat = []
    for text in texts:
        m = [0] * n_masks
        for code in text.split(set_counts.SEP):
            at = where.get(code, other)
            if at is not None:
                m[at[0]] |= at[1]
        flat.append(m)
    return np.array(flat, dtype=np.int64).reshape(len(texts), n_masks)


def grouped_sets(session: Session, coder: str | None, transcript_ids: Iterable[int] | None, codes: list[str], *,
                 by: str, unit: str, per: str) -> list[tuple]:
    """Rows ``(mask_0, ..., group, ident, units, words)`` as `matrices.code_sets` documents them."""
    with set_counts.no_gc():
        return _grouped_sets(session, coder, transcript_ids, codes, by=by, unit=unit, per=per)


def _grouped_sets(session: Session, coder: str | None, transcript_ids: Iterable[int] | None, codes: list[str], *,
                  by: str, unit: str, per: str) -> list[tuple]:
    found = set_counts.speaker_sets(session, set_counts.SEGMENT if unit == "segments" else set_counts.TURN,
                                    coder, transcript_ids)
    if not len(found.key):
        return []
    distinct, code_set = np.unique(found.key, return_inverse=True)
    code_set = code_set.ravel()
    masks = _mask_table([found.names[int(k)] for k in distinct], codes)
    group_of = group_namer(session, by)
    group_names: dict[str, int] = {}
    speaker_group = np.array([group_names.setdefault(group_of(tid, pid), len(group_names))
                              for tid, pid in found.speakers], dtype=np.int64)
    group = speaker_group[found.speaker]
    names = list(group_names)
    n_groups = len(names)
    if per == "group":  # units with the same code set in the same group, counted together
        key = code_set * n_groups + group
        size = len(distinct) * n_groups
        n_sum = np.bincount(key, weights=found.n, minlength=size)
        w_sum = np.bincount(key, weights=found.words, minlength=size)
        present = np.flatnonzero(np.bincount(key, minlength=size))
        merged: dict[tuple, list[int]] = {}  # different code sets can give the same masks
        for m, g, a, b in zip(masks[present // n_groups].tolist(), (present % n_groups).tolist(),
                              n_sum[present].astype(np.int64).tolist(), w_sum[present].astype(np.int64).tolist()):
            k = (*m, names[g])
            if k in merged:
                merged[k][0] += a
                merged[k][1] += b
            else:
                merged[k] = [a, b]
        return [(*k[:-1], k[-1], None, a, b) for k, (a, b) in merged.items()]
    # One row per transcript (participant) and group: the union of its units' code sets.
    column = 0 if per == "transcript" else 1
    speaker_ident = np.array([-1 if s[column] is None else s[column] for s in found.speakers], dtype=np.int64)
    ident = speaker_ident[found.speaker]  # -1: a turn with no participant
    uniq, inverse = np.unique(ident * n_groups + group, return_inverse=True)
    inverse = inverse.ravel()
    union = np.zeros((len(uniq), masks.shape[1]), dtype=np.int64)
    np.bitwise_or.at(union, inverse, masks[code_set])
    n_sum = np.bincount(inverse, weights=found.n, minlength=len(uniq))
    w_sum = np.bincount(inverse, weights=found.words, minlength=len(uniq))
    out = []
    for k, m, a, b in zip(uniq.tolist(), union.tolist(), n_sum.astype(np.int64).tolist(),
                          w_sum.astype(np.int64).tolist()):
        ident_value = k // n_groups
        out.append((*m, names[k % n_groups], None if ident_value < 0 else ident_value, a, b))
    return out
