"""Codebook work at project scale: validation, diff, and applying a version to a large project.

Builds a synthetic project in a temporary SQLite file (no parser needed: segments, suggestions
and codings are inserted directly), then times a dry run and a real apply of a version that
renames, merges, splits and retires codes, and of one that only narrows a code (how few
segments need re-tagging). Prints figures and ratios.

    PYTHONPATH=src python bench/codebook.py [--transcripts 100] [--segments 300]
"""

from __future__ import annotations

import argparse
import copy
import random
import sys
import tempfile
import time
from pathlib import Path

import yaml
from sqlalchemy import func, insert, select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from qualcode.codebook import parse_codebook, validate_text  # noqa: E402
from qualcode.codebook.diff import diff_codebooks  # noqa: E402
from qualcode.codebook.migrate import apply_codebook  # noqa: E402
from qualcode.store import make_engine, transaction  # noqa: E402
from qualcode.store import codebooks as store  # noqa: E402
from qualcode.store.models import (  # noqa: E402
    Coding,
    Segment,
    SegmentTagging,
    Suggestion,
    Transcript,
    Turn,
    utcnow,
)

V100 = ROOT / "tests" / "data" / "peer_support_1.0.0.yaml"


def timed(fn, repeat: int = 1):
    start = time.perf_counter()
    for _ in range(repeat):
        out = fn()
    return out, (time.perf_counter() - start) / repeat


def dump(data: dict) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)


def variants(base: dict) -> tuple[dict, dict]:
    def code(d, cid):
        return next(c for c in d["codes"] if c["id"] == cid)

    big = copy.deepcopy(base)
    big["version"] = "1.1.0"
    big["changelog"].append({"version": "1.1.0", "date": "2026-12-01", "changes": "bench"})
    code(big, "trust").update(id="interpersonal_trust", renamed_from=["trust"])
    soc = code(big, "social_support")
    soc["merged_from"] = ["emotional_support"]
    big["codes"] = [c for c in big["codes"] if c["id"] != "emotional_support"]
    big["codes"].append({"id": "covering_shifts", "parent": "practical_support", "split_from": "practical_support",
                         "label": {"fi": "Tuuraus", "en": "Covering shifts"},
                         "definition": {"fi": "Tuuraus.", "en": "Covering a shift."}})
    code(big, "competition")["status"] = "retired"
    narrow = copy.deepcopy(base)
    narrow["version"] = "1.0.1"
    narrow["changelog"].append({"version": "1.0.1", "date": "2026-12-01", "changes": "bench"})
    code(narrow, "trust")["patterns"].remove("uskaltaa")
    return big, narrow


