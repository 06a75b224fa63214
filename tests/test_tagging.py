"""The tagger on real Finnish: compound matching, exclusions, example suggestions, reasons, merged scores."""

from __future__ import annotations

import pytest

from qualcode.codebook import parse_codebook
from qualcode.tagging import Tagger, noisy_or, rule_score

from .conftest import EVAL

BOOK = """
name: test_book
version: 1.0.0
date: "2026-01-01"
tagging: {threshold: 0.5}
codes:
  - id: trust
    label: {fi: Luottamus, en: Trust}
    definition: {fi: luottamus, en: trust}
    patterns: [luottamus, luottaa, {lemma: "pitää sana", gap: 1}]
    exclude_patterns: [itseluottamus]
  - id: resilience
    label: {fi: Resilienssi, en: Resilience}
    definition: {fi: resilienssi, en: resilience}
    patterns: [itseluottamus, jaksaa]
  - id: competition
    label: {fi: Kilpailu, en: Competition}
    definition: {fi: kilpailu, en: competition}
    patterns: [{lemma: kilpailu, compound: false}]
  - id: social_support
    label: {fi: Sosiaalinen, en: Social}
    definition: {fi: sosiaalinen, en: social}
    examples:
      - Keikkakavereista on tullut minulle läheisiä ystäviä vuosien aikana.
"""


@pytest.fixture(scope="module")
def tagger(nlp):
    return Tagger(nlp, parse_codebook(BOOK))


def codes(tagger, text):
    return {s.code for s in tagger.suggest(tagger.nlp(text))}


def test_inflected_forms_match_lemma_patterns(tagger):
    assert "trust" in codes(tagger, "Luotan häneen täysin.")
    assert "trust" in codes(tagger, "Luottamuksella on väliä.")
    assert "trust" in codes(tagger, "Hän piti aina sanansa.")  # multi-word pattern with a gap


def test_compound_parts_match(tagger):
    found = tagger.suggest(tagger.nlp("Meillä on ollut luottamuspulaa."))
    trust = [s for s in found if s.code == "trust"]
    assert trust and trust[0].evidence[0].detail == "luottamuspulaa"


def test_compound_false_does_not_look_inside(tagger):
    assert "competition" in codes(tagger, "Kilpailu on kovaa.")
    assert "competition" not in codes(tagger, "Katsoin hiihtokilpailua.")


def test_exclusion_suppresses_only_its_own_code(tagger):
    found = codes(tagger, "Itseluottamus on kasvanut.")
    assert "trust" not in found
    assert "resilience" in found
    # an exclusion elsewhere in the segment does not hide a real trust match
    assert "trust" in codes(tagger, "Itseluottamus kasvoi, ja luotan kollegoihin.")


def test_example_suggests_without_keyword(tagger):
    found = tagger.suggest(tagger.nlp("Keikkakavereista on tullut ihan oikeita ystäviä."))
    social = [s for s in found if s.code == "social_support"]
    assert social, "the nearest example should propose social_support"
    assert social[0].evidence[0].source == "example"
    assert "nearest example" in social[0].reason and "Keikkakavereista" in social[0].reason


def test_reason_names_pattern_words_and_score(tagger):
    s = next(s for s in tagger.suggest(tagger.nlp("Luotan häneen.")) if s.code == "trust")
    assert s.source == "rule"
    assert s.reason.startswith('rule "luottaa" matched "Luotan"')
    assert s.reason.endswith(f"score {s.score:.2f}")
    assert s.evidence[0].as_dict()["pattern"] == "luottaa"


def test_more_patterns_more_certain(tagger):
    one = next(s for s in tagger.suggest(tagger.nlp("Luotan häneen.")) if s.code == "trust")
    two = next(s for s in tagger.suggest(tagger.nlp("Luotan häneen, luottamus on kova.")) if s.code == "trust")
    assert one.score == pytest.approx(rule_score(1)) == pytest.approx(0.6)
    assert two.score == pytest.approx(rule_score(2)) == pytest.approx(0.76)


def test_merge_is_noisy_or():
    assert noisy_or(0.6, 0.5) == pytest.approx(0.8)
    assert noisy_or() == 0.0


def test_thresholds_per_code(nlp):
    book = parse_codebook(BOOK.replace("patterns: [itseluottamus, jaksaa]",
                                       "patterns: [itseluottamus, jaksaa]\n    threshold: 0.9"))
    t = Tagger(nlp, book)
    assert "resilience" not in {s.code for s in t.suggest(nlp("Jaksan hyvin."))}
    assert "resilience" in {s.code for s in Tagger(nlp, parse_codebook(BOOK)).suggest(nlp("Jaksan hyvin."))}


