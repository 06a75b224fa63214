"""The code classifier trained on the codebook's examples and counter-examples, and how it merges with rules."""

from __future__ import annotations

import math

import pytest

from qualcode.codebook import parse_codebook
from qualcode.codebook.retag import WIDENED, TaggingDefinition
from qualcode.tagging import Tagger
from qualcode.tagging.classifier import codebook_training_set
from qualcode.tagging import tagger as tagger_module
from qualcode.tagging.tagger import CLASSIFIER, MODEL_BIAS, RULE_LOGIT, merged_score, noisy_or, rule_score

from .conftest import EVAL

BOOK = """
name: clf_book
version: 1.0.0
date: "2026-01-01"
codes:
  - id: trust
    label: {fi: Luottamus, en: Trust}
    definition: {fi: luottamus, en: trust}
    patterns: [luottaa]
    examples:
      - Voin kertoa hänelle mitä tahansa, se ei mene eteenpäin.
      - Ryhmässä puhutut asiat jäävät ryhmään.
      - En uskalla kertoa esimiehelle mitään, koska hän levittää kaiken.
      - Firma ei pitänyt lupaustaan, enkä usko enää mitään mitä ne sanovat.
      - Kollega pitää sanansa aina.
      - Meillä ei tarvitse pelätä, että joku kertoo asiat muille.
    counter_examples:
      - Laitoin luottokortin tiedot sovellukseen.
      - Luottoraja nostettiin viime kuussa.
  - id: resilience
    label: {fi: Resilienssi, en: Resilience}
    definition: {fi: resilienssi, en: resilience}
    patterns: [jaksaa]
    examples:
      - Olen ihan loppu, en tiedä kauanko tätä kestää.
      - Uni on mennyt sekaisin yövuoroista.
      - Olen oppinut sietämään epävarmuutta.
      - Väsymys painaa koko ajan.
      - Stressi kasvaa, kun tuloista ei ole varmuutta.
      - Selviän kyllä tästäkin.
  - id: direction
    label: {fi: Suunta, en: Direction}
    definition: {fi: suunta, en: direction}
  - id: vertical
    parent: direction
    label: {fi: Pysty, en: Vertical}
    definition: {fi: pysty, en: vertical}
    examples:
      - Johto ja keikkalaiset istuivat samassa pöydässä.
      - Esimiehet kuuntelivat keikkalaisia työpajassa.
"""


