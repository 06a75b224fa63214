"""Suggest codes for segments: every source proposes, one merged score per code, each with its reason.

Sources:

- ``rule``: codebook lemma patterns (``rules.py``); more distinct patterns, more certainty.
- ``example``: the nearest codebook example of each code (``examples.py``).
- ``model``: a classifier trained on researchers' accepted and rejected codings
  (``learning.py``), when one has been trained.

Rule and example scores combine as independent evidence (noisy-OR) into a *prior*. The
model sees the prior as features and learns where it goes wrong; its probability is
blended in with a weight that grows with the decisions it was trained on for that code,
so a model trained on a handful of corrections cannot overrule the codebook.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.tokens import Doc, Span

from ..codebook import Codebook
from .examples import ExampleIndex
from .features import SegmentFeatures, segment_features
from .rules import RuleHit, RuleMatcher

RULE_BASE = 0.6  # one matching pattern
RULE_STEP = 0.4  # each further distinct pattern closes this share of the remaining gap


@dataclass
class Evidence:
    source: str  # rule | example | model
    score: float
    detail: str  # the matched words, the nearest example, or the model's description
    pattern: str = ""

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


def noisy_or(*scores: float) -> float:
    out = 1.0
    for s in scores:
        out *= 1.0 - s
    return 1.0 - out


class Tagger:
    """Pre-tags spans of parsed docs with the codes of one codebook.

    ``model`` is a trained :class:`~qualcode.tagging.learning.CorrectionModel` (or None);
    ``extra_examples`` are (code, sentence) pairs added to the codebook's examples.
    """

    def __init__(self, nlp: Language, codebook: Codebook, model=None, *, use_examples: bool = True,
                 extra_examples: Iterable[tuple[str, str]] = ()) -> None:
        self.nlp = nlp
        self.codebook = codebook
        self.rules = RuleMatcher(nlp.vocab, codebook)
        self.examples = ExampleIndex(nlp, codebook, extra_examples) if use_examples else None
        self.model = model
        self._thresholds = {c.id: codebook.threshold(c.id) for c in codebook.active_codes}

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
        """What the correction model learns from: lemmas, vector and the codebook's prior scores."""
        return self._prior(spans)[0]

    def score_many(self, spans: Sequence[Doc | Span]) -> list[dict[str, tuple[float, list[Evidence]]]]:
        """Every code with any evidence, per span: (merged score, evidence)."""
        feats, results = self._prior(spans)
        if self.model is not None:
            probs = self.model.predict_code_proba(feats)
            for res, f, p in zip(results, feats, probs):
                for code, prob in p.items():
                    if code not in self._thresholds:
                        continue
                    weight = self.model.weight(code)
                    prior = f.prior.get(code, 0.0)
                    score = weight * prob + (1 - weight) * prior
                    items = res.get(code, (0.0, []))[1]
                    if prob >= 0.5 or items:
                        items = [*items, Evidence("model", prob, self.model.describe(code))]
                        res[code] = (score, items)
        return results

    def _prior(self, spans: Sequence[Doc | Span]):
        feats = [segment_features(s) for s in spans]
        rules = [self._rule_evidence(hits) for hits in self.rules.match_spans(spans)]
        for f, evidence in zip(feats, rules):
            f.rule = {code: max(e.score for e in items) for code, items in evidence.items()}
        return feats, self.merge_prior(feats, rules)

    def merge_prior(self, feats: Sequence[SegmentFeatures], rules: Sequence[dict[str, list[Evidence]]] | None = None,
                    examples: ExampleIndex | None = None):
        """Rule and example evidence per segment merged into ``feats[i].prior`` (noisy-OR).

        ``rules`` defaults to the rule scores kept in the features; ``examples`` to this
        tagger's index (the learning curve passes one extended with training segments).
        """
        examples = examples or self.examples
        nearest = examples.nearest(feats) if examples else [{} for _ in feats]
        if rules is None:
            rules = [{code: [Evidence("rule", score, "")] for code, score in f.rule.items()} for f in feats]
        results: list[dict[str, tuple[float, list[Evidence]]]] = []
        for f, rule_evidence, ex in zip(feats, rules, nearest):
            evidence = {code: list(items) for code, items in rule_evidence.items()}
            for code, hit in ex.items():
                evidence.setdefault(code, []).append(Evidence("example", hit.score, hit.example))
            prior = {}
            for code, items in evidence.items():
                rule = max((e.score for e in items if e.source == "rule"), default=0.0)
                example = max((e.score for e in items if e.source == "example"), default=0.0)
                prior[code] = noisy_or(rule, example)
            f.prior = prior
            results.append({code: (prior[code], items) for code, items in evidence.items()})
        return results

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
        disable = [p for p in ("parser",) if p in self.nlp.pipe_names]
        batch: list[Doc] = []
        for doc in self.nlp.pipe(texts, batch_size=batch_size, disable=disable):
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self.suggest_many(batch)
                batch = []
        if batch:
            yield from self.suggest_many(batch)
