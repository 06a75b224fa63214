"""Agreement: how far coders agree, per code and overall, and where they disagree.

The figures and their rules come from `qualcode.agreement`; this page only picks the
transcripts and coders and shows the result. Disagreeing segments link to the review app's
comparison view (``review?transcript=NAME&view=compare&segment=ID``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from .. import agreement
from ..review import codebook_in_use, transcript_list
from ..store.models import ADJUDICATED
from .i18n import Strings, current_lang
from .resources import engine

T = Strings({
    "title": ("Intercoder agreement", "Koodaajien yhtäpitävyys"),
    "intro": ("Units are segments of participants' turns. Segments no coder coded are left out: uncoded text "
              "is not agreement. A coder who has not decided anything on a segment, and has not marked the "
              "transcript done, has not rated it.",
              "Yksiköt ovat osallistujien puheenvuorojen segmenttejä. Segmentit, joita kukaan ei koodannut, "
              "jätetään pois: koodaamaton teksti ei ole yhtäpitävyyttä. Koodaaja, joka ei ole tehnyt "
              "segmentistä mitään päätöstä eikä merkinnyt litteraatiota valmiiksi, ei ole arvioinut sitä."),
    "transcripts": ("Transcripts", "Litteraatiot"),
    "all": ("all transcripts", "kaikki litteraatiot"),
    "coders": ("Coders", "Koodaajat"),
    "uncoded": ("Count segments nobody coded as agreement", "Laske kenenkään koodaamattomat segmentit yhtäpitäviksi"),
    "uncoded_help": ("Only if every coder read every segment and judged the uncoded ones code-free; inflates "
                     "percent agreement (the NVivo way).",
                     "Vain jos jokainen koodaaja luki jokaisen segmentin ja totesi koodaamattomat koodittomiksi; "
                     "nostaa prosenttiosuutta (NVivon tapa)."),
    "need_two": ("Choose two or more coders.", "Valitse vähintään kaksi koodaajaa."),
    "none": ("Nothing to compare yet: nobody has coded these transcripts.",
             "Ei vielä vertailtavaa: kukaan ei ole koodannut näitä litteraatioita."),
    "code": ("Code", "Koodi"),
    "overall": ("All codes (exact match)", "Kaikki koodit (täsmälleen samat)"),
    "alpha": ("Krippendorff's alpha", "Krippendorffin alfa"),
    "kappa": ("Cohen's kappa", "Cohenin kappa"),
    "percent": ("Agreement %", "Yhtäpitävyys %"),
    "units": ("Segments", "Segmenttejä"),
    "undefined": ("– means undefined; the notes say why.", "– tarkoittaa määrittelemätöntä; syy on huomautuksissa."),
    "left_out": ("{n} of {total} rated segments nobody coded are left out.",
                 "{n}/{total} arvioidusta segmentistä jätettiin pois, koska kukaan ei koodannut niitä."),
    "disagreements": ("Segments where coders disagree ({n})", "Segmentit, joissa koodaajat ovat eri mieltä ({n})"),
    "transcript": ("Transcript", "Litteraatio"),
    "segment": ("Segment", "Segmentti"),
    "text": ("Text", "Teksti"),
    "compare": ("Compare", "Vertaa"),
    "open": ("open", "avaa"),
    "download": ("Download ratings (CSV)", "Lataa arviot (CSV)"),
    "nothing_applied": ("(no code)", "(ei koodia)"),
    "one_coder": ("agreement needs two or more coders; there is {n}",
                  "yhtäpitävyys vaatii vähintään kaksi koodaajaa; nyt {n}"),
    "unpaired": ("no segment was rated by two or more coders",
                 "yhtäkään segmenttiä ei ole arvioinut kaksi tai useampi koodaaja"),
    "kappa_two": ("Cohen's kappa is for two coders; there are {n} (use alpha)",
                  "Cohenin kappa on kahdelle koodaajalle; nyt {n} (käytä alfaa)"),
    "no_variation": ("no variation: every rating is the same, so kappa and alpha are undefined",
                     "ei vaihtelua: kaikki arviot ovat samat, joten kappa ja alfa ovat määrittelemättömiä"),
    "kappa_constant": ("kappa is undefined: both coders used one and the same value throughout",
                       "kappa on määrittelemätön: molemmat koodaajat käyttivät koko ajan samaa arvoa"),
})


def _base_path() -> str:
    """The app's URL prefix behind a reverse proxy (server.baseUrlPath), so links keep working there."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def _labels() -> dict[str, str]:
    book = codebook_in_use(engine())
    if book is None:
        return {}
    return {c.id: (c.label.fi if current_lang() == "fi" else c.label.en) or c.id for c in book.codes}


