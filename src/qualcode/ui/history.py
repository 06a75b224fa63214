"""A transcript's history (the audit trail) as a table: reusable on any page.

    from qualcode.ui.history import render_history
    render_history(engine(), "mgmt_user_company")
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ..history import HistoryItem, transcript_history
from .i18n import Strings

T = Strings({
    "title": ("History of this transcript", "Litteraation muutoshistoria"),
    "when": ("When (UTC)", "Milloin (UTC)"),
    "who": ("Who", "Kuka"),
    "what": ("What", "Mitä"),
    "none": ("No changes recorded yet.", "Muutoksia ei ole vielä kirjattu."),
    "unknown": ("No transcript of this name.", "Tämännimistä litteraatiota ei ole."),
    "shown": ("Newest {n} changes.", "Uusimmat {n} muutosta."),
})


def history_frame(items: list[HistoryItem]) -> pd.DataFrame:
    """When, who, what: one row per change, newest first (plain text; st.dataframe does not render HTML)."""
    return pd.DataFrame({T("when"): [i.at for i in items], T("who"): [i.who for i in items],
                         T("what"): [i.summary for i in items]})


def render_history(engine, transcript: str, *, limit: int = 200, expanded: bool = False) -> None:
    with st.expander(T("title"), expanded=expanded):
        try:
            items = transcript_history(engine, transcript, limit=limit)
        except KeyError:
            st.caption(T("unknown"))
            return
        if not items:
            st.caption(T("none"))
            return
        st.dataframe(history_frame(items), hide_index=True, width="stretch",
                     column_config={T("when"): st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss")})
        if len(items) == limit:
            st.caption(T("shown", n=limit))
