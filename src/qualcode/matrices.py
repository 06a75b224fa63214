"""Theme matrices: codes by an attribute's values, counted from coders' accepted codings.

Interviewer turns are context, not data, and never counted. Groups of the controlled
vocabulary (management, gig_worker, ohs) are shown even when empty, as zeros.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, and_, func, literal, select, union

from .codebook import Codebook
from .importing.attributes import INTERVIEW_FORMATS, ORGANISATION_TYPES, STAKEHOLDERS
from .store import transaction
from .store.codebooks import current_codebook, current_version
from .store.models import (
    ROLE_INTERVIEWER,
    STATUS_ACCEPTED,
    STATUS_REJECTED,
    Coding,
    Segment,
    Suggestion,
    TranscriptAttribute,
)

UNITS = ("segments", "documents")
STATUSES = ("accepted", "all")
MISSING = "(missing)"
TOTAL = "total"
VOCABULARY = {"stakeholder": STAKEHOLDERS, "organisation_type": ORGANISATION_TYPES, "format": INTERVIEW_FORMATS}


@dataclass
class MatrixSpec:
    by: str = "stakeholder"
    unit: str = "segments"
    status: str = "accepted"
    coder: str | None = None

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {self.unit!r}")
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {self.status!r}")


def _coded_units(spec: MatrixSpec, version_id: int | None):
    """(code, segment_id) pairs that count: accepted codings, plus open suggestions for status=all."""
    accepted = select(Coding.code.label("code"), Coding.segment_id.label("segment_id")).where(
        Coding.status == STATUS_ACCEPTED)
    if spec.coder:
        accepted = accepted.where(Coding.coder == spec.coder)
    if spec.status == "accepted" or version_id is None:
        return accepted
    rejected = select(literal(1)).where(and_(Coding.segment_id == Suggestion.segment_id,
                                             Coding.code == Suggestion.code, Coding.status == STATUS_REJECTED))
    if spec.coder:
        rejected = rejected.where(Coding.coder == spec.coder)
    open_suggestions = select(Suggestion.code.label("code"), Suggestion.segment_id.label("segment_id")).where(
        Suggestion.codebook_version_id == version_id, ~rejected.exists())
    return union(accepted, open_suggestions)


def theme_matrix(engine: Engine, spec: MatrixSpec, codebook: Codebook | None = None) -> pd.DataFrame:
    """Rows: codes in codebook order; columns: the attribute's values and ``total``."""
    with transaction(engine) as s:
        if codebook is None:
            current = current_codebook(s)
            codebook = current[0] if current else None
        version = current_version(s)
        units = _coded_units(spec, version.id if version else None).subquery()
        group = func.coalesce(TranscriptAttribute.value, MISSING).label("grp")
        counted = Segment.id if spec.unit == "segments" else Segment.transcript_id
        q = (
            select(units.c.code, group, func.count(func.distinct(counted)))
            .join(Segment, Segment.id == units.c.segment_id)
            .outerjoin(TranscriptAttribute, and_(TranscriptAttribute.transcript_id == Segment.transcript_id,
                                                 TranscriptAttribute.key == spec.by))
            .where(Segment.role != ROLE_INTERVIEWER)
            .group_by(units.c.code, group)
        )
        rows = s.execute(q).all()
        totals = dict(s.execute(
            select(units.c.code, func.count(func.distinct(counted)))
            .join(Segment, Segment.id == units.c.segment_id)
            .where(Segment.role != ROLE_INTERVIEWER).group_by(units.c.code)).all())
        present = [v for (v,) in s.execute(select(TranscriptAttribute.value).where(
            TranscriptAttribute.key == spec.by).distinct())]
    groups = list(VOCABULARY.get(spec.by, ()))
    groups += sorted({v for v in present if v not in groups})
    groups += sorted({g for _, g, _ in rows if g not in groups})
    codes = [c.id for c in codebook.codes] if codebook else []
    codes += sorted({c for c, _, _ in rows if c not in codes})
    frame = pd.DataFrame(0, index=pd.Index(codes, name="code"), columns=pd.Index(groups, name=spec.by), dtype=int)
    for code, grp, n in rows:
        frame.loc[code, grp] = n
    frame[TOTAL] = [int(totals.get(c, 0)) for c in codes]
    return frame


def to_markdown(frame: pd.DataFrame) -> str:
    header = [frame.index.name or ""] + [str(c) for c in frame.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for code, row in frame.iterrows():
        lines.append("| " + " | ".join([str(code)] + [str(v) for v in row.tolist()]) + " |")
    return "\n".join(lines) + "\n"
