"""The Review page through the real app (AppTest): choosing a transcript, deciding, adding, undo,
filters, keyboard walk, memos, position, coders kept apart, comparison and adjudication."""

from __future__ import annotations

from qualcode import review
from qualcode.store.models import ADJUDICATED
from qualcode.ui.render import esc_md

from .app_support import (  # noqa: F401
    SAMPLES,
    accept_keys,
    app,
    click,
    codings,
    html_text,
    add_code,
    keys,
    only_waiting,
    parse_key,
    rows,
    project,
    project_template,
    run,
    transcript_id,
)


def status_line(at) -> str:
    return next(c.value for c in at.caption if "suggestions waiting" in c.value)


def test_needs_a_coder_name(project):
    at = app(coder=None)
    assert any("Enter your name" in i.value for i in at.info)
    assert not accept_keys(at)


def test_select_transcript(project):
    at = app()
    assert at.selectbox(key="transcript").value == SAMPLES[0]
    first = html_text(at)
    run(at.selectbox(key="transcript").select(SAMPLES[1]))
    data = review.load_review(project, transcript_id(project, SAMPLES[1]), "anna")
    n_segments = sum(1 for _ in data.segments())
    assert esc_md(f"{data.n_pending} suggestions waiting · {n_segments} segments") in status_line(at)
    shown = html_text(at)
    assert shown != first
    first_turn = data.turns[0]
    assert f"<b>{first_turn.speaker}</b>" in shown
    assert first_turn.segments[0].text.split()[0] in shown


def test_accept_reject_add_remove(project):
    at = only_waiting(app())
    tid = transcript_id(project, SAMPLES[0])
    k1, k2 = accept_keys(at)[:2]
    s1, c1 = parse_key(k1)
    s2, c2 = parse_key(k2)
    at = click(at, k1)
    assert k1 not in accept_keys(at), "an accepted suggestion is no longer waiting"
    assert f"rm-{s1}-{c1}" in keys(at, "rm-")
    at = click(at, f"rej-{s2}-{c2}")
    assert (s1, c1, "anna", "accepted", "suggested") in codings(project)
    assert (s2, c2, "anna", "rejected", "suggested") in codings(project)

    # Add a code by hand with the picker (a dialog): searchable, the definition shown once chosen.
    at = click(at, f"open-add-{s2}")
    picker = at.selectbox(key=f"pick-{s2}")
    assert picker.value is None and at.button(key=f"add-{s2}").disabled
    code = next(c for c in ("competition", "trust", "resilience") if c != c2)
    assert any("rivalry" in o for o in picker.options), "options carry the definitions (searchable)"
    at = run(picker.select(code))
    assert any("rivalry" in m.value for m in at.markdown), "the chosen code's definition is shown"
    at = click(at, f"add-{s2}")
    assert (s2, code, "anna", "accepted", "manual") in codings(project)
    assert not keys(at, f"add-{s2}"), "the dialog closed"
    at = click(at, f"open-add-{s2}")
    assert at.selectbox(key=f"pick-{s2}").value is None, "the picker is cleared for the next code"
    assert not any(o.startswith("Competition") for o in at.selectbox(key=f"pick-{s2}").options) or code != "competition"

    at = click(at, f"rm-{s2}-{code}")
    assert (s2, code, "anna", "accepted", "manual") not in codings(project)
    assert review.last_action(project, tid, "anna").action == "removed"


def test_undo_button_walks_back(project):
    at = only_waiting(app())
    k1 = accept_keys(at)[0]
    at = click(at, k1)
    at = click(at, "accept_all")
    n_bulk = len(codings(project, "anna")) - 1
    assert n_bulk >= 1
    at = click(at, "undo")
    assert any(esc_md(f"Undone: accepted {n_bulk} codes") in s.value for s in at.success)
    assert codings(project, "anna") == {(*parse_key(k1), "anna", "accepted", "suggested")}
    at = click(at, "undo")
    assert any("Undone: accepted" in s.value.replace("\\", "") for s in at.success)
    assert codings(project, "anna") == set()
    assert k1 in accept_keys(at)
    at = click(at, "undo")
    assert any("Nothing to undo" in e.value for e in at.error)