def render() -> None:
    st.header(T("title"))
    st.caption(T("intro"))
    names = [r["name"] for r in transcript_list(engine())]
    coders = agreement.project_coders(engine())
    c1, c2 = st.columns(2)
    chosen = c1.multiselect(T("transcripts"), names, key="agr_transcripts", placeholder=T("all"))
    who = c2.multiselect(T("coders"), coders, default=[c for c in coders if c != ADJUDICATED], key="agr_coders")
    include_uncoded = st.checkbox(T("uncoded"), key="agr_uncoded", help=T("uncoded_help"))
    if len(who) < 2:
        st.info(T("need_two"))
        return
    report = agreement.project_agreement(engine(), transcripts=chosen or None, coders=who,
                                         include_uncoded=include_uncoded, include_adjudicated=ADJUDICATED in who,
                                         base_url=_base_path())
    if report.overall.n_units == 0 and not report.codes:
        st.info(T("none"))
        return
    labels = _labels()
    rows = report.rows()
    table = pd.DataFrame({
        T("code"): [T("overall") if r["code"] == "OVERALL" else labels.get(r["code"], r["code"]) for r in rows],
        T("alpha"): [r["alpha"] for r in rows],
        T("kappa"): [r["kappa"] for r in rows],
        T("percent"): [None if r["percent_agreement"] is None else 100 * r["percent_agreement"] for r in rows],
        T("units"): [r["n_units"] for r in rows],
    })
    st.dataframe(table, hide_index=True, width="stretch", key="agr_table", column_config={
        T("alpha"): st.column_config.NumberColumn(format="%.3f"),
        T("kappa"): st.column_config.NumberColumn(format="%.3f"),
        T("percent"): st.column_config.NumberColumn(format="%.1f"),
    })
    st.caption(T("undefined"))
    if not include_uncoded and report.n_uncoded:
        st.caption(T("left_out", n=report.n_uncoded, total=report.n_rated))
    shown = set()
    for figures in [report.overall, *report.codes.values()]:
        for key, values in figures.reasons:
            if (key, tuple(values.items())) in shown:
                continue  # said once, for all codes
            shown.add((key, tuple(values.items())))
            st.caption(T(key, **values))
    st.subheader(T("disagreements", n=len(report.disagreements)))
    if report.disagreements:
        none = T("nothing_applied")
        frame = pd.DataFrame({
            T("transcript"): [d.unit.transcript for d in report.disagreements],
            T("segment"): [d.unit.index for d in report.disagreements],
            T("text"): [d.unit.text for d in report.disagreements],
            **{c: [", ".join(labels.get(x, x) for x in d.codes[c]) or none if c in d.codes else ""
                   for d in report.disagreements] for c in report.coders},
            T("compare"): [d.link for d in report.disagreements],
        })
        st.dataframe(frame, hide_index=True, width="stretch", key="agr_disagreements", column_config={
            T("compare"): st.column_config.LinkColumn(display_text=T("open")),
        })
    st.download_button(T("download"), agreement.ratings_csv(report.units).encode("utf-8"),
                       file_name="ratings.csv", mime="text/csv")
