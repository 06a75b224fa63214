"""Evaluation extras against hand-computed values: subsets, the no-code rate, the CLI faces."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from qualcode.cli import main
from qualcode.evaluate import GoldItem, no_code_rate, read_gold, subset_scores


def test_subsets_and_no_code_rate_by_hand():
    items = [GoldItem("a", frozenset({"x"}), "1", {"style": "spoken"}),
             GoldItem("b", frozenset(), "2", {"style": "spoken"}),
             GoldItem("c", frozenset({"y"}), "3", {"style": "standard"}),
             GoldItem("d", frozenset(), "4", {"style": "standard"})]
    predicted = [["x"], ["y"], [], []]
    by = subset_scores(items, predicted, ["x", "y"], "style")
    # spoken: x tp=1, y fp=1 -> P=1/2 R=1 F1=2/3 ; standard: y fn=1 -> all 0
    assert by["spoken"]["micro"]["f1"] == pytest.approx(2 / 3)
    assert by["standard"]["micro"]["recall"] == 0
    assert no_code_rate(items, predicted) == {"segments": 2, "given_a_code": 1, "rate": 0.5}


def test_read_gold_keeps_style_and_speaker(tmp_path):
    p = tmp_path / "g.jsonl"
    p.write_text(json.dumps({"id": "g1", "text": "x", "codes": ["trust"], "style": "spoken",
                             "speaker": "ohs"}) + "\n", encoding="utf-8")
    (item,) = read_gold(p)
    assert item.meta == {"style": "spoken", "speaker": "ohs"} and item.id == "g1"


def test_cli_evaluate_and_learning_curve(tmp_path, nlp):
    lines = [("Luotan kollegoihin täysin.", ["trust"]), ("Kilpailu keikoista on kovaa.", ["competition"]),
             ("Vuoro alkaa kuudelta.", []), ("En jaksa enää.", ["resilience"])] * 3
    gold = tmp_path / "gold.jsonl"
    gold.write_text("\n".join(json.dumps({"text": t, "codes": c, "style": "standard"}, ensure_ascii=False)
                              for t, c in lines), encoding="utf-8")
    r = CliRunner().invoke(main, ["evaluate", "--gold", str(gold), "--json"])
    assert r.exit_code == 0, r.output
    report = json.loads(r.output)
    assert report["n"] == 12 and report["micro"]["f1"] > 0.9
    assert report["no_code"]["segments"] == 3
    r = CliRunner().invoke(main, ["evaluate", "--gold", str(gold), "--learning-curve", "--sizes", "0,4", "--json"])
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    # one decision per segment and scored code: the three codes this gold set labels
    assert [row["segments"] for row in rows] == [0, 4] and rows[1]["decisions"] == 4 * 3
    bad = CliRunner().invoke(main, ["evaluate", "--gold", str(gold), "--learning-curve", "--sizes", "a"])
    assert bad.exit_code != 0 and "--sizes" in bad.output


def test_cli_train_without_decisions(db_url):
    r = CliRunner().invoke(main, ["--db", db_url, "train", "--show"])
    assert r.exit_code == 1 and "no model trained yet" in r.output