@pytest.fixture(scope="module")
def tagger(nlp):
    """BOOK's codes have six examples each: count them as established codes (see FEW_POSITIVES)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tagger_module, "FEW_POSITIVES", 0)
        yield Tagger(nlp, parse_codebook(BOOK))


def test_a_new_code_keeps_its_rules_and_nearest_examples(nlp):
    """A code with a handful of examples and patterns: its unsure classifier neither vetoes nor
    adds to its rules and nearest example, so the keyword alone suggests the code at the rule's
    score. A new code without patterns has its classifier join by noisy-OR."""
    tagger = Tagger(nlp, parse_codebook(BOOK))
    assert tagger.classifier.positives("trust") == 6 < tagger_module.FEW_POSITIVES
    for text in ("Luotan häneen täysin.", "Luotin siihen, että paketti tulee ajoissa."):
        s = next(s for s in tagger.suggest(tagger.nlp(text)) if s.code == "trust")
        rule = [e for e in s.evidence if e.source == "rule"]
        nearest = [e.score for e in s.evidence if e.source == "example"]
        assert rule and not any(e.pattern == CLASSIFIER for e in s.evidence)
        assert s.score == pytest.approx(noisy_or(rule_score(1), *nearest))
    paraphrase = tagger.nlp("Johto ja keikkalaiset istuivat samassa pöydässä ja esimiehet kuuntelivat.")
    p = tagger.classifier.predict_code_proba(tagger.features([paraphrase]))[0]["vertical"]
    (res,) = tagger.score_many([paraphrase])
    score, evidence = res["vertical"]
    clf = next(e for e in evidence if e.pattern == CLASSIFIER)
    nearest = [e.score for e in evidence if e.source == "example" and e.pattern != CLASSIFIER]
    assert clf.score == pytest.approx(p) and score == pytest.approx(noisy_or(*nearest, p))
    with pytest.MonkeyPatch.context() as mp:  # the same code counted as established: the merge
        mp.setattr(tagger_module, "FEW_POSITIVES", 0)
        s = next(s for s in tagger.suggest(tagger.nlp("Luotan häneen täysin.")) if s.code == "trust")
        clf = next(e for e in s.evidence if e.pattern == CLASSIFIER)
        assert s.score == pytest.approx(merged_score(clf.score, 1))


def test_a_code_needs_as_many_negatives_as_positives(nlp):
    """Trust alone, six examples against two counter-examples: no classifier (it would learn that
    most speech is trust); as many counter-examples as examples: a classifier."""
    from qualcode.tagging.classifier import has_contrast, without_contrast

    alone = BOOK.split("  - id: resilience")[0]
    book = parse_codebook(alone)
    assert without_contrast(book) == {"trust": (6, 2)} and not has_contrast(6, 2)
    assert Tagger(nlp, book).classifier is None
    weather = "".join(f"      - Sää oli eilen {w}.\n" for w in ("sateinen", "aurinkoinen", "tuulinen", "kylmä"))
    book = parse_codebook(alone.replace("      - Luottoraja nostettiin viime kuussa.\n",
                                        "      - Luottoraja nostettiin viime kuussa.\n" + weather))
    assert without_contrast(book) == {} and has_contrast(6, 6)
    assert "trust" in Tagger(nlp, book).classifier.estimators_


def test_training_set_labels_follow_the_hierarchy():
    texts, labels = codebook_training_set(parse_codebook(BOOK))
    by_text = dict(zip(texts, labels))
    assert by_text["Kollega pitää sanansa aina."] == {"trust": 1, "resilience": 0, "direction": 0, "vertical": -1}
    # a sub-code's example says nothing about the top-level themes
    assert by_text["Esimiehet kuuntelivat keikkalaisia työpajassa."] == {
        "trust": -1, "resilience": -1, "direction": -1, "vertical": 1}
    assert by_text["Luottoraja nostettiin viime kuussa."] == {c: 0 for c in ("trust", "resilience", "direction",
                                                                             "vertical")}


def test_classifier_suggests_a_paraphrase_with_no_keyword(tagger):
    found = {s.code: s for s in tagger.suggest(tagger.nlp("Olen niin väsynyt, etten saa enää unta."))}
    assert "resilience" in found and "trust" not in found
    s = found["resilience"]
    assert [e.source for e in s.evidence] == ["example"]  # no rule matched
    assert s.evidence[0].detail in parse_codebook(BOOK).code("resilience").examples
    assert s.score == pytest.approx(merged_score(s.evidence[0].score, 0))


def test_rule_match_raises_the_classifier_score(tagger):
    s = next(s for s in tagger.suggest(tagger.nlp("Luotan häneen täysin.")) if s.code == "trust")
    assert {e.source for e in s.evidence} == {"rule", "example"}
    p = next(e.score for e in s.evidence if e.source == "example")
    assert s.score == pytest.approx(merged_score(p, 1)) and s.score > p


def test_merged_score_arithmetic():
    logit = lambda p: math.log(p / (1 - p))  # noqa: E731
    assert logit(merged_score(0.5, 0)) == pytest.approx(MODEL_BIAS)
    assert logit(merged_score(0.5, 1)) == pytest.approx(MODEL_BIAS + RULE_LOGIT)
    assert merged_score(0.2, 2) > merged_score(0.2, 1) > merged_score(0.2, 0)


def test_retired_code_examples_stay_negatives():
    book = parse_codebook(BOOK.replace("    patterns: [jaksaa]\n", "    patterns: [jaksaa]\n    status: retired\n"))
    texts, labels = codebook_training_set(book)
    row = labels[texts.index("Väsymys painaa koko ajan.")]
    assert row == {"trust": 0, "direction": 0, "vertical": -1}  # resilience is no longer a target


def test_any_example_change_retags_every_code():
    old = parse_codebook(BOOK)
    new = parse_codebook(BOOK.replace("      - Selviän kyllä tästäkin.\n", ""))
    before, after = TaggingDefinition.of(old, old.code("trust")), TaggingDefinition.of(new, new.code("trust"))
    assert before.examples == after.examples  # trust's own examples did not change ...
    assert after.compare(before) == WIDENED  # ... but its classifier learnt from resilience's


def test_word_by_word_ngrams_equal_the_vectorizer():
    """WordNgrams gives the fitted char_wb vectorizer's own TF-IDF matrix: same n-grams, counts
    summed over repeated words and shared n-grams, unknown n-grams left out, empty texts empty."""
    import pickle
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    from qualcode.evaluate import read_gold
    from qualcode.tagging.classifier import CodeClassifier
    from qualcode.tagging.features import SegmentFeatures
    from qualcode.tagging.ngrams import WordNgrams

    train = [g.text for g in read_gold(EVAL / "gold_dev.jsonl")]
    texts = [g.text for g in read_gold(EVAL / "gold_dev2.jsonl")] + [
        "", "   ", "ÄÄ ää  Ää\tää\n", "kyl kyl kyl", "x", "Luottamus; luottamuspula - LUOTTAMUS!", "qzxj wvwv"]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                                 dtype=np.float32).fit(train)
    words = WordNgrams(vectorizer)
    expected, got = vectorizer.transform(texts), words.transform(texts)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    assert abs(got - expected).max() < 1e-6
    assert got[len(texts) - 7].nnz == 0 and got[len(texts) - 5].nnz > 0
    assert np.allclose(words.transform(texts).toarray(), got.toarray())  # second pass, from the cache

    feats = [SegmentFeatures(t.lower().split(), np.ones(3, dtype=np.float32), t.lower()) for t in train]
    clf = CodeClassifier(["a"]).fit(feats, np.array([[i % 2] for i in range(len(feats))]))
    before = clf.predict_proba(feats[:20])
    assert "_word_ngrams" in clf.__dict__
    again = pickle.loads(pickle.dumps(clf))
    assert "_word_ngrams" not in again.__dict__  # the per-process cache is not stored with the model
    assert np.allclose(again.predict_proba(feats[:20]), before)


def test_decisions_recalibrate_a_new_codes_scores(nlp, monkeypatch):
    """A code added with five examples and no patterns: its classifier ranks segments but puts
    them all near 0, so nothing is suggested. After researchers' decisions its scores are
    recalibrated on them, and held-back segments of the code are suggested; the established
    codes' scores are not touched, nor a new code's that has patterns (its rules find it).
    (The real codebook, trust and competition thinned; decisions from dev2.)"""
    import numpy as np
    import yaml

    from qualcode.evaluate import read_gold, scores
    from qualcode.tagging import classifier as classifier_module
    from qualcode.tagging.classifier import FEW_POSITIVES
    from qualcode.tagging.model import fit_with_base, label_matrix

    from .conftest import CODEBOOK

    raw = yaml.safe_load(CODEBOOK.read_text(encoding="utf-8"))
    trust = next(c for c in raw["codes"] if c["id"] == "trust")
    trust["examples"], trust["patterns"] = trust["examples"][:5], []
    trust.pop("exclude_patterns", None)
    competition = next(c for c in raw["codes"] if c["id"] == "competition")
    competition["examples"] = competition["examples"][:5]  # new, but with its patterns
    tagger = Tagger(nlp, parse_codebook(yaml.safe_dump(raw, allow_unicode=True)))
    gold = read_gold(EVAL / "gold_dev2.jsonl")
    order = np.random.default_rng(0).permutation(len(gold))
    decided, held_back = order[:140], order[140:]
    themes = [c for c in tagger.classifier.codes_ if any(c in g.codes for g in gold)]
    codes = tagger.classifier.codes_
    feats = tagger.text_features([g.text for g in gold])
    Y = label_matrix([{c: int(c in g.codes) for c in themes} for g in gold], codes)

    def trust_f1(model):
        merged = tagger.merged_scores([feats[i] for i in held_back], model)
        predicted = [[c for c in m if c == "trust" and m[c] >= tagger.threshold(c)] for m in merged]
        return scores([gold[i].codes for i in held_back], predicted, ["trust"])["per_code"]["trust"]["f1"]

    model = tagger.correction_model([feats[i] for i in decided], Y[decided])
    assert model.positives("competition") < FEW_POSITIVES
    # Only trust: competition has patterns, the other themes hundreds of positives.
    assert set(model.calibration_) == {"trust"}
    assert "recalibrated" in model.describe("trust") and "recalibrated" not in model.describe("resilience")
    assert not tagger.classifier.calibration_  # the codebook alone: no decisions, nothing to calibrate
    anything = fit_with_base(codes, tagger.codebook_training(), [feats[i] for i in decided], Y[decided])
    assert set(anything.calibration_) == {"trust", "competition"}  # recalibrate=None: any new code
    monkeypatch.setattr(classifier_module, "MIN_CALIBRATION", 10_000)
    plain = tagger.correction_model([feats[i] for i in decided], Y[decided])
    assert not plain.calibration_
    probe = [feats[i] for i in held_back]
    for code in ("resilience", "competition"):
        j = codes.index(code)
        assert np.allclose(model.predict_proba(probe)[:, j], plain.predict_proba(probe)[:, j])
    before, after = trust_f1(plain), trust_f1(model)
    assert after >= before + 0.2, (before, after)
