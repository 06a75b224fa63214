"""The Import page in a real Streamlit script run (streamlit.testing): upload, attributes, report."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from qualcode.store import make_engine, transaction
from qualcode.store import transcripts as store
from qualcode.store.models import Transcript
from qualcode.ui import i18n

from .test_import_docxmaker import word_transcript

SCRIPT = """
from qualcode.ui import import_page
import_page.render()
"""
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@pytest.fixture
def app(tmp_path, monkeypatch):
    monkeypatch.setenv("QUALCODE_DB", f"sqlite:///{tmp_path / 'app.db'}")
    at = AppTest.from_string(SCRIPT, default_timeout=60)
    at.session_state["coder"] = "anna"
    return at.run()


def test_upload_several_files_set_attributes_and_see_the_report(app, tmp_path, sample_docx):
    plain = word_transcript(tmp_path / "G77.docx", [("H", "Mitä kuuluu?"), ("V", "Hyvää [naurua].")])
    app.file_uploader(key="imp_files").set_value([
        (sample_docx[0].name, sample_docx[0].read_bytes(), DOCX),
        ("G77.docx", plain.read_bytes(), DOCX),
        ("rikki.docx", b"PK\x03\x04 not really a zip", DOCX),
    ])
    app.text_input(key="imp_organisation").input("[Yritys X]")
    app.text_area(key="imp_other").input("interview_id=G77\nworkshop=1")
    app.run()
    app.button(key="imp_go").click().run()
    assert not app.exception
    table = app.dataframe[0].value
    assert list(table["File"]) == [sample_docx[0].name, "G77.docx", "rikki.docx"]
    assert list(table["Status"]) == ["imported", "imported", "failed"]
    assert "truncated or damaged" in table["Message"][2]
    assert app.error[0].value == "2 imported, 0 skipped, 1 failed"
    # Markdown-escaped (a file name must not turn into a link or image): shown as typed
    assert app.error[1].value.replace("\\", "").startswith("rikki.docx: the file is truncated or damaged")
    assert any("no stakeholder type" in t.value for t in app.text)  # G77 has none: the note says so
    with transaction(make_engine(f"sqlite:///{tmp_path / 'app.db'}")) as s:
        names = set(s.scalars(select(Transcript.name)))
        g77 = store.as_dict(store.load(s, "G77"))
        imported_by = s.scalar(select(Transcript.imported_by).where(Transcript.name == "G77"))
    assert names == {sample_docx[0].stem, "G77"}
    assert g77["attributes"] == {"organisation": "[Yritys X]", "interview_id": "G77", "workshop": "1"}
    assert imported_by == "anna"

    # Uploading the same files again: skipped, not duplicated.
    app.button(key="imp_go").click().run()
    assert list(app.dataframe[0].value["Status"])[:2] == ["skipped", "skipped"]


def test_bad_attribute_line_is_shown_and_import_disabled(app):
    app.text_area(key="imp_other").input("just words").run()
    assert "expected key=value" in app.error[0].value
    assert app.button(key="imp_go").disabled


def test_controlled_attributes_offer_the_vocabulary_and_finnish_labels(tmp_path, monkeypatch):
    monkeypatch.setenv("QUALCODE_DB", f"sqlite:///{tmp_path / 'fi.db'}")
    at = AppTest.from_string(SCRIPT, default_timeout=60)
    at.session_state["lang"] = "fi"
    at.run()
    assert at.header[0].value == "Tuo litteraatteja"
    assert at.selectbox(key="imp_stakeholder").options == ["(tiedostosta)", "management", "gig_worker", "ohs"]


def test_every_label_has_both_languages():
    from qualcode.ui import import_page

    assert import_page.T in i18n.ALL
    for key, pair in import_page.T.table.items():
        assert len(pair) == 2 and all(pair), key
