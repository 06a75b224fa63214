"""How long do theme matrices and co-occurrence take on 1,000,000 codings? (aim: < 1 s each on SQLite)

    PYTHONPATH=src .venv/bin/python bench/matrices.py [--codings 1000000] [--db /tmp/qualcode_bench.db] [--fresh]

Builds (once, then reuses) a SQLite project shaped like a large study: transcripts of the three
stakeholder types with four participants and an interviewer each, sentences in turns, a
codebook of 6 codes with 2 sub-codes each, and two coders whose accepted and rejected
codings add up to ``--codings`` (a few on interviewer turns, which must not count).
Prints the time of each matrix (best of ``--repeat`` runs) and its ratio to the 1 s aim, the
same matrix computed the old way (grouping the codings in SQL) as a check and a reference,
the one-time recount of every transcript, and a decision followed by a new matrix.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sqlalchemy import func, insert, select  # noqa: E402

from qualcode.codebook import parse_codebook  # noqa: E402
from qualcode.matrices import MatrixSpec, build_cooccurrence, build_framework, build_theme_matrix  # noqa: E402
from qualcode.store import make_engine, set_counts, transaction  # noqa: E402
from qualcode.store.codebooks import record_version  # noqa: E402
from qualcode.store.models import (  # noqa: E402
    Coding,
    Participant,
    ParticipantAttribute,
    Segment,
    Transcript,
    TranscriptAttribute,
    Turn,
)

STAKEHOLDERS = ("management", "gig_worker", "ohs")
PARENTS = ("practical_support", "emotional_support", "social_support", "trust", "competition", "resilience")
TURNS_PER_TRANSCRIPT = 120
SEGMENTS_PER_TURN = 3
PARTICIPANTS = 4
AIM_S = 1.0


def codebook_yaml() -> str:
    lines = ["name: bench", "version: 1.0.0", 'date: "2026-01-01"', "codes:"]
    for p in PARENTS:
        for cid, parent in ((p, None), (f"{p}_a", p), (f"{p}_b", p)):
            lines += [f"  - id: {cid}", f"    label: {{fi: {cid}, en: {cid}}}",
                      f"    definition: {{fi: {cid}, en: {cid}}}"]
            if parent:
                lines.append(f"    parent: {parent}")
    return "\n".join(lines) + "\n"


def build(url: str, n_codings: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    engine = make_engine(url)
    book_text = codebook_yaml()
    book = parse_codebook(book_text)
    codes = book.ids()
    coders = ("anna", "ville")
    per_segment = 1.5  # codings per coder and segment on average
    weights = [1.0 / (1 + i % 7) for i in range(len(codes))]
    n_codings_wanted = n_codings
    participant_segments = n_codings / (len(coders) * per_segment)
    segs_per_transcript = TURNS_PER_TRANSCRIPT * SEGMENTS_PER_TURN * 0.8
    n_transcripts = max(3, round(participant_segments / segs_per_transcript * 1.05))
    t0 = time.perf_counter()
    with engine.begin() as conn:
        with transaction(engine) as s:
            record_version(s, book, book_text)
        conn.execute(insert(Transcript), [
            {"id": t, "name": f"t{t:05d}", "source_file": f"t{t:05d}.docx", "content_hash": f"{t:064d}",
             "text": "", "word_count": 0} for t in range(1, n_transcripts + 1)])
        conn.execute(insert(TranscriptAttribute), [
            {"transcript_id": t, "key": "stakeholder", "value": STAKEHOLDERS[t % 3]}
            for t in range(1, n_transcripts + 1)])
        people, attrs, turns, segments, codings = [], [], [], [], []
        pid = tid_turn = sid = 0
        for t in range(1, n_transcripts + 1):
            ids = []
            for k in range(PARTICIPANTS + 1):
                pid += 1
                role = "interviewer" if k == 0 else "participant"
                people.append({"id": pid, "transcript_id": t, "label": "H" if k == 0 else f"P{k}", "role": role})
                if k:
                    attrs.append({"participant_id": pid, "key": "age_group",
                                  "value": rnd.choice(["18-34", "35-54", "55+"])})
                ids.append((pid, role))
            for i in range(TURNS_PER_TRANSCRIPT):
                tid_turn += 1
                p, role = ids[0] if i % 5 == 0 else ids[1 + rnd.randrange(PARTICIPANTS)]
                turns.append({"id": tid_turn, "transcript_id": t, "participant_id": p, "index": i, "speaker": "x",
                              "role": role, "start": 0, "end": 0})
                for j in range(SEGMENTS_PER_TURN):
                    sid += 1
                    segments.append({"id": sid, "transcript_id": t, "turn_id": tid_turn,
                                     "index": i * SEGMENTS_PER_TURN + j, "start": 0, "end": 0, "text": "",
                                     "role": role, "word_count": rnd.randint(3, 30)})
                    if role == "interviewer" and rnd.random() > 0.05:
                        continue
                    # The tagger suggests 1-3 codes (frequent codes more often); each coder accepts
                    # most of them and sometimes adds one by hand.
                    k = rnd.choices((1, 2, 3), weights=(6, 3, 1))[0]
                    suggested = set(rnd.choices(codes, weights=weights, k=k))
                    for coder in coders:
                        decided = set(suggested)
                        if rnd.random() < 0.1:
                            decided.add(rnd.choices(codes, weights=weights)[0])
                        for code in sorted(decided):
                            codings.append({"segment_id": sid, "code": code, "coder": coder,
                                            "origin": "suggested" if code in suggested else "manual",
                                            "status": "accepted" if rnd.random() < 0.8 else "rejected",
                                            "score": round(rnd.random(), 3), "version": 1})
        if len(codings) < n_codings_wanted:
            raise SystemExit(f"generated only {len(codings)} codings; raise the transcript count")
        codings = codings[:n_codings_wanted]
        for table, rows in ((Participant, people), (ParticipantAttribute, attrs), (Turn, turns),
                            (Segment, segments)):
            conn.execute(insert(table), rows)
        for i in range(0, len(codings), 100_000):
            conn.execute(insert(Coding), codings[i:i + 100_000])
    print(f"built {url}: {n_transcripts} transcripts, {len(segments)} segments, {len(codings)} codings "
          f"in {time.perf_counter() - t0:.1f} s")


def reference_loop() -> float:
    c = time.process_time()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.process_time() - c


def timed(label: str, fn, repeat: int) -> object:
    """Run ``fn`` ``repeat`` times; print the best wall-clock and CPU time and the ratio to the aim."""
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    print(f"{label:<46} wall {min(walls):6.3f} s  cpu {min(cpus):6.3f} s  ({min(walls) / AIM_S:.2f} x the aim)")
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--codings", type=int, default=1_000_000)
    ap.add_argument("--db", default="/tmp/qualcode_bench_matrices.db")
    ap.add_argument("--fresh", action="store_true", help="Rebuild the database even if it exists.")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    path = Path(args.db)
    url = f"sqlite:///{path}"
    if args.fresh or not path.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        build(url, args.codings)
    engine = make_engine(url)
    with transaction(engine) as s:
        n = s.scalar(select(func.count()).select_from(Coding))
    print(f"database {path}: {n} codings; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
          "(cpu time is the fairer figure on a shared machine)")
    print(f"machine speed: a pure-Python loop of 10M additions took {reference_loop():.2f} s cpu "
          "(scale the figures below by it when comparing machines)")
    timed("bring the kept code-set counts up to date", lambda: set_counts.refresh(engine), 1)
    set_counts.mark_stale(engine)  # as after a codebook rename that touches every transcript
    timed("recount every transcript (one-time, e.g. after a rename)", lambda: set_counts.refresh(engine), 1)
    spec = MatrixSpec(by="stakeholder")
    with transaction(engine) as s:
        m = timed("stakeholder matrix, coded segments", lambda: build_theme_matrix(s, spec), args.repeat)
        timed("stakeholder matrix, transcripts mentioning",
              lambda: build_theme_matrix(s, MatrixSpec(unit="documents")), args.repeat)
        timed("stakeholder matrix, one coder",
              lambda: build_theme_matrix(s, MatrixSpec(coder="anna")), args.repeat)
        timed("age_group (participant) matrix, participants",
              lambda: build_theme_matrix(s, MatrixSpec(by="age_group", unit="participants")), args.repeat)
        c = timed("co-occurrence on segments (overall + per group)",
                  lambda: build_cooccurrence(s, spec, "segments"), args.repeat)
        timed("co-occurrence on turns (overall + per group)",
              lambda: build_cooccurrence(s, spec, "turns"), args.repeat)
        timed("framework matrix, 3 quotes per cell (no aim)", lambda: build_framework(s, spec), 1)
    print(f"check: {int(m.counts.loc['trust', 'total'])} segments carry trust (with sub-codes); "
          f"co-occurrence symmetric: {bool((c.overall.values == c.overall.values.T).all())}")
    with transaction(engine) as s:
        reference = timed("the same matrix grouping the codings in SQL (before)",
                          lambda: build_theme_matrix(s, spec, counted=False), 1)
    print(f"check: kept counts give the same matrix as grouping the codings: {reference.counts.equals(m.counts)}")
    # A coder's decision marks one transcript stale: the next view recomputes only that one.
    with transaction(engine) as s:
        seg = s.scalar(select(Segment.id).where(Segment.role != "interviewer").order_by(Segment.id.desc()).limit(1))
        code = "resilience_b"
        existing = s.scalar(select(Coding).where(Coding.segment_id == seg, Coding.code == code, Coding.coder == "anna"))
        if existing is None:
            s.add(Coding(segment_id=seg, code=code, coder="anna", origin="manual", status="accepted"))
        else:
            existing.status = "rejected" if existing.status == "accepted" else "accepted"

    def view_after_decision():
        set_counts.refresh(engine)
        with transaction(engine) as s:
            return build_theme_matrix(s, spec)

    timed("after one decision: refresh + stakeholder matrix", view_after_decision, 1)


if __name__ == "__main__":
    main()
