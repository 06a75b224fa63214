"""Codebook lemma patterns compiled into spaCy Matchers.

Patterns match on ``LEMMA``, so one pattern ``luottamus`` finds luottamusta and
luottamuksella. Compound parts reach the matcher as a second, *parts* Doc: the compound
words of the segment split into their parts from Voikko's analysis (``token._.lemma_parts``),
so luottamuspula is the two tokens ``luottamus pula`` there. Single-lemma patterns (most of
them) are PhraseMatchers over both Docs; multi-word and raw token patterns are a Matcher over
the whole words. Every hit is mapped back to the original words. All of it is compiled by
spaCy: no per-token Python predicate.

``exclude_patterns`` form a second pair of matchers: a rule match for a code is dropped when
an exclusion of the same code covers any of its words (itseluottamus is resilience, not
trust: the exclusion ``itseluottamus`` matches the whole word on the lemma Doc, the pattern
``luottamus`` its part on the parts Doc, and they cover the same word).
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.attrs import LEMMA
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from ..codebook import Codebook, CodebookError, PatternSpec, as_spec
from ..nlp import lemma_compounds


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
    tokens: list[dict] = []
    for i, lemma in enumerate(spec.lemma.lower().split()):
        if i and spec.gap:
            tokens.append({"IS_PUNCT": False, "OP": f"{{0,{spec.gap}}}"})
        tokens.append({"LEMMA": lemma})
    return tokens


def required_lemmas(pattern: list[dict]) -> frozenset[str]:
    """Lemmas a Doc must contain for ``pattern`` to match: those of its tokens that must occur."""
    return frozenset(t["LEMMA"] for t in pattern
                     if isinstance(t.get("LEMMA"), str) and t.get("OP") in (None, "+"))


def parts_doc(doclike: Doc | Span) -> tuple[Doc, list[int]] | None:
    """The compound parts of ``doclike``'s compound words as one Doc, and each part's word index.

    None when there is no compound. The parts are lemmas already, so they are the parts
    Doc's words (matched on ``ORTH``).
    """
    start, end = (doclike.start, doclike.end) if isinstance(doclike, Span) else (0, len(doclike))
    compounds = lemma_compounds(doclike) or {}
    words: list[str] = []
    owner: list[int] = []
    for i, parts in sorted(compounds.items()):
        if start <= i < end:
            words.extend(parts[1:])
            owner.extend([i - start] * (len(parts) - 1))
    if not words:
        return None
    return Doc(doclike.vocab, words=words), owner


class _MatcherPair:
    """Matchers over lemmas and over compound parts, answering in word offsets.

    Single lemmas go to PhraseMatchers (one hash lookup per word, however many patterns)
    and also look inside compounds; sequences, gaps and raw token patterns go to Matchers
    over whole words. A Matcher tries every pattern at every word, so the patterns are
    grouped by the lemmas they require, one Matcher per group, and a Doc runs only the
    groups whose lemmas it holds all of: on the sample transcripts a third of the turns hold
    those of some group, and such a turn runs one or two of the 145 groups, where one Matcher
    of all the patterns ran them all (all rule matching 0.20 -> 0.06 CPU s there). Patterns
    that require no particular lemma (raw ``LOWER`` or ``REGEX`` tokens) are in a Matcher
    that always runs.
    """

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab
        self.lemma_phrases = PhraseMatcher(vocab, attr="LEMMA")
        self.part_phrases = PhraseMatcher(vocab, attr="ORTH")
        # the lemma hashes a group of patterns requires -> a Matcher of those patterns
        self.filtered: dict[frozenset[int], Matcher] = {}
        self.unfiltered = Matcher(vocab, validate=True)  # patterns that require no lemma

    def add(self, key: str, spec: PatternSpec) -> None:
        pattern = token_patterns(spec)
        if spec.tokens is None and len(pattern) == 1:
            lemma = pattern[0]["LEMMA"]
            self.lemma_phrases.add(key, [Doc(self.vocab, words=[lemma], lemmas=[lemma])])
            if spec.compound:
                self.part_phrases.add(key, [Doc(self.vocab, words=[lemma])])
        else:
            required = frozenset(self.vocab.strings.add(lemma) for lemma in required_lemmas(pattern))
            if required:
                if required not in self.filtered:
                    self.filtered[required] = Matcher(self.vocab, validate=True)
                self.filtered[required].add(key, [pattern])
            else:
                self.unfiltered.add(key, [pattern])

    def candidates(self, doclike: Doc | Span) -> list[Matcher]:
        """The Matchers of ``filtered`` whose required lemmas all occur in ``doclike``."""
        if not self.filtered:
            return []
        doc = doclike.doc if isinstance(doclike, Span) else doclike
        array = doc.to_array(LEMMA)
        if isinstance(doclike, Span):
            array = array[doclike.start:doclike.end]
        present = set(array.tolist())
        return [matcher for required, matcher in self.filtered.items() if required <= present]

    def __call__(self, doclike: Doc | Span, parts: tuple[Doc, list[int]] | None) -> list[tuple[int, int, int]]:
        found = list(self.lemma_phrases(doclike))
        if len(self.unfiltered):
            found += self.unfiltered(doclike)
        for matcher in self.candidates(doclike):
            found += matcher(doclike)
        if parts is not None and len(self.part_phrases):
            doc, owner = parts
            found += [(key, owner[start], owner[end - 1] + 1) for key, start, end in self.part_phrases(doc)]
        return found


class RuleMatcher:
    """All of a codebook's rule patterns as matchers (patterns and exclusions)."""

    def __init__(self, vocab: Vocab, codebook: Codebook) -> None:
        self.vocab = vocab
        self.matcher = _MatcherPair(vocab)
        self.exclusions = _MatcherPair(vocab)
        self._labels: dict[int, tuple[str, str]] = {}
        self._excluding = {c.id for c in codebook.active_codes if c.exclude_patterns}
        for code in codebook.active_codes:
            for matcher, patterns, kind in (
                (self.matcher, code.patterns, "p"),
                (self.exclusions, code.exclude_patterns, "x"),
            ):
                for i, raw in enumerate(patterns):
                    spec = as_spec(raw)
                    key = f"{kind}:{code.id}:{i}"
                    try:
                        matcher.add(key, spec)
                    except (ValueError, KeyError) as exc:  # spaCy's MatchPatternError is a ValueError
                        field = "patterns" if kind == "p" else "exclude_patterns"
                        raise CodebookError(
                            f"{codebook.name} {codebook.version}: code {code.id!r}, {field}[{i}] "
                            f"({pattern_label(spec)}): not a valid spaCy Matcher pattern: "
                            f"{str(exc).strip().splitlines()[-1]}") from exc
                    self._labels[vocab.strings[key]] = (code.id, pattern_label(spec))

    def __call__(self, doclike: Doc | Span) -> list[RuleHit]:
        parts = parts_doc(doclike)
        found = self.matcher(doclike, parts)
        # Exclusions only matter for codes that matched: most turns match none of them.
        if found and self._excluding.intersection(self._labels[key][0] for key, _, _ in found):
            excluded: dict[str, set[int]] = {}
            for key, start, end in self.exclusions(doclike, parts):
                code, _ = self._labels[key]
                excluded.setdefault(code, set()).update(range(start, end))
        else:
            excluded = {}
        hits: list[RuleHit] = []
        seen: set[tuple[str, str, int]] = set()
        offset = doclike.start if isinstance(doclike, Span) else 0
        for key, start, end in sorted(found, key=lambda m: (m[1], m[2])):
            code, label = self._labels[key]
            if excluded.get(code) and excluded[code].intersection(range(start, end)):
                continue
            if (code, label, start) in seen:
                continue  # gap patterns and the two Docs can find the same start twice
            seen.add((code, label, start))
            hits.append(RuleHit(code, label, start + offset, end + offset, doclike[start:end].text))
        return hits

    def match_spans(self, spans) -> list[list[RuleHit]]:
        """Hits per span, matching each underlying Doc once (sentences of one turn share a Doc)."""
        by_doc: dict[int, list[RuleHit]] = {}
        out = []
        for span in spans:
            if not isinstance(span, Span):
                out.append(self(span))
                continue
            key = id(span.doc)
            if key not in by_doc:
                by_doc[key] = self(span.doc)
            out.append([h for h in by_doc[key] if h.start >= span.start and h.end <= span.end])
        return out
