"""Suggest codes for segments: every source proposes, one merged score per code, each with its reason.

Sources:

- ``rule``: codebook lemma patterns (``rules.py``); more distinct patterns, more certainty.
- ``example``: the code classifier (``classifier.py``) trained on the codebook's examples and
  counter-examples; its probability is shown with the code's nearest example (``examples.py``).
- ``model``: the same classifier retrained with researchers' accepted and rejected codings
  (``model.py``, ``learning.py``), once there are enough decisions; it replaces the
  codebook-only classifier.

Merging: the classifier's probability is the base; a rule match adds ``RULE_LOGIT`` to its
log-odds (two or more distinct patterns ``RULE_LOGIT_MORE`` more), ``MODEL_BIAS`` shifts
the whole. So one keyword is not enough when the classifier says the sentence is about
something else (kilpailu in a sports result), and a paraphrase with no keyword is
suggested when the classifier is sure. Codes without a classifier (too few examples) keep
the rule and nearest-example scores (noisy-OR); so do new codes, whose classifier learnt
from fewer than ``FEW_POSITIVES`` positive segments (a code added with five examples and a
few patterns was otherwise silenced by its own unsure classifier: F1 0.00 instead of 0.85 on
dev2, ``bench/new_code.py``). A new code's classifier joins that noisy-OR only if the code
has no patterns; its probability is then recalibrated on the researchers' decisions
(``classifier.py``), so that it rises from F1 0.00 to about 0.5 after 100 reviewed segments
instead of 0.12. A new code with patterns is left to them and its nearest examples (see
the comment on ``FEW_POSITIVES`` below).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, Span

from ..codebook import Codebook
from ..nlp import tagging_disabled
from .blas import one_blas_thread
from .classifier import FEW_POSITIVES, CodeClassifier, codebook_training_set, training_key
from .examples import ExampleIndex, cached_fit, example_features
from .features import SegmentFeatures, segment_features
from .model import CorrectionModel, fit_with_base
from .rules import RuleHit, RuleMatcher

RULE_BASE = 0.6  # one matching pattern (codes without a classifier)
RULE_STEP = 0.4  # each further distinct pattern closes this share of the remaining gap
# Merging with the classifier (chosen on the development gold set with rules that were not
# tuned on it, see README "Pre-tagging"):
MODEL_BIAS = -0.3
RULE_LOGIT = 2.0
RULE_LOGIT_MORE = 0.5
CLASSIFIER = "classifier"  # Evidence.pattern of example evidence that is the classifier's probability
MIN_MODEL_EVIDENCE = 0.15  # lower classifier probabilities are not shown as evidence
# A code whose classifier learnt from fewer than FEW_POSITIVES positive segments is new (a
# code a maintainer just added, with a handful of examples): such a classifier is too unsure
# to veto its rules and nearest examples, so it is not the base they move. 100 rather than
# 30: a switch at 30 came too early, when the corrections had lifted the code to 30
# positives its classifier still vetoed good rule hits (bench/new_code.py on dev2, trust:
# 0.69 after 140 corrections against 0.83).
# A new code without patterns has its classifier's probability (recalibrated on the
# decisions once there are some: classifier.py) join its nearest examples by noisy-OR. A new
# code with patterns is scored by them and its nearest examples alone, until it is
# established: its classifier, trained on a few examples or decisions, only added false
# positives beside the keyword hits. In a codebook of patterns and no examples, trained on
# the decisions alone, it took micro-F1 on dev2 from 0.717 to 0.690 after 100 reviewed
# segments (now 0.717 throughout); a theme kept to 5 examples and its patterns, mean of the
# six: 0.715 after 25-140 decisions (now 0.717). Recalibrating it on the decisions did no
# better (README).


@dataclass
class Evidence:
    source: str  # rule | example | model
    score: float
    detail: str  # the matched words, the nearest example, or the model's description
    pattern: str = ""  # the rule's pattern; CLASSIFIER for the example classifier's probability

    def as_dict(self) -> dict:
        return {"source": self.source, "score": round(self.score, 4), "detail": self.detail, "pattern": self.pattern}


@dataclass
class Suggestion:
    code: str
    score: float
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def source(self) -> str:
        return "+".join(sorted({e.source for e in self.evidence}))

    @property
    def reason(self) -> str:
        """A one-line explanation: what matched, which example was nearest, what the model says."""
        parts = []
        for e in self.evidence:
            if e.source == "rule":
                parts.append(f'rule "{e.pattern}" matched "{e.detail}"')
            elif e.source == "example" and e.pattern == CLASSIFIER:
                parts.append(f'examples: classifier {e.score:.2f}, closest "{e.detail}"' if e.detail
                             else f"examples: classifier {e.score:.2f}")
            elif e.source == "example":
                parts.append(f'nearest example "{e.detail}" ({e.score:.2f})')
            else:
                parts.append(f"{e.source}: {e.detail} ({e.score:.2f})")
        return "; ".join(parts) + f" -> score {self.score:.2f}"


def rule_score(n_patterns: int) -> float:
    """1 pattern -> 0.6, 2 -> 0.76, 3 -> 0.86: more independent evidence, more certainty."""
    if n_patterns <= 0:
        return 0.0
    return 1 - (1 - RULE_BASE) * (1 - RULE_STEP) ** (n_patterns - 1)


def merged_score(probability: float, n_patterns: int) -> float:
    """The classifier's probability moved by the rule evidence, on the log-odds scale."""
    p = min(max(probability, 1e-6), 1 - 1e-6)
    z = math.log(p / (1 - p)) + MODEL_BIAS
    if n_patterns >= 1:
        z += RULE_LOGIT
    if n_patterns >= 2:
        z += RULE_LOGIT_MORE
    return 1 / (1 + math.exp(-z))


