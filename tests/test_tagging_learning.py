"""Learning from corrections: the model trains on decisions, is stored with CV scores, retrains when due."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import func, select

from qualcode.codebook import load_codebook
from qualcode.review import accept, reject
from qualcode.store import transaction
from qualcode.store.models import ModelState, Segment, Suggestion
from qualcode.tagging import Tagger
from qualcode.tagging.learning import current_scores, fit_model, maybe_retrain
from qualcode.tagging.model import CorrectionModel, label_matrix

from .conftest import CODEBOOK

TRUST = ["Luotan työkavereihin täysin.", "Heihin voi aina luottaa.", "Luottamus on meillä kova.",
         "En luota siihen firmaan.", "Kaikki jää ryhmän sisälle, siihen voi luottaa."]
OTHER = ["Kahvikone on käytävällä.", "Vuoro alkaa kuudelta.", "Sää oli eilen sateinen.",
         "Laskut lähetetään kuun lopussa.", "Auto on pihalla."]


def test_label_matrix_marks_unknown():
    Y = label_matrix([{"a": 1}, {"a": 0, "b": 1}], ["a", "b"])
    assert Y.tolist() == [[1, -1], [0, 1]]


def test_model_learns_and_unknown_labels_are_left_out(nlp, codebook):
    book, _ = codebook
    tagger = Tagger(nlp, book)
    # Corrections that call a sentence about coffee machines trust (a project's own convention):
    # the retrained classifier moves towards them; the codebook-only one does not know it.
    texts = [f"Kahvikone {w} on meillä yhteinen asia." for w in ("keittiön", "toimiston", "varaston",
                                                                 "aulan", "tauon")] + OTHER
    labels = [{"trust": 1, "competition": 0} for _ in range(5)] + [{"trust": 0} for _ in OTHER]
    model, _ = fit_model(tagger, texts, labels)
    assert model.n_labelled_["trust"] == 10 and model.n_labelled_["competition"] == 5
    assert model.n_labelled_["social_support"] == 0  # unknown labels are left out
    probe = tagger.features(list(nlp.pipe(["Kahvikone on yhteinen asia."])))
    j = model.codes_.index("trust")
    before = tagger.classifier.predict_proba(probe)[0, tagger.classifier.codes_.index("trust")]
    after = model.predict_proba(probe)[0, j]
    assert after > before + 0.1, (before, after)
    assert "decisions" in model.describe("trust")


def test_classifier_needs_positives_and_negatives(nlp, codebook):
    from qualcode.tagging.classifier import CodeClassifier

    book, _ = codebook
    feats = Tagger(nlp, book, use_examples=False).features(list(nlp.pipe(TRUST + OTHER)))
    Y = np.array([[1, 0]] * len(TRUST) + [[0, 0]] * len(OTHER))
    clf = CodeClassifier(["trust", "competition"]).fit(feats, Y)
    assert set(clf.estimators_) == {"trust"}  # no positives for competition: no classifier
    p = clf.predict_proba([feats[0], feats[-1]])
    assert p[0, 0] > p[1, 0] and np.isnan(p[0, 1])


def test_estimator_api_checks_shape():
    with pytest.raises(ValueError, match="Y must be"):
        CorrectionModel(["a"]).fit([], np.zeros((1, 1)))


def test_old_kind_of_stored_model_is_not_used():
    from qualcode.tagging.model import dumps, loads

    assert loads(b"not a pickle") is None
    assert loads(dumps({"an": "old model"})) is None


def _tag_some(engine, nlp):
    from qualcode.importing import import_files
    from qualcode.pretag import pretag

    from .conftest import TRANSCRIPTS

    import_files(engine, [TRANSCRIPTS / "mgmt_user_company.docx"])
    book, text = load_codebook(CODEBOOK)
    return pretag(engine, book, text, nlp=nlp)


def _tag_and_decide(engine, nlp) -> list:
    """One sample interview tagged, and its first 30 suggestions decided (a third rejected)."""
    from qualcode.decisions import wait_for_learning

    _tag_some(engine, nlp)
    with transaction(engine) as s:
        pending = s.execute(select(Suggestion.segment_id, Suggestion.code).order_by(Suggestion.id)).all()
    for i, (seg_id, c) in enumerate(pending[:30]):
        (accept if i % 3 else reject)(engine, seg_id, c, "anna")
    wait_for_learning()  # (no retrain runs in the background: library calls do not start one)
    return pending


def test_retrain_after_decisions_and_scores_shown(engine, nlp):
    report = _tag_some(engine, nlp)
    assert report.suggestions > 10
    assert "not retrained" in report.training  # no decisions yet
    with transaction(engine) as s:
        pending = s.execute(select(Suggestion.segment_id, Suggestion.code).order_by(Suggestion.id)).all()
    for i, (seg_id, code) in enumerate(pending[:30]):
        (accept if i % 3 else reject)(engine, seg_id, code, "anna")
    # The review layer may already be retraining in the background (after 20 decisions): let it finish.
    from qualcode.decisions import wait_for_learning
    from qualcode.tagging.learning import retrain

    wait_for_learning()
    result = retrain(engine, nlp=nlp)
    assert result.trained, result.why
    scores = current_scores(engine)
    assert scores["n_decisions"] == 30 and scores["n_segments"] >= 10
    assert set(scores["micro"]) == {"precision", "recall", "f1"}
    assert "per_code" in scores and scores["codebook_version"] == load_codebook(CODEBOOK)[0].version
    # Not yet enough new decisions: no new model.
    with transaction(engine) as s:
        models = s.scalar(select(func.count()).select_from(ModelState))
    again = maybe_retrain(engine, nlp=nlp, retrain_after=25)
    assert not again.trained and "new decisions" in again.why
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(ModelState)) == models
    # The model joins the tagger: re-tagging a new codebook version shows model evidence.
    from qualcode.tagging.learning import load_model

    book, _ = load_codebook(CODEBOOK)
    model = load_model(engine, book)
    assert model is not None
    # Only new codes (a handful of examples: some direction codes) without lemma patterns are
    # recalibrated on the decisions.
    from qualcode.tagging.classifier import FEW_POSITIVES

    assert scores["recalibrated_codes"] == sorted(model.calibration_)
    assert all(model.positives(c) < FEW_POSITIVES for c in model.calibration_)
    assert all(not book.code(c).patterns for c in model.calibration_)
    assert model.positives("trust") >= FEW_POSITIVES and "trust" not in model.calibration_
    # New codes with patterns (the direction sub-codes: five examples each) are left to their
    # patterns and nearest examples, and the stored scores say which.
    assert {"horizontal_peer_support", "vertical_peer_support"} <= set(scores["rule_led_codes"])
    assert "trust" not in scores["rule_led_codes"] and not set(scores["rule_led_codes"]) & set(model.calibration_)
    with transaction(engine) as s:
        text = s.scalar(select(Segment.text).where(Segment.id == pending[0][0]))
    found = Tagger(nlp, book, model).score_many([nlp(text)])[0]
    assert any(e.source == "model" for _, items in found.values() for e in items)


def test_model_tab_shows_status_cv_scores_and_retrains(engine, nlp, db_url, monkeypatch):
    """The codebook page's *Suggestion model* tab: nothing before enough decisions, then the
    model's cross-validated scores per code, and a button that retrains on every decision."""
    from streamlit.testing.v1 import AppTest

    from qualcode.decisions import wait_for_learning
    from qualcode.tagging.learning import MIN_DECISIONS, RETRAIN_AFTER, model_status, retrain
    from qualcode.ui.model_panel import T

    monkeypatch.setenv("QUALCODE_DB", db_url)
    _tag_some(engine, nlp)
    status = model_status(engine)
    assert status.scores is None and status.n_decisions == 0 and status.due_in == MIN_DECISIONS

    # The retrain button retrains on every decision with 5-fold cross-validation; this whole
    # test takes about 100 s on an idle machine, and the click alone over 180 s once when the
    # 2 cores were shared with a benchmark.
    def page() -> AppTest:
        at = AppTest.from_string("from qualcode.ui.model_panel import render_model_tab\nrender_model_tab()",
                                 default_timeout=600)
        at.run()
        assert not at.exception, at.exception
        return at

    at = page()
    assert any("No model trained on this project's decisions yet (0 decisions" in i.value for i in at.info)
    assert not at.dataframe
    with transaction(engine) as s:
        pending = s.execute(select(Suggestion.segment_id, Suggestion.code).order_by(Suggestion.id)).all()
    for i, (seg_id, code) in enumerate(pending[:30]):
        (accept if i % 3 else reject)(engine, seg_id, code, "anna")
    wait_for_learning()
    assert retrain(engine, nlp=nlp).trained
    status = model_status(engine)
    assert status.trained_on == 30 and status.due_in == RETRAIN_AFTER

    at = page()
    table = at.dataframe[0].value
    codes = set(table[T("code")])
    labels = {c.id: c.label.en for c in load_codebook(CODEBOOK)[0].codes}
    used = {c for c, v in status.scores["per_code"].items() if v["tp"] + v["fp"] + v["fn"]}
    assert codes == {"micro", "macro"} | {labels[c] for c in used}  # labels, not ids; unused codes left out
    micro = table[table[T("code")] == "micro"].iloc[0]
    assert micro[T("f1")] == pytest.approx(status.scores["micro"]["f1"])
    assert any("on 30 decisions" not in m.value and "30 decisions" in m.value for m in at.markdown)
    # These decisions touched only established codes: no line about recalibrated new codes ...
    assert status.scores["recalibrated_codes"] == []
    assert not any("recalibrated" in c.value for c in at.caption)
    assert any("not by the model" in c.value and labels["horizontal_peer_support"] in c.value for c in at.caption)
    # ... which a model that recalibrated a new code has (stored as retrain() stores it).
    from qualcode.store import learning as learning_store

    with transaction(engine) as s:
        latest = learning_store.latest_model(s, status.codebook)
        learning_store.save_model(s, status.codebook, latest.n_decisions,
                                  {**latest.scores, "recalibrated_codes": ["vertical_peer_support"]}, latest.blob)
    at = page()
    assert any("recalibrated" in c.value and labels["vertical_peer_support"] in c.value for c in at.caption)

    at.button(key="model_retrain").click().run()
    assert not at.exception, at.exception
    assert any("model trained on" in m.value and "cross-validated" in m.value for m in at.success)


