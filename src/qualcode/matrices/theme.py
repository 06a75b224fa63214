"""Theme matrices: codes (sub-codes rolled up) by the groups of one attribute.

Counts come from the membership table of coded segments (``units``), so any transcript or
participant attribute works without another query. A group's units are counted (segments,
words) or counted as *mentioning* (transcripts, participants); shares divide by what the
group has of that unit, coded or not. Groups of the vocabulary with nothing in them stay as zeros.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from ..codebook import Codebook
from .spec import MISSING, TOTAL, Context, MatrixSpec, load_context, reading
from .units import bases, load_units


@dataclass
class ThemeMatrix:
    """Counts per code and group, what the groups have in all (bases), and the any-code row."""

    spec: MatrixSpec
    counts: pd.DataFrame  # codes x groups + total
    any_code: pd.Series  # groups + total: units with at least one counted code
    bases: pd.Series  # groups + total: all units the group has
    depth: dict[str, int]
    codebook_version: str | None

    def shares(self) -> pd.DataFrame:
        """Percent of each group's units (one decimal); 0 where a group has none."""
        base = self.bases.astype("float64").replace(0.0, np.nan)
        out = (self.counts.astype("float64").div(base, axis=1) * 100).fillna(0.0)
        return out.round(1)

    def any_code_share(self) -> pd.Series:
        base = self.bases.astype("float64").replace(0.0, np.nan)
        return (self.any_code.astype("float64") / base * 100).fillna(0.0).round(1)

    def frame(self, share: bool | None = None, total_row: bool | None = None) -> pd.DataFrame:
        share = self.spec.share if share is None else share
        total_row = self.spec.total_row if total_row is None else total_row
        out = self.shares() if share else self.counts.copy()
        if total_row:
            row = self.any_code_share() if share else self.any_code
            out.loc[TOTAL] = row.reindex(out.columns).fillna(0).astype(out.dtypes.iloc[0]).tolist()
        return out


def build_theme_matrix(session, spec: MatrixSpec, codebook: Codebook | None = None,
                       ctx: Context | None = None, *, counted: bool = True) -> ThemeMatrix:
    ctx = ctx or load_context(session, spec, codebook)
    units = load_units(session, ctx, spec.unit, counted=counted)
    base = bases(session, ctx, spec.unit, counted=counted)
    seen = (set(base.index) | set(units.table["group"])) - {TOTAL}
    order = list(ctx.order)
    groups = order + sorted(seen - set(order) - {MISSING}) + ([MISSING] if MISSING in seen else [])
    columns = pd.Index(groups + [TOTAL], name=spec.by)

    counts = units.per_group().reindex(columns, fill_value=0).T.reindex(units.codes, fill_value=0)
    counts = counts.astype("int64").rename_axis(index="code", columns=spec.by)
    any_code = units.any_code().reindex(columns, fill_value=0).astype("int64")
    return ThemeMatrix(spec, counts, any_code, base.reindex(columns, fill_value=0).astype("int64"), units.depth,
                       ctx.codebook_version)


def theme_matrix_full(engine: Engine, spec: MatrixSpec, codebook: Codebook | None = None) -> ThemeMatrix:
    with reading(engine) as s:
        return build_theme_matrix(s, spec, codebook)


def theme_matrix(engine: Engine, spec: MatrixSpec, codebook: Codebook | None = None) -> pd.DataFrame:
    """Rows: codes in codebook (tree) order; columns: the attribute's groups and ``total``.

    Values are counts of ``spec.unit``, or percentages of the group's units with ``spec.share``;
    with ``spec.total_row`` a last row ``total`` counts units carrying any code.
    """
    return theme_matrix_full(engine, spec, codebook).frame()