def noisy_or(*scores: float) -> float:
    out = 1.0
    for s in scores:
        out *= 1.0 - s
    return 1.0 - out


_CLASSIFIERS: dict[tuple[int, str], tuple[CodeClassifier | None, list[SegmentFeatures], np.ndarray]] = {}


def codebook_classifier(nlp: Language, codebook: Codebook):
    """(classifier, training features, labels) from the codebook alone; cached per process and codebook.

    The classifier is None when no code has enough examples and counter-examples to train one.
    """
    texts, labels = codebook_training_set(codebook)
    key = (id(nlp), training_key(texts, labels))
    hit = _CLASSIFIERS.get(key)  # (read once: another thread may clear the cache)
    if hit is None:
        codes = [c.id for c in codebook.active_codes]
        feats = example_features(nlp, texts) if texts else []
        Y = np.array([[lab[c] for c in codes] for lab in labels], dtype=int).reshape(len(texts), len(codes))
        clf = cached_fit(nlp, key[1], lambda: CodeClassifier(codes).fit(feats, Y)) if texts else None
        if clf is not None and not clf.estimators_:
            clf = None
        if len(_CLASSIFIERS) > 8:
            _CLASSIFIERS.clear()
        hit = (clf, feats, Y)
        _CLASSIFIERS[key] = hit
    return hit


