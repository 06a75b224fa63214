"""Measure the pre-tagger against a gold set: per-code and micro/macro precision, recall, F1.

Gold files are JSON lines ``{"text": ..., "codes": [...]}``. A code no gold item carries and
the tagger never suggests still appears per code with zero counts, so macro averages are
over the codebook's codes, not over whatever happened to occur.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass
class GoldItem:
    text: str
    codes: frozenset[str]
    id: str = ""


class GoldFileError(ValueError):
    pass


def read_gold(path: str | Path) -> list[GoldItem]:
    path = Path(path)
    items = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise GoldFileError(f"{path}: cannot read: {exc.strerror}") from exc
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            text, codes = obj["text"], obj.get("codes", [])
            if not isinstance(text, str) or not isinstance(codes, list):
                raise TypeError
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise GoldFileError(f'{path}:{n}: expected {{"text": "...", "codes": [...]}}') from exc
        items.append(GoldItem(text, frozenset(codes), str(obj.get("id", n))))
    return items


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f}


def scores(gold: Sequence[Iterable[str]], predicted: Sequence[Iterable[str]], codes: Iterable[str]) -> dict:
    """Per-code and micro/macro precision, recall and F1, plus which codes get mixed up."""
    if len(gold) != len(predicted):
        raise ValueError("gold and predicted must have the same length")
    codes = list(dict.fromkeys(codes))
    tp, fp, fn = Counter(), Counter(), Counter()
    confusion: Counter = Counter()
    for g, p in zip(gold, predicted):
        g, p = set(g), set(p)
        for c in g | p:
            if c not in codes:
                codes.append(c)
        for c in p & g:
            tp[c] += 1
        for c in p - g:
            fp[c] += 1
            for missed in g - p:
                confusion[(missed, c)] += 1  # gold `missed`, suggested `c` instead
        for c in g - p:
            fn[c] += 1
    per_code = {c: {**_prf(tp[c], fp[c], fn[c]), "tp": tp[c], "fp": fp[c], "fn": fn[c],
                    "support": tp[c] + fn[c]} for c in codes}
    micro = _prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    macro = {k: (sum(per_code[c][k] for c in codes) / len(codes) if codes else 0.0)
             for k in ("precision", "recall", "f1")}
    return {
        "n": len(gold),
        "micro": micro,
        "macro": macro,
        "per_code": per_code,
        "confusion": [{"gold": a, "suggested": b, "count": n} for (a, b), n in confusion.most_common()],
    }


def format_report(report: dict) -> str:
    lines = [f"{'code':<20} {'P':>6} {'R':>6} {'F1':>6} {'support':>8}"]
    for code, s in report["per_code"].items():
        lines.append(f"{code:<20} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f} {s['support']:8d}")
    for avg in ("micro", "macro"):
        s = report[avg]
        lines.append(f"{avg:<20} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f}")
    lines.append(f"segments: {report['n']}")
    if report.get("confusion"):
        top = ", ".join(f"{c['gold']}->{c['suggested']} ({c['count']})" for c in report["confusion"][:5])
        lines.append(f"most mixed (gold->suggested): {top}")
    return "\n".join(lines)
