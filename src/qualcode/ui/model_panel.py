"""Codebook page, tab *Suggestion model*: the correction model's cross-validated scores and a retrain button.

The figures come from ``tagging.learning.current_scores`` (computed when the model was
trained, out of fold, on the project's own decisions), so a researcher sees how far to
trust the suggestions before relying on them.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ..tagging.classifier import FEW_POSITIVES
from ..pretag import learn
from ..tagging.learning import model_status
from .codes import code_set
from .i18n import Strings
from .render import esc_md
from .resources import engine, nlp_turn, pipeline

T = Strings({
    "intro": ("The suggestions come from the codebook (rules and a classifier trained on its examples). "
              "Researchers' decisions retrain that classifier: after {min} decisions, and again after every "
              "{every} new ones (in the background). Each new model suggests again for the segments nobody "
              "has decided on yet; segments with decisions keep their suggestions.",
              "Ehdotukset tulevat koodikirjasta (säännöt ja sen esimerkeillä opetettu luokitin). Koodaajien "
              "päätökset opettavat luokitinta lisää: {min} päätöksen jälkeen ja sitten aina {every} uuden "
              "päätöksen välein (taustalla). Uusi malli ehdottaa koodit uudelleen segmenteille, joista kukaan "
              "ei ole vielä tehnyt päätöksiä; muiden segmenttien ehdotukset pysyvät ennallaan."),
    "none": ("No model trained on this project's decisions yet ({n} decisions so far; {due} more before the "
             "first).", "Projektin päätöksillä ei ole vielä opetettu mallia ({n} päätöstä; ensimmäiseen "
             "tarvitaan vielä {due})."),
    "none_due": ("No model trained on this project's decisions yet, though there are {n}: it trains after the next "
                 "decision, or now with *Retrain now*.",
                 "Projektin päätöksillä ei ole vielä opetettu mallia, vaikka päätöksiä on {n}: se opetetaan "
                 "seuraavan päätöksen jälkeen tai heti painikkeella *Opeta nyt*."),
    "trained": ("Model trained {at} on {segments} segments ({decisions} decisions, codebook {version}). "
                "{n} decisions now; next retrain after {due} more.",
                "Malli opetettu {at}: {segments} segmenttiä ({decisions} päätöstä, koodikirja {version}). "
                "Päätöksiä nyt {n}; seuraava opetus {due} päätöksen päästä."),
    "cv": ("Cross-validated on the project's decisions (each segment scored by a model that did not see it):",
           "Ristiinvalidoitu projektin päätöksillä (kukin segmentti pisteytetty mallilla, joka ei nähnyt sitä):"),
    "code": ("Code", "Koodi"), "precision": ("Precision", "Tarkkuus"), "recall": ("Recall", "Saanti"),
    "f1": ("F1", "F1"), "support": ("Accepted", "Hyväksyttyjä"),
    "recalibrated": ("New codes without lemma patterns (fewer than {few} coded segments to learn from), their scores "
                     "recalibrated on the decisions: {codes}.",
                     "Uudet koodit ilman lemmahahmoja (alle {few} koodattua segmenttiä opittavana), pisteet "
                     "kalibroitu päätösten mukaan: {codes}."),
    "rule_led": ("New codes with lemma patterns (fewer than {few} coded segments to learn from), suggested by their "
                 "patterns and nearest examples until then, not by the model: {codes}.",
                 "Uudet koodit, joilla on lemmahahmoja (alle {few} koodattua segmenttiä opittavana), ehdotetaan "
                 "siihen asti hahmojen ja lähimpien esimerkkien perusteella, ei mallin: {codes}."),
    "retrain": ("Retrain now", "Opeta nyt"),
    "retraining": ("Retraining on every decision, then suggesting again where nobody has decided ...",
                   "Opetetaan kaikilla päätöksillä ja ehdotetaan uudelleen, missä päätöksiä ei vielä ole ..."),
    "no_codebook": ("No codebook applied yet: run `qualcode tag`.", "Koodikirjaa ei ole vielä otettu käyttöön: "
                    "aja `qualcode tag`."),
})


def scores_table(scores: dict, label=lambda code: code) -> pd.DataFrame:
    """One row per code the decisions say anything about (in ``label`` order), then micro and macro."""
    per_code = {code: s for code, s in scores.get("per_code", {}).items()
                if s.get("tp", 0) + s.get("fp", 0) + s.get("fn", 0) > 0}  # not grouping codes nobody uses
    rows = [{T("code"): label(code), T("precision"): s["precision"], T("recall"): s["recall"], T("f1"): s["f1"],
             T("support"): s.get("support", 0)} for code, s in per_code.items()]
    for name in ("micro", "macro"):
        if name in scores:
            rows.append({T("code"): name, **{T(k): scores[name][k] for k in ("precision", "recall", "f1")},
                         T("support"): None})
    table = pd.DataFrame(rows)
    if not table.empty:  # counts as text, so the micro and macro rows show nothing there (not "None")
        table[T("support")] = ["" if v is None or pd.isna(v) else str(int(v)) for v in table[T("support")]]
    return table


def render_model_tab() -> None:
    status = model_status(engine())
    st.caption(T("intro", min=status.min_decisions, every=status.retrain_after))
    if status.codebook is None:
        st.info(T("no_codebook"))
        return
    scores = status.scores
    if not scores:
        st.info(T("none", n=status.n_decisions, due=status.due_in) if status.due_in
                else T("none_due", n=status.n_decisions))
    else:
        st.markdown(T("trained", at=str(scores.get("trained_at", "?")).replace("T", " "), segments=scores.get("n_segments", "?"),
                      decisions=status.trained_on, version=scores.get("codebook_version", "?"),
                      n=status.n_decisions, due=status.due_in))
        if scores.get("per_code"):
            st.caption(T("cv"))
            codes = code_set(engine())
            table = scores_table(scores, codes.label)
            style = (table.style.format(precision=3, na_rep="")
                     .background_gradient(subset=[T("f1")], cmap="RdYlGn", vmin=0, vmax=1))
            st.dataframe(style, hide_index=True, width="stretch", height=35 * (len(table) + 1) + 3)
            for key, text in (("recalibrated_codes", "recalibrated"), ("rule_led_codes", "rule_led")):
                if scores.get(key):
                    st.caption(T(text, few=FEW_POSITIVES, codes=", ".join(esc_md(codes.label(c)) for c in scores[key])))
    done = st.session_state.pop("model_retrain_report", None)
    if done is not None:
        (st.success if done[0] else st.warning)(done[1])
    if st.button(T("retrain"), disabled=status.n_decisions == 0, key="model_retrain"):
        with st.spinner(T("retraining")), nlp_turn:
            report = learn(engine(), nlp=pipeline(), force=True)
        st.session_state["model_retrain_report"] = (report.training.trained, report.summary())
        st.rerun()  # show the new model's scores above
