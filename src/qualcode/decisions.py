"""What a coder does when reviewing: decisions, bulk accepts, undo, done flags and memos.

Each call is one transaction, written at once and audited (``store.codings``, ``store.memos``).
The app lets the tagger learn from new decisions with ``notify_learning`` after each action
(a background retrain); library and CLI callers decide when to retrain themselves. ``qualcode.review``
re-exports these, so the app and the CLI import them from there.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from sqlalchemy import Engine, select

from .store import transaction
from .store import codings as coding_store
from .store import memos as memo_store
from .store import progress as progress_store
from .store.codebooks import current_version
from .store.codings import Decision, DecisionError
from .store.memos import MemoError
from .store.models import STATUS_ACCEPTED, STATUS_REJECTED, Coding, Suggestion
from .store.pending import pending_suggestions

__all__ = ["DecisionError", "MemoError", "LastAction", "accept", "accept_above", "add_code", "add_memo",
           "delete_memo", "last_action", "notify_learning", "pending_codes", "reject", "remove_code", "set_done",
           "undo", "update_memo", "wait_for_learning"]

log = logging.getLogger(__name__)


# --- decisions ------------------------------------------------------------------------------------

def _decide(engine: Engine, decisions: list[Decision], coder: str, who: str | None = None) -> int:
    with transaction(engine) as s:
        return coding_store.decide_many(s, decisions, coder, who=who)


def accept(engine: Engine, segment_id: int, code: str, coder: str) -> None:
    _decide(engine, [Decision(segment_id, code, STATUS_ACCEPTED)], coder)


def reject(engine: Engine, segment_id: int, code: str, coder: str) -> None:
    _decide(engine, [Decision(segment_id, code, STATUS_REJECTED)], coder)


def add_code(engine: Engine, segment_id: int, code: str, coder: str) -> None:
    """A code the coder applies by hand (accepted at once)."""
    if not code:
        raise DecisionError("choose a code to add")
    accept(engine, segment_id, code, coder)


def remove_code(engine: Engine, segment_id: int, code: str, coder: str) -> bool:
    return _decide(engine, [Decision(segment_id, code, None)], coder) == 1


def accept_above(engine: Engine, transcript_id: int, coder: str, min_score: float, *,
                 turn_index: int | None = None, code: str | None = None) -> int:
    """Accept every suggestion of at least ``min_score`` that ``coder`` has not decided on, in the
    whole transcript or one turn (optionally of one code); one undoable action. Returns the count."""
    with transaction(engine) as s:
        version = current_version(s)
        if version is None:
            return 0
        # Interviewer turns too: they carry suggestions only when the codebook tags them.
        rows = pending_suggestions(s, version.id, coder, transcript_ids=[transcript_id], codes=[code] if code else None,
                                   min_score=min_score, turn_index=turn_index, include_interviewer=True)
        return coding_store.decide_many(s, [Decision(sid, c, STATUS_ACCEPTED) for sid, c, _, _ in rows], coder)


def pending_codes(engine: Engine, segment_id: int, coder: str) -> list[str]:
    """The codes suggested for a segment that ``coder`` has not decided on, best score first."""
    with transaction(engine) as s:
        version = current_version(s)
        if version is None:
            return []
        decided = set(s.scalars(select(Coding.code).where(Coding.segment_id == segment_id, Coding.coder == coder)))
        rows = s.execute(select(Suggestion.code).where(Suggestion.segment_id == segment_id,
                                                       Suggestion.codebook_version_id == version.id)
                         .order_by(Suggestion.score.desc(), Suggestion.code)).scalars()
        return [c for c in rows if c not in decided]


@dataclass
class LastAction:
    """What an undo would take back: one action (``accepted``, ``rejected``, ``removed``) on ``count`` codes."""

    action: str
    code: str
    count: int


def last_action(engine: Engine, transcript_id: int, who: str) -> LastAction | None:
    if not who:
        return None
    with transaction(engine) as s:
        entries = coding_store.last_action(s, who, transcript_id)
    if not entries:
        return None
    actions = {e.action for e in entries}
    ref = entries[0].after or entries[0].before or {}
    return LastAction(actions.pop() if len(actions) == 1 else "changed", ref.get("code", ""), len(entries))


def undo(engine: Engine, transcript_id: int, who: str) -> int:
    """Take back ``who``'s newest action on a transcript (a bulk accept as a whole); returns codings restored."""
    with transaction(engine) as s:
        return coding_store.undo_last(s, who, transcript_id)


def set_done(engine: Engine, transcript_id: int, coder: str, done: bool = True) -> None:
    with transaction(engine) as s:
        progress_store.set_done(s, transcript_id, coder, done)


# --- memos ----------------------------------------------------------------------------------------

def add_memo(engine: Engine, transcript_id: int, coder: str, text: str, segment_id: int | None = None) -> int:
    with transaction(engine) as s:
        return memo_store.add(s, transcript_id, coder, text, segment_id).id


def update_memo(engine: Engine, memo_id: int, coder: str, text: str) -> None:
    with transaction(engine) as s:
        memo_store.update(s, memo_id, coder, text)


def delete_memo(engine: Engine, memo_id: int, coder: str) -> None:
    with transaction(engine) as s:
        memo_store.delete(s, memo_id, coder)


# --- learning from decisions ----------------------------------------------------------------------

_learning = threading.Lock()


def notify_learning(engine: Engine) -> bool:
    """Let the tagger learn from new decisions (``pretag.learn``: retrain when due, then suggest again
    where nobody has decided), in a background thread so the coder never waits for it. Returns
    whether one was started."""
    from .pretag import learn as hook

    if not _learning.acquire(blocking=False):
        return False

    def run() -> None:
        from .nlp import background_pipeline

        try:
            hook(engine, nlp=background_pipeline())  # never the pipeline the app's own thread uses
        except Exception:  # a failed retrain must never lose or block a decision
            log.exception("retraining the suggestion model failed")
        finally:
            _learning.release()

    threading.Thread(target=run, name="qualcode-retrain", daemon=True).start()
    return True


def wait_for_learning(timeout: float = 60.0) -> None:
    """Block until a running retrain has finished (for the CLI and tests)."""
    if _learning.acquire(timeout=timeout):
        _learning.release()
