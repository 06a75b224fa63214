"""The framework matrix's cells from every coded unit at once: counts and the best quotes, with numpy.

A cell is a transcript (or participant) and a row code. Its units are the segments carrying
the code or one of the codes that roll up into it (sub-codes, old ids); a segment reached
through several of them counts once, its support (coders who accepted) summed and its score the
highest. Quotes are ranked as `framework._rank` ranks them: most support, highest score, most
words, then transcript name and position. Done row by row in Python this took half a minute
on a million codings; as array operations on (code, segment) pairs it takes a second or two.
"""

from __future__ import annotations

import numpy as np

Cells = dict[tuple[int, int | None, str], tuple[int, list[tuple[int, int, float | None]]]]


def rank_cells(units: list[tuple], segments: list[tuple], transcript_names: dict[int, str],
               targets: dict[str, list[str]], keep: list[str], per_participant: bool, k: int) -> Cells:
    """{(transcript_id, participant_id or None, code): (units, best ``k`` (segment_id, support, score))}.

    ``units``: (code, segment_id, support, score) from `store.matrices.unit_supports`;
    ``segments``: (segment_id, transcript_id, participant_id, words, index) of the segments that
    count (`counted_segments`); units on other segments (interviewers') are left out.
    """
    if not units or not segments or not keep:
        return {}
    seg_id = np.fromiter((s[0] for s in segments), np.int64, len(segments))
    by_id = np.argsort(seg_id)
    seg_id = seg_id[by_id]
    names = sorted(set(transcript_names.values()))
    name_rank = {t: names.index(n) for t, n in transcript_names.items()}
    cols = {
        "tid": np.fromiter((s[1] for s in segments), np.int64, len(segments))[by_id],
        "pid": np.fromiter((-1 if s[2] is None else s[2] for s in segments), np.int64, len(segments))[by_id],
        "words": np.fromiter((s[3] or 0 for s in segments), np.int64, len(segments))[by_id],
        "index": np.fromiter((s[4] for s in segments), np.int64, len(segments))[by_id],
    }
    cols["name"] = np.array([name_rank[t] for t in cols["tid"].tolist()], dtype=np.int64)

    code_index = {c: i for i, c in enumerate(keep)}
    source_codes = sorted({u[0] for u in units})
    source_of = {c: i for i, c in enumerate(source_codes)}
    n = len(units)
    source = np.fromiter((source_of[u[0]] for u in units), np.int64, n)
    segment = np.fromiter((u[1] for u in units), np.int64, n)
    at = np.minimum(np.searchsorted(seg_id, segment), len(seg_id) - 1)
    counted = seg_id[at] == segment
    support = np.fromiter((u[2] for u in units), np.int64, n)
    score = np.fromiter((np.nan if u[3] is None else u[3] for u in units), np.float64, n)
    rows_parts, target_parts = [], []
    for s, code in enumerate(source_codes):  # one unit per row code it counts for
        wanted = [code_index[t] for t in targets.get(code, [code]) if t in code_index]
        if wanted:
            mine = np.flatnonzero((source == s) & counted)
            for t in wanted:
                rows_parts.append(mine)
                target_parts.append(np.full(len(mine), t, dtype=np.int64))
    if not rows_parts:
        return {}
    row = np.concatenate(rows_parts)
    target = np.concatenate(target_parts)
    segment, support, score, place = segment[row], support[row], score[row], at[row]

    # A segment reached through several codes of one row code: one unit, support summed, best score.
    order = np.lexsort((segment, target))
    target, segment, support, score, place = (a[order] for a in (target, segment, support, score, place))
    starts = np.flatnonzero(np.r_[True, (target[1:] != target[:-1]) | (segment[1:] != segment[:-1])])
    support = np.add.reduceat(support, starts)
    with np.errstate(invalid="ignore"):
        score = np.fmax.reduceat(score, starts)
    target, segment, place = target[starts], segment[starts], place[starts]

    tid = cols["tid"][place]
    pid = cols["pid"][place] if per_participant else np.full(len(place), -1, dtype=np.int64)
    n_targets, span = len(keep), int(max(pid.max(), 0)) + 2
    keys, cell = np.unique((tid * span + (pid + 1)) * n_targets + target, return_inverse=True)
    cell = cell.ravel()
    counts = np.bincount(cell, minlength=len(keys))
    ranked = np.lexsort((cols["index"][place], cols["name"][place], -cols["words"][place],
                         -np.nan_to_num(score, nan=-1.0), -support, cell))
    first = np.r_[0, np.flatnonzero(cell[ranked][1:] != cell[ranked][:-1]) + 1]
    rank_in_cell = np.arange(len(ranked)) - np.repeat(first, np.diff(np.r_[first, len(ranked)]))
    out: Cells = {}
    labels = []
    for c, key in enumerate(keys.tolist()):
        t, p, code = key // n_targets // span, key // n_targets % span - 1, key % n_targets
        labels.append((t, None if p < 0 else p, keep[code]))
        out[labels[-1]] = (int(counts[c]), [])
    for j in ranked[rank_in_cell < k].tolist():
        s = float(score[j])
        out[labels[cell[j]]][1].append((int(segment[j]), int(support[j]), None if np.isnan(s) else s))
    return out
