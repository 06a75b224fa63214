"""Button callbacks' plumbing: run a library call, turn a refusal into a message shown on the next run."""

from __future__ import annotations

import streamlit as st

from ..review import DecisionError, MemoError, notify_learning
from ..store import ConflictError
from .render import esc_md

FAILED = object()
_KEY = "qc_flash"


def flash(message: str, kind: str = "success") -> None:
    st.session_state[_KEY] = (kind, message)


def show_flash() -> None:
    msg = st.session_state.pop(_KEY, None)
    if msg:
        kind, text = msg
        (st.error if kind == "error" else st.success)(esc_md(text))


def safely(fn, *args, ok: str | None = None, **kwargs):
    """Run ``fn``; a refused change (DecisionError, MemoError, ValueError, or a ConflictError when someone
    else changed the same coding first) becomes a message, never a traceback, and the result is ``FAILED``. ``ok`` is shown on success (``{n}`` gets an int result)."""
    try:
        result = fn(*args, **kwargs)
    except (DecisionError, MemoError, ValueError, ConflictError) as exc:
        flash(str(exc), "error")
        return FAILED
    if ok:
        flash(ok.format(n=result) if isinstance(result, int) and "{n}" in ok else ok)
    return result


def learn_from(fn, engine, *args, ok: str | None = None, **kwargs):
    """A coding decision through ``safely``; when it changed something, the tagger may learn from it
    (``review.notify_learning`` retrains in the background once enough new decisions were made)."""
    result = safely(fn, engine, *args, ok=ok, **kwargs)
    if result is not FAILED and result != 0:
        notify_learning(engine)
    return result
