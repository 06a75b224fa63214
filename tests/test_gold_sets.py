"""The shipped gold sets: the shape eval/README.md promises, and no leak between them and the codebook.

A gold segment that is also a codebook example (or sits in two gold files) would make the
reported F1 measure memory instead of generalisation, so that is checked on every run.
"""

import json
import re
from collections import Counter

import pytest

from qualcode.evaluate import read_gold

from .conftest import EVAL

GOLD_FILES = sorted(EVAL.glob("gold_*.jsonl"))
THEMES = {"practical_support", "emotional_support", "social_support", "trust", "competition", "resilience"}


def normalised(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def test_the_six_sets_are_there():
    assert [p.stem for p in GOLD_FILES] == [
        "gold_dev", "gold_dev2", "gold_dev3", "gold_holdout", "gold_test", "gold_test2"]


@pytest.mark.parametrize("path", GOLD_FILES, ids=lambda p: p.stem)
def test_gold_set_shape(path, codebook):
    items = read_gold(path)
    assert THEMES <= {c.id for c in codebook[0].active_codes}
    ids = [g.id for g in items]
    assert len(set(ids)) == len(ids) and all(ids)
    per_code = Counter(c for g in items for c in g.codes)
    assert set(per_code) == THEMES  # the six themes of eval/README.md, each covered, nothing else
    assert min(per_code.values()) >= 15
    no_code = sum(1 for g in items if not g.codes) / len(items)
    assert 0.15 <= no_code <= 0.25  # "a fifth with no code"
    spoken = sum(1 for g in items if g.meta.get("style") == "spoken") / len(items)
    assert 0.45 <= spoken <= 0.75
    assert sum(1 for g in items if len(g.codes) >= 2) >= 0.15 * len(items)


def test_no_segment_in_two_sets_or_in_the_codebook(codebook):
    book = codebook[0]
    examples = {normalised(t) for c in book.codes for t in (*c.examples, *c.counter_examples)}
    seen: dict[str, str] = {}
    for path in GOLD_FILES:
        for g in read_gold(path):
            key = normalised(g.text)
            assert key not in examples, f"{path.name} {g.id} is a codebook example: {g.text}"
            assert key not in seen, f"{path.name} {g.id} is also in {seen[key]}"
            seen[key] = path.name


SECOND_CODER = sorted((EVAL / "second_coder").glob("*.jsonl"))


@pytest.mark.parametrize("path", SECOND_CODER, ids=lambda p: p.stem)
def test_second_coding_covers_its_gold_set(path):
    """bench/second_coder.py compares these with the gold sets: one line per gold segment, only themes."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    gold_ids = [g.id for g in read_gold(EVAL / f"gold_{path.stem}.jsonl")]
    assert sorted(r["id"] for r in rows) == sorted(gold_ids)
    assert all(set(r["codes"]) <= THEMES for r in rows)
    assert all("text" not in r for r in rows)  # codes only: the text lives in the gold set
