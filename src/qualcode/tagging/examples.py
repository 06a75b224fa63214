"""Example-based suggestions: each segment is compared with every code's example sentences.

Similarity is the mean of two cosines that fail differently: lemma TF-IDF (exact shared
words, inflection and compounds resolved) and floret word vectors (related words with no
word in common: uupumus ~ väsymys). The nearest example of each code gives the code an
``example`` score and is shown as the reason. Examples come from the codebook and, when
the review layer passes them, from researchers' accepted codings.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from spacy.language import Language

from ..codebook import Codebook
from ..nlp import tagging_disabled
from .features import SegmentFeatures, identity, segment_features

# Similarity SIM_LOW scores 0, SIM_HIGH scores EXAMPLE_WEIGHT: one example alone is
# suggested (score 0.5 by default) at a similarity of about 0.69.
SIM_LOW = 0.5
SIM_HIGH = 0.8
EXAMPLE_WEIGHT = 0.8
MIN_EVIDENCE = 0.15  # weaker example scores are not shown as evidence

FEATURES_VERSION = 3  # bump when lemmas or vectors of a sentence would come out differently


KEEP_CACHED = 12  # most recently used cache files kept per kind (one per codebook version, about 5 MB each)


def _pipeline_key(nlp: Language) -> list:
    """What a sentence's features depend on besides the sentence."""
    import sklearn

    return [FEATURES_VERSION, _lemma_rules_digest(), nlp.meta.get("name"), nlp.meta.get("version"),
            nlp.pipe_names, sklearn.__version__]


def _cache_path(nlp: Language, texts: Sequence[str], kind: str = "examples") -> Path | None:
    try:
        from platformdirs import user_cache_dir
    except ImportError:
        return None
    *pipeline, sklearn_version = _pipeline_key(nlp)
    key = json.dumps([*pipeline, list(texts), sklearn_version], ensure_ascii=False)  # (the order of older caches)
    return Path(user_cache_dir("qualcode")) / f"{kind}-{hashlib.sha256(key.encode()).hexdigest()[:32]}.pkl"


def _lemma_rules_digest() -> str:
    """The spoken-form table and restoration rules (``spoken.py``): editing them changes lemmas."""
    from .. import spoken

    return hashlib.sha256(Path(spoken.__file__).read_bytes()).hexdigest()[:16]


def _load(path: Path | None):
    if path is None or not path.exists():
        return None
    try:
        with path.open("rb") as fh:
            value = pickle.load(fh)  # noqa: S301 - written by _store in this user's cache
        os.utime(path)  # recently used: pruned last (_store)
        return value
    except Exception:  # noqa: BLE001 - a broken cache is rebuilt
        return None


