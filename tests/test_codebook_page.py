"""The app's codebook page (Streamlit AppTest; a real browser run is in test_codebook_browser.py)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from qualcode.codebook import parse_codebook
from qualcode.codebook.migrate import apply_codebook
from qualcode.review import accept, reject
from qualcode.store import transaction
from qualcode.store import codebooks as store
from qualcode.ui.codebook_page import T

from .codebook_support import V100, base, bump, code, dump, make_project, migration_variant

SCRIPT = """
from qualcode.ui import codebook_page
codebook_page.render()
"""


def migrated_project(engine):
    segs = make_project(engine, {"t1": [f"Lause {i}." for i in range(6)], "t2": ["Lause."]})["t1"]
    text = V100.read_text(encoding="utf-8")
    with transaction(engine) as s:
        store.record_version(s, parse_codebook(text), text)
    accept(engine, segs[0], "trust", "anna")
    reject(engine, segs[1], "trust", "anna")
    accept(engine, segs[2], "practical_support", "anna")
    accept(engine, segs[3], "competition", "ville")
    data = migration_variant()
    data["codes"] = [c for c in data["codes"] if c["id"] != "practical_support"]
    for c in data["codes"]:
        c.pop("parent", None)
    code(data, "resilience")["label"]["en"] = "Resilience <b>bold</b>"
    new = dump(data)
    apply_codebook(engine, parse_codebook(new), new, who="lead", retag=False)


@pytest.fixture
def app(engine, db_url, monkeypatch, tmp_path):
    monkeypatch.setenv("QUALCODE_DB", db_url)
    monkeypatch.chdir(tmp_path)  # the page lists ./codebooks/*.yaml

    def run(lang: str = "en") -> AppTest:
        at = AppTest.from_string(SCRIPT, default_timeout=120)
        at.session_state["lang"] = lang
        at.run()
        assert not at.exception, at.exception
        return at

    return run


def html_bodies(at: AppTest) -> str:
    return "\n".join(h.proto.body for h in at.get("html"))


def test_codes_with_usage_hierarchy_retired_and_dropped(engine, app):
    migrated_project(engine)
    at = app()
    assert at.header[0].value == "Codebook"
    assert "**peer_support 1.1.0**, in use since" in at.markdown[0].value
    table = at.dataframe[0].value.set_index("Id")
    assert table.loc["interpersonal_trust", "Accepted"] == 1 and table.loc["interpersonal_trust", "Rejected"] == 1
    assert table.loc["competition", "Status"] == "retired" and table.loc["competition", "Accepted"] == 1
    assert table.loc["practical_support", "Status"] == "not in this version"
    assert table.loc["practical_support", "To review"] == 1  # the split code's accepted coding
    assert table.loc["socio_emotional_support", "Code"] == "Socio-emotional support"
    labels = [e.label for e in at.expander]
    assert "Competition (competition) · retired" in labels
    body = html_bodies(at)
    assert "Sosioemotionaalinen tuki" in body and "emotional and social support were hard to tell apart" in body
    assert "Mä luotan meidän keikkalaisiin ihan täysin." in body  # examples of the code shown
    assert "Resilience &lt;b&gt;bold&lt;/b&gt;" in body and "<b>bold</b>" not in body
    assert "not in the version in use; 1 codings made under an earlier version keep it" in body
    # Versions: which version each transcript was tagged and coded with.
    versions = at.dataframe[1].value
    assert list(versions["Version"]) == ["peer_support 1.0.0", "peer_support 1.1.0"]
    assert versions["Codings carried over"].iloc[1] == "renamed: 2, split: 1"
    per_transcript = at.dataframe[2].value.set_index("Transcript")
    assert per_transcript.loc["t1", "Codings made under"] == "1.0.0 (4)"
    assert per_transcript.loc["t2", "Tagged under (segments)"] == "not tagged"
    # To review: the split code's accepted coding, with the segment and the reason.
    assert at.tabs[2].label == "To review (1)"
    flagged = at.dataframe[3].value
    assert flagged.to_dict("records") == [{
        "Transcript": "t1", "Segment": 4, "Code": "practical_support", "Coder": "anna", "Status": "accepted",
        "Why": "practical_support was split into advice, covering_shifts: choose the code that fits (advice and "
               "tips; shifts covered for each other)", "Text": "Lause 2."}]


def test_search_and_finnish(engine, app):
    migrated_project(engine)
    at = app("fi")
    assert at.header[0].value == "Koodikirja"
    at.text_input(key="cb_search").input("mä luotan").run()
    assert list(at.dataframe[0].value["Tunniste"]) == ["interpersonal_trust"]
    at.checkbox(key="cb_retired").uncheck().run()
    at.text_input(key="cb_search").input("").run()
    assert "competition" not in set(at.dataframe[0].value["Tunniste"])


def test_files_show_the_same_problems_as_the_cli(engine, app, tmp_path):
    migrated_project(engine)
    folder = tmp_path / "codebooks"
    folder.mkdir()
    (folder / "peer_support.yaml").write_text(V100.read_text(encoding="utf-8"), encoding="utf-8")
    newer = bump(migration_variant(), "1.2.0", "adds a code")
    newer["codes"] = [c for c in newer["codes"] if c["id"] != "practical_support"]
    for c in newer["codes"]:
        c.pop("parent", None)
    (folder / "next.yaml").write_text(dump(newer), encoding="utf-8")
    bad = base()
    bad["codes"][0]["colour"] = "blue"
    (folder / "broken.yaml").write_text(dump(bad), encoding="utf-8")
    from qualcode.codebook import validate_file

    expected = str(validate_file("codebooks/broken.yaml").errors[0])
    at = app()
    assert any("codebooks/broken.yaml: 1 problem(s)" in e.value for e in at.error)
    assert any(expected in c.value for c in at.code)
    assert any("codebooks/peer_support.yaml: an older version" in i.value for i in at.info)
    assert any("codebooks/next.yaml: a newer version" in i.value for i in at.info)
    assert any(c.value == "qualcode codebook apply codebooks/next.yaml" for c in at.code)
    assert any("changelog 1.2.0" in c.value for c in at.code)  # the diff against the version in use
    at.text_input(key="cb_other").input("/etc/passwd").run()
    assert any("Only .yaml and .yml" in e.value for e in at.error)


def test_page_before_any_version_shows_the_default_file(engine, app, tmp_path):
    folder = tmp_path / "codebooks"
    folder.mkdir()
    (folder / "peer_support.yaml").write_text(V100.read_text(encoding="utf-8"), encoding="utf-8")
    at = app()
    assert "No codebook version is recorded" in at.info[0].value
    assert len(at.dataframe[0].value) == 6
    assert any("no version is recorded in the project yet" in i.value for i in at.info)


def test_every_string_has_both_languages():
    for key, (en, fi) in T.table.items():
        assert en.strip() and fi.strip(), key
        assert en != fi or key in ("col_id",), key
