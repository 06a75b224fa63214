"""Memos: a researcher's notes on a segment or on a whole transcript. Each change is audited."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import audit
from .models import Memo, Segment, Transcript, utcnow

ENTITY = "memo"


class MemoError(ValueError):
    """A memo that cannot be saved (empty text, unknown transcript or segment, someone else's memo)."""


def _snapshot(m: Memo) -> dict:
    return {"transcript_id": m.transcript_id, "segment_id": m.segment_id, "coder": m.coder, "text": m.text,
            "origin": m.origin, "anchor_start": m.anchor_start, "anchor_end": m.anchor_end}


def add(session: Session, transcript_id: int, coder: str, text: str, segment_id: int | None = None) -> Memo:
    """A new memo by ``coder``; on a segment when ``segment_id`` is given (anchored to its text)."""
    if not coder or not coder.strip():
        raise MemoError("a coder name is needed to write a memo")
    if not text or not text.strip():
        raise MemoError("the memo is empty; write something first")
    if session.get(Transcript, transcript_id) is None:
        raise MemoError(f"no transcript with id {transcript_id}")
    start = end = None
    if segment_id is not None:
        seg = session.get(Segment, segment_id)
        if seg is None or seg.transcript_id != transcript_id:
            raise MemoError(f"segment {segment_id} is not in transcript {transcript_id}")
        start, end = seg.start, seg.end
    memo = Memo(transcript_id=transcript_id, segment_id=segment_id, coder=coder, text=text.strip(),
                anchor_start=start, anchor_end=end)
    session.add(memo)
    session.flush()
    audit.log(session, coder, "created", ENTITY, memo.id, transcript_id=transcript_id, after=_snapshot(memo))
    return memo


def _own(session: Session, memo_id: int, coder: str) -> Memo:
    memo = session.get(Memo, memo_id)
    if memo is None:
        raise MemoError(f"no memo with id {memo_id} (deleted in another window?)")
    if memo.coder != coder:
        raise MemoError(f"memo {memo_id} was written by {memo.coder}; only they can change it")
    return memo


def update(session: Session, memo_id: int, coder: str, text: str) -> Memo:
    if not text or not text.strip():
        raise MemoError("the memo is empty; delete it instead")
    memo = _own(session, memo_id, coder)
    before = _snapshot(memo)
    memo.text = text.strip()
    memo.updated_at = utcnow()
    session.flush()
    audit.log(session, coder, "updated", ENTITY, memo.id, transcript_id=memo.transcript_id, before=before,
              after=_snapshot(memo))
    return memo


def delete(session: Session, memo_id: int, coder: str) -> None:
    memo = _own(session, memo_id, coder)
    before = _snapshot(memo)
    session.delete(memo)
    session.flush()
    audit.log(session, coder, "deleted", ENTITY, memo_id, transcript_id=before["transcript_id"], before=before)


def for_transcript(session: Session, transcript_id: int) -> list[Memo]:
    """Every memo of a transcript (all coders), oldest first."""
    return list(session.scalars(select(Memo).where(Memo.transcript_id == transcript_id)
                                .order_by(Memo.created_at, Memo.id)))