class Tagger:
    """Pre-tags spans of parsed docs with the codes of one codebook.

    ``model`` is a trained :class:`~qualcode.tagging.model.CorrectionModel` (or None: the
    classifier trained on the codebook alone is used); ``extra_examples`` are (code,
    sentence) pairs added to the nearest-example index (accepted codings). With
    ``use_examples=False`` only the rules suggest.
    """

    def __init__(self, nlp: Language, codebook: Codebook, model=None, *, use_examples: bool = True,
                 extra_examples: Iterable[tuple[str, str]] = ()) -> None:
        self.nlp = nlp
        self.codebook = codebook
        self.rules = RuleMatcher(nlp.vocab, codebook)
        self.examples = ExampleIndex(nlp, codebook, extra_examples) if use_examples else None
        self.model = model
        # The classifier trained on the codebook alone: the suggesting classifier until a
        # correction model exists.
        self.base_classifier = codebook_classifier(nlp, codebook)[0] if use_examples else None
        self.classifier = model if model is not None else self.base_classifier
        self._thresholds = {c.id: codebook.threshold(c.id) for c in codebook.active_codes}
        self._with_patterns = {c.id for c in codebook.active_codes if c.patterns}

    def threshold(self, code: str) -> float:
        return self._thresholds.get(code, 1.01)

    def left_to_rules(self, classifier) -> list[str]:
        """New codes with lemma patterns: scored by their patterns and nearest examples, not ``classifier``."""
        if classifier is None:
            return []
        return [c for c in self._thresholds if c in self._with_patterns and classifier.positives(c) < FEW_POSITIVES]

    def codebook_training(self) -> tuple[list[SegmentFeatures], np.ndarray]:
        """The codebook's examples and counter-examples as (features, label matrix over the active codes)."""
        _, feats, Y = codebook_classifier(self.nlp, self.codebook)
        return feats, Y

    def correction_model(self, features: Sequence[SegmentFeatures], Y: np.ndarray, **params) -> CorrectionModel:
        """The classifier retrained on the codebook's examples plus these decisions (``Y`` over the active codes).

        The one place the product, its cross-validation and the learning curve fit it, so all
        three recalibrate the same codes: new codes without lemma patterns (``classifier.py``).
        With ``use_examples=False`` it learns from the decisions alone.
        """
        codes = [c.id for c in self.codebook.active_codes]
        without_patterns = [c for c in codes if c not in self._with_patterns]
        base = self.codebook_training() if self.examples is not None else None
        params.setdefault("recalibrate", without_patterns)
        return fit_with_base(codes, base, features, Y, **params)

    def _rule_evidence(self, hits: list[RuleHit]) -> dict[str, list[Evidence]]:
        by_code: dict[str, dict[str, RuleHit]] = {}
        for hit in hits:
            by_code.setdefault(hit.code, {}).setdefault(hit.pattern, hit)
        out = {}
        for code, patterns in by_code.items():
            score = rule_score(len(patterns))
            out[code] = [Evidence("rule", score, h.words, h.pattern) for h in patterns.values()]
        return out

    def features(self, spans: Sequence[Doc | Span]) -> list[SegmentFeatures]:
        """What the classifier learns from (lemmas, vector), with the rule evidence counted per code."""
        return self._rules(spans)[0]

    def text_features(self, texts: Sequence[str]) -> list[SegmentFeatures]:
        """``features`` of plain texts, one segment each, lemmatised without the parser."""
        return self.features(list(self.nlp.pipe(texts, disable=tagging_disabled(self.nlp, sentences=False))))

    def _rules(self, spans: Sequence[Doc | Span]):
        feats = [segment_features(s) for s in spans]
        rules = [self._rule_evidence(hits) for hits in self.rules.match_spans(spans)]
        for f, evidence in zip(feats, rules):
            f.rule = {code: max(e.score for e in items) for code, items in evidence.items()}
            f.rule_patterns = {code: len(items) for code, items in evidence.items()}
        return feats, rules

    def merged_scores(self, feats: Sequence[SegmentFeatures], classifier=None,
                      examples: ExampleIndex | None = None) -> list[dict[str, float]]:
        """One score per code with any evidence, from features whose rule evidence is counted.

        ``classifier`` defaults to this tagger's; the learning curve and cross-validation pass
        models trained on part of a gold set.
        """
        return [{code: score for code, (score, _) in res.items()}
                for res in self._merge(feats, None, classifier or self.classifier, examples or self.examples)]

    def _merge(self, feats, rules, classifier, examples):
        """Per segment and code: (merged score, evidence), with one BLAS thread: the products
        here are small, and OpenBLAS's extra threads only spun (bench/tagging.py: 0.6 CPU
        seconds of 11 on the sample transcripts, for no gain in time).
        """
        closest: list[dict[str, str]] = [{} for _ in feats]
        with one_blas_thread():
            probs = classifier.predict_code_proba(feats) if classifier is not None else [{} for _ in feats]
            nearest = examples.nearest(feats, closest) if examples is not None else [{} for _ in feats]
        if rules is None:
            rules = [{code: [Evidence("rule", f.rule.get(code, 0.0), "")] * n for code, n in f.rule_patterns.items()}
                     for f in feats]
        is_model = classifier is not None and classifier is not self.base_classifier
        rule_led = set(self.left_to_rules(classifier))
        out: list[dict[str, tuple[float, list[Evidence]]]] = []
        for f, rule_evidence, p, ex, closest_i in zip(feats, rules, probs, nearest, closest):
            res: dict[str, tuple[float, list[Evidence]]] = {}
            candidates = set(rule_evidence) | set(ex) | {c for c, v in p.items() if v >= MIN_MODEL_EVIDENCE}
            for code in candidates:
                if code not in self._thresholds:
                    continue
                items = list(rule_evidence.get(code, []))
                n_patterns = f.rule_patterns.get(code, 0)
                hit = ex.get(code)
                hit_score = hit.score if hit is not None else 0.0
                show_hit = True  # the nearest example as evidence of its own
                if code in p and code not in rule_led:
                    # An established code's classifier is the base the rules move; a new code
                    # without patterns has its classifier as one more voice beside its nearest
                    # example; a new code with patterns goes without it (see above).
                    new = classifier.positives(code) < FEW_POSITIVES  # and so without patterns
                    score = noisy_or(hit_score, p[code]) if new else merged_score(p[code], n_patterns)
                    if is_model:
                        items.append(Evidence("model", p[code], classifier.describe(code)))
                    else:
                        example = hit.example if hit is not None and not new else closest_i.get(code, "")
                        items.append(Evidence("example", p[code], example, pattern=CLASSIFIER))
                        show_hit = new
                else:
                    score = noisy_or(rule_score(n_patterns), hit_score)
                if hit is not None and show_hit:
                    items.append(Evidence("example", hit.score, hit.example))
                if items:
                    res[code] = (score, items)
            f.prior = {code: score for code, (score, _) in res.items()}
            out.append(res)
        return out

    def score_many(self, spans: Sequence[Doc | Span]) -> list[dict[str, tuple[float, list[Evidence]]]]:
        """Every code with any evidence, per span: (merged score, evidence)."""
        feats, rules = self._rules(spans)
        return self._merge(feats, rules, self.classifier, self.examples)

    def suggest_many(self, spans: Sequence[Doc | Span]) -> list[list[Suggestion]]:
        out = []
        for res in self.score_many(spans):
            suggestions = [Suggestion(code, score, items) for code, (score, items) in res.items()
                           if code in self._thresholds and score >= self._thresholds[code]]
            out.append(sorted(suggestions, key=lambda s: (-s.score, s.code)))
        return out

    def suggest(self, span: Doc | Span) -> list[Suggestion]:
        """Suggestions at or above each code's threshold, best first."""
        return self.suggest_many([span])[0]

    def suggest_texts(self, texts: Iterable[str], batch_size: int = 64) -> Iterator[list[Suggestion]]:
        """Suggestions for plain texts (one segment each), lemmatised in batches without the parser."""
        batch: list[Doc] = []
        for doc in self.nlp.pipe(texts, batch_size=batch_size, disable=tagging_disabled(self.nlp, sentences=False)):
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self.suggest_many(batch)
                batch = []
        if batch:
            yield from self.suggest_many(batch)
