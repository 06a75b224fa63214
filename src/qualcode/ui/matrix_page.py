"""Matrices: codes by stakeholder type (or any attribute) as a heat map and a table."""

from __future__ import annotations

import streamlit as st

from ..matrices import STATUSES, UNITS, MatrixSpec, theme_matrix
from .resources import engine


def render() -> None:
    st.header("Theme matrix")
    c1, c2, c3 = st.columns(3)
    by = c1.selectbox("Columns", ["stakeholder", "organisation_type", "format", "interview_id"], key="m_by")
    unit = c2.selectbox("Count", UNITS, key="m_unit")
    status = c3.selectbox("Codings", STATUSES, key="m_status")
    frame = theme_matrix(engine(), MatrixSpec(by=by, unit=unit, status=status))
    if frame.empty:
        st.info("No codes yet: pre-tag with `qualcode tag`.")
        return
    groups = frame.drop(columns=["total"])
    st.dataframe(groups.style.background_gradient(cmap="Blues", axis=None), width="stretch")
    st.caption("Heat map of the counts above; interviewer turns are not counted.")
    st.dataframe(frame, width="stretch")
    st.download_button("Download CSV", frame.to_csv().encode("utf-8"), file_name=f"matrix_{by}.csv",
                       mime="text/csv")
