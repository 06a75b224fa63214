"""The correction model: a classifier trained on researchers' accepted and rejected codings.

``CorrectionModel`` follows the scikit-learn estimator API: one binary logistic regression
per code (one-vs-rest), each calibrated with sigmoid scaling when there is enough data. Its
features are the segment's lemma TF-IDF, its floret vector and, most useful with few
corrections, the codebook's own prior scores (rules and examples) for every code: the model
learns where the codebook over- or under-suggests instead of starting from nothing.

Labels are 1 (accepted), 0 (rejected, or not given to a segment the coder reviewed) and
-1 (unknown: left out of that code's training set).

Training it from the database and retraining after new decisions is ``learning.py``.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold

from .features import SegmentFeatures, identity

MIN_PER_CLASS = 2  # a code needs this many positives and negatives to get a classifier
CALIBRATE_PER_CLASS = 6  # and this many of each for 3-fold sigmoid calibration
TRUST_HALF = 40  # decisions on a code at which the model gets half the say against the prior


class CorrectionModel(BaseEstimator, ClassifierMixin):
    """One-vs-rest calibrated logistic regression over codes, on :class:`SegmentFeatures`."""

    def __init__(self, codes: Sequence[str] = (), C: float = 1.0, vector_weight: float = 1.0,
                 prior_weight: float = 3.0, trust_half: int = TRUST_HALF,
                 class_weight: str | None = "balanced") -> None:
        self.codes = codes
        self.class_weight = class_weight
        self.C = C
        self.vector_weight = vector_weight
        self.prior_weight = prior_weight
        self.trust_half = trust_half

    # -- features -------------------------------------------------------------------------
    def _matrix(self, X: Sequence[SegmentFeatures]):
        terms = self.tfidf_.transform([f.lemmas for f in X])
        vectors = np.vstack([f.vector for f in X]) * self.vector_weight
        prior = np.array([[f.prior.get(c, 0.0) for c in self.codes_] for f in X]) * self.prior_weight
        return sparse.hstack([terms, sparse.csr_matrix(vectors), sparse.csr_matrix(prior)]).tocsr()

    # -- estimator API --------------------------------------------------------------------
    def fit(self, X: Sequence[SegmentFeatures], Y) -> CorrectionModel:
        """``Y``: (n_segments, n_codes) array of 1, 0 and -1 (unknown), columns in ``codes`` order."""
        Y = np.asarray(Y)
        self.codes_ = list(self.codes)
        if Y.shape != (len(X), len(self.codes_)):
            raise ValueError(f"Y must be {len(X)} x {len(self.codes_)}, not {Y.shape}")
        self.tfidf_ = TfidfVectorizer(analyzer=identity, sublinear_tf=True, min_df=1)
        self.tfidf_.fit([f.lemmas for f in X])
        M = self._matrix(X)
        self.estimators_: dict[str, object] = {}
        self.n_labelled_: dict[str, int] = {}
        for j, code in enumerate(self.codes_):
            known = Y[:, j] >= 0
            y = Y[known, j]
            pos, neg = int((y == 1).sum()), int((y == 0).sum())
            self.n_labelled_[code] = pos + neg
            if min(pos, neg) < MIN_PER_CLASS:
                continue
            base = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=2000)
            if min(pos, neg) >= CALIBRATE_PER_CLASS:
                est = CalibratedClassifierCV(base, method="sigmoid", cv=3)
            else:
                est = base
            self.estimators_[code] = est.fit(M[known], y)
        self.classes_ = np.array(self.codes_)
        return self

    def predict_proba(self, X: Sequence[SegmentFeatures]) -> np.ndarray:
        """(n_segments, n_codes) probabilities; NaN for codes without a classifier."""
        out = np.full((len(X), len(self.codes_)), np.nan)
        if not len(X):
            return out
        M = self._matrix(X)
        for j, code in enumerate(self.codes_):
            est = self.estimators_.get(code)
            if est is not None:
                out[:, j] = est.predict_proba(M)[:, 1]
        return out

    def predict(self, X: Sequence[SegmentFeatures]) -> np.ndarray:
        return (np.nan_to_num(self.predict_proba(X)) >= 0.5).astype(int)

    # -- what the tagger uses -------------------------------------------------------------
    def predict_code_proba(self, X: Sequence[SegmentFeatures]) -> list[dict[str, float]]:
        probs = self.predict_proba(X)
        return [{c: float(p[j]) for j, c in enumerate(self.codes_) if not np.isnan(p[j])} for p in probs]

    def weight(self, code: str) -> float:
        """How much the model's probability counts against the codebook's prior, in [0, 1)."""
        n = self.n_labelled_.get(code, 0) if code in self.estimators_ else 0
        return n / (n + self.trust_half)

    def describe(self, code: str) -> str:
        return f"trained on {self.n_labelled_.get(code, 0)} decisions"


def label_matrix(label_sets: Sequence[dict[str, int]], codes: Sequence[str]) -> np.ndarray:
    """Rows of {code: 1|0} (missing: unknown) as the 1/0/-1 matrix ``fit`` takes."""
    return np.array([[labels.get(c, -1) for c in codes] for labels in label_sets], dtype=int).reshape(
        len(label_sets), len(codes))


def cross_validated(features: Sequence[SegmentFeatures], Y: np.ndarray, codes: Sequence[str],
                    folds: int = 5, seed: int = 0, thresholds: dict[str, float] | None = None,
                    **params) -> dict:
    """Per-code and micro/macro P/R/F1 of the blended tagger score, from out-of-fold predictions."""
    from ..evaluate import scores

    n = len(features)
    folds = max(2, min(folds, n))
    predicted: list[set[str]] = [set() for _ in range(n)]
    for train, test in KFold(folds, shuffle=True, random_state=seed).split(np.arange(n)):
        model = CorrectionModel(codes, **params).fit([features[i] for i in train], Y[train])
        for i, probs in zip(test, model.predict_code_proba([features[i] for i in test])):
            for code in codes:
                w = model.weight(code)
                prior = features[i].prior.get(code, 0.0)
                score = w * probs[code] + (1 - w) * prior if code in probs else prior
                if score >= (thresholds or {}).get(code, 0.5):
                    predicted[i].add(code)
    known = [{c for j, c in enumerate(codes) if Y[i, j] == 1} for i in range(n)]
    # Only codes with a label count: an unknown label is neither a hit nor a miss.
    pred_known = [{c for c in predicted[i] if Y[i, list(codes).index(c)] >= 0} for i in range(n)]
    return scores(known, pred_known, codes)


def dumps(model: CorrectionModel) -> bytes:
    return pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL)


def loads(blob: bytes) -> CorrectionModel:
    return pickle.loads(blob)  # noqa: S301 - our own database, written by dumps()
