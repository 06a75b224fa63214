"""How far a second coder agrees with a gold set's author, next to how far the tagger does.

The gold sets were each coded once. A second coder (``eval/second_coder/``) coded the same
segments blind, from the same definitions and rules. Their codes, scored against the gold
set the way the tagger's are (micro precision, recall and F1 over the codes the gold set
labels, and Cohen's kappa per code), show how much of the tagger's distance from the gold
set two careful coders would also have. Prints, per set: second coder vs gold, tagger vs gold, tagger vs second coder.

    PYTHONPATH=src python bench/second_coder.py [--codebook PATH] [SET ...]

SET is a gold set's name (dev2, dev3, test, test2); default: every set with a second coding.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from qualcode.agreement import cohen_kappa  # noqa: E402
from qualcode.evaluate import evaluated_codes, read_gold, scores  # noqa: E402

EVAL = ROOT / "eval"


def second_coding(name: str) -> dict[str, frozenset[str]]:
    path = EVAL / "second_coder" / f"{name}.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["id"]: frozenset(r["codes"]) for r in rows}


def kappas(a: list[frozenset[str]], b: list[frozenset[str]], codes: list[str]) -> dict[str, float | None]:
    return {c: cohen_kappa([int(c in x) for x in a], [int(c in x) for x in b]) for c in codes}


def line(label: str, reference: list[frozenset[str]], other: list[frozenset[str]], codes: list[str]) -> str:
    micro = scores(reference, other, codes)["micro"]
    k = kappas(reference, other, codes)
    mean_k = sum(v for v in k.values() if v is not None) / max(1, sum(v is not None for v in k.values()))
    per = " ".join(f"{c[:5]} {v:.2f}" for c, v in k.items() if v is not None)
    return (f"  {label:26s} P {micro['precision']:.3f} R {micro['recall']:.3f} F1 {micro['f1']:.3f}"
            f"  kappa mean {mean_k:.2f} ({per})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sets", nargs="*")
    ap.add_argument("--codebook", default=str(ROOT / "codebooks" / "peer_support.yaml"))
    args = ap.parse_args()
    names = args.sets or sorted(p.stem for p in (EVAL / "second_coder").glob("*.jsonl"))

    from qualcode.codebook import load_codebook
    from qualcode.nlp import load_pipeline
    from qualcode.tagging.tagger import Tagger

    tagger = Tagger(load_pipeline(), load_codebook(args.codebook)[0])
    for name in names:
        items = read_gold(EVAL / f"gold_{name}.jsonl")
        second = second_coding(name)
        missing = [g.id for g in items if g.id not in second]
        if missing:
            raise SystemExit(f"eval/second_coder/{name}.jsonl lacks {len(missing)} ids, e.g. {missing[:3]}")
        codes = evaluated_codes(tagger.codebook, items)  # the codes the gold set labels
        gold = [frozenset(g.codes) for g in items]
        coder = [second[g.id] for g in items]
        tagged = [frozenset(s.code for s in suggestions if s.code in codes)
                  for suggestions in tagger.suggest_texts([g.text for g in items])]
        both = sum(1 for g, c in zip(gold, coder) if g == c)
        print(f"{name} ({len(items)} segments; the two coders gave the same codes to {both}, "
              f"{both / len(items):.0%})")
        print(line("second coder vs gold", gold, coder, codes))
        print(line("tagger vs gold", gold, tagged, codes))
        print(line("tagger vs second coder", coder, tagged, codes))


if __name__ == "__main__":
    main()