def test_suggest_texts_matches_suggest(tagger):
    texts = ["Luotan häneen.", "Ei mitään tekemistä teemojen kanssa.", "Jaksan taas."]
    batch = [[s.code for s in sugg] for sugg in tagger.suggest_texts(texts, batch_size=2)]
    single = [[s.code for s in tagger.suggest(tagger.nlp(t))] for t in texts]
    assert batch == single
    assert batch[1] == []


def test_spans_of_one_doc_get_their_own_hits(tagger):
    doc = tagger.nlp("Luotan häneen. Jaksan hyvin.")
    first, second = list(doc.sents)[:2]
    a, b = tagger.suggest_many([first, second])
    assert {s.code for s in a} == {"trust"} and {s.code for s in b} == {"resilience"}


def test_invalid_token_pattern_is_a_codebook_error(nlp):
    from qualcode.codebook import CodebookError

    bad = BOOK.replace("patterns: [itseluottamus, jaksaa]",
                       "patterns: [itseluottamus, {tokens: [{LEMMA: jaksaa, NOT_AN_ATTR: true}]}]")
    with pytest.raises(CodebookError, match=r"resilience.*patterns\[1\]"):
        Tagger(nlp, parse_codebook(bad))


def test_classifier_evidence_names_the_codes_closest_example(nlp, codebook):
    """The classifier's score is shown with a real example sentence of that code, even when no
    example is near enough to count as evidence of its own."""
    from qualcode.tagging.tagger import CLASSIFIER

    tagger = Tagger(nlp, codebook[0])

    sentences = ["No se on kyl iso.", "Meil on semmonen oma porukka, niille me soitetaan suoraan.",
                 "Kukaan ei kysy miten mä jaksan.", "Ne vie meiltä keikat halvemmalla."]
    examples = {c.id: set(c.examples) for c in tagger.codebook.active_codes}
    seen = 0
    for spans in tagger.suggest_texts(sentences):
        for s in spans:
            for e in s.evidence:
                if e.pattern == CLASSIFIER:
                    seen += 1
                    assert e.detail in examples[s.code], (s.code, e.detail)
                    assert f'closest "{e.detail}"' in s.reason
    assert seen >= 3
    assert "(codebook examples)" not in repr([s.reason for spans in tagger.suggest_texts(sentences) for s in spans])


def test_required_lemmas_leave_out_optional_and_alternative_tokens(nlp):
    from qualcode.tagging.rules import required_lemmas

    pattern = [{"LEMMA": "olla"}, {"LEMMA": "hyvä", "OP": "?"}, {"LEMMA": {"IN": ["olo", "fiilis"]}},
               {"LEMMA": "tosi", "OP": "+"}, {"LOWER": "nyt"}]
    assert required_lemmas(pattern) == {"olla", "tosi"}
    book = parse_codebook(BOOK.replace("patterns: [itseluottamus, jaksaa]",
                                       "patterns: [{tokens: [{LEMMA: olla}, {LEMMA: hyvä, OP: '?'}, {LEMMA: olo}]}]"))
    found = Tagger(nlp, book).rules(nlp("Nyt on olo."))  # no "hyvä": the optional lemma is not required
    assert [h.code for h in found] == ["resilience"]


def test_prefiltered_matcher_finds_what_a_full_matcher_finds(nlp, codebook):
    """The multi-word patterns run only on Docs holding their required lemmas: on the gold
    sets' sentences (and a Span of each), the hits are exactly those of one Matcher with
    every pattern, some Docs are skipped and the others run a few of the pattern groups, so the
    filter is doing something."""
    from spacy.matcher import Matcher

    from qualcode.codebook import as_spec
    from qualcode.evaluate import read_gold
    from qualcode.tagging.rules import RuleMatcher, token_patterns

    book = codebook[0]
    pair = RuleMatcher(nlp.vocab, book).matcher
    assert sum(len(m) for m in pair.filtered.values()) > 50 and len(pair.unfiltered) >= 1
    full = Matcher(nlp.vocab)
    for code in book.active_codes:
        for i, raw in enumerate(code.patterns):
            pattern = token_patterns(as_spec(raw))
            if as_spec(raw).tokens is not None or len(pattern) > 1:
                full.add(f"p:{code.id}:{i}", [pattern])
    texts = [g.text for name in ("gold_dev.jsonl", "gold_dev2.jsonl") for g in read_gold(EVAL / name)]
    skipped = matched = most = 0
    for doc in nlp.pipe(texts):
        for doclike in (doc, doc[1:]):
            expected = sorted(full(doclike))
            candidates = pair.candidates(doclike)
            most = max(most, len(candidates))
            got = sorted(m for matcher in candidates for m in matcher(doclike))
            got = sorted(got + list(pair.unfiltered(doclike)))
            assert got == expected, doclike.text
            skipped += not candidates
            matched += bool(expected)
    assert matched >= 20 and skipped >= len(texts) // 2
    assert 1 <= most <= len(pair.filtered) // 10  # a sentence runs a few of the pattern groups, not all


