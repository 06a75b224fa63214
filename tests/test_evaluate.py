"""Evaluation arithmetic against hand-computed values."""

import json

import pytest

from qualcode.evaluate import GoldFileError, calibration, read_gold, scores


def test_per_code_micro_macro_by_hand():
    gold = [{"a"}, {"a", "b"}, set(), {"b"}]
    pred = [{"a"}, {"a"}, {"b"}, {"a"}]
    r = scores(gold, pred, ["a", "b", "c"])
    # a: tp=2 fp=1 fn=0 -> P=2/3 R=1 F1=0.8 ; b: tp=0 fp=1 fn=2 -> 0,0,0 ; c: all zero
    assert r["per_code"]["a"]["precision"] == pytest.approx(2 / 3)
    assert r["per_code"]["a"]["f1"] == pytest.approx(0.8)
    assert r["per_code"]["b"]["fn"] == 2 and r["per_code"]["b"]["f1"] == 0
    # micro: tp=2 fp=2 fn=2 -> P=R=F1=0.5
    assert r["micro"] == pytest.approx({"precision": 0.5, "recall": 0.5, "f1": 0.5})
    # macro over a, b, c: F1 = (0.8 + 0 + 0) / 3
    assert r["macro"]["f1"] == pytest.approx(0.8 / 3)
    assert r["n"] == 4
    assert {"gold": "b", "suggested": "a", "count": 1} in r["confusion"]


def test_read_gold_reports_line(tmp_path):
    p = tmp_path / "g.jsonl"
    p.write_text(json.dumps({"text": "x", "codes": []}) + "\n{broken\n", encoding="utf-8")
    with pytest.raises(GoldFileError, match=r"g.jsonl:2"):
        read_gold(p)


def test_codes_the_gold_set_does_not_label_are_not_scored(codebook):
    from qualcode.evaluate import GoldItem, evaluated_codes

    book = codebook[0]
    items = [GoldItem("x", frozenset({"trust"})), GoldItem("y", frozenset({"competition", "trust"})),
             GoldItem("z", frozenset())]
    assert evaluated_codes(book, items) == [c.id for c in book.active_codes if c.id in ("trust", "competition")]
    assert evaluated_codes(book, [GoldItem("z", frozenset())]) == [c.id for c in book.active_codes]


def test_calibration_by_hand():
    # pairs (score, coded): a 0.9 y, b 0.9 n, a 0.2 n, b 0.0 n, a 1.0 y, b 0.25 y
    gold = [{"a"}, set(), {"a", "b"}]
    maps = [{"a": 0.9, "b": 0.9}, {"a": 0.2}, {"a": 1.0, "b": 0.25}]
    cal = calibration(gold, maps, ["a", "b"], bins=4)
    assert cal["pairs"] == 6
    by_low = {b["low"]: b for b in cal["bins"]}
    assert sorted(by_low) == [0.0, 0.25, 0.75]  # no pair in [0.5, 0.75)
    assert by_low[0.0]["n"] == 2 and by_low[0.0]["mean_score"] == pytest.approx(0.1)
    assert by_low[0.0]["share_coded"] == 0.0
    assert by_low[0.25]["n"] == 1 and by_low[0.25]["share_coded"] == 1.0
    assert by_low[0.75]["n"] == 3  # 0.9, 0.9 and 1.0 (the top bin includes 1.0)
    assert by_low[0.75]["mean_score"] == pytest.approx(2.8 / 3) and by_low[0.75]["share_coded"] == pytest.approx(2 / 3)
    ece = 2 / 6 * 0.1 + 1 / 6 * 0.75 + 3 / 6 * abs(2.8 / 3 - 2 / 3)
    assert cal["ece"] == pytest.approx(ece)
    brier = (0.01 + 0.81 + 0.04 + 0.0 + 0.0 + 0.5625) / 6
    assert cal["brier"] == pytest.approx(brier)


def test_report_names_gold_codes_the_codebook_lacks_and_codes_it_does_not_score(nlp):
    """A one-code codebook on a gold set of two codes: the other gold code counts as misses,
    and the report says so (which an analyst could not tell from the numbers alone)."""
    from qualcode.codebook import parse_codebook
    from qualcode.evaluate import GoldItem, evaluate_tagger, format_report
    from qualcode.tagging import Tagger

    book = parse_codebook("""
name: one
version: 1.0.0
date: "2026-01-01"
codes:
  - id: trust
    label: {fi: Luottamus, en: Trust}
    definition: {fi: luottamus, en: trust}
    patterns: [luottaa]
  - id: resilience
    label: {fi: Resilienssi, en: Resilience}
    definition: {fi: resilienssi, en: resilience}
    patterns: [jaksaa]
""")
    items = [GoldItem("Luotan häneen täysin.", frozenset({"trust"})),
             GoldItem("Kilpailu on kovaa ja luotan vain itseeni.", frozenset({"competition", "trust"}))]
    report = evaluate_tagger(Tagger(nlp, book), items)
    assert report["not_in_codebook"] == ["competition"] and report["not_scored"] == ["resilience"]
    assert report["per_code"]["competition"]["fn"] == 1 and report["per_code"]["trust"]["tp"] == 2
    assert report["micro"]["recall"] == pytest.approx(2 / 3)
    text = format_report(report)
    assert "no active code for (counted as misses): competition" in text
    assert "does not label (not scored): resilience" in text


def test_a_models_report_names_the_new_codes_it_treats_apart():
    """`qualcode train` prints a stored model's scores with format_report: the new codes that are
    recalibrated or left to their patterns are named there too, as in the app's model tab."""
    from qualcode.evaluate import format_report

    report = {**scores([{"a"}, {"b"}], [{"a"}, set()], ["a", "b"]),
              "recalibrated_codes": ["c"], "rule_led_codes": ["d", "e"]}
    text = format_report(report)
    assert "scores recalibrated on the decisions: c" in text
    assert "nearest examples, not the model: d, e" in text
    assert "recalibrated" not in format_report(scores([{"a"}], [{"a"}], ["a"]))
