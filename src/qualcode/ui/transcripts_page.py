"""Transcripts: every transcript with its attributes, size, suggestions waiting and each coder's progress."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from .. import review
from ..store.models import ADJUDICATED
from .i18n import Strings
from .resources import coder, engine

FIRST_ATTRIBUTES = ("stakeholder", "organisation_type")  # then progress; the other attributes last
LATER_ATTRIBUTES = ("format", "interview_id", "date")

T = Strings({
    "title": ("Transcripts", "Litteraatit"),
    "none": ("No transcripts yet: import DOCX files on the Import page or with `qualcode import`.",
             "Ei vielä litteraatteja: tuo DOCX-tiedostoja Tuonti-sivulla tai komennolla `qualcode import`."),
    "name": ("Transcript", "Litteraatti"),
    "turns": ("Turns", "Puheenvuorot"),
    "segments": ("Segments", "Segmentit"),
    "words": ("Words", "Sanat"),
    "waiting": ("Waiting for you", "Odottaa sinua"),
    "suggestions": ("Suggestions", "Ehdotukset"),
    "agreed": ("agreed coding", "sovittu koodaus"),
    "filter": ("Filter", "Suodata"),
    "search": ("Name contains", "Nimessä on"),
    "any": ("any", "mikä tahansa"),
    "shown": ("{n} of {total} transcripts", "{n}/{total} litteraattia"),
    "open": ("Open in Review", "Avaa koodattavaksi"),
    "pick": ("Transcript to open", "Avattava litteraatti"),
    "progress_help": ("Per coder: ✓ marked done; decided suggestions of all; accepted codes.",
                      "Koodaajittain: ✓ valmis; päätetyt ehdotukset kaikista; hyväksytyt koodit."),
    "cell": ("{done}{decided}/{total} decided · {codes} codes", "{done}{decided}/{total} päätetty · {codes} koodia"),
    "no_match": ("No transcript matches the filter.", "Mikään litteraatti ei vastaa suodatinta."),
    "continue": ("Continue where you left off: {name}", "Jatka siitä mihin jäit: {name}"),
    "continue_help": ("Your last decision, {when} UTC: opens Review at that segment.",
                      "Viimeisin päätöksesi {when} UTC: avaa koodauksen siihen segmenttiin."),
})


def progress_cell(p: dict | None, total: int) -> str:
    if not p:
        return ""
    return T("cell", done="✓ " if p["done"] else "", decided=p["decided"], total=total, codes=p["codes"])


def table(rows: list[dict], coders: list[str]) -> pd.DataFrame:
    """One row per transcript: name, attributes, counts, and a progress column per coder."""
    keys = sorted({k for r in rows for k in r["attributes"]})
    first = [k for k in FIRST_ATTRIBUTES if k in keys]
    rest = [k for k in LATER_ATTRIBUTES if k in keys] + [k for k in keys if k not in FIRST_ATTRIBUTES
                                                        and k not in LATER_ATTRIBUTES]
    records = []
    for r in rows:
        rec = {T("name"): r["name"]}
        rec.update({k: r["attributes"].get(k, "") for k in first})
        rec[T("waiting")] = r["waiting"]
        for c in coders:
            rec[T("agreed") if c == ADJUDICATED else c] = progress_cell(r["progress"].get(c), r["suggestions"])
        rec.update({T("suggestions"): r["suggestions"], T("segments"): r["segments"], T("turns"): r["turns"],
                    T("words"): r["words"]})
        rec.update({k: r["attributes"].get(k, "") for k in rest})
        records.append(rec)
    return pd.DataFrame.from_records(records)


def _filters(rows: list[dict]) -> list[dict]:
    keys = sorted({k for r in rows for k in r["attributes"]})
    with st.expander(T("filter"), expanded=False):
        text = st.text_input(T("search"), key="tr_search", persist_state="session").strip().lower()
        chosen: dict[str, list[str]] = {}
        cols = st.columns(min(4, max(1, len(keys))))
        for i, k in enumerate(keys):
            values = sorted({r["attributes"].get(k, "") for r in rows} - {""})
            chosen[k] = cols[i % len(cols)].multiselect(k, values, key=f"tr_f_{k}", placeholder=T("any"),
                                                        persist_state="session")
    return [r for r in rows
            if (not text or text in r["name"].lower())
            and all(not v or r["attributes"].get(k) in v for k, v in chosen.items())]


def render() -> None:
    st.header(T("title"))
    rows, coders = review.transcript_table(engine(), coder() or None)
    if not rows:
        st.info(T("none"))
        return
    _continue(rows)
    shown = _filters(rows)
    st.caption(T("shown", n=len(shown), total=len(rows)) + " · " + T("progress_help"))
    if not shown:
        st.info(T("no_match"))
        return
    frame = table(shown, coders)
    event = st.dataframe(frame, hide_index=True, on_select="rerun", selection_mode="single-row", key="tr_table")
    names = [r["name"] for r in shown]
    selected = event.selection.rows if event is not None and hasattr(event, "selection") else []
    picked = names[selected[0]] if selected and selected[0] < len(names) else None
    if picked and picked != st.session_state.get("tr_picked"):  # a new click in the table moves the picker
        st.session_state["tr_open"] = picked
    st.session_state["tr_picked"] = picked
    if st.session_state.get("tr_open") not in names:
        st.session_state.pop("tr_open", None)
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    name = c1.selectbox(T("pick"), names, key="tr_open")
    if c2.button(T("open"), key="tr_open_button", type="primary"):
        from .app import page

        st.session_state["transcript"] = name
        st.switch_page(page("review"), query_params={})


def _continue(rows: list[dict]) -> None:
    """A button back to the segment of the coder's last decision (coders return to one transcript for days)."""
    who = coder()
    last = review.left_off(engine(), who) if who else None
    if last is None or last[1] not in {r["name"] for r in rows}:
        return
    tid, name, segment_id, when = last
    if st.button(T("continue", name=name), key="tr_continue", icon=":material/play_arrow:",
                 help=T("continue_help", when=f"{when:%Y-%m-%d %H:%M}")):
        from .app import page

        st.session_state["transcript"] = name
        st.session_state["jump_to"] = (tid, segment_id)
        st.switch_page(page("review"), query_params={})