def test_accept_all_uses_the_minimum_score(project):
    at = app()
    tid = transcript_id(project, SAMPLES[0])
    data = review.load_review(project, tid, "anna")
    above = {(s.id, sg.code) for s in data.segments() for sg in s.pending if sg.score >= 0.8}
    at = run(at.number_input(key="min_score").set_value(0.8))
    assert f"({len(above)})" in at.button(key="accept_all").label
    at = click(at, "accept_all")
    assert {(s, c) for s, c, *_ in codings(project, "anna")} == above
    assert any(esc_md(f"Accepted {len(above)}") in s.value for s in at.success)


def test_filters(project):
    at = app()
    tid = transcript_id(project, SAMPLES[0])
    data = review.load_review(project, tid, "anna")
    at = run(at.toggle(key="f_pending").set_value(True))
    segs_with = {s.id for s in data.segments() if s.pending}
    shown = {parse_key(k)[0] for k in accept_keys(at)}
    assert shown and shown <= segs_with
    rows_shown = set(rows(at))
    assert rows_shown == shown, "only segments with suggestions waiting are listed"
    at = run(at.toggle(key="f_pending").set_value(False))

    code = next(sg.code for s in data.segments() for sg in s.pending)
    at = run(at.selectbox(key="f_code").select(code))
    rows_shown = set(rows(at))
    with_code = {s.id for s in data.segments() if any(sg.code == code for sg in s.suggestions)}
    assert rows_shown and rows_shown <= with_code
    at = run(at.selectbox(key="f_code").select(None))

    speaker = data.speakers[-1]
    at = run(at.selectbox(key="f_speaker").select(speaker))
    rows_shown = set(rows(at))
    assert rows_shown and rows_shown <= {s.id for s in data.segments() if s.speaker == speaker}
    assert all(f"<b>{speaker}</b>" in h.value for h in at.html if "qc-turn" in h.value)


def test_position_is_kept_when_the_page_reruns(project):
    at = app()
    assert at.get("pagination")
    at = run(at.get("pagination")[0].set_value(3))
    on_page_3 = rows(at)
    k = next((k for k in accept_keys(at)), None)
    if k is not None:
        at = click(at, k)
        assert at.get("pagination")[0].value == 3 and rows(at) == on_page_3
    at = add_code(at, on_page_3[0], "trust")
    assert at.get("pagination")[0].value == 3
    assert rows(at) == on_page_3


def test_keyboard_walk_j_a_x(project):
    at = only_waiting(app())
    assert at.button(key="focus_next").proto.shortcut.upper() == "J"
    at = click(at, "focus_next")
    focus = at.session_state[f"focus-{transcript_id(project, SAMPLES[0])}"]
    first_pending = parse_key(accept_keys(at)[0])
    assert focus == first_pending[0]
    assert "border-left:3px solid" in html_text(at)
    at = click(at, "focus_accept")
    assert (first_pending[0], first_pending[1], "anna", "accepted", "suggested") in codings(project)
    at = click(at, "focus_reject")
    assert any(st == "rejected" for *_, st, _ in codings(project, "anna"))


def test_memos(project):
    at = app()
    seg = rows(at)[0]
    at = click(at, f"open-memo-{seg}")
    at = run(at.text_area(key=f"memo-{seg}").input("Kiinnostava <i>kohta</i>"))
    at = click(at, f"save-memo-{seg}")
    assert "Kiinnostava &lt;i&gt;kohta&lt;/i&gt;" in html_text(at)
    assert at.button(key=f"open-memo-{seg}").label == "Memo (1)"
    tid = transcript_id(project, SAMPLES[0])
    at = run(at.text_area(key=f"tmemo-{tid}").input("Koko haastattelu"))
    at = click(at, f"save-tmemo-{tid}")
    data = review.load_review(project, tid, "anna")
    assert [m.text for m in data.memos] == ["Koko haastattelu"]
    assert [m.text for s in data.segments() for m in s.memos] == ["Kiinnostava <i>kohta</i>"]
    at = click(at, f"open-memo-{seg}")
    at = run(at.text_area(key=f"memo-{seg}").input("   "))
    at = click(at, f"save-memo-{seg}")
    assert at.error and "empty" in at.error[0].value


def test_coders_are_kept_apart(project):
    anna = only_waiting(app(coder="anna"))
    k = accept_keys(anna)[0]
    seg, code = parse_key(k)
    click(anna, k)
    ben = only_waiting(app(coder="ben"))
    assert k in accept_keys(ben), "anna's decision is hers: ben still sees the suggestion"
    assert "anna:" not in html_text(ben)
    ben = run(ben.toggle(key="blind").set_value(False))
    assert "anna:" in html_text(ben)
    click(ben, f"rej-{seg}-{code}")
    assert codings(project) == {(seg, code, "anna", "accepted", "suggested"),
                                (seg, code, "ben", "rejected", "suggested")}


