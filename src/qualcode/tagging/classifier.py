"""The code classifier: one-vs-rest logistic regression on what a segment says, not on keywords.

Trained first on the codebook alone (each code's ``examples`` are its positives; the other
codes' examples and every code's ``counter_examples`` are its negatives), so it suggests
codes with no in-domain training; researchers' corrections are then added to the same
training set (``learning.py``), so what they accept and reject moves the same model.

Features of a segment (``SegmentFeatures``):

- lemma TF-IDF (compound parts included: kannustusviesti also counts as kannustus, viesti);
- character 3-5-grams of the lemmas, which carry over to spoken and misspelt forms that
  the lemmatiser leaves as they are (porukas ~ porukka, yhteisöö ~ yhteisö share most of
  their n-grams);
- character 3-5-grams of the words as written, which match the spoken forms of the
  examples themselves (ku, et, sit, mää) and endings the lemmas lose (measured on the
  development set: micro-F1 of the classifier alone 0.770 -> 0.785, spoken 0.738 -> 0.752);
- the floret vector of the content words, which links related words with no letters in
  common (uupumus ~ väsymys).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from ..codebook import Codebook
from .blas import one_blas_thread
from .features import SegmentFeatures, identity
from .ngrams import WordNgrams

MIN_PER_CLASS = 2  # a code needs this many positives and negatives to get a classifier
# ... and at least as many negatives as positives: the negatives (other codes' examples,
# counter-examples, segments coded otherwise) are all it learns "not this code" from. A
# codebook of one code with 418 examples and 24 counter-examples gave a classifier that
# suggested that code for 211 of 215 interview segments; a code in a project is on a
# minority of segments.
MIN_CONTRAST = 1.0
# Bump FIT_VERSION when a fitted CodeClassifier gains or loses attributes or fits differently:
# cached fits (examples.cached_fit) are keyed by it and the classifier's parameters, not by
# module constants such as FEW_POSITIVES or MIN_CALIBRATION.
FIT_VERSION = 6
# A code whose classifier learnt from fewer positive segments than this is new (a code a
# maintainer just added, with a handful of examples). Its classifier, trained on a few
# sentences against thousands, ranks segments well but puts them all near 0 (dev2, trust
# kept to 5 examples, after 100 decisions: AUC 0.83-0.96, median probability of the true
# segments 0.02-0.09), so if it has no lemma patterns its scores are recalibrated on the
# researchers' decisions (``recalibrate``), and the tagger merges them with its nearest
# examples by noisy-OR (tagger.py; a new code with patterns is scored without its
# classifier). 100 rather than 30: see tagger.py.
FEW_POSITIVES = 100
MIN_CALIBRATION = 3  # positive and negative decisions a new code needs before its scores are recalibrated
CALIBRATION_FOLDS = 5


def has_contrast(positives: int, negatives: int) -> bool:
    """Whether a code's training rows can teach a classifier (``MIN_PER_CLASS``, ``MIN_CONTRAST``)."""
    return min(positives, negatives) >= MIN_PER_CLASS and negatives >= MIN_CONTRAST * positives


def without_contrast(codebook: Codebook) -> dict[str, tuple[int, int]]:
    """Codes whose examples outnumber what the codebook says is not them: {code: (examples, negatives)}.

    Such a code gets no classifier from the codebook alone (``has_contrast``); the codebook
    validator warns about it.
    """
    _, labels = codebook_training_set(codebook)
    out = {}
    for code in codebook.active_codes:
        pos = sum(1 for lab in labels if lab[code.id] == 1)
        neg = sum(1 for lab in labels if lab[code.id] == 0)
        if pos >= MIN_PER_CLASS and not has_contrast(pos, neg):
            out[code.id] = (pos, neg)
    return out


def lemma_text(f: SegmentFeatures) -> str:
    return " ".join(f.lemmas)


