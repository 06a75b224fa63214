"""Measure the pre-tagger against a gold set: per-code and micro/macro precision, recall, F1.

Gold files are JSON lines ``{"text": ..., "codes": [...]}``. A code no gold item carries and
the tagger never suggests still appears per code with zero counts, so macro averages are
over the codebook's codes, not over whatever happened to occur.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class GoldItem:
    text: str
    codes: frozenset[str]
    id: str = ""
    meta: dict = field(default_factory=dict)  # other fields of the line (style, speaker)


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
        meta = {k: v for k, v in obj.items() if k not in ("text", "codes", "id") and isinstance(v, str)}
        items.append(GoldItem(text, frozenset(codes), str(obj.get("id", n)), meta))
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
        "confusion": [{"gold": a, "suggested": b, "count": n}  # ties by name: the same report in every process
                      for (a, b), n in sorted(confusion.items(), key=lambda item: (-item[1], item[0]))],
    }


def format_report(report: dict) -> str:
    lines = [f"{'code':<20} {'P':>6} {'R':>6} {'F1':>6} {'support':>8}"]
    for code, s in report["per_code"].items():
        lines.append(f"{code:<20} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f} {s['support']:8d}")
    for avg in ("micro", "macro"):
        s = report[avg]
        lines.append(f"{avg:<20} {s['precision']:6.3f} {s['recall']:6.3f} {s['f1']:6.3f}")
    lines.append(f"segments: {report['n']}")
    for key in ("by_style", "by_speaker"):
        if report.get(key):
            lines.append(key.replace("_", " ") + ": " + ", ".join(
                f"{k} F1 {v['micro']['f1']:.3f} (n={v['n']})" for k, v in report[key].items()))
    if report.get("no_code"):
        nc = report["no_code"]
        lines.append(f"segments with no gold code given a code: {nc['given_a_code']}/{nc['segments']} "
                     f"({nc['rate']:.1%})")
    if report.get("calibration"):
        cal = report["calibration"]
        lines.append(f"score calibration: ECE {cal['ece']:.3f}, Brier {cal['brier']:.3f} over {cal['pairs']} "
                     "segment-code pairs (per bin: " + ", ".join(
                         f"{b['mean_score']:.2f}->{b['share_coded']:.2f}" for b in cal["bins"]) + ")")
    if report.get("confusion"):
        top = ", ".join(f"{c['gold']}->{c['suggested']} ({c['count']})" for c in report["confusion"][:5])
        lines.append(f"most mixed (gold->suggested): {top}")
    if report.get("not_in_codebook"):
        lines.append("gold codes the codebook has no active code for (counted as misses): "
                     + ", ".join(report["not_in_codebook"]))
    if report.get("not_scored"):
        lines.append("codebook codes the gold set does not label (not scored): " + ", ".join(report["not_scored"]))
    # A trained model's scores (qualcode train) also say which new codes it treats apart, as the app's model tab does.
    if report.get("recalibrated_codes"):
        lines.append("new codes without patterns, scores recalibrated on the decisions: "
                     + ", ".join(report["recalibrated_codes"]))
    if report.get("rule_led_codes"):
        lines.append("new codes with patterns, suggested by their patterns and nearest examples, not the model: "
                     + ", ".join(report["rule_led_codes"]))
    return "\n".join(lines)


def subset_scores(items: Sequence[GoldItem], predicted: Sequence[Iterable[str]], codes: Iterable[str],
                  key: str) -> dict[str, dict]:
    """``scores`` per value of a gold field (``style``: spoken/standard, ``speaker``)."""
    groups: dict[str, list[int]] = {}
    for i, item in enumerate(items):
        groups.setdefault(item.meta.get(key, "?"), []).append(i)
    codes = list(codes)
    return {value: scores([items[i].codes for i in idx], [predicted[i] for i in idx], codes)
            for value, idx in sorted(groups.items())}


def no_code_rate(items: Sequence[GoldItem], predicted: Sequence[Iterable[str]]) -> dict:
    """How often segments with no gold code get a suggestion anyway."""
    empty = [i for i, g in enumerate(items) if not g.codes]
    flagged = sum(1 for i in empty if set(predicted[i]))
    return {"segments": len(empty), "given_a_code": flagged, "rate": flagged / len(empty) if empty else 0.0}


def calibration(gold: Sequence[Iterable[str]], score_maps: Sequence[dict[str, float]], codes: Iterable[str],
                bins: int = 10) -> dict:
    """Do the scores mean what they say? Per score bin: how many (segment, code) pairs, their
    mean score and the share that the gold set codes; plus the expected calibration error (the
    pair-weighted mean gap between the two) and the Brier score. A code with no score is 0."""
    codes = list(codes)
    pairs = [(float(m.get(c, 0.0)), 1.0 if c in set(g) else 0.0) for g, m in zip(gold, score_maps) for c in codes]
    rows, ece = [], 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        inside = [(s, y) for s, y in pairs if lo <= s < hi or (b == bins - 1 and s == 1.0)]
        if not inside:
            continue
        mean_score = sum(s for s, _ in inside) / len(inside)
        correct = sum(y for _, y in inside) / len(inside)
        ece += len(inside) / len(pairs) * abs(mean_score - correct)
        rows.append({"low": lo, "high": hi, "n": len(inside), "mean_score": mean_score, "share_coded": correct})
    brier = sum((s - y) ** 2 for s, y in pairs) / len(pairs) if pairs else 0.0
    return {"bins": rows, "ece": ece, "brier": brier, "pairs": len(pairs)}


def evaluated_codes(codebook, items: Sequence[GoldItem]) -> list[str]:
    """The codebook's active codes the gold set labels (all of them if it labels none).

    A gold set written for the six top-level themes says nothing about sub-codes added in a
    later codebook version; suggesting one of those is not an error, so it is not scored.
    """
    active = [c.id for c in codebook.active_codes]
    used = {c for g in items for c in g.codes}
    return [c for c in active if c in used] or active


def evaluate_tagger(tagger, items: Sequence[GoldItem]) -> dict:
    """The full report for a tagger on a gold set: scores, spoken/standard and speaker subsets, no-code rate."""
    codes = evaluated_codes(tagger.codebook, items)
    # One merged score per code and segment: thresholded, the suggestions; binned, the calibration.
    merged = tagger.merged_scores(tagger.text_features([g.text for g in items]))
    predicted = [[c for c in codes if m.get(c, 0.0) >= tagger.threshold(c)] for m in merged]
    report = scores([g.codes for g in items], predicted, codes)
    report["by_style"] = {k: {"n": v["n"], "micro": v["micro"]} for k, v in
                          subset_scores(items, predicted, codes, "style").items()}
    report["by_speaker"] = {k: {"n": v["n"], "micro": v["micro"]} for k, v in
                            subset_scores(items, predicted, codes, "speaker").items()}
    report["no_code"] = no_code_rate(items, predicted)
    report["not_scored"] = sorted({c.id for c in tagger.codebook.active_codes} - set(codes))
    # Gold codes the codebook lacks (a partial codebook, a renamed code) count as misses: say so.
    report["not_in_codebook"] = sorted({c for g in items for c in g.codes} - set(codes))
    report["calibration"] = calibration([g.codes for g in items], merged, codes)
    return report


def learning_curve(tagger, items: Sequence[GoldItem], sizes: Sequence[int] = (0, 25, 50, 100, 150),
                   seeds: int = 3, test_fraction: float = 1 / 3,
                   train_items: Sequence[GoldItem] | None = None, **params) -> list[dict]:
    """Micro-F1 on held-back gold items after training the correction model on n others.

    Each gold segment stands for a reviewed segment: one decision per scored code (accepted
    or implicitly not given). For each seed the set is shuffled, a ``test_fraction`` is held
    back, and the classifier is retrained on the codebook's examples plus the first n of the
    rest, as the product does after n reviewed segments (``tagging.learning``); n = 0 is the
    codebook alone. With ``train_items`` the corrections come from that set (shuffled per
    seed) and every item of ``items`` is tested: corrections from some interviews, measured
    on others. ``params`` go to :meth:`~qualcode.tagging.tagger.Tagger.correction_model`.
    """
    import numpy as np

    from .tagging.model import label_matrix

    codes = evaluated_codes(tagger.codebook, list(items) + list(train_items or []))
    all_codes = [c.id for c in tagger.codebook.active_codes]
    n_eval = len(items)
    if train_items is not None:
        items = list(items) + list(train_items)
    feats = tagger.text_features([g.text for g in items])
    # Codes the gold set does not label are unknown (-1), not negatives.
    Y = label_matrix([{c: int(c in g.codes) for c in codes} for g in items], all_codes)
    n_test = n_eval if train_items is not None else max(1, int(round(len(items) * test_fraction)))
    results: dict[int, list[float]] = {n: [] for n in sizes}
    per_code: dict[int, dict[str, list[float]]] = {n: {c: [] for c in codes} for n in sizes}
    alone: dict[int, list[float]] = {n: [] for n in sizes}  # the classifier's own suggestions (p >= 0.5)
    for seed in range(seeds):
        if train_items is not None:
            test = np.arange(n_eval)
            pool = n_eval + np.random.default_rng(seed).permutation(len(items) - n_eval)
        else:
            order = np.random.default_rng(seed).permutation(len(items))
            test, pool = order[:n_test], order[n_test:]
        for n in sizes:
            if n > len(pool):
                continue
            train = pool[:n]
            test_feats = [feats[i] for i in test]
            model = tagger.correction_model([feats[i] for i in train], Y[train], **params) if n else None
            # As in the product, accepted codings also join the nearest-example index.
            accepted = [(c, i) for i in train for c in items[i].codes if c in all_codes]
            examples = (tagger.examples.extended([(c, items[i].text) for c, i in accepted],
                                                 [feats[i] for _, i in accepted])
                        if accepted and tagger.examples is not None else None)
            merged = tagger.merged_scores(test_feats, model, examples)
            predicted = [[c for c in codes if m.get(c, 0.0) >= tagger.threshold(c)] for m in merged]
            gold_codes = [items[i].codes for i in test]
            run = scores(gold_codes, predicted, codes)
            results[n].append(run["micro"]["f1"])
            for c in codes:
                per_code[n][c].append(run["per_code"][c]["f1"])
            clf = model if model is not None else tagger.classifier
            if clf is not None:
                own = [[c for c in codes if p.get(c, 0.0) >= 0.5] for p in clf.predict_code_proba(test_feats)]
                alone[n].append(scores(gold_codes, own, codes)["micro"]["f1"])
    return [{"segments": n, "decisions": n * len(codes), "micro_f1": float(np.mean(f)), "sd": float(np.std(f)),
             "classifier_f1": float(np.mean(alone[n])) if alone[n] else None,
             "per_code_f1": {c: float(np.mean(v)) for c, v in per_code[n].items()},
             "runs": len(f), "test_segments": n_test} for n, f in results.items() if f]


def format_curve(rows: list[dict]) -> str:
    lines = [f"{'segments':>9} {'decisions':>10} {'micro-F1':>9} {'sd':>6} {'classifier alone':>17}"]
    for r in rows:
        alone = f"{r['classifier_f1']:17.3f}" if r.get("classifier_f1") is not None else f"{'-':>17}"
        lines.append(f"{r['segments']:9d} {r['decisions']:10d} {r['micro_f1']:9.3f} {r['sd']:6.3f} {alone}")
    if rows:
        lines.append(f"(each: mean of {rows[0]['runs']} shuffles, tested on {rows[0]['test_segments']} held-back segments)")
    return "\n".join(lines)
