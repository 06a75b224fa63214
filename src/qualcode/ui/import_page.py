"""Import page (placeholder until its issue lands)."""

from __future__ import annotations

import streamlit as st


def render() -> None:
    st.header("Import")
    st.info("This page is not available yet.")
