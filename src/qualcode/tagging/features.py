"""What the example matcher and the learned model see of a segment: lemmas and a meaning vector.

Both come from one pipeline pass. Lemmas include compound parts (kannustusviesti gives
kannustusviesti, kannustus, viesti), so TF-IDF over them shares evidence across
compounds. The vector is the mean of the floret vectors of the content words' lemmas (floret gives
every word a vector, also misspelt and spoken forms; lemmas repeat more than word forms,
so the per-process cache hits more), unit length.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from spacy.tokens import Doc, Span

from ..nlp import lemma_compounds

CONTENT_POS = frozenset({"NOUN", "VERB", "ADJ", "ADV", "PROPN"})


@dataclass
class SegmentFeatures:
    lemmas: list[str]
    vector: np.ndarray
    text: str = ""  # the words as spoken, lower case (the classifier's surface character n-grams)
    prior: dict[str, float] = field(default_factory=dict)  # code -> score from rules and examples
    rule: dict[str, float] = field(default_factory=dict)  # code -> rule score alone
    rule_patterns: dict[str, int] = field(default_factory=dict)  # code -> distinct patterns matched


def lemma_terms(doclike: Doc | Span) -> list[str]:
    """The content words' lemmas, a compound followed by its parts (``qualcode_lemmas``)."""
    compounds = lemma_compounds(doclike)
    terms: list[str] = []
    for t in doclike:
        if t.is_alpha and not t.is_stop:
            if compounds is None:  # not lemmatised by qualcode_lemmas
                terms.append(t.lemma_.lower())
            else:
                terms.extend(compounds.get(t.i) or (t.lemma_,))
    return terms


_VECTOR_CACHE: dict[str, np.ndarray] = {}


def word_vectors(vocab, words: list[str]) -> list[np.ndarray]:
    """floret vectors of words, computed once per word form per process (floret hashes n-grams)."""
    found = {w: _VECTOR_CACHE.get(w) for w in dict.fromkeys(words)}  # (a local copy: another thread may clear it)
    missing = [w for w, v in found.items() if v is None]
    if missing:
        if len(_VECTOR_CACHE) > 300_000:
            _VECTOR_CACHE.clear()
        for w, v in zip(missing, np.asarray(vocab.vectors.get_batch(missing))):
            _VECTOR_CACHE[w] = found[w] = v
    return [found[w] for w in words]


def content_vector(doclike: Doc | Span) -> np.ndarray:
    tokens = [t for t in doclike if t.pos_ in CONTENT_POS and t.is_alpha and not t.is_stop]
    tokens = tokens or [t for t in doclike if t.is_alpha] or list(doclike)
    if not tokens or not doclike.vocab.vectors.shape[0]:
        return np.zeros(doclike.vocab.vectors_length or 1, dtype=np.float32)
    v = np.mean(word_vectors(doclike.vocab, [t.lemma_ or t.lower_ for t in tokens]), axis=0)
    norm = float(np.linalg.norm(v))
    return (v / norm if norm else v).astype(np.float32)


def segment_features(doclike: Doc | Span) -> SegmentFeatures:
    return SegmentFeatures(lemma_terms(doclike), content_vector(doclike), doclike.text.lower())


def identity(terms: list[str]) -> list[str]:
    """The TF-IDF analyser: terms are already lemmas (module-level so models pickle)."""
    return terms
