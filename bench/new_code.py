"""How fast corrections teach a code the codebook barely describes (a newly added code).

The gold sets were coded by the same conventions the codebook's examples follow, so for
the six established codes corrections have little left to teach (README, "Learning from
corrections"). A project meets the other case whenever a maintainer adds a code: a
definition, a few examples, maybe no patterns. This script makes that case out of the
real codebook: one code keeps only ``--keep`` of its examples (and, with ``--no-patterns``,
none of its patterns), and the learning curve on a gold set shows that code's F1 (and the
micro-F1 of all codes) after n reviewed segments.

    PYTHONPATH=src python bench/new_code.py [--gold eval/gold_dev2.jsonl] [--code trust ...]
        [--keep 5] [--no-patterns] [--sizes 0,25,50,100] [--seeds 3]

``--keywords-only`` builds the extreme of that case instead: every code keeps its patterns
and no examples or counter-examples (a first codebook of keywords, as NVivo and QualCoder
autocode), so the classifier learns from the decisions alone; it prints one learning curve.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from qualcode.codebook import parse_codebook  # noqa: E402
from qualcode.evaluate import format_curve, learning_curve, read_gold  # noqa: E402
from qualcode.nlp import load_pipeline  # noqa: E402
from qualcode.tagging import Tagger  # noqa: E402

THEMES = ["practical_support", "emotional_support", "social_support", "trust", "competition", "resilience"]


def thinned(raw: dict, code: str, keep: int, patterns: bool) -> dict:
    """The codebook with ``code`` reduced to its first ``keep`` examples (and no patterns)."""
    out = copy.deepcopy(raw)
    for c in out["codes"]:
        if c["id"] == code:
            c["examples"] = list(c.get("examples", []))[:keep]
            if not patterns:
                c["patterns"] = []
                c.pop("exclude_patterns", None)
    return out


def keywords_only(raw: dict) -> dict:
    """The codebook with every code's examples and counter-examples removed (patterns kept)."""
    out = copy.deepcopy(raw)
    for c in out["codes"]:
        c["examples"] = []
        c["counter_examples"] = []
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--codebook", default=str(ROOT / "codebooks" / "peer_support.yaml"))
    ap.add_argument("--gold", default=str(ROOT / "eval" / "gold_dev2.jsonl"))
    ap.add_argument("--code", action="append", choices=THEMES, help="the code to thin (default: all six, one at a time)")
    ap.add_argument("--keep", type=int, default=5, help="examples the thinned code keeps")
    ap.add_argument("--no-patterns", action="store_true", help="drop the thinned code's patterns too")
    ap.add_argument("--keywords-only", action="store_true",
                    help="no code keeps any example: one learning curve of all codes")
    ap.add_argument("--sizes", default="0,25,50,100")
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()

    nlp = load_pipeline()
    raw = yaml.safe_load(Path(args.codebook).read_text(encoding="utf-8"))
    gold = read_gold(args.gold)
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.keywords_only:
        book = parse_codebook(yaml.safe_dump(keywords_only(raw), allow_unicode=True))
        print(f"gold {Path(args.gold).name} ({len(gold)} segments); codebook of patterns only (no examples); "
              f"mean of {args.seeds} shuffles")
        print(format_curve(learning_curve(Tagger(nlp, book), gold, sizes, seeds=args.seeds)))
        return
    print(f"gold {Path(args.gold).name} ({len(gold)} segments); each thinned code keeps {args.keep} examples"
          f"{' and no patterns' if args.no_patterns else ' and its patterns'}; mean of {args.seeds} shuffles")
    print(f"{'code':<20} " + " ".join(f"{n:>12}" for n in sizes) + "   (code F1 / micro-F1 after n corrections)")
    gains = []
    for code in args.code or THEMES:
        t0 = time.perf_counter()
        book = parse_codebook(yaml.safe_dump(thinned(raw, code, args.keep, not args.no_patterns), allow_unicode=True))
        rows = learning_curve(Tagger(nlp, book), gold, sizes, seeds=args.seeds)
        cells = " ".join(f"{r['per_code_f1'][code]:.3f}/{r['micro_f1']:.3f}" for r in rows)
        print(f"{code:<20} {cells}   ({time.perf_counter() - t0:.0f} s)", flush=True)
        gains.append(rows[-1]["per_code_f1"][code] - rows[0]["per_code_f1"][code])
    if gains:
        print(f"mean gain of the thinned code's F1 from {sizes[0]} to {sizes[-1]} corrections: "
              f"{sum(gains) / len(gains):+.3f}")


if __name__ == "__main__":
    main()
