"""The Matrices and Export pages run for real (Streamlit AppTest) on the hand-counted project:
the heat-mapped table, a clicked cell's quotes, co-occurrence, the framework tab, downloads."""

from __future__ import annotations

import pytest

from . import matrices_data

SPEC_KEY = "m_cells_stakeholder_segments_accepted_None_False_True"


def _matrix_page():
    from qualcode.ui import matrix_page

    matrix_page.render()


def _export_page():
    from qualcode.ui import export_page

    export_page.render()


@pytest.fixture
def mini(engine, db_url, monkeypatch):
    matrices_data.build(engine)
    monkeypatch.setenv("QUALCODE_DB", db_url)
    return engine


def page(fn, **state):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(fn, default_timeout=120)
    for k, v in state.items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def test_theme_matrix_table_and_quotes_behind_a_cell(mini):
    at = page(_matrix_page)
    assert at.header[0].value == "Matrices"
    frame = at.dataframe[0].value
    assert list(frame.columns) == ["management", "gig_worker", "ohs", "total"]
    assert [i.strip("\u00a0") for i in frame.index] == ["Support", "Practical support", "Advice",
                                                         "Emotional support", "Trust", "Competition", "any code"]
    assert frame.iloc[0].tolist() == [4, 2, 0, 6] and frame.iloc[-1].tolist() == [4, 5, 0, 9]
    # Click management x Support: the four segments behind the 4.
    at = page(_matrix_page, **{SPEC_KEY: {"selection": {"rows": [], "columns": [], "cells": [[0, "management"]]}}})
    shown = [m.value.replace("\\", "") for m in at.markdown]  # markdown-escaped punctuation
    assert any("4 coded segments: Support · management" in v for v in shown)
    quotes = " ".join(h.proto.body for h in at.get("html"))
    for text in ("Kysyin neuvoa kollegalta.", "Se kuunteli ja ymmärsi.", "Kuuntelen heitä paljon aina."):
        assert text in quotes
    assert "g1, P2, turn 3" in quotes


def test_settings_change_the_matrix(mini):
    at = page(_matrix_page, m_unit="documents", m_share=True)
    frame = at.dataframe[0].value
    assert frame.iloc[1].tolist() == [50.0, 100.0, 0.0, 100.0]  # practical: % of transcripts
    at = page(_matrix_page, m_by="age_group", m_whose="#adjudicated")
    frame = at.dataframe[0].value
    assert list(frame.columns) == ["18-24", "25-34", "45-54", "(missing)", "total"]
    assert frame.iloc[-1].tolist() == [0, 0, 1, 1, 2]


def test_cooccurrence_and_framework_tabs(mini):
    at = page(_matrix_page)
    assert len(at.dataframe) == 1  # only the open tab (the theme matrix) is computed
    at = page(_matrix_page, m_tab="Co-occurrence", m_co_unit="turns", m_co_group="gig_worker")
    assert len(at.dataframe) == 1
    co = at.dataframe[0].value
    assert co.iloc[0].tolist() == [2, 2, 1, 0, 1, 0]  # support's row on turns of gig workers
    at = page(_matrix_page, m_tab="Framework matrix")
    fw = at.dataframe[0].value
    assert list(fw.index) == ["m1", "g1", "g2"]
    assert fw.loc["m1", "Practical support"].startswith("n=2\n“Kysyin neuvoa kollegalta.”")


def test_escapes_what_the_transcript_says(mini):
    from qualcode.store import transaction
    from qualcode.store.models import Segment

    with transaction(mini) as s:
        s.query(Segment).filter(Segment.text == "Kysyin neuvoa kollegalta.").one().text = "<script>alert(1)</script>"
    at = page(_matrix_page, **{SPEC_KEY: {"selection": {"rows": [], "columns": [], "cells": [[0, "management"]]}}})
    quotes = " ".join(h.proto.body for h in at.get("html"))
    assert "<script>" not in quotes and "&lt;script&gt;alert(1)&lt;/script&gt;" in quotes


def test_export_page_offers_the_download(mini):
    at = page(_export_page)
    assert at.header[0].value == "Export"
    assert at.radio(key="x_fmt").options[:3] == ["XLSX workbook: method sheet + a sheet per matrix",
                                                  "DOCX report: tables, heat maps, framework quotes",
                                                  "Markdown report"]
    at = page(_export_page, x_fmt="csv")
    assert at.selectbox(key="x_table").value == "counts"
    at = page(_export_page, x_fmt="qdpx")
    at.button(key="x_prepare_qdpx").click().run()
    assert not at.exception
    offered = [b for b in at.get("download_button")]
    said = [i.value for i in at.info]
    assert offered or any("not implemented" in m for m in said), "either the project file or why not"
