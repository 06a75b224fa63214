"""Process-wide resources for the app: the database engine and the Finnish pipeline, made once."""

from __future__ import annotations

import os

import streamlit as st

from ..store import make_engine, resolve_url


@st.cache_resource(show_spinner=False)
def engine_for(url: str):
    return make_engine(url)


def db_url() -> str:
    return resolve_url(os.environ.get("QUALCODE_DB"))


def engine():
    return engine_for(db_url())


@st.cache_resource(show_spinner="Loading the Finnish pipeline…")
def pipeline():
    from ..nlp import load_pipeline

    return load_pipeline()


def coder() -> str:
    """The coder's name from the sidebar (kept in the session and the URL)."""
    return st.session_state.get("coder", "").strip()
