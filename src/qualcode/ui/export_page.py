"""Export page (placeholder until its issue lands)."""

from __future__ import annotations

import streamlit as st


def render() -> None:
    st.header("Export")
    st.info("This page is not available yet.")