def _store(path: Path | None, value) -> None:
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
        kind = path.name.split("-", 1)[0]
        older = sorted(path.parent.glob(f"{kind}-*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in older[KEEP_CACHED:]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass


def cached_fit(nlp: Language, key: str, fit):
    """``fit()``'s result (the codebook's classifier), kept in the user's cache directory by ``key``.

    Training it takes a few seconds per ``qualcode tag``; it depends only on the codebook's
    examples (``key``), the classifier's parameters, the pipeline, ``FEATURES_VERSION`` and
    scikit-learn's version.
    """
    from .classifier import FIT_VERSION, CodeClassifier

    # Every parameter, not repr(): repr leaves out defaults, so a changed default would reuse old fits.
    params = json.dumps([FIT_VERSION, CodeClassifier().get_params()], sort_keys=True, default=str)
    path = _cache_path(nlp, [key, params], kind="classifier")
    cached = _load(path)
    if cached is not None:
        return cached
    value = fit()
    _store(path, value)
    return value


def example_features(nlp: Language, texts: Sequence[str]) -> list[SegmentFeatures]:
    """Features of the example sentences, kept in the user's cache directory between runs.

    A codebook's examples change rarely, and parsing all of them takes 10-20 s. The cache holds only the codebook's own sentences (no interview data);
    it is keyed by the sentences, the pipeline and ``FEATURES_VERSION``.
    """
    columns = example_columns(nlp, texts)
    return [SegmentFeatures(lemmas, vector, text)
            for lemmas, vector, text in zip(columns["lemmas"], columns["vectors"], columns["texts"])]


def example_columns(nlp: Language, texts: Sequence[str], *, cache: bool = True) -> dict:
    """``example_features`` as three columns: lemma lists, texts and one vector matrix.

    Kept that way on disk, since one matrix unpickles in milliseconds and 3,400 small
    arrays in a tenth of a second. ``cache=False`` for sentences from interviews.
    """
    path = _cache_path(nlp, texts) if cache else None
    cached = _load(path)
    if isinstance(cached, dict) and len(cached["texts"]) == len(texts):  # (older caches: a list)
        return cached
    # A codebook edit changes a few sentences: the others' features come from this process's
    # earlier parses or from the caches of earlier versions, and only new sentences are parsed.
    known = _PARSED.setdefault(nlp, {}) if cache else {}
    if path is not None and any(t not in known for t in texts):
        _recall(path.parent, json.dumps(_pipeline_key(nlp)), known)
    missing = list(dict.fromkeys(t for t in texts if t not in known))
    parsed = dict(zip(missing, (segment_features(d) for d in nlp.pipe(missing, disable=tagging_disabled(
        nlp, sentences=False)))))
    feats = [(f.lemmas, f.vector, f.text) for f in parsed.values()]
    if cache:
        known.update(zip(missing, feats))
    rows = [known[t] if t in known else (parsed[t].lemmas, parsed[t].vector, parsed[t].text) for t in texts]
    columns = _columns([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows],
                       nlp.vocab.vectors_length or 1)
    if path is not None:
        _store(path, {**columns, "sources": list(texts), "pipeline": json.dumps(_pipeline_key(nlp))})
    return columns


# Features of codebook sentences parsed or loaded in this process, per pipeline: text -> (lemmas, vector, text).
_PARSED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _recall(folder: Path, pipeline: str, known: dict) -> None:
    """Fill ``known`` from the newest example caches written with the same pipeline and lemma rules."""
    try:
        files = sorted(folder.glob("examples-*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for path in files[:4]:  # the versions just worked on
        cached = _load(path)
        if isinstance(cached, dict) and cached.get("pipeline") == pipeline:
            for source, *features in zip(cached["sources"], cached["lemmas"], cached["vectors"], cached["texts"]):
                known.setdefault(source, tuple(features))


def _columns(lemmas: list[list[str]], vectors, texts: list[str], width: int) -> dict:
    matrix = np.vstack(vectors).astype(np.float32, copy=False) if len(vectors) else np.zeros((0, width), np.float32)
    return {"lemmas": list(lemmas), "vectors": matrix, "texts": list(texts)}


@dataclass(frozen=True)
class ExampleHit:
    code: str
    similarity: float
    score: float
    example: str


def example_score(similarity: float) -> float:
    return EXAMPLE_WEIGHT * min(1.0, max(0.0, (float(similarity) - SIM_LOW) / (SIM_HIGH - SIM_LOW)))


class ExampleIndex:
    """The codebook's examples (plus any extra labelled sentences), ready for nearest-example lookup."""

    def __init__(self, nlp: Language, codebook: Codebook, extra: Iterable[tuple[str, str]] = ()) -> None:
        own = [(c.id, e) for c in codebook.active_codes for e in c.examples]
        active = {c.id for c in codebook.active_codes}
        added = [(code, text) for code, text in extra if code in active]
        self.codes = [c for c, _ in own + added]
        self.texts = [t for _, t in own + added]
        self._code_slices: dict[str, slice] = {}
        if not self.codes:
            self._tfidf = None  # a codebook of patterns only: no nearest examples until codings are accepted
            return
        # The codebook's sentences come from the cache; accepted codings (interview data, and
        # different after every review session) are parsed here and never written to it.
        columns = example_columns(nlp, [t for _, t in own])
        if added:
            more = example_columns(nlp, [t for _, t in added], cache=False)
            columns = _columns(columns["lemmas"] + more["lemmas"], [columns["vectors"], more["vectors"]],
                               columns["texts"] + more["texts"], more["vectors"].shape[1])
        self._build(columns["lemmas"], columns["vectors"])

    def _build(self, lemmas: list[list[str]], vectors: np.ndarray) -> None:
        # Each code's examples next to each other (in their order), so that a code's column
        # block of the similarity matrix is a view, not a copy per code and call.
        order = sorted(range(len(self.codes)), key=lambda i: self.codes[i])
        self.codes = [self.codes[i] for i in order]
        self.texts = [self.texts[i] for i in order]
        self._lemmas = [lemmas[i] for i in order]
        self._vectors = np.ascontiguousarray(vectors[order])
        self._tfidf = TfidfVectorizer(analyzer=identity, sublinear_tf=True)
        self._terms = self._tfidf.fit_transform(self._lemmas)
        self._code_slices = {}
        for i, code in enumerate(self.codes):
            first = self._code_slices.get(code, slice(i, i))
            self._code_slices[code] = slice(first.start, i + 1)

    def extended(self, pairs: Sequence[tuple[str, str]], feats: Sequence[SegmentFeatures]) -> ExampleIndex:
        """A new index with these (code, text) examples added, their features already computed."""
        new = object.__new__(ExampleIndex)
        new.codes = self.codes + [c for c, _ in pairs]
        new.texts = self.texts + [t for _, t in pairs]
        new._code_slices = {}
        if not new.codes:
            new._tfidf = None
            return new
        old_lemmas, old_vectors = (self._lemmas, [self._vectors]) if self._tfidf is not None else ([], [])
        new_vectors = [np.vstack([f.vector for f in feats])] if len(feats) else []
        new._build(old_lemmas + [f.lemmas for f in feats], np.vstack(old_vectors + new_vectors))
        return new

    def similarities(self, feats: Sequence[SegmentFeatures]) -> np.ndarray:
        """(segments x examples) similarity matrix."""
        if self._tfidf is None or not feats:
            return np.zeros((len(feats), len(self.codes)))
        terms = self._tfidf.transform([f.lemmas for f in feats])
        vectors = np.vstack([f.vector for f in feats])
        out = (terms @ self._terms.T).toarray()
        cosines = vectors @ self._vectors.T
        out += np.clip(cosines, 0, 1, out=cosines)
        out *= 0.5
        return out

    def nearest(self, feats: Sequence[SegmentFeatures],
                closest: list[dict[str, str]] | None = None) -> list[dict[str, ExampleHit]]:
        """Per segment, each code's nearest example (only codes with a non-zero score).

        ``closest``, a list of one dict per segment, is filled with every code's closest
        example sentence however far it is: the reason shown with the classifier's score.
        """
        sims = self.similarities(feats)
        out: list[dict[str, ExampleHit]] = [{} for _ in feats]
        if not len(feats):
            return out
        rows = np.arange(len(feats))
        for code, block in self._code_slices.items():
            best = block.start + np.argmax(sims[:, block], axis=1)
            sim = sims[rows, best]
            if closest is not None:
                for i, b in enumerate(best):
                    closest[i][code] = self.texts[b]
            for i in np.flatnonzero(sim > SIM_LOW + MIN_EVIDENCE * (SIM_HIGH - SIM_LOW) / EXAMPLE_WEIGHT - 1e-9):
                score = example_score(sim[i])
                if score >= MIN_EVIDENCE:
                    out[i][code] = ExampleHit(code, float(sim[i]), score, self.texts[best[i]])
        return out