def test_a_codebook_of_patterns_only_tags_and_learns_examples(nlp):
    """No code has examples (a maintainer's first keyword codebook): rules suggest, and accepted
    codings become nearest examples (this crashed in ExampleIndex.nearest)."""
    book = parse_codebook(BOOK.replace(
        "    examples:\n      - Keikkakavereista on tullut minulle läheisiä ystäviä vuosien aikana.\n", ""))
    assert not any(c.examples for c in book.codes)
    tagger = Tagger(nlp, book)
    assert {s.code for s in tagger.suggest(nlp("Luotan häneen täysin."))} == {"trust"}
    assert tagger.suggest(nlp("Keikkakavereista on tullut minulle ystäviä.")) == []
    accepted = "Keikkakavereista on tullut minulle läheisiä ystäviä vuosien aikana."
    learnt = Tagger(nlp, book, extra_examples=[("social_support", accepted)])
    hits = learnt.suggest(nlp("Keikkakavereista on tullut minulle läheisiä ystäviä."))
    assert [s.code for s in hits] == ["social_support"]
    assert accepted in hits[0].reason


def _record_parses(nlp, monkeypatch) -> list[str]:
    """The texts ``nlp.pipe`` is given from now on (until the test ends)."""
    parsed: list[str] = []
    real_pipe = nlp.pipe

    def pipe(texts, *args, **kwargs):
        texts = list(texts)
        parsed.extend(texts)
        return real_pipe(texts, *args, **kwargs)

    monkeypatch.setattr(nlp, "pipe", pipe)
    return parsed


def test_accepted_codings_join_the_examples_without_reparsing_or_caching(nlp, monkeypatch, tmp_path):
    """The codebook's sentences come from the cache; accepted codings (interview data) are
    parsed alone and never written to it, and give the same index as adding them later."""
    import numpy as np

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    book = parse_codebook(BOOK)
    Tagger(nlp, book)  # fills the cache
    cached = {p: p.read_bytes() for p in tmp_path.rglob("*.pkl")}
    assert cached
    parsed = _record_parses(nlp, monkeypatch)
    accepted = [("trust", "Mä luotan siihen porukkaan kyllä ihan täysin."),
                ("social_support", "Keikkakaverit pyys mut mukaan niiden iltaan.")]
    learnt = Tagger(nlp, book, extra_examples=accepted)
    assert parsed == [text for _, text in accepted]  # not the codebook's examples again
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.pkl")} == cached
    assert all(text not in p.read_bytes().decode("utf-8", "ignore") for p in cached for _, text in accepted)
    later = Tagger(nlp, book).examples.extended(accepted, learnt.text_features([t for _, t in accepted]))
    assert sorted(zip(later.codes, later.texts)) == sorted(zip(learnt.examples.codes, learnt.examples.texts))
    segments = learnt.text_features(["Luotan porukkaan.", "Mut pyydettiin mukaan iltaan.", "Sataa."])
    assert np.allclose(later.similarities(segments), learnt.examples.similarities(segments))
    nearest = learnt.examples.nearest(segments)
    assert nearest[0]["trust"].example == accepted[0][1]


def test_a_codebook_edit_parses_only_the_new_sentences(nlp, monkeypatch, tmp_path):
    """Maintainers edit examples often: the next run takes the other sentences' features from
    the cache of the earlier version, in a new process too (nothing held in memory)."""
    import numpy as np

    from qualcode.tagging import examples

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    book = parse_codebook(BOOK)
    before = Tagger(nlp, book)
    monkeypatch.setattr(examples, "_PARSED", examples.weakref.WeakKeyDictionary())  # as in a new process
    parsed = _record_parses(nlp, monkeypatch)
    new = "Mä luotan siihen et asiat pysyy meidän kesken."
    edited = parse_codebook(BOOK.replace("    examples:\n", f"    examples:\n      - {new}\n", 1))
    after = Tagger(nlp, edited)
    assert parsed == [new]
    assert len(after.examples.texts) == len(before.examples.texts) + 1
    for i, text in enumerate(before.examples.texts):  # the same features as parsing them again
        j = after.examples.texts.index(text)
        assert after.examples._lemmas[j] == before.examples._lemmas[i]
        assert np.array_equal(after.examples._vectors[j], before.examples._vectors[i])
