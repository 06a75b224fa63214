"""Coded units as a membership table: which (rolled-up) codes each row of units carries.

The store returns units summarised by code set and group (bit masks, see
``store.matrices.code_sets``). Here each row becomes a 0/1 vector over the matrix's codes,
sub-codes rolled up into their parents and old ids counted for their successors; theme
matrices and co-occurrence are sums and products over this table.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..store import matrices as q
from ..store.matrices import MASK_BITS
from .spec import TOTAL, Context

PER = {"segments": "group", "words": "group", "turns": "group", "documents": "transcript",
       "participants": "participant"}


@dataclass
class Units:
    """Rows of units: ``member`` (rows x codes, 0/1) and ``table`` (group, ident, n, words)."""

    unit: str
    codes: list[str]  # the matrix's rows, in tree order
    depth: dict[str, int]
    member: np.ndarray
    table: pd.DataFrame

    def weights(self) -> np.ndarray:
        """What one row counts for: its units (or words); a transcript/participant counts once."""
        if self.unit == "words":
            return self.table["words"].to_numpy(dtype="int64")
        if PER[self.unit] == "group":
            return self.table["n"].to_numpy(dtype="int64")
        return np.ones(len(self.table), dtype="int64")

    def per_group(self, member: np.ndarray | None = None, columns: list[str] | None = None) -> pd.DataFrame:
        """Groups (plus ``total``) by codes: units counted, or transcripts/participants mentioning."""
        member = self.member if member is None else member
        columns = self.codes if columns is None else columns
        if self.table.empty:
            return pd.DataFrame(0, index=pd.Index([TOTAL]), columns=columns, dtype="int64")
        values = pd.DataFrame(member * self.weights()[:, None], columns=columns, index=self.table.index)
        by_group = values.groupby(self.table["group"], sort=False).sum()
        if PER[self.unit] == "group":
            total = values.sum()
        else:  # a transcript with participants in two groups still counts once in the total
            total = values.groupby(self.table["ident"]).max().sum()
        return pd.concat([by_group, total.to_frame(TOTAL).T]).astype("int64")

    def any_code(self) -> pd.Series:
        ones = np.ones((len(self.table), 1), dtype="int64")
        return self.per_group(ones, ["any"])["any"]


def load_units(session, ctx: Context, unit: str = "segments", *, counted: bool = True) -> Units:
    """The membership table for ``unit`` (segments, words, documents, participants or turns).

    ``counted=False`` groups the codings themselves instead of reading the kept counts (same result).
    """
    f = ctx.unit_filter
    targets = ctx.targets()
    kind = "turns" if unit == "turns" else "segments"
    sources = sorted(targets) + [q.OTHER]  # codes seen elsewhere show up as OTHER: then look them up
    rows = q.code_sets(session, f, sources, by=ctx.spec.by, unit=kind, per=PER[unit], counted=counted)
    carried = _decode(rows, sources)
    if carried[:, -1].any():
        sources = q.distinct_codes(session, f)
        rows = q.code_sets(session, f, sources, by=ctx.spec.by, unit=kind, per=PER[unit], counted=counted)
        carried = _decode(rows, sources)
    present = [c for i, c in enumerate(sources) if c != q.OTHER and carried[:, i].any()]
    tree = ctx.rows_for(present)
    codes = [c for c, _ in tree]
    n_masks = -(-len(sources) // MASK_BITS)
    table = pd.DataFrame.from_records([r[n_masks:] for r in rows], columns=["group", "ident", "n", "words"])
    if PER[unit] == "participant":  # a turn nobody is recorded as speaking counts for no participant
        keep = table["ident"].notna().to_numpy()
        table, carried = table[keep], carried[keep]
    table = table.reset_index(drop=True)
    table["n"] = table["n"].fillna(0).astype("int64")
    table["words"] = table["words"].fillna(0).astype("int64")
    index = {c: j for j, c in enumerate(codes)}
    rollup = np.zeros((len(sources), len(codes)), dtype="int64")
    for i, code in enumerate(sources):
        for target in targets.get(code, [code]):
            if target in index:
                rollup[i, index[target]] = 1
    member = (carried @ rollup > 0).astype("int64")
    return Units(unit, codes, dict(tree), member, table)


def _decode(rows: list[tuple], sources: list[str]) -> np.ndarray:
    """Rows x sources 0/1 from the rows' leading bit masks."""
    n_masks = -(-len(sources) // MASK_BITS)
    masks = np.array([r[:n_masks] for r in rows], dtype="int64").reshape(len(rows), n_masks)
    carried = np.zeros((len(rows), len(sources)), dtype="int64")
    for i in range(len(sources)):
        carried[:, i] = (masks[:, i // MASK_BITS] >> (i % MASK_BITS)) & 1
    return carried


def bases(session, ctx: Context, unit: str, *, counted: bool = True) -> pd.Series:
    """What each group (and ``total``) has of ``unit`` in all, coded or not: the share denominators."""
    table = pd.DataFrame.from_records(q.base_counts(session, ctx.spec.by, counted=counted),
                                      columns=["group", "tid", "pid", "segments", "words"])
    if table.empty:
        return pd.Series({TOTAL: 0}, dtype="int64")
    if unit in ("segments", "words"):
        per, total = table.groupby("group")[unit].sum(), table[unit].sum()
    else:
        ident = "tid" if unit == "documents" else "pid"
        per, total = table.groupby("group")[ident].nunique(), table[ident].nunique()
    out = per.astype("int64")
    out[TOTAL] = int(total)
    return out