def test_compare_view_blind_then_adjudicate(project):
    tid = transcript_id(project, SAMPLES[0])
    data = review.load_review(project, tid, "anna")
    (s1, c1), (s2, c2) = [(s.id, s.pending[0].code) for s in data.segments() if s.pending][:2]
    review.accept(project, s1, c1, "anna")
    review.accept(project, s2, c2, "anna")
    review.accept(project, s1, c1, "ben")
    at = app(coder="ben")
    at = run(at.segmented_control(key="view").set_value("compare"))
    assert any("Blind coding" in i.value for i in at.info)
    at = run(at.segmented_control(key="view").set_value("code"))
    at = click(at, "mark_done")
    at = run(at.segmented_control(key="view").set_value("compare"))
    assert [m.value for m in at.metric] == ["2", "1", "1"]
    assert f"adj-save-{s2}" in keys(at, "adj-save-") and f"adj-save-{s1}" not in keys(at, "adj-save-")
    assert at.multiselect(key=f"adj-{s2}").value == []
    at = run(at.multiselect(key=f"adj-{s2}").select(c2))
    at = click(at, f"adj-save-{s2}")
    at = click(at, "cmp-adopt")
    assert {(s, c, st) for s, c, _, st, _ in codings(project, ADJUDICATED)} == {(s1, c1, "accepted"),
                                                                              (s2, c2, "accepted")}
    assert [m.value for m in at.metric] == ["2", "1", "0"]


def test_escapes_transcript_text(project, tmp_path, nlp):
    """Markup in a transcript is shown as text, never interpreted (HTML or Markdown)."""
    from docx import Document

    from qualcode.codebook import load_codebook
    from qualcode.importing import import_files
    from qualcode.pretag import pretag

    from .conftest import CODEBOOK

    doc = Document()
    doc.add_paragraph("H: Miten luottamus näkyy <b>työssä</b>?")
    doc.add_paragraph('V: Luotan kollegoihin <script>alert("x")</script> ja **aina** [linkki](http://example.org) :smile:.')
    path = tmp_path / "aaa_hostile.docx"
    doc.save(path)
    assert import_files(project, [path])[0].ok
    book, text = load_codebook(CODEBOOK)
    pretag(project, book, text, nlp=nlp)
    at = app(transcript="aaa_hostile")
    shown = html_text(at)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in shown and "<script>" not in shown
    assert "&lt;b&gt;työssä&lt;/b&gt;" in shown and "<b>työssä" not in shown
    for b in at.button:
        assert "<script>" not in (b.help or "") and "**aina**" not in (b.help or "")
    reasons = [c.value for c in at.caption if "matched" in c.value]
    assert reasons and all("<" not in r for r in reasons)


def test_link_from_agreement_opens_the_segment_in_the_comparison(project):
    """The Agreement page links to ``/review?transcript=NAME&view=compare&segment=ID``."""
    from streamlit.testing.v1 import AppTest

    from qualcode.agreement import comparison_link

    from .app_support import _app

    tid = transcript_id(project, SAMPLES[1])
    data = review.load_review(project, tid, "anna")
    (s1, c1), (s2, c2) = [(s.id, s.pending[0].code) for s in data.segments() if s.pending][:2]
    for seg, code in ((s1, c1), (s2, c2)):
        review.accept(project, seg, code, "anna")
    review.accept(project, s1, c1, "ben")
    review.set_done(project, tid, "ben")
    link = comparison_link(SAMPLES[1], s2)
    assert link == f"/review?transcript={SAMPLES[1]}&view=compare&segment={s2}"
    at = AppTest.from_function(_app, kwargs={"default": "review"}, default_timeout=60)
    at.session_state["coder"] = "ben"
    for key, value in (("transcript", SAMPLES[1]), ("view", "compare"), ("segment", str(s2))):
        at.query_params[key] = value
    at = run(at)
    assert at.selectbox(key="transcript").value == SAMPLES[1]
    assert any("opened from the Agreement page" in c.value for c in at.caption)
    assert keys(at, "adj-save-")[0] == f"adj-save-{s2}"  # the linked segment comes first
    assert "History of this transcript" in [e.label for e in at.expander]