def test_accepted_codings_become_examples(engine, nlp):
    from qualcode.tagging.learning import accepted_examples

    _tag_some(engine, nlp)
    with transaction(engine) as s:
        seg_id, code = s.execute(select(Suggestion.segment_id, Suggestion.code).limit(1)).one()
        text = s.scalar(select(Segment.text).where(Segment.id == seg_id))
    book, _ = load_codebook(CODEBOOK)
    assert accepted_examples(engine, book) == []
    accept(engine, seg_id, code, "anna")
    assert accepted_examples(engine, book) == [(code, text)]


def test_retag_after_a_codebook_change_uses_the_model_as_tagging_does(engine, nlp):
    """A changed code's suggestions come from the same tagger as `qualcode tag`'s: the model,
    retrained under the new version on the decisions carried over, not the codebook alone."""
    import yaml

    from qualcode.codebook import parse_codebook
    from qualcode.codebook.migrate import apply_codebook
    from qualcode.store.models import CodebookVersion

    from .codebook_support import bump, code, dump

    _tag_and_decide(engine, nlp)
    data = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    data = bump(data, "9.0.0", "trust suggested more readily")
    code(data, "trust")["threshold"] = 0.3  # widened: every segment is re-tagged for trust
    text = dump(data)
    report = apply_codebook(engine, parse_codebook(text), text, who="lead", nlp=nlp)
    assert report.retag is not None and report.retag.retagged > 0
    assert report.retag.training.startswith("model trained on"), report.retag.training
    with transaction(engine) as s:
        vid = s.scalar(select(CodebookVersion.id).where(CodebookVersion.version == "9.0.0"))
        trust = s.scalars(select(Suggestion.source).where(Suggestion.codebook_version_id == vid,
                                                          Suggestion.code == "trust")).all()
    assert trust and all("model" in source for source in trust), trust
    assert current_scores(engine)["codebook_version"] == "9.0.0"


