"""Words per second of `qualcode tag` end to end against a bare `nlp.pipe` of the same pipeline.

Imports the sample transcripts into a fresh SQLite file, then in the same process times:

1. bare: ``nlp.pipe`` over the same turn texts (the pipeline with its parser and
   qualcode's lemma component, nothing stored);
2. tag: ``pretag`` (segmentation, rules, examples, database writes), as ``qualcode tag`` runs it.

Prints wall-clock and CPU figures and their ratio (aim: tag >= 0.8 of bare). One untimed
bare pass comes first so that every timed run finds the per-word caches (Voikko analyses)
filled. The machine is shared, so CPU seconds (this process and its ``--jobs`` workers) are
the steadier figure; both are printed. Single runs of the tag step varied by a quarter on a
busy machine, so bare and tag alternate ``--rounds`` times (fresh database each round; every
second round runs tag first): the headline is the median of the rounds' ratios (each
compares two runs a few seconds apart);
the best of each is printed too, and what a tag run costs with nothing to tag (building the
tagger, the model check), which a larger corpus spreads over more words. ``--profile`` profiles the first
round's tag run (``SORT=tottime FILTER=.`` for other orderings).

    PYTHONPATH=src python bench/tagging.py [--jobs N] [--rounds N] [--profile]
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


def one_round(nlp, book, yaml_text, files, jobs: int, profile: bool, tag_first: bool = False):
    """One bare pass and one ``pretag`` on a fresh database: (texts, words, bare wall/cpu, tag wall/cpu, report, prof).

    ``tag_first`` swaps the order: rounds alternate, so that neither run always comes second.
    """
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench.db")
        import_files(engine, files)
        texts = turn_texts(engine)
        words = sum(len(t.split()) for t in texts)

        def run_bare():
            w0, c0 = clock()
            for _ in nlp.pipe(texts, batch_size=32):
                pass
            w1, c1 = clock()
            return w1 - w0, c1 - c0

        def run_tag():
            w0, c0 = clock()
            if profile:
                import cProfile

                prof = cProfile.Profile()
                report = prof.runcall(pretag, engine, book, yaml_text, nlp=nlp, jobs=jobs)
            else:
                prof, report = None, pretag(engine, book, yaml_text, nlp=nlp, jobs=jobs)
            w1, c1 = clock()
            return (w1 - w0, c1 - c0), report, prof

        if tag_first:
            tag, report, prof = run_tag()
            bare = run_bare()
        else:
            bare = run_bare()
            tag, report, prof = run_tag()
        _, c0 = clock()
        again = pretag(engine, book, yaml_text, nlp=nlp, jobs=jobs)  # nothing left to do: the per-run cost
        _, c1 = clock()
        assert again.segments_tagged == 0, again.summary()
        engine.dispose()
    return texts, words, bare, tag, report, prof, c1 - c0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", action="store_true", help="print the top functions of the tag run (cProfile)")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--rounds", type=int, default=3,
                    help="bare and tag runs alternate this many times; the median of the rounds' ratios is the figure")
    args = ap.parse_args()
    files = sorted((ROOT / "transcripts").glob("*.docx"))
    book, yaml_text = load_codebook(ROOT / "codebooks" / "peer_support.yaml")
    nlp = load_pipeline()
    nlp("Lämmitellään putki: luottamus ja kilpailu.")
    with tempfile.TemporaryDirectory() as tmp:  # warm-up: every timed run finds the word caches filled
        engine = make_engine(f"sqlite:///{tmp}/warm.db")
        import_files(engine, files)
        for _ in nlp.pipe(turn_texts(engine), batch_size=32):
            pass
        engine.dispose()
    rounds, fixed_costs = [], []
    for i in range(max(1, args.rounds)):
        texts, words, bare, tag, report, prof, fixed = one_round(nlp, book, yaml_text, files, args.jobs,
                                                                args.profile and i == 0, tag_first=i % 2 == 1)
        rounds.append((bare, tag))
        fixed_costs.append(fixed)
        if prof is not None:
            profiled = prof
    print(f"{len(texts)} turns, {words} words; pipeline: {', '.join(nlp.pipe_names)}")
    print(report.summary())
    label = f"tag -j{args.jobs}"
    print(f"{'round':8} {'':8} {'wall s':>8} {'words/s':>9} {'cpu s':>8} {'words/cpu-s':>12}")
    for i, (bare, tag) in enumerate(rounds, 1):
        runs = (("bare", bare), (label, tag))
        for name, (wall, cpu) in (runs[::-1] if i % 2 == 0 else runs):  # in the order they ran
            print(f"{i:<8} {name:8} {wall:8.2f} {words / wall:9.0f} {cpu:8.2f} {words / cpu:12.0f}")
    best_bare = (min(b[0] for b, _ in rounds), min(b[1] for b, _ in rounds))
    best_tag = (min(t[0] for _, t in rounds), min(t[1] for _, t in rounds))
    per_round = [b[1] / t[1] for b, t in rounds]
    median = sorted(per_round)[len(per_round) // 2]
    print(f"ratio tag/bare speed (aim >= 0.80; cpu includes the worker processes): median of the rounds' cpu "
          f"ratios {median:.2f} ({', '.join(f'{r:.2f}' for r in per_round)}); best of each: "
          f"wall {best_bare[0] / best_tag[0]:.2f}, cpu {best_bare[1] / best_tag[1]:.2f}")
    fixed = sorted(fixed_costs)[len(fixed_costs) // 2]
    tag_median = sorted(t[1] for _, t in rounds)[len(rounds) // 2]
    bare_median = sorted(b[1] for b, _ in rounds)[len(rounds) // 2]
    print(f"of which per run, whatever the corpus (tag with nothing left to tag: building the tagger, the "
          f"model check, queries): median {fixed:.2f} CPU s; the ratio without it "
          f"{bare_median / max(tag_median - fixed, 1e-9):.2f} (medians), what a corpus many times this size approaches")
    if args.profile:
        import pstats

        pstats.Stats(profiled).sort_stats(os.environ.get("SORT", "cumulative")).print_stats(
            os.environ.get("FILTER", "qualcode|sqlalchemy.orm.session"), 30)


if __name__ == "__main__":
    main()
