"""Codebook lemma patterns compiled into spaCy Matchers.

Each code's ``patterns`` become Matcher rules over ``token._.lemma_parts`` (the lemma plus
its compound parts), so one pattern ``luottamus`` finds luottamusta, luotamuksella and
luottamuspula. ``exclude_patterns`` form a second matcher: a rule match for a code is
dropped when an exclusion of the same code covers any of its words (itseluottamus is
resilience, not trust).
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from ..codebook import Codebook, PatternSpec, as_spec


@dataclass(frozen=True)
class RuleHit:
    code: str
    pattern: str  # the pattern as the codebook writes it
    start: int  # token offsets in the doc
    end: int
    words: str  # the matched text


def pattern_label(spec: PatternSpec) -> str:
    if spec.tokens is not None:
        return spec.note or "tokens:" + str(spec.tokens)
    return spec.lemma if not spec.gap else f"{spec.lemma} (±{spec.gap})"


def token_patterns(spec: PatternSpec) -> list[dict]:
    """One spaCy Matcher pattern (a list of token dicts) for a codebook pattern."""
    if spec.tokens is not None:
        return spec.tokens
    lemmas = spec.lemma.lower().split()
    if len(lemmas) == 1 and not spec.compound:
        return [{"LEMMA": lemmas[0]}]
    tokens: list[dict] = []
    for i, lemma in enumerate(lemmas):
        if i and spec.gap:
            tokens.append({"IS_PUNCT": False, "OP": f"{{0,{spec.gap}}}"})
        tokens.append({"_": {"lemma_parts": {"INTERSECTS": [lemma]}}})
    return tokens


class RuleMatcher:
    """All of a codebook's rule patterns as two spaCy Matchers (patterns and exclusions)."""

    def __init__(self, vocab: Vocab, codebook: Codebook) -> None:
        self.vocab = vocab
        self.matcher = Matcher(vocab, validate=True)
        self.exclusions = Matcher(vocab, validate=True)
        self._labels: dict[int, tuple[str, str]] = {}
        for code in codebook.active_codes:
            for matcher, patterns, kind in (
                (self.matcher, code.patterns, "p"),
                (self.exclusions, code.exclude_patterns, "x"),
            ):
                for i, raw in enumerate(patterns):
                    spec = as_spec(raw)
                    key = f"{kind}:{code.id}:{i}"
                    matcher.add(key, [token_patterns(spec)])
                    self._labels[vocab.strings[key]] = (code.id, pattern_label(spec))

    def __call__(self, doc: Doc | Span) -> list[RuleHit]:
        excluded: dict[str, set[int]] = {}
        for key, start, end in self.exclusions(doc):
            code, _ = self._labels[key]
            excluded.setdefault(code, set()).update(range(start, end))
        hits: list[RuleHit] = []
        seen: set[tuple[str, str, int]] = set()
        offset = doc.start if isinstance(doc, Span) else 0
        for key, start, end in self.matcher(doc):
            code, label = self._labels[key]
            if excluded.get(code, set()).intersection(range(start, end)):
                continue
            if (code, label, start) in seen:
                continue  # gap patterns can match the same start with several lengths
            seen.add((code, label, start))
            words = doc[start:end].text
            hits.append(RuleHit(code, label, start + offset, end + offset, words))
        return hits