def test_a_new_model_suggests_again_where_nobody_has_decided(engine, nlp):
    """After retraining, the segments still to be reviewed get the new model's suggestions;
    segments with any decision keep theirs, row for row."""
    from qualcode.pretag import learn
    from qualcode.store.models import Coding, SegmentTagging

    _tag_and_decide(engine, nlp)

    def snapshot():
        with transaction(engine) as s:
            decided = set(s.scalars(select(Coding.segment_id)))
            rows = {}
            for x in s.scalars(select(Suggestion)):
                rows.setdefault(x.segment_id, set()).add((x.id, x.code, x.score, x.source))
            tagged = set(s.scalars(select(SegmentTagging.segment_id)))
        return decided, rows, tagged

    decided, before, tagged = snapshot()
    done = learn(engine, nlp=nlp, force=True)
    assert done.training.trained and done.refreshed is not None
    assert done.refreshed.segments_tagged == len(tagged - decided) > 0
    assert "suggested again with the new model" in done.summary()
    decided_after, after, tagged_after = snapshot()
    assert decided_after == decided and tagged_after == tagged
    for seg in decided:
        assert after.get(seg) == before.get(seg)  # the same rows: ids, scores, sources
    undecided = [seg for seg in tagged - decided if seg in after]
    assert undecided
    sources = {source for seg in undecided for _, _, _, source in after[seg]}
    assert any("model" in source for source in sources)  # the new model's voice, absent before
    assert not any("model" in source for seg in tagged - decided for *_, source in before.get(seg, ()))
