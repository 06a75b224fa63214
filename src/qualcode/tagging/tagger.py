"""Suggest codes for segments: every source proposes, one merged score per code, each with its reason."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from spacy.language import Language
from spacy.tokens import Doc, Span

from ..codebook import Codebook
from .rules import RuleHit, RuleMatcher

RULE_BASE = 0.6  # one matching pattern
RULE_STEP = 0.4  # each further distinct pattern closes this share of the remaining gap


@dataclass
class Evidence:
    source: str  # rule | example | model
    score: float
    detail: str  # the matched words, the nearest example, or the model's name
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
        """A one-line explanation: what matched, or which example was nearest."""
        parts = []
        for e in self.evidence:
            if e.source == "rule":
                parts.append(f'rule "{e.pattern}" matched "{e.detail}"')
            elif e.source == "example":
                parts.append(f'nearest example "{e.detail}" ({e.score:.2f})')
            else:
                parts.append(f"{e.source} {e.detail} ({e.score:.2f})")
        return "; ".join(parts)


def rule_score(n_patterns: int) -> float:
    """1 pattern -> 0.6, 2 -> 0.76, 3 -> 0.86: more independent evidence, more certainty."""
    if n_patterns <= 0:
        return 0.0
    return 1 - (1 - RULE_BASE) * (1 - RULE_STEP) ** (n_patterns - 1)


class Tagger:
    """Pre-tags spans of parsed docs with the codes of one codebook."""

    def __init__(self, nlp: Language, codebook: Codebook) -> None:
        self.nlp = nlp
        self.codebook = codebook
        self.rules = RuleMatcher(nlp.vocab, codebook)

    def _rule_evidence(self, hits: list[RuleHit]) -> dict[str, list[Evidence]]:
        by_code: dict[str, dict[str, RuleHit]] = {}
        for hit in hits:
            by_code.setdefault(hit.code, {}).setdefault(hit.pattern, hit)
        out = {}
        for code, patterns in by_code.items():
            score = rule_score(len(patterns))
            out[code] = [Evidence("rule", score, h.words, h.pattern) for h in patterns.values()]
        return out

    def suggest(self, span: Doc | Span) -> list[Suggestion]:
        """Suggestions at or above each code's threshold, best first."""
        evidence = self._rule_evidence(self.rules(span))
        suggestions = []
        for code, items in evidence.items():
            score = max(e.score for e in items)
            if score >= self.codebook.threshold(code):
                suggestions.append(Suggestion(code, score, items))
        return sorted(suggestions, key=lambda s: (-s.score, s.code))

    def suggest_texts(self, texts: Iterable[str], batch_size: int = 64) -> Iterator[list[Suggestion]]:
        """Suggestions for plain texts (one segment each), lemmatised in batches without the parser."""
        disable = [p for p in ("parser",) if p in self.nlp.pipe_names]
        for doc in self.nlp.pipe(texts, batch_size=batch_size, disable=disable):
            yield self.suggest(doc)
