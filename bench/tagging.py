"""Words per second of `qualcode tag` end to end against a bare `nlp.pipe` of the same pipeline.

Imports the sample transcripts into a fresh SQLite file, then in the same process times:

1. bare: ``nlp.pipe`` over the same turn texts (the pipeline with its parser and
   qualcode's lemma component, nothing stored);
2. tag: ``pretag`` (segmentation, rules, examples, database writes), as ``qualcode tag`` runs it.

Prints wall-clock and CPU figures and their ratio (aim: tag >= 0.8 of bare). One untimed
bare pass comes first so that both timed runs find the per-word caches (Voikko analyses)
filled. The machine is shared, so CPU seconds (this process and its ``--jobs`` workers) are
the steadier figure; both are printed.

    PYTHONPATH=src python bench/tagging.py [--jobs N] [--profile]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import select  # noqa: E402

from qualcode.codebook import load_codebook  # noqa: E402
from qualcode.importing import import_files  # noqa: E402
from qualcode.nlp import load_pipeline  # noqa: E402
from qualcode.pretag import pretag  # noqa: E402
from qualcode.store import make_engine, transaction  # noqa: E402
from qualcode.store.models import Transcript  # noqa: E402
from qualcode.transcript import masked  # noqa: E402


def turn_texts(engine) -> list[str]:
    from sqlalchemy.orm import selectinload

    with transaction(engine) as s:
        out = []
        for t in s.scalars(select(Transcript).options(selectinload(Transcript.turns),
                                                      selectinload(Transcript.annotations))):
            out += [masked(t.text, t.annotations, turn.start, turn.end) for turn in t.turns]
        return out


def clock():
    """Wall seconds, and CPU seconds of this process plus its finished children (the --jobs workers)."""
    t = os.times()
    return time.perf_counter(), t.user + t.system + t.children_user + t.children_system


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", action="store_true", help="print the top functions of the tag run (cProfile)")
    ap.add_argument("--jobs", type=int, default=1)
    args = ap.parse_args()
    files = sorted((ROOT / "transcripts").glob("*.docx"))
    book, yaml_text = load_codebook(ROOT / "codebooks" / "peer_support.yaml")
    nlp = load_pipeline()
    nlp("Lämmitellään putki: luottamus ja kilpailu.")
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        import_files(engine, files)
        texts = turn_texts(engine)
        words = sum(len(t.split()) for t in texts)

        for _ in nlp.pipe(texts, batch_size=32):  # warm-up: both timed runs find the word caches filled
            pass
        w0, c0 = clock()
        for _ in nlp.pipe(texts, batch_size=32):
            pass
        w1, c1 = clock()
        bare_wall, bare_cpu = w1 - w0, c1 - c0

        w0, c0 = clock()
        if args.profile:
            import cProfile
            import pstats

            prof = cProfile.Profile()
            report = prof.runcall(pretag, engine, book, yaml_text, nlp=nlp, jobs=args.jobs)
        else:
            report = pretag(engine, book, yaml_text, nlp=nlp, jobs=args.jobs)
        w1, c1 = clock()
        tag_wall, tag_cpu = w1 - w0, c1 - c0
        engine.dispose()
    print(f"{len(texts)} turns, {words} words; pipeline: {', '.join(nlp.pipe_names)}")
    print(report.summary())
    print(f"{'':8} {'wall s':>8} {'words/s':>9} {'cpu s':>8} {'words/cpu-s':>12}")
    print(f"{'bare':8} {bare_wall:8.2f} {words / bare_wall:9.0f} {bare_cpu:8.2f} {words / bare_cpu:12.0f}")
    label = f"tag -j{args.jobs}"
    print(f"{label:8} {tag_wall:8.2f} {words / tag_wall:9.0f} {tag_cpu:8.2f} {words / tag_cpu:12.0f}")
    print(f"ratio tag/bare speed: wall {bare_wall / tag_wall:.2f}, cpu {bare_cpu / tag_cpu:.2f} "
          f"(aim >= 0.80; cpu includes the worker processes)")
    if args.profile:
        pstats.Stats(prof).sort_stats("cumulative").print_stats("qualcode|sqlalchemy.orm.session", 30)


if __name__ == "__main__":
    main()
