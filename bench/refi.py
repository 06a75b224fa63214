"""REFI-QDA exchange: how long export and import take, and how big the file is.

    PYTHONPATH=src python bench/refi.py [--copies 5] [--coders 3] [--skip-sample]

Wall time depends on how busy the machine is; CPU time (process time) is printed beside it.

1. A large project without the parser: the sample interviews copied ``--copies`` times,
   cut into sentences by punctuation (a stand-in for ``qualcode tag``), each participant
   segment coded by every coder. Times the export and the re-import into the same
   database (every transcript matched, every coding already present).
2. The real path on the six sample interviews: segments from the Finnish pipeline, two
   coders, export, import into an empty database (which parses the coded texts again).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import func, select  # noqa: E402

from qualcode.codebook import load_codebook  # noqa: E402
from qualcode.importing import read_transcript  # noqa: E402
from qualcode.refi import read_qdpx, write_qdpx  # noqa: E402
from qualcode.store import exchange, make_engine, transaction  # noqa: E402
from qualcode.store.codebooks import record_version  # noqa: E402
from qualcode.store.models import Coding, Memo, Segment, Transcript  # noqa: E402
from qualcode.store.transcripts import add_transcript  # noqa: E402

SENTENCE = re.compile(r"[^.!?]+[.!?]*")


def synthetic_project(url: str, copies: int, coders: int) -> None:
    engine = make_engine(url)
    book, text = load_codebook(ROOT / "codebooks" / "peer_support.yaml")
    codes = [c.id for c in book.codes]
    rng = random.Random(7)
    datas = [read_transcript(p) for p in sorted((ROOT / "transcripts").glob("*.docx"))]
    with transaction(engine) as s:
        version = record_version(s, book, text).id
    for k in range(copies):
        with transaction(engine) as s:
            for data in datas:
                data.name = f"{Path(data.source_file).stem}_{k:03d}"
                data.content_hash = f"{data.content_hash[:40]}-{k}"
                t = add_transcript(s, data)
                spans = []
                for turn in t.turns:
                    for m in SENTENCE.finditer(t.text, turn.start, turn.end):
                        a, b = m.start(), m.end()
                        while a < b and t.text[a].isspace():
                            a += 1
                        while b > a and t.text[b - 1].isspace():
                            b -= 1
                        if b > a:
                            spans.append((a, b, turn))
                exchange.add_segments(s, t.id, spans, t.text, mark_segmented=True)
                segs = s.scalars(select(Segment).where(Segment.transcript_id == t.id, Segment.role == "participant"))
                for seg in segs:
                    for c in range(coders):
                        for code in rng.sample(codes, rng.choice((1, 1, 2))):
                            s.add(Coding(segment_id=seg.id, code=code, coder=f"coder{c + 1}", origin="suggested",
                                         status="accepted", codebook_version_id=version))
                    if rng.random() < 0.02:
                        s.add(Memo(transcript_id=t.id, segment_id=seg.id, coder="coder1", text="Muistio " * 5))
    engine.dispose()


def counts(url: str) -> tuple[int, int, int]:
    with transaction(make_engine(url)) as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Transcript, Segment, Coding))


def large(tmp: Path, copies: int, coders: int) -> None:
    url = f"sqlite:///{tmp / 'large.db'}"
    t0 = time.perf_counter()
    synthetic_project(url, copies, coders)
    n_t, n_s, n_c = counts(url)
    print(f"synthetic project: {n_t} transcripts, {n_s} segments, {n_c} codings "
          f"(built in {time.perf_counter() - t0:.1f} s)")
    engine = make_engine(url)
    out = tmp / "large.qdpx"
    t0, c0 = time.perf_counter(), time.process_time()
    summary = write_qdpx(engine, out)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"export: {wall:.2f} s wall, {cpu:.2f} s CPU, {out.stat().st_size / 1e6:.1f} MB, "
          f"{summary.selections} selections, {summary.codings / cpu:,.0f} codings per CPU second")
    t0, c0 = time.perf_counter(), time.process_time()
    report = read_qdpx(engine, out)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"re-import into the same database (all matched): {wall:.2f} s wall, {cpu:.2f} s CPU, "
          f"{report.codings_present} codings checked, {sum(report.codings.values())} added")


def sample(tmp: Path) -> None:
    from qualcode.importing import import_files
    from qualcode.nlp import load_pipeline
    from qualcode.pretag import pretag
    from qualcode.review import accept
    from qualcode.store.models import Suggestion

    url = f"sqlite:///{tmp / 'sample.db'}"
    engine = make_engine(url)
    import_files(engine, sorted((ROOT / "transcripts").glob("*.docx")))
    nlp = load_pipeline()
    book, text = load_codebook(ROOT / "codebooks" / "peer_support.yaml")
    t0 = time.perf_counter()
    pretag(engine, book, text, nlp=nlp)
    tag_s = time.perf_counter() - t0
    with transaction(engine) as s:
        rows = s.execute(select(Suggestion.segment_id, Suggestion.code)).all()
    for i, (sid, code) in enumerate(rows):
        accept(engine, sid, code, "anna")
        if i % 3 == 0:
            accept(engine, sid, code, "ville")
    out = tmp / "sample.qdpx"
    t0 = time.perf_counter()
    summary = write_qdpx(engine, out)
    print(f"sample export: {summary.codings} codings, {time.perf_counter() - t0:.2f} s")
    empty = make_engine(f"sqlite:///{tmp / 'empty.db'}")
    with transaction(engine) as s:
        words = sum(len(x.split()) for x in s.scalars(select(Transcript.text)))
    t0, c0 = time.perf_counter(), time.process_time()
    report = read_qdpx(empty, out, nlp=nlp)
    import_s, cpu = time.perf_counter() - t0, time.process_time() - c0
    print(f"sample import into an empty database (segments all {len(report.new)} coded texts): {import_s:.1f} s "
          f"wall, {cpu:.1f} s CPU for {words} words ({words / import_s:,.0f} words/s); `qualcode tag` of the same "
          f"texts took {tag_s:.1f} s (import is {tag_s / import_s:.1f}x faster)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--copies", type=int, default=5)
    parser.add_argument("--coders", type=int, default=3)
    parser.add_argument("--skip-sample", action="store_true", help="Skip the run with the Finnish pipeline.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        large(Path(tmp), args.copies, args.coders)
        if not args.skip_sample:
            sample(Path(tmp))


if __name__ == "__main__":
    main()
