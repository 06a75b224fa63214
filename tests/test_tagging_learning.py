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
    texts = TRUST + OTHER
    labels = [{"trust": 1, "competition": 0} for _ in TRUST] + [{"trust": 0} for _ in OTHER]
    model, _ = fit_model(tagger, texts, labels)
    assert "trust" in model.estimators_
    assert "competition" not in model.estimators_  # only negatives known: no classifier
    feats = tagger.features(list(nlp.pipe(["Luotan heihin.", "Auto on käytävällä."])))
    p = model.predict_proba(feats)
    j = model.codes_.index("trust")
    assert p[0, j] > p[1, j]
    assert np.isnan(p[0, model.codes_.index("competition")])
    assert 0 < model.weight("trust") < 1 and model.weight("competition") == 0


def test_estimator_api_checks_shape():
    with pytest.raises(ValueError, match="Y must be"):
        CorrectionModel(["a"]).fit([], np.zeros((1, 1)))


def _tag_some(engine, nlp):
    from qualcode.importing import import_files
    from qualcode.pretag import pretag

    from .conftest import TRANSCRIPTS

    import_files(engine, [TRANSCRIPTS / "mgmt_user_company.docx"])
    book, text = load_codebook(CODEBOOK)
    return pretag(engine, book, text, nlp=nlp)


def test_retrain_after_decisions_and_scores_shown(engine, nlp):
    report = _tag_some(engine, nlp)
    assert report.suggestions > 10
    assert "not retrained" in report.training  # no decisions yet
    with transaction(engine) as s:
        pending = s.execute(select(Suggestion.segment_id, Suggestion.code).order_by(Suggestion.id)).all()
    for i, (seg_id, code) in enumerate(pending[:30]):
        (accept if i % 3 else reject)(engine, seg_id, code, "anna")
    result = maybe_retrain(engine, nlp=nlp, retrain_after=25)
    assert result.trained, result.why
    scores = current_scores(engine)
    assert scores["n_decisions"] == 30 and scores["n_segments"] >= 10
    assert set(scores["micro"]) == {"precision", "recall", "f1"}
    assert "per_code" in scores and scores["codebook_version"] == load_codebook(CODEBOOK)[0].version
    # Not yet enough new decisions: no new model.
    again = maybe_retrain(engine, nlp=nlp, retrain_after=25)
    assert not again.trained and "new decisions" in again.why
    with transaction(engine) as s:
        assert s.scalar(select(func.count()).select_from(ModelState)) == 1
    # The model joins the tagger: re-tagging a new codebook version shows model evidence.
    from qualcode.tagging.learning import load_model

    book, _ = load_codebook(CODEBOOK)
    model = load_model(engine, book)
    assert model is not None
    with transaction(engine) as s:
        text = s.scalar(select(Segment.text).where(Segment.id == pending[0][0]))
    found = Tagger(nlp, book, model).score_many([nlp(text)])[0]
    assert any(e.source == "model" for _, items in found.values() for e in items)


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
