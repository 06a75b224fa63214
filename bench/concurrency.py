"""Decisions per second with 1, 2 and 4 writer processes on SQLite and PostgreSQL.

Each writer is a separate process acting as one coder: it accepts or rejects codes on the
same transcript's segments, one decision per transaction (what a click in the app does,
audit entry included). Writers start together; throughput is all decisions over the wall
time from the first start to the last finish. Latency percentiles are per decision.

    python bench/concurrency.py [--decisions 300] [--writers 1,2,4] [--pg URL]

PostgreSQL runs when --pg or QUALCODE_TEST_PG gives a server (`.ci/pg-server start` prints
one); each run gets a fresh schema there.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

CODES = ["practical_support", "emotional_support", "social_support", "trust", "competition", "resilience"]


def build_template(path: Path) -> None:
    from qualcode import importing
    from qualcode.codebook import load_codebook
    from qualcode.pretag import pretag
    from qualcode.store import make_engine

    engine = make_engine(f"sqlite:///{path}")
    importing.import_file(engine, ROOT / "transcripts" / "ohs_group.docx")
    book, text = load_codebook(ROOT / "codebooks" / "peer_support.yaml")
    pretag(engine, book, text)
    engine.dispose()


def writer(url, coder, pairs, barrier, results):
    from qualcode.review import accept, reject
    from qualcode.store import make_engine

    engine = make_engine(url)
    barrier.wait()
    start = time.perf_counter()
    latencies = []
    for i, (seg, code) in enumerate(pairs):
        t = time.perf_counter()
        (accept if i % 2 else reject)(engine, seg, code, coder)
        latencies.append(time.perf_counter() - t)
    end = time.perf_counter()
    engine.dispose()
    results.put((start, end, latencies))


def fresh_pg(base: str):
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.pool import NullPool

    from qualcode.store.db import engine_url

    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(engine_url(base), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f"CREATE SCHEMA {name}")
    url = make_url(base).update_query_dict({"options": f"-csearch_path={name}"}).render_as_string(False)

    def drop():
        with admin.connect() as c:
            c.exec_driver_sql(f"DROP SCHEMA {name} CASCADE")
        admin.dispose()

    return url, drop


def run(backend: str, writers: int, decisions: int, template: Path, pg: str | None, tmp: Path) -> dict:
    from sqlalchemy import func, select

    from qualcode.store import make_engine, transaction
    from qualcode.store.backup import copy_database
    from qualcode.store.models import ROLE_INTERVIEWER, Coding, Segment

    drop = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp / f'bench_{writers}.db'}"
    else:
        url, drop = fresh_pg(pg)
    source, target = make_engine(f"sqlite:///{template}"), make_engine(url)
    copy_database(source, target)
    source.dispose()
    with transaction(target) as s:
        segs = list(s.scalars(select(Segment.id).where(Segment.role != ROLE_INTERVIEWER).order_by(Segment.index)))
    pairs = [(seg, code) for seg in segs for code in CODES][:decisions]
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(writers), ctx.Queue()
    procs = [ctx.Process(target=writer, args=(url, f"bench{i}", pairs, barrier, results)) for i in range(writers)]
    for p in procs:
        p.start()
    out = [results.get(timeout=1800) for _ in procs]
    for p in procs:
        p.join()
    with transaction(target) as s:
        stored = s.scalar(select(func.count()).select_from(Coding))
    target.dispose()
    if drop:
        drop()
    assert stored == writers * len(pairs), f"lost decisions: {stored} of {writers * len(pairs)}"
    wall = max(e for _, e, _ in out) - min(s for s, _, _ in out)
    lat = sorted(x for _, _, ls in out for x in ls)
    return {"backend": backend, "writers": writers, "decisions": stored, "seconds": wall,
            "per_s": stored / wall, "p50_ms": 1000 * statistics.median(lat),
            "p95_ms": 1000 * lat[int(0.95 * (len(lat) - 1))]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--decisions", type=int, default=300, help="decisions per writer")
    ap.add_argument("--writers", default="1,2,4")
    ap.add_argument("--pg", default=os.environ.get("QUALCODE_TEST_PG"), help="PostgreSQL URL")
    args = ap.parse_args()
    counts = [int(x) for x in args.writers.split(",")]
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        template = tmp / "template.db"
        t = time.perf_counter()
        build_template(template)
        print(f"template: one sample interview imported and tagged in {time.perf_counter() - t:.1f} s")
        backends = ["sqlite"] + (["postgres"] if args.pg else [])
        if not args.pg:
            print("PostgreSQL skipped: give --pg URL or QUALCODE_TEST_PG (`.ci/pg-server start` prints one)")
        rows = [run(b, w, args.decisions, template, args.pg, tmp) for b in backends for w in counts]
    print(f"\n{'backend':<9} {'writers':>7} {'decisions':>9} {'seconds':>8} {'decisions/s':>11} "
          f"{'vs 1':>6} {'p50 ms':>7} {'p95 ms':>7}")
    base = {r["backend"]: r["per_s"] for r in rows if r["writers"] == counts[0]}
    for r in rows:
        print(f"{r['backend']:<9} {r['writers']:>7} {r['decisions']:>9} {r['seconds']:>8.2f} {r['per_s']:>11.1f} "
              f"{r['per_s'] / base[r['backend']]:>5.2f}x {r['p50_ms']:>7.1f} {r['p95_ms']:>7.1f}")
    print(f"\n(cpu cores: {os.cpu_count()}; load average at the end: "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}; every decision stored exactly once)")


if __name__ == "__main__":
    main()
