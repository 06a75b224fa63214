"""The Framework Method's charting table, and the quotes behind any matrix cell.

Rows are transcripts (or participants), columns are codes; each cell holds how many coded
segments there are and a few representative quotes with turn references, and a memo column
gathers the coders' memos. "Representative" is deterministic: segments more coders agreed
on first, then higher tagger score, then longer ones, then in transcript order.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pandas as pd
from sqlalchemy import Engine

from ..codebook import Codebook
from ..store import matrices as q
from ..store import transaction
from ..store.models import ROLE_INTERVIEWER
from ..store.set_counts import no_gc
from .quote_rank import rank_cells
from .spec import TOTAL, Context, MatrixError, MatrixSpec, load_context, load_grouping, reading

ROW_KINDS = ("transcripts", "participants")
QUOTE_CHARS = 400


@dataclass(frozen=True)
class Quote:
    text: str
    transcript: str
    speaker: str
    turn: int  # 1-based, as a reader counts
    timestamp: str | None
    segment_id: int
    start: int
    end: int
    support: int
    score: float | None

    @classmethod
    def from_row(cls, r: q.QuoteRow) -> Quote:
        text = " ".join(r.text.split())
        if len(text) > QUOTE_CHARS:
            text = text[:QUOTE_CHARS - 1].rstrip() + "…"
        return cls(text, r.transcript, r.speaker, r.turn_index + 1, r.timestamp, r.segment_id, r.start, r.end,
                   r.support, r.score)

    def reference(self, with_transcript: bool = True) -> str:
        """Where the quote is: ``mgmt_user_company, V, turn 12, 00:12:34``."""
        parts = [self.transcript] if with_transcript else []
        parts += [self.speaker, f"turn {self.turn}"]
        if self.timestamp:
            parts.append(self.timestamp)
        return ", ".join(parts)

    def cited(self, with_transcript: bool = True) -> str:
        return f"“{self.text}” ({self.reference(with_transcript)})"


@dataclass
class FrameworkCell:
    count: int = 0
    quotes: list[Quote] = field(default_factory=list)

    def text(self, with_transcript: bool = False) -> str:
        if not self.count:
            return ""
        return "\n".join([f"n={self.count}"] + [x.cited(with_transcript) for x in self.quotes])


@dataclass
class FrameworkRow:
    key: str
    transcript: str
    speaker: str | None
    group: str
    cells: dict[str, FrameworkCell]
    memos: list[str] = field(default_factory=list)


@dataclass
class FrameworkMatrix:
    spec: MatrixSpec
    rows_are: str
    codes: list[str]
    depth: dict[str, int]
    rows: list[FrameworkRow]

    def to_frame(self, labels: dict[str, str] | None = None) -> pd.DataFrame:
        """One string per cell (count, then quotes) with the group and memo columns; for tables."""
        labels = labels or {}
        index = pd.Index([r.key for r in self.rows], name=self.rows_are[:-1])
        data = {self.spec.by: [r.group for r in self.rows]}
        for code in self.codes:
            data[labels.get(code, code)] = [r.cells[code].text() for r in self.rows]
        data["memo"] = ["\n".join(r.memos) for r in self.rows]
        return pd.DataFrame(data, index=index)


def _sources(ctx: Context, wanted: list[str] | None) -> list[str] | None:
    """The stored codes whose units count for ``wanted`` rows (sub-codes, old ids), or None for all."""
    if wanted is None:
        return None
    targets = ctx.targets()
    found = {c for c, ts in targets.items() if set(ts) & set(wanted)}
    return sorted(found | {w for w in wanted if w not in targets})


def _rank(r: q.QuoteRow) -> tuple:
    return (-r.support, -(r.score if r.score is not None else -1.0), -r.words, r.transcript, r.segment_index)


def _rolled(ctx: Context, found: list[q.QuoteRow], keep: set[str] | None = None) -> dict[str, list[q.QuoteRow]]:
    """Quote rows per row code after roll-up, one per segment (support summed), best first."""
    targets = ctx.targets()
    per: dict[str, dict[int, q.QuoteRow]] = {}
    for r in found:
        for t in targets.get(r.code, [r.code]):
            if keep is not None and t not in keep:
                continue
            seen = per.get(t)
            if seen is None:
                seen = per[t] = {}
            old = seen.get(r.segment_id)
            if old is None:
                seen[r.segment_id] = r  # its ``code`` may be a sub-code or an old id of ``t``: not read
            else:  # the segment already counts for t through another code: one quote, support summed
                best = max((s for s in (old.score, r.score) if s is not None), default=None)
                seen[r.segment_id] = old._replace(support=old.support + r.support, score=best)
    return {t: sorted(rows.values(), key=_rank) for t, rows in per.items()}


def build_framework(session, spec: MatrixSpec, rows: str = "transcripts", quotes_per_cell: int = 3,
                    codes: list[str] | None = None, codebook: Codebook | None = None,
                    ctx: Context | None = None) -> FrameworkMatrix:
    with no_gc():  # every counted unit becomes a tuple: the cyclic GC would double the time
        return _build_framework(session, spec, rows, quotes_per_cell, codes, codebook, ctx)


def _build_framework(session, spec: MatrixSpec, rows: str, quotes_per_cell: int, codes: list[str] | None,
                     codebook: Codebook | None, ctx: Context | None) -> FrameworkMatrix:
    if rows not in ROW_KINDS:
        raise MatrixError(f"framework rows must be one of {', '.join(ROW_KINDS)}, not {rows!r}")
    ctx = ctx or load_context(session, spec, codebook)
    units = q.unit_supports(session, ctx.unit_filter, codes=_sources(ctx, codes))
    segments = q.counted_segments(session, ctx.unit_filter)
    counted = {s[0] for s in segments}
    tree = ctx.rows_for(sorted({u[0] for u in units if u[1] in counted}))
    if codes is not None:
        unknown = sorted(set(codes) - {c for c, _ in tree})
        if unknown:
            raise MatrixError(f"unknown codes: {', '.join(unknown)}")
        tree = [(c, d) for c, d in tree if c in codes]
    order = [c for c, _ in tree]
    g = load_grouping(session, spec.by)
    names = g.transcript_names
    per_row = rows == "participants"

    made: dict[tuple, FrameworkRow] = {}

    def row_for(tid: int, pid: int | None, speaker: str | None) -> FrameworkRow:
        ident = (tid, pid if per_row else None)
        if ident not in made:
            key = f"{names[tid]}: {speaker}" if per_row else names[tid]
            made[ident] = FrameworkRow(key, names[tid], speaker if per_row else None,
                                       g.group(tid, pid if per_row else None), {c: FrameworkCell() for c in order})
        return made[ident]

    people = {p[0]: p for p in q.speakers(session) if p[3] != ROLE_INTERVIEWER}
    speaking = set(q.speaker_cells(session))
    for tid, pid in sorted(speaking, key=lambda x: (names[x[0]], x[1] or 0)):
        if not per_row:
            row_for(tid, None, None)
        elif pid in people:
            row_for(tid, pid, people[pid][2])
    cells = rank_cells(units, segments, names, ctx.targets(), order, per_row, max(quotes_per_cell, 1))
    quoted = q.segment_quotes(session, (sid for _n, best in cells.values() for sid, _s, _x in best))
    for (tid, pid, code), (count, best) in cells.items():
        cell = row_for(tid, pid, quoted[best[0][0]].speaker).cells[code]
        cell.count = count
        cell.quotes = [Quote.from_row(quoted[sid]._replace(code=code, support=support, score=score))
                       for sid, support, score in best[:quotes_per_cell]]
    for tid, pid, coder, text in q.memo_rows(session):
        ident = (tid, pid if per_row else None)
        if ident in made:
            made[ident].memos.append(f"{coder}: {' '.join(text.split())}")
    rank = {grp: i for i, grp in enumerate(g.order)}
    ordered = sorted(made.values(), key=lambda r: (rank.get(r.group, len(rank)), r.group, r.key))
    return FrameworkMatrix(spec, rows, order, dict(tree), ordered)


def framework_matrix(engine: Engine, spec: MatrixSpec, rows: str = "transcripts", quotes_per_cell: int = 3,
                     codes: list[str] | None = None, codebook: Codebook | None = None) -> FrameworkMatrix:
    """Transcripts (or participants) by codes with representative quotes and memos."""
    with reading(engine) as s:
        return build_framework(s, spec, rows, quotes_per_cell, codes, codebook)


def cell_quotes(engine: Engine, spec: MatrixSpec, code: str, group: str = TOTAL,
                limit: int = 200) -> tuple[int, list[Quote]]:
    """The segments counted in one theme-matrix cell: (how many, the best ``limit`` as quotes)."""
    with transaction(engine) as s:
        ctx = load_context(s, spec)
        f = ctx.unit_filter
        g = load_grouping(s, spec.by)
        if group != TOTAL:
            f = replace(f, transcript_ids=tuple(g.transcripts_in(group)))
        found = q.quote_rows(s, f, codes=_sources(ctx, [code]))
    ranked = [r for r in _rolled(ctx, found, {code}).get(code, [])
              if group == TOTAL or g.group(r.transcript_id, r.participant_id) == group]
    return len(ranked), [Quote.from_row(r) for r in ranked[:limit]]
