"""Learning from corrections: train the correction model from the database, retrain when due.

The review layer calls :func:`maybe_retrain` after decisions; ``qualcode tag`` calls it
before tagging; ``qualcode train`` calls :func:`retrain` on demand. :func:`current_scores`
gives the app the cross-validated scores of the model in use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from spacy.language import Language
from sqlalchemy import Engine

from ..codebook import Codebook
from ..store import transaction
from ..store import learning as store
from ..store.codebooks import current_codebook
from .model import CorrectionModel, cross_validated, dumps, label_matrix, loads
from .tagger import Tagger

MIN_DECISIONS = 20  # no model before this many decisions
RETRAIN_AFTER = 25  # new decisions (accepts, rejects, removals) that make a model stale
MODEL_KIND = "code-classifier-6"  # stored with the model: a model of another kind is retrained


@dataclass
class TrainReport:
    trained: bool
    n_segments: int
    n_decisions: int
    scores: dict
    why: str = ""

    def summary(self) -> str:
        if not self.trained:
            return f"model not retrained: {self.why}"
        micro = self.scores.get("micro", {})
        return (f"model trained on {self.n_segments} segments ({self.n_decisions} decisions); cross-validated "
                f"micro P {micro.get('precision', 0):.3f} R {micro.get('recall', 0):.3f} "
                f"F1 {micro.get('f1', 0):.3f}")


def fit_model(tagger: Tagger, texts: Sequence[str], label_sets: Sequence[dict[str, int]],
              folds: int = 5) -> tuple[CorrectionModel, dict]:
    """The classifier retrained on the codebook's examples plus these labelled texts, and its CV scores."""
    codes = [c.id for c in tagger.codebook.active_codes]
    feats = tagger.text_features(texts)
    Y = label_matrix(label_sets, codes)
    model = tagger.correction_model(feats, Y)
    cv = cross_validated(tagger, feats, Y, folds=folds) if len(feats) >= 10 else {}
    return model, cv


def retrain(engine: Engine, codebook: Codebook | None = None, nlp: Language | None = None) -> TrainReport:
    """Train a new model on every decision in the project and store it with its CV scores."""
    from ..nlp import load_pipeline

    with transaction(engine) as s:
        if codebook is None:
            current = current_codebook(s)
            if current is None:
                return TrainReport(False, 0, 0, {}, "no codebook applied yet (run qualcode tag)")
            codebook = current[0]
        codes = [c.id for c in codebook.active_codes]
        rows = store.training_labels(s, codes)
        n_decisions = store.decision_count(s)
    if n_decisions < MIN_DECISIONS or len(rows) < 10:
        return TrainReport(False, len(rows), n_decisions, {},
                           f"{n_decisions} decisions on {len(rows)} segments; need {MIN_DECISIONS} on 10")
    tagger = Tagger(nlp or load_pipeline(), codebook)
    model, cv = fit_model(tagger, [r[1] for r in rows], [r[2] for r in rows])
    cv = {**cv, "n_segments": len(rows), "n_decisions": n_decisions, "codebook_version": codebook.version,
          "model_kind": MODEL_KIND,
          "trained_codes": sorted(model.estimators_),
          "recalibrated_codes": sorted(model.calibration_),
          "rule_led_codes": sorted(tagger.left_to_rules(model))}
    with transaction(engine) as s:
        store.save_model(s, codebook.name, n_decisions, cv, dumps(model))
    return TrainReport(True, len(rows), n_decisions, cv)


def maybe_retrain(engine: Engine, codebook: Codebook | None = None, nlp: Language | None = None,
                  *, retrain_after: int = RETRAIN_AFTER) -> TrainReport:
    """Retrain when ``retrain_after`` decisions were made since the last model (or there is none yet)."""
    with transaction(engine) as s:
        if codebook is None:
            current = current_codebook(s)
            if current is None:
                return TrainReport(False, 0, 0, {}, "no codebook applied yet")
            codebook = current[0]
        latest = store.latest_model(s, codebook.name)
        n = store.decision_count(s)
        last_n = latest.n_decisions if latest else 0
        same_version = (latest is not None and latest.scores.get("codebook_version") == codebook.version
                        and latest.scores.get("model_kind") == MODEL_KIND)
    if latest is not None and same_version and n - last_n < retrain_after:
        return TrainReport(False, 0, n, latest.scores, f"{n - last_n} new decisions since the last model "
                                                        f"(retrains after {retrain_after})")
    return retrain(engine, codebook, nlp)


def load_model(engine: Engine, codebook: Codebook) -> CorrectionModel | None:
    """The newest model for this codebook, or None (none trained, or it knows none of the codes)."""
    with transaction(engine) as s:
        row = store.latest_model(s, codebook.name)
        blob = row.blob if row is not None else None
    if blob is None:
        return None
    model = loads(blob)
    if model is None:
        return None  # a kind of model this version no longer uses: retrained at the next decisions
    active = {c.id for c in codebook.active_codes}
    return model if active & set(model.estimators_) else None


def accepted_examples(engine: Engine, codebook: Codebook) -> list[tuple[str, str]]:
    """Researchers' accepted codings as extra examples of their codes (for ``Tagger(extra_examples=...)``)."""
    with transaction(engine) as s:
        return store.accepted_examples(s, [c.id for c in codebook.active_codes])


def current_scores(engine: Engine, codebook_name: str | None = None) -> dict | None:
    """Cross-validated scores of the model in use (per code and micro/macro), with when and on what it trained."""
    with transaction(engine) as s:
        if codebook_name is None:
            current = current_codebook(s)
            if current is None:
                return None
            codebook_name = current[0].name
        row = store.latest_model(s, codebook_name)
        if row is None:
            return None
        return {**row.scores, "trained_at": row.created_at.isoformat(timespec="seconds"),
                "n_decisions": row.n_decisions}


@dataclass
class ModelStatus:
    """What the app shows about the suggestion model: is there one, how good, when is the next."""

    codebook: str | None
    n_decisions: int  # decisions in the project now
    scores: dict | None  # current_scores() of the model in use, or None
    min_decisions: int = MIN_DECISIONS
    retrain_after: int = RETRAIN_AFTER

    @property
    def trained_on(self) -> int:
        return int(self.scores.get("n_decisions", 0)) if self.scores else 0

    @property
    def due_in(self) -> int:
        """Decisions still needed before the next automatic retrain."""
        if not self.scores:
            return max(0, self.min_decisions - self.n_decisions)
        return max(0, self.trained_on + self.retrain_after - self.n_decisions)


def model_status(engine: Engine) -> ModelStatus:
    with transaction(engine) as s:
        current = current_codebook(s)
        n = store.decision_count(s)
    name = current[0].name if current else None
    return ModelStatus(name, n, current_scores(engine, name) if name else None)
