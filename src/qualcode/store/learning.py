"""What the correction model is trained on and where it is kept: decisions as labels, ModelState rows."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import (
    ADJUDICATED,
    STATUS_ACCEPTED,
    STATUS_REJECTED,
    AuditEntry,
    Coding,
    ModelState,
    Segment,
    Suggestion,
)


def decision_count(session: Session) -> int:
    """Every accept, reject or removal ever recorded (the audit log), so changed minds count too."""
    return session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "coding")) or 0


def training_labels(session: Session, codes: list[str]) -> list[tuple[int, str, dict[str, int]]]:
    """(segment id, segment text, {code: 1|0}) for every segment somebody decided on.

    The adjudicated coding wins where there is one; otherwise the latest decision per code.
    A code nobody decided on counts as 0 (the coder reviewed the segment and did not give it)
    unless it is a suggestion still waiting for a decision, which stays unknown.
    """
    rows = session.execute(
        select(Coding.segment_id, Coding.code, Coding.status, Coding.coder, Coding.updated_at)
        .where(Coding.status.in_((STATUS_ACCEPTED, STATUS_REJECTED)))
        .order_by(Coding.segment_id, Coding.updated_at)
    ).all()
    decided: dict[int, dict[str, tuple[bool, int]]] = {}
    for seg_id, code, status, coder, _ in rows:
        rank = 1 if coder == ADJUDICATED else 0
        prev = decided.setdefault(seg_id, {}).get(code)
        if prev is None or rank >= prev[1]:
            decided[seg_id][code] = (status == STATUS_ACCEPTED, rank)
    if not decided:
        return []
    pending: dict[int, set[str]] = {}
    for seg_id, code in session.execute(select(Suggestion.segment_id, Suggestion.code)
                                        .where(Suggestion.segment_id.in_(list(decided)))):
        pending.setdefault(seg_id, set()).add(code)
    texts = dict(session.execute(select(Segment.id, Segment.text).where(Segment.id.in_(list(decided)))).all())
    out = []
    for seg_id in sorted(decided):
        labels = {}
        for code in codes:
            if code in decided[seg_id]:
                labels[code] = int(decided[seg_id][code][0])
            elif code not in pending.get(seg_id, set()):
                labels[code] = 0
        out.append((seg_id, texts.get(seg_id, ""), labels))
    return out


def latest_model(session: Session, codebook_name: str) -> ModelState | None:
    return session.scalar(select(ModelState).where(ModelState.codebook_name == codebook_name)
                          .order_by(ModelState.id.desc()).limit(1))


def save_model(session: Session, codebook_name: str, n_decisions: int, scores: dict, blob: bytes) -> ModelState:
    row = ModelState(codebook_name=codebook_name, n_decisions=n_decisions, scores=scores, blob=blob)
    session.add(row)
    session.flush()
    return row


def accepted_examples(session: Session, codes: list[str], per_code: int = 300) -> list[tuple[str, str]]:
    """(code, segment text) of accepted codings, newest first, at most ``per_code`` per code."""
    out: list[tuple[str, str]] = []
    for code in codes:
        rows = session.execute(
            select(Segment.text).join(Coding, Coding.segment_id == Segment.id)
            .where(Coding.code == code, Coding.status == STATUS_ACCEPTED)
            .group_by(Segment.id, Segment.text).order_by(func.max(Coding.updated_at).desc()).limit(per_code)
        ).scalars()
        out += [(code, text) for text in rows]
    return out
