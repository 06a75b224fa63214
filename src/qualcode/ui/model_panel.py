"""Codebook page, tab *Suggestion model*: the correction model's cross-validated scores and a retrain button.

The figures come from ``tagging.learning.current_scores`` (computed when the model was
trained, out of fold, on the project's own decisions), so a researcher sees how far to
trust the suggestions before relying on them.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ..tagging.learning import model_status, retrain
from .i18n import Strings
from .resources import engine, pipeline

T = Strings({
    "intro": ("The suggestions come from the codebook (rules and a classifier trained on its examples). "
              "Researchers' decisions retrain that classifier: after {min} decisions, and again after every "
              "{every} new ones (in the background).",
              "Ehdotukset tulevat koodikirjasta (säännöt ja sen esimerkeillä opetettu luokitin). Koodaajien "
              "päätökset opettavat luokitinta lisää: {min} päätöksen jälkeen ja sitten aina {every} uuden "
              "päätöksen välein (taustalla)."),
    "none": ("No model trained on this project's decisions yet ({n} decisions so far; {due} more before the "
             "first).", "Projektin päätöksillä ei ole vielä opetettu mallia ({n} päätöstä; ensimmäiseen "
             "tarvitaan vielä {due})."),
    "trained": ("Model trained {at} on {segments} segments ({decisions} decisions, codebook {version}). "
                "{n} decisions now; next retrain after {due} more.",
                "Malli opetettu {at}: {segments} segmenttiä ({decisions} päätöstä, koodikirja {version}). "
                "Päätöksiä nyt {n}; seuraava opetus {due} päätöksen päästä."),
    "cv": ("Cross-validated on the project's decisions (each segment scored by a model that did not see it):",
           "Ristiinvalidoitu projektin päätöksillä (kukin segmentti pisteytetty mallilla, joka ei nähnyt sitä):"),
    "code": ("Code", "Koodi"), "precision": ("Precision", "Tarkkuus"), "recall": ("Recall", "Saanti"),
    "f1": ("F1", "F1"), "support": ("Accepted", "Hyväksyttyjä"),
    "retrain": ("Retrain now", "Opeta nyt"),
    "retraining": ("Retraining on every decision ...", "Opetetaan kaikilla päätöksillä ..."),
    "no_codebook": ("No codebook applied yet: run `qualcode tag`.", "Koodikirjaa ei ole vielä otettu käyttöön: "
                    "aja `qualcode tag`."),
})


def scores_table(scores: dict) -> pd.DataFrame:
    rows = [{T("code"): code, T("precision"): s["precision"], T("recall"): s["recall"], T("f1"): s["f1"],
             T("support"): s.get("support", 0)} for code, s in sorted(scores.get("per_code", {}).items())]
    for name in ("micro", "macro"):
        if name in scores:
            rows.append({T("code"): name, **{T(k): scores[name][k] for k in ("precision", "recall", "f1")},
                         T("support"): None})
    return pd.DataFrame(rows)


def render_model_tab() -> None:
    status = model_status(engine())
    st.caption(T("intro", min=status.min_decisions, every=status.retrain_after))
    if status.codebook is None:
        st.info(T("no_codebook"))
        return
    scores = status.scores
    if not scores:
        st.info(T("none", n=status.n_decisions, due=status.due_in))
    else:
        st.markdown(T("trained", at=scores.get("trained_at", "?"), segments=scores.get("n_segments", "?"),
                      decisions=status.trained_on, version=scores.get("codebook_version", "?"),
                      n=status.n_decisions, due=status.due_in))
        if scores.get("per_code"):
            st.caption(T("cv"))
            table = scores_table(scores)
            st.dataframe(table.style.format(precision=3, na_rep="").background_gradient(
                subset=[T("f1")], cmap="RdYlGn", vmin=0, vmax=1), hide_index=True, width="stretch")
    if st.button(T("retrain"), disabled=status.n_decisions == 0, key="model_retrain"):
        with st.spinner(T("retraining")):
            report = retrain(engine(), nlp=pipeline())
        (st.success if report.trained else st.warning)(report.summary())