def build(engine, n_transcripts: int, n_segments: int, book, text: str, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)
    codes = book.ids()
    with transaction(engine) as s:
        vid = store.record_version(s, book, text).id
    sentence = "Kaveri tuurasi mun vuoron ku lapsi sairastu ja mä luotan siihen."
    counts = {"segments": 0, "suggestions": 0, "codings": 0}
    for t in range(n_transcripts):
        with transaction(engine) as s:
            tr = Transcript(name=f"t{t:04d}", source_file="x.docx", content_hash=f"h{t}", text="x",
                            segmented_at=utcnow())
            s.add(tr)
            s.flush()
            turn = Turn(transcript_id=tr.id, index=0, speaker="V", role="participant", start=0, end=1)
            s.add(turn)
            s.flush()
            s.execute(insert(Segment), [{"transcript_id": tr.id, "turn_id": turn.id, "index": i, "start": 0, "end": 1,
                                         "text": sentence, "role": "participant", "word_count": 11}
                                        for i in range(n_segments)])
            ids = list(s.scalars(select(Segment.id).where(Segment.transcript_id == tr.id)))
            s.execute(insert(SegmentTagging), [{"segment_id": i, "codebook_version_id": vid} for i in ids])
            sugg, cod = [], []
            for sid in ids:
                for c in rng.sample(codes, rng.choice([0, 0, 1, 1, 2])):
                    sugg.append({"segment_id": sid, "codebook_version_id": vid, "code": c, "score": 0.6,
                                 "source": "rule", "reason": "bench", "evidence": []})
                    for coder in ("anna", "ville"):
                        if rng.random() < 0.5:
                            cod.append({"segment_id": sid, "code": c, "coder": coder, "origin": "suggested",
                                        "status": rng.choice(["accepted", "accepted", "rejected"]),
                                        "codebook_version_id": vid, "needs_review": False, "version": 1})
            if sugg:
                s.execute(insert(Suggestion), sugg)
            if cod:
                s.execute(insert(Coding), cod)
            counts["segments"] += len(ids)
            counts["suggestions"] += len(sugg)
            counts["codings"] += len(cod)
    return counts


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--transcripts", type=int, default=100)
    ap.add_argument("--segments", type=int, default=300, help="segments per transcript")
    args = ap.parse_args()

    text = V100.read_text(encoding="utf-8")
    validate_text(text)  # warm up: imports spaCy once
    report, t_validate = timed(lambda: validate_text(text, "peer_support.yaml"), 5)
    _, t_parse = timed(lambda: parse_codebook(text), 20)
    print(f"validate peer_support 1.0.0 (with pattern compile): {t_validate * 1000:.1f} ms; "
          f"parse without patterns: {t_parse * 1000:.1f} ms; ok={report.ok}")
    base = yaml.safe_load(text)
    big, narrow = variants(base)
    old, new = parse_codebook(text), parse_codebook(dump(big))
    d, t_diff = timed(lambda: diff_codebooks(old, new), 20)
    print(f"diff 1.0.0 -> 1.1.0: {len(d.changes)} changes in {t_diff * 1000:.1f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        for label, variant in (("rename+merge+split+retire", big), ("narrow one code", narrow)):
            engine = make_engine(f"sqlite:///{tmp}/{label.replace('+', '_').replace(' ', '_')}.db")
            counts, t_build = timed(lambda: build(engine, args.transcripts, args.segments, old, text))
            vtext = dump(variant)
            vbook = parse_codebook(vtext)
            dry, t_dry = timed(lambda: apply_codebook(engine, vbook, vtext, who="bench", dry_run=True))
            real, t_apply = timed(lambda: apply_codebook(engine, vbook, vtext, who="bench", retag=False))
            with transaction(engine) as s:
                after = s.scalar(select(func.count()).select_from(Coding))
                vid = store.current_version(s).id
                carried = s.scalar(select(func.count()).select_from(SegmentTagging).where(
                    SegmentTagging.codebook_version_id == vid))
            plan = real.plan
            carry = plan.carry
            print(f"\n[{label}] project: {counts['segments']} segments, {counts['suggestions']} suggestions, "
                  f"{counts['codings']} codings (built in {t_build:.1f} s)")
            print(f"  dry run: {t_dry:.2f} s; apply (one transaction, no re-tag): {t_apply:.2f} s "
                  f"({counts['codings'] / t_apply:.0f} codings/s)")
            print(f"  codings: {sum(plan.before.values())} before, {after} after, {plan.folded} folded, "
                  f"{sum(ch.kind in ('renamed', 'merged') for ch in plan.changes)} moved, "
                  f"{sum(ch.kind == 'split' for ch in plan.changes)} flagged; "
                  f"before == after + folded: {sum(plan.before.values()) == after + plan.folded}")
            print(f"  segments carried over without re-tagging: {carried} of {counts['segments']}; to re-tag: "
                  f"{carry['segments_retag']} ({carry['segments_retag'] / counts['segments']:.1%}); "
                  f"suggestions carried: {carry['suggestions_carried']} of {carry['suggestions_before']}")
            assert dry.plan.before == plan.before
            engine.dispose()


if __name__ == "__main__":
    main()
