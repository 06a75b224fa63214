"""The agreement page and the history renderer, run by Streamlit's AppTest on a real project."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from qualcode import agreement as agr
from qualcode.review import accept, reject
from qualcode.store import transaction
from qualcode.store.models import ROLE_INTERVIEWER, Segment


@pytest.fixture
def coded_project(tmp_path, copy_tagged_project, monkeypatch):
    url = f"sqlite:///{tmp_path / 'p.db'}"
    engine = copy_tagged_project(url)
    with transaction(engine) as s:
        segs = list(s.scalars(select(Segment.id).where(Segment.role != ROLE_INTERVIEWER)
                              .order_by(Segment.index).limit(8)))
    for i, seg in enumerate(segs):
        accept(engine, seg, "trust" if i % 2 else "emotional_support", "anna")
        accept(engine, seg, "trust" if i % 3 else "emotional_support", "ben")
    reject(engine, segs[1], "trust", "ben")  # ben changes his mind
    monkeypatch.setenv("QUALCODE_DB", url)
    return engine, segs


def test_agreement_page_shows_figures_and_linked_disagreements(coded_project):
    engine, segs = coded_project
    report = agr.project_agreement(engine)
    at = AppTest.from_string("from qualcode.ui import agreement_page\nagreement_page.render()",
                             default_timeout=60).run()
    assert not at.exception
    figures = at.dataframe[0].value
    assert list(figures.iloc[:, 0]) == ["Emotional support", "Trust", "All codes (exact match)"]
    assert figures.iloc[-1, 1] == pytest.approx(report.overall.alpha)
    assert figures.iloc[-1, 3] == pytest.approx(100 * report.overall.percent_agreement)
    assert list(figures.iloc[:, 4]) == [f.n_units for f in report.codes.values()] + [report.overall.n_units]
    rows = at.dataframe[1].value
    assert len(rows) == len(report.disagreements) > 0
    assert list(rows["Compare"]) == [f"/review?transcript=ohs_group&view=compare&segment={d.unit.segment_id}"
                                     for d in report.disagreements]
    assert set(rows["anna"]) <= {"Trust", "Emotional support"}

    at.multiselect(key="agr_coders").set_value(["anna"]).run()
    assert "Choose two or more coders." in [i.value for i in at.info]


def test_history_renderer_lists_a_transcripts_changes(coded_project):
    engine, segs = coded_project
    at = AppTest.from_string(
        "from qualcode.ui.history import render_history\nfrom qualcode.ui.resources import engine\n"
        "render_history(engine(), 'ohs_group', expanded=True)", default_timeout=60).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert len(table) == 8 * 2 + 1 + 2  # decisions, the change of mind, import, segmentation
    assert table.iloc[0]["Who"] == "ben" and "changed trust" in table.iloc[0]["What"]
    assert table.iloc[-1]["What"].startswith("imported transcript ohs_group")

    at = AppTest.from_string(
        "from qualcode.ui.history import render_history\nfrom qualcode.ui.resources import engine\n"
        "render_history(engine(), 'nope', expanded=True)", default_timeout=60).run()
    assert [c.value for c in at.caption] == ["No transcript of this name."]


def test_agreement_page_in_finnish_explains_undefined_figures(coded_project):
    engine, segs = coded_project
    from qualcode.review import accept as decide_accept

    for seg in segs:
        decide_accept(engine, seg, "trust", "cecilia")
    at = AppTest.from_string("from qualcode.ui import agreement_page\nagreement_page.render()", default_timeout=60)
    at.session_state["lang"] = "fi"
    at.run()
    assert not at.exception
    assert at.header[0].value == "Koodaajien yhtäpitävyys"
    captions = [c.value for c in at.caption]
    assert "Cohenin kappa on kahdelle koodaajalle; nyt 3 (käytä alfaa)" in captions
    assert at.dataframe[0].value.iloc[:, 2].isna().all()  # no kappa for three coders
