"""Suggestions a coder has not decided on yet, filtered for bulk decisions (command line and app)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from .models import ROLE_INTERVIEWER, Coding, Segment, Suggestion, Transcript, Turn


def pending_suggestions(session: Session, version_id: int, coder: str, *, transcript_ids: Iterable[int] | None = None,
                        codes: Iterable[str] | None = None, min_score: float | None = None,
                        max_score: float | None = None, turn_index: int | None = None,
                        include_interviewer: bool = False) -> list[tuple[int, str, float, int]]:
    """(segment_id, code, score, transcript_id) of open suggestions, in transcript and segment order.

    Open means this coder has no coding (accepted or rejected) of that code on that segment.
    Suggestions on interviewer turns (tagged only when the codebook asks for it) are left out
    unless ``include_interviewer``; ``turn_index`` keeps one turn of each transcript.
    """
    decided = select(Coding.id).where(and_(Coding.segment_id == Suggestion.segment_id, Coding.code == Suggestion.code,
                                           Coding.coder == coder)).exists()
    q = (select(Suggestion.segment_id, Suggestion.code, Suggestion.score, Segment.transcript_id)
         .join(Segment, Segment.id == Suggestion.segment_id)
         .join(Transcript, Transcript.id == Segment.transcript_id)
         .where(Suggestion.codebook_version_id == version_id, ~decided))
    if not include_interviewer:
        q = q.where(Segment.role != ROLE_INTERVIEWER)
    if transcript_ids is not None:
        q = q.where(Segment.transcript_id.in_(list(transcript_ids)))
    if codes is not None:
        q = q.where(Suggestion.code.in_(list(codes)))
    if min_score is not None:
        q = q.where(Suggestion.score >= min_score)
    if max_score is not None:
        q = q.where(Suggestion.score <= max_score)
    if turn_index is not None:
        q = q.join(Turn, Turn.id == Segment.turn_id).where(Turn.index == turn_index)
    q = q.order_by(Transcript.name, Segment.index, Suggestion.code)
    return [tuple(r) for r in session.execute(q).all()]
