"""The app's frame and the Transcripts page through the real app (AppTest): navigation, sidebar,
language switch, the transcripts table with filters and progress, opening a transcript."""

from __future__ import annotations

import re
import string

from qualcode import review
from qualcode.ui import i18n, review_page
from qualcode.ui.render import chip, esc_html, esc_md

from .app_support import SAMPLES, app, click, project, project_template, run, transcript_id  # noqa: F401

PAGE_TITLES_EN = ["Transcripts", "Review", "Matrices", "Agreement", "Codebook", "Import", "Export"]
PAGE_TITLES_FI = ["Litteraatit", "Koodaus", "Matriisit", "Yhtäpitävyys", "Koodikirja", "Tuonti", "Vienti"]


def test_every_string_table_has_both_languages_with_the_same_placeholders():
    import qualcode.ui.app  # noqa: F401  (registers every page's tables)
    import qualcode.ui.compare_view  # noqa: F401
    import qualcode.ui.segment_view  # noqa: F401

    fmt = string.Formatter()
    assert len(i18n.ALL) >= 5
    for table in i18n.ALL:
        for key, pair in table.table.items():
            assert isinstance(pair, tuple) and len(pair) == 2, key
            en, fi = pair
            assert en.strip() and fi.strip(), key
            names = [{f for _, f, _, _ in fmt.parse(text) if f} for text in (en, fi)]
            assert names[0] == names[1], f"{key}: {en!r} / {fi!r}"


def test_language_switch(project):
    at = app("review")
    assert at.header[0].value == "Review"
    assert at.sidebar.text_input(key="coder").label == "Coder"
    at = run(at.sidebar.segmented_control(key="lang").set_value("fi"))
    assert at.header[0].value == "Koodaus"
    assert at.sidebar.text_input(key="coder").label == "Koodaaja"
    assert at.toggle(key="f_pending").label == "Vain odottavat ehdotukset"
    assert "Kumoa" in at.button(key="undo").label
    assert any("ehdotusta odottaa" in c.value for c in at.caption)
    # Code labels come from the codebook in the chosen language.
    assert "Luottamus" in at.selectbox(key="f_code").options and "Kaikki koodit" in at.selectbox(key="f_code").options
    at = run(at.sidebar.segmented_control(key="lang").set_value("en"))
    assert at.header[0].value == "Review"


def test_language_from_the_address_bar(project):
    from streamlit.testing.v1 import AppTest

    from .app_support import _app

    at = AppTest.from_function(_app, kwargs={"default": "transcripts"}, default_timeout=60)
    at.query_params["lang"] = "fi"
    at.query_params["coder"] = "anna"
    at = run(at)
    assert at.header[0].value == "Litteraatit"
    assert at.sidebar.segmented_control(key="lang").label == "Kieli", "translated on the very first run too"
    assert at.session_state["coder"] == "anna" and at.session_state["lang"] == "fi"


def test_language_follows_a_finnish_browser_unless_chosen(project):
    from streamlit.testing.v1 import AppTest

    from .app_support import _app

    at = AppTest.from_function(_app, kwargs={"default": "transcripts"}, default_timeout=60)
    at.context["locale"] = "fi-FI"
    at = run(at)
    assert at.header[0].value == "Litteraatit"
    at = run(at.sidebar.segmented_control(key="lang").set_value("en"))
    assert at.header[0].value == "Transcripts"


def test_sidebar_shows_the_database_and_takes_the_coder(project):
    at = app("review", coder=None)
    db = str(project.url.database)
    assert any(esc_md(db) in c.value for c in at.sidebar.caption)
    assert any("Enter your name" in i.value for i in at.info)
    at = run(at.sidebar.text_input(key="coder").input("  anna  "))
    assert at.selectbox(key="transcript").value == SAMPLES[0], "the trimmed name is enough to start"
    assert at.session_state["coder"].strip() == "anna"


def test_transcripts_table_filter_progress_and_open(project):
    t1 = transcript_id(project, SAMPLES[0])
    data = review.load_review(project, t1, "anna")
    seg, code = next((s.id, s.pending[0].code) for s in data.segments() if s.pending)
    review.accept(project, seg, code, "anna")
    review.set_done(project, t1, "ben")
    at = app("transcripts")
    assert at.header[0].value == "Transcripts"
    frame = at.dataframe[0].value
    assert list(frame["Transcript"]) == list(SAMPLES)
    row = frame.set_index("Transcript").loc[SAMPLES[0]]
    assert row["stakeholder"] == "management"
    assert row["Waiting for you"] == row["Suggestions"] - 1
    assert row["anna"].startswith("1/") and "1 codes" in row["anna"]
    assert row["ben"].startswith("✓ 0/")
    # Filter by an attribute: only the OHS group interview is left.
    at = run(at.multiselect(key="tr_f_stakeholder").select("ohs"))
    assert list(at.dataframe[0].value["Transcript"]) == [SAMPLES[1]]
    assert at.selectbox(key="tr_open").options == [SAMPLES[1]]
    at = run(at.multiselect(key="tr_f_stakeholder").unselect("ohs"))
    at = run(at.text_input(key="tr_search").input("intermed"))
    assert list(at.dataframe[0].value["Transcript"]) == [SAMPLES[0]]
    at = run(at.text_input(key="tr_search").input(""))
    # Open one: the Review page shows it.
    at = run(at.selectbox(key="tr_open").select(SAMPLES[1]))
    at = click(at, "tr_open_button")
    assert at.header[0].value == "Review"
    assert at.selectbox(key="transcript").value == SAMPLES[1]


def test_every_page_runs(project):
    for name in ("transcripts", "review", "matrices", "agreement", "codebook", "import", "export"):
        at = app(name)
        assert at.header, name


def test_render_escapes_and_checks_colours():
    assert esc_html('<a href="x">&</a>') == "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
    md = esc_md("**bold** [x](http://e.org) `code` $x$ :smile: <b>")
    assert "**" not in md.replace("\\*", "") and "<b>" not in md
    assert re.search(r"\\\*\\\*bold", md) and "\\:smile\\:" in md
    html = chip("<script>", "red;background:url(x)")
    assert "&lt;script&gt;" in html and "url(x)" not in html and "#777777" in html


def test_continue_where_you_left_off(project):
    """The Transcripts page offers the coder's last decision; the button opens Review on that
    transcript, at the page of that segment, with the segment focused."""
    at = app("transcripts")
    assert not [b for b in at.button if b.key == "tr_continue"]  # no decision yet
    t2 = transcript_id(project, SAMPLES[1])
    data = review.load_review(project, t2, "anna")
    seg, code = [(s.id, s.pending[0].code) for s in data.segments() if s.pending][-1]  # far down the transcript
    review.accept(project, seg, code, "anna")
    review.accept(project, *next((s.id, s.pending[0].code) for s in review.load_review(
        project, transcript_id(project, SAMPLES[0]), "ben").segments() if s.pending), "ben")  # not anna's
    at = app("transcripts")
    button = next(b for b in at.button if b.key == "tr_continue")
    assert SAMPLES[1] in button.label
    at = click(at, "tr_continue")
    assert at.header[0].value == "Review"
    assert at.selectbox(key="transcript").value == SAMPLES[1]
    pages = review.paginate(review.filter_turns(review.load_review(project, t2, "anna"), review.ReviewFilter()),
                            review_page.SEGMENTS_PER_PAGE)
    assert review.page_of(pages, seg) > 1
    assert at.session_state[f"page-{t2}"] == review.page_of(pages, seg)
    assert at.session_state[f"focus-{t2}"] == seg
