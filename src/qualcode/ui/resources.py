"""Process-wide resources for the app (the database engine, the Finnish pipeline, made once) and
the session's settings from the sidebar (coder, blind coding)."""

from __future__ import annotations

import os
import threading

import streamlit as st
from sqlalchemy.engine import make_url

from ..store import make_engine, resolve_url


@st.cache_resource(show_spinner=False)
def engine_for(url: str):
    return make_engine(url)


def db_url() -> str:
    return resolve_url(os.environ.get("QUALCODE_DB"))


def db_label() -> str:
    """The database in use, fit to show: a PostgreSQL password is masked."""
    url = db_url()
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # an unparsable URL fails later with a clear message; never echo it raw
        return "?"


def engine():
    return engine_for(db_url())


# Browser sessions run in threads of one process and share the pipelines above; a spaCy
# pipeline is not safe from two threads at once (bench/pipeline_threads.py), so the actions
# that parse (Retrain now, importing with pseudonyms) take turns. Reviewing does not parse,
# and background learning has its own pipeline (nlp.background_pipeline).
nlp_turn = threading.Lock()


@st.cache_resource(show_spinner="Loading the Finnish pipeline…")
def pipeline():
    from ..nlp import load_pipeline

    return load_pipeline()


def coder() -> str:
    """The coder's name from the sidebar (kept in the session and the URL)."""
    return (st.session_state.get("coder") or "").strip()


def blind() -> bool:
    """Blind coding (sidebar): other coders' codings stay hidden until this coder marks a transcript done."""
    return bool(st.session_state.get("blind", True))