class CodeClassifier(BaseEstimator, ClassifierMixin):
    """One binary logistic regression per code over lemma, character n-gram and vector features.

    ``fit(X, Y, sample_weight, counted=None)`` takes ``Y`` as an (n_segments, n_codes) array of
    1, 0 and -1 (unknown: left out of that code's training set). ``n_labelled_`` counts, per
    code, the labelled rows that ``counted`` marks (default all): the researchers' decisions,
    when the codebook's own examples are in the training set too. When ``counted`` is given,
    a new code's probabilities (fewer than ``FEW_POSITIVES`` positives) are recalibrated on
    those rows (``calibration_``), if the code is one of ``recalibrate`` (None: any code).
    The tagger passes its codes without lemma patterns (``Tagger.correction_model``): a code
    with patterns already finds its segments through them, and recalibrating it only added
    false positives beside its keyword hits (bench/new_code.py on dev2, each theme in turn kept
    to 5 examples and its patterns, after 100 decisions: its F1, mean of the six, 0.715 ->
    0.694; practical support 0.71 -> 0.61).
    """

    def __init__(self, codes: Sequence[str] = (), C: float = 8.0, char_weight: float = 1.0,
                 surface_weight: float = 1.0, vector_weight: float = 1.0,
                 class_weight: str | None = "balanced", recalibrate: Sequence[str] | None = None) -> None:
        self.codes = codes
        self.C = C
        self.char_weight = char_weight
        self.surface_weight = surface_weight
        self.vector_weight = vector_weight
        self.class_weight = class_weight
        self.recalibrate = recalibrate

    def _words(self, name: str) -> WordNgrams:
        """The fitted ``name`` vectorizer, word by word (built once per process, never pickled)."""
        cache = self.__dict__.setdefault("_word_ngrams", {})
        if name not in cache:
            cache[name] = WordNgrams(getattr(self, name))
        return cache[name]

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_word_ngrams", None)
        state.pop("_stacked_coefs", None)
        return state

    def __setstate__(self, state):
        state.setdefault("recalibrate", None)  # pickled before the parameter existed
        super().__setstate__(state)

    def _matrix(self, X: Sequence[SegmentFeatures]):
        blocks = [self.lemma_tfidf_.transform([f.lemmas for f in X])]
        if self.char_weight:
            blocks.append(self._words("char_tfidf_").transform([lemma_text(f) for f in X]) * self.char_weight)
        if self.surface_weight:
            blocks.append(self._words("surface_tfidf_").transform([f.text for f in X]) * self.surface_weight)
        if self.vector_weight:
            blocks.append(sparse.csr_matrix(np.vstack([f.vector for f in X]) * self.vector_weight))
        return sparse.hstack(blocks).tocsr()

    def fit(self, X: Sequence[SegmentFeatures], Y, sample_weight=None, counted=None) -> CodeClassifier:
        with one_blas_thread():  # two threads made the fits slower, in CPU and in wall time (blas.py)
            return self._fit(X, Y, sample_weight, counted)

    def _fit(self, X: Sequence[SegmentFeatures], Y, sample_weight, counted) -> CodeClassifier:
        Y = np.asarray(Y)
        self.codes_ = list(self.codes)
        if Y.shape != (len(X), len(self.codes_)):
            raise ValueError(f"Y must be {len(X)} x {len(self.codes_)}, not {Y.shape}")
        weights = np.ones(len(X)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        decisions = counted is not None
        counted = np.ones(len(X), dtype=bool) if counted is None else np.asarray(counted, dtype=bool)
        self.__dict__.pop("_word_ngrams", None)  # a refit has new vocabularies and coefficients
        self.__dict__.pop("_stacked_coefs", None)
        self.lemma_tfidf_ = TfidfVectorizer(analyzer=identity, sublinear_tf=True).fit([f.lemmas for f in X])
        if self.char_weight:
            self.char_tfidf_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                               dtype=np.float32).fit([lemma_text(f) for f in X])
        if self.surface_weight:
            self.surface_tfidf_ = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                                  dtype=np.float32).fit([f.text for f in X])
        M = self._matrix(X) if len(X) else None
        self.estimators_: dict[str, LogisticRegression] = {}
        self.n_labelled_: dict[str, int] = {}
        self.n_positive_: dict[str, int] = {}
        self.calibration_: dict[str, tuple[float, float]] = {}
        recalibrate = set(self.codes_ if self.recalibrate is None else self.recalibrate)
        for j, code in enumerate(self.codes_):
            known = Y[:, j] >= 0
            y = Y[known, j]
            self.n_labelled_[code] = int((known & counted).sum())
            self.n_positive_[code] = int((y == 1).sum())
            if not has_contrast(self.n_positive_[code], len(y) - self.n_positive_[code]):
                continue
            self.estimators_[code] = self._estimator().fit(M[known], y, sample_weight=weights[known])
            if decisions and code in recalibrate and self.n_positive_[code] < FEW_POSITIVES:
                platt = self._recalibration(M[known], y, weights[known], counted[known])
                if platt is not None:
                    self.calibration_[code] = platt
        self.classes_ = np.array(self.codes_)
        return self

    def _estimator(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=3000)

    def _recalibration(self, M, y, weights, counted) -> tuple[float, float] | None:
        """Platt scaling (slope, intercept) of a new code's decision values, learnt from the decisions.

        Out-of-fold decision values of the ``counted`` rows (the researchers' decisions; each
        fold's model is trained on the codebook's examples and the other folds) are mapped
        onto the decisions by a one-feature logistic regression, not class-balanced: the
        decisions are a sample of the project's own segments, so their share of positives is
        the code's real rate. Measured with ``bench/new_code.py`` on dev2: class-balanced and
        fitted on the codebook's examples as well, it made a new code with patterns suggest
        far too much (trust 0.85 -> 0.56 with no decisions); balanced on the decisions alone,
        a code without patterns rose less (F1 0.50 and 0.57 after 140 decisions against 0.53
        and 0.63). None with fewer than ``MIN_CALIBRATION`` positive or negative decisions.
        """
        rows = np.flatnonzero(counted)
        yc = y[rows]
        pos = int(yc.sum())
        if min(pos, len(yc) - pos) < MIN_CALIBRATION:
            return None
        others = np.flatnonzero(~counted)
        values = np.empty(len(rows))
        folds = StratifiedKFold(min(CALIBRATION_FOLDS, pos), shuffle=True, random_state=0)
        for train, test in folds.split(rows, yc):
            fit_rows = np.r_[others, rows[train]]
            if len(np.unique(y[fit_rows])) < 2:
                return None
            est = self._estimator().fit(M[fit_rows], y[fit_rows], sample_weight=weights[fit_rows])
            values[test] = est.decision_function(M[rows[test]])
        platt = LogisticRegression().fit(values[:, None], yc)
        slope = float(platt.coef_[0, 0])
        return (slope, float(platt.intercept_[0])) if slope > 0 else None  # no ranking to keep

    def predict_proba(self, X: Sequence[SegmentFeatures]) -> np.ndarray:
        """(n_segments, n_codes) probabilities; NaN for codes without a classifier."""
        out = np.full((len(X), len(self.codes_)), np.nan)
        if not len(X) or not self.estimators_:
            return out
        columns, weights, intercepts = self._stacked()
        values = self._matrix(X) @ weights + intercepts  # every code's decision function in one product
        for k, j in enumerate(columns):
            platt = self.calibration(self.codes_[j])
            v = values[:, k] if platt is None else platt[0] * values[:, k] + platt[1]
            out[:, j] = expit(v)  # what LogisticRegression.predict_proba gives for two classes
        return out

    def _stacked(self) -> tuple[list[int], np.ndarray, np.ndarray]:
        """(code columns, coefficients as one features x codes matrix, intercepts), built once per process."""
        stacked = self.__dict__.get("_stacked_coefs")
        if stacked is None:
            columns = [j for j, c in enumerate(self.codes_) if c in self.estimators_]
            ests = [self.estimators_[self.codes_[j]] for j in columns]
            stacked = (columns, np.vstack([e.coef_ for e in ests]).T.copy(), np.array([e.intercept_[0] for e in ests]))
            self.__dict__["_stacked_coefs"] = stacked
        return stacked

    def positives(self, code: str) -> int:
        """Positive segments the code's classifier learnt from (examples and accepted codings)."""
        return getattr(self, "n_positive_", {}).get(code, 1 << 30)  # older pickles: assume plenty

    def calibration(self, code: str) -> tuple[float, float] | None:
        """The (slope, intercept) recalibrating a new code's scores, or None (older pickles: none)."""
        return getattr(self, "calibration_", {}).get(code)

    def predict(self, X: Sequence[SegmentFeatures]) -> np.ndarray:
        return (np.nan_to_num(self.predict_proba(X)) >= 0.5).astype(int)

    def predict_code_proba(self, X: Sequence[SegmentFeatures]) -> list[dict[str, float]]:
        probs = self.predict_proba(X)
        return [{c: float(p[j]) for j, c in enumerate(self.codes_) if not np.isnan(p[j])} for p in probs]


