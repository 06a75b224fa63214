"""Co-occurrence: how often two codes share a segment (or a speaker turn), overall and per group.

The matrix is symmetric; the diagonal holds the number of units carrying the code at all, so
a cell can be read against it ("trust comes up in 40 turns, 12 of them with competition").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from ..codebook import Codebook
from .spec import TOTAL, Context, MatrixError, MatrixSpec, load_context, reading
from .units import load_units

CO_UNITS = ("segments", "turns")


@dataclass
class Cooccurrence:
    unit: str
    overall: pd.DataFrame
    by_group: dict[str, pd.DataFrame] = field(default_factory=dict)
    depth: dict[str, int] = field(default_factory=dict)

    def frames(self) -> dict[str, pd.DataFrame]:
        """``total`` first, then each group in column order."""
        return {TOTAL: self.overall, **self.by_group}


def _square(codes: list[str], member: np.ndarray, weights: np.ndarray) -> pd.DataFrame:
    """member^T diag(weights) member: units carrying both codes; the diagonal, units with the code."""
    product = (member * weights[:, None]).T @ member if len(member) else np.zeros((len(codes), len(codes)))
    return pd.DataFrame(product.astype("int64"), index=pd.Index(codes, name="code"),
                        columns=pd.Index(codes, name="code"))


def build_cooccurrence(session, spec: MatrixSpec, unit: str = "segments", codebook: Codebook | None = None,
                       ctx: Context | None = None) -> Cooccurrence:
    if unit not in CO_UNITS:
        raise MatrixError(f"co-occurrence unit must be one of {', '.join(CO_UNITS)}, not {unit!r}")
    ctx = ctx or load_context(session, spec, codebook)
    units = load_units(session, ctx, unit)
    weights = units.weights()
    overall = _square(units.codes, units.member, weights)
    groups = list(ctx.order)
    if len(units.table):
        groups += sorted(set(units.table["group"]) - set(groups))
    by_group = {}
    for grp in groups:
        rows = (units.table["group"] == grp).to_numpy() if len(units.table) else np.zeros(0, dtype=bool)
        by_group[grp] = _square(units.codes, units.member[rows], weights[rows])
    return Cooccurrence(unit, overall, by_group, units.depth)


def cooccurrence(engine: Engine, spec: MatrixSpec, unit: str = "segments",
                 codebook: Codebook | None = None) -> Cooccurrence:
    """Codes by codes on ``unit`` (segments or turns), overall and per group of ``spec.by``."""
    with reading(engine) as s:
        return build_cooccurrence(s, spec, unit, codebook)
