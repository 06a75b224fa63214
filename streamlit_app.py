"""qualcode in the browser: `streamlit run streamlit_app.py` (listens on 127.0.0.1:8501)."""

import streamlit as st

from qualcode.ui import (
    agreement_page,
    codebook_page,
    export_page,
    import_page,
    matrix_page,
    review_page,
    transcripts_page,
)
from qualcode.ui.resources import db_url

st.set_page_config(page_title="qualcode", page_icon="🗂️", layout="wide")

with st.sidebar:
    st.text_input("Coder", key="coder", help="Your name; every decision is stored under it.")
    st.caption(f"Database: `{db_url()}`")

page = st.navigation([
    st.Page(transcripts_page.render, title="Transcripts", url_path="transcripts"),
    st.Page(review_page.render, title="Review", url_path="review", default=True),
    st.Page(matrix_page.render, title="Matrices", url_path="matrices"),
    st.Page(agreement_page.render, title="Agreement", url_path="agreement"),
    st.Page(codebook_page.render, title="Codebook", url_path="codebook"),
    st.Page(import_page.render, title="Import", url_path="import"),
    st.Page(export_page.render, title="Export", url_path="export"),
])
page.run()
