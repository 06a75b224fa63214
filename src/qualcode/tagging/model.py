"""The correction model: the code classifier retrained with researchers' accepted and rejected codings.

``CorrectionModel`` is the same :class:`~qualcode.tagging.classifier.CodeClassifier` that
the codebook's examples train, fitted on those examples *plus* the corrections, which weigh
``CORRECTION_WEIGHT`` times an example: what researchers accept and reject in their own
interviews moves the very model that makes the suggestions, instead of a second model
that has to learn from a few hundred decisions what the codebook already says.

Labels are 1 (accepted), 0 (rejected, or not given to a segment the coder reviewed) and
-1 (unknown: left out of that code's training set).

Training it from the database and retraining after new decisions is ``learning.py``.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import KFold

from .classifier import CodeClassifier
from .features import SegmentFeatures

CORRECTION_WEIGHT = 0.3  # one corrected segment counts as 0.3 codebook examples (chosen on dev learning curves)


class CorrectionModel(CodeClassifier):
    """The code classifier trained on the codebook's examples and the researchers' decisions."""

    def describe(self, code: str) -> str:
        text = f"trained on the codebook's examples and {self.n_labelled_.get(code, 0)} decisions"
        if self.calibration(code) is not None:
            text += ", scores recalibrated on those decisions (a new code without patterns)"
        return text


def label_matrix(label_sets: Sequence[dict[str, int]], codes: Sequence[str]) -> np.ndarray:
    """Rows of {code: 1|0} (missing: unknown) as the 1/0/-1 matrix ``fit`` takes."""
    return np.array([[labels.get(c, -1) for c in codes] for labels in label_sets], dtype=int).reshape(
        len(label_sets), len(codes))


def fit_with_base(codes: Sequence[str], base: tuple[list[SegmentFeatures], np.ndarray] | None,
                  features: Sequence[SegmentFeatures], Y: np.ndarray,
                  correction_weight: float = CORRECTION_WEIGHT, **params) -> CorrectionModel:
    """A CorrectionModel on the codebook's training set ``base`` (features, labels) plus ``features``/``Y``."""
    base_feats, base_Y = base if base is not None else ([], np.zeros((0, len(codes)), dtype=int))
    X = list(base_feats) + list(features)
    Y_all = np.vstack([base_Y.reshape(-1, len(codes)), np.asarray(Y).reshape(-1, len(codes))])
    weights = np.r_[np.ones(len(base_feats)), np.full(len(features), correction_weight)]
    counted = np.r_[np.zeros(len(base_feats), dtype=bool), np.ones(len(features), dtype=bool)]
    return CorrectionModel(list(codes), **params).fit(X, Y_all, sample_weight=weights, counted=counted)


def cross_validated(tagger, features: Sequence[SegmentFeatures], Y: np.ndarray,
                    folds: int = 5, seed: int = 0, **params) -> dict:
    """Per-code and micro/macro P/R/F1 of the tagger's merged score, from out-of-fold models.

    ``Y`` is over the tagger's active codes (as ``Tagger.correction_model`` takes it). Each
    fold's model is trained on the codebook's examples and the other folds' decisions, then
    merged with the rule evidence exactly as the tagger does.
    """
    from ..evaluate import scores

    codes = [c.id for c in tagger.codebook.active_codes]
    n = len(features)
    folds = max(2, min(folds, n))
    predicted: list[set[str]] = [set() for _ in range(n)]
    for train, test in KFold(folds, shuffle=True, random_state=seed).split(np.arange(n)):
        model = tagger.correction_model([features[i] for i in train], Y[train], **params)
        test_feats = [features[i] for i in test]
        for i, merged in zip(test, tagger.merged_scores(test_feats, model)):
            predicted[i] = {c for c, score in merged.items() if c in codes and score >= tagger.threshold(c)}
    known = [{c for j, c in enumerate(codes) if Y[i, j] == 1} for i in range(n)]
    # Only codes with a label count: an unknown label is neither a hit nor a miss.
    pred_known = [{c for c in predicted[i] if Y[i, codes.index(c)] >= 0} for i in range(n)]
    return scores(known, pred_known, codes)


def dumps(model: CorrectionModel) -> bytes:
    return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)


def loads(blob: bytes) -> CorrectionModel | None:
    """The stored model, or None when it is not one this version can use (an older kind of model)."""
    try:
        model = pickle.loads(blob)  # noqa: S301 - our own database, written by dumps()
    except Exception:  # noqa: BLE001 - a model pickled by an older qualcode is retrained, not fatal
        return None
    return model if isinstance(model, CodeClassifier) and hasattr(model, "surface_weight") else None