def codebook_training_set(codebook: Codebook) -> tuple[list[str], list[dict[str, int]]]:
    """The codebook's examples and counter-examples as (texts, labels over the active codes).

    A sentence listed under several codes is one row positive for each of them and 0 for
    the other codes of the same level (codes with the same parent: the six themes, or the
    sub-codes of one group); for codes elsewhere in the hierarchy it is unknown (-1), since
    an example of vertical peer support may well be social support too. A counter-example
    is 0 for every code it is not an example of. A retired code's examples stay in the set
    as negatives for the active codes of its level, so retiring (or renaming) a code does
    not change what the other codes' classifiers learn.
    """
    active_codes = codebook.active_codes  # a property that filters the codes: read it once, not per sentence
    active = {c.id for c in active_codes}
    parent = {c.id: c.parent for c in codebook.codes}
    positives: dict[str, set[str]] = {}
    levels: dict[str, set[str | None]] = {}
    for code in codebook.codes:
        for text in code.examples:
            positives.setdefault(text.strip(), set())
            levels.setdefault(text.strip(), set()).add(code.parent)
            if code.id in active:
                positives[text.strip()].add(code.id)
        for text in code.counter_examples:
            positives.setdefault(text.strip(), set())
    texts = list(positives)
    labels = []
    for t in texts:
        lv = levels.get(t)
        labels.append({c.id: 1 if c.id in positives[t] else 0 if not lv or parent[c.id] in lv else -1
                       for c in active_codes})
    return texts, labels


def training_key(texts: Sequence[str], labels: Sequence[dict[str, int]]) -> str:
    """What the codebook classifier depends on: its training set (``codebook_training_set``)."""
    key = json.dumps([texts, labels], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(key.encode()).hexdigest()[:24]
