"""How responsive the Review page is on a long transcript: AppTest script run times.

Builds a project with one sample interview imported and pre-tagged by the real pipeline, then a
transcript of about 2,000 segments made by repeating that interview's turns, segments and
suggestions (so its shape is real). Times, with the real app (sidebar, navigation, Review page):

- opening the Review page on the long transcript (a new session; the process is warm),
- the rerun after one accept (click on a suggestion's accept button),
- a plain rerun, a page change, and turning on "only with suggestions waiting",
- the library's ``load_review`` alone (the one batched read every run makes), and the read a
  turn's fragment makes after a decision in it (in the browser only that turn reruns; AppTest
  always reruns the whole script, so its "after one accept" is the full-page worst case).

    python bench/ui.py [--segments 2000] [--repeat 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

SAMPLE = "mgmt_user_company"


def build(db: Path, target: int) -> tuple[str, int]:
    """The sample interview imported and tagged, and a long copy of it; returns (name, segments)."""
    from sqlalchemy import select

    from qualcode.codebook import load_codebook
    from qualcode.importing import import_files
    from qualcode.pretag import pretag
    from qualcode.store import make_engine, transaction
    from qualcode.store.models import Segment, Suggestion, Transcript, TranscriptAttribute, Turn, utcnow

    engine = make_engine(f"sqlite:///{db}")
    t0 = time.perf_counter()
    assert import_files(engine, [ROOT / "transcripts" / f"{SAMPLE}.docx"])[0].ok
    book, text = load_codebook(ROOT / "codebooks" / "peer_support.yaml")
    report = pretag(engine, book, text)
    print(f"setup: imported and tagged {SAMPLE} in {time.perf_counter() - t0:.1f} s ({report.segments_created} "
          f"segments, {report.suggestions} suggestions)")
    with transaction(engine) as s:
        src = s.scalar(select(Transcript).where(Transcript.name == SAMPLE))
        turns = list(s.scalars(select(Turn).where(Turn.transcript_id == src.id).order_by(Turn.index)))
        segs = list(s.scalars(select(Segment).where(Segment.transcript_id == src.id).order_by(Segment.index)))
        suggs = list(s.scalars(select(Suggestion).join(Segment).where(Segment.transcript_id == src.id)))
        copies = -(-target // len(segs))
        sep = "\n"
        unit = len(src.text) + len(sep)
        long = Transcript(name="long_interview", source_file="bench", content_hash="bench-long",
                          text=sep.join([src.text] * copies), word_count=src.word_count * copies,
                          segmented_at=utcnow())
        long.attributes = [TranscriptAttribute(key=a.key, value=a.value) for a in src.attributes]
        s.add(long)
        s.flush()
        by_segment: dict[int, list[Suggestion]] = {}
        for sg in suggs:
            by_segment.setdefault(sg.segment_id, []).append(sg)
        n_seg = 0
        for k in range(copies):
            shift = k * unit
            new_turns = {}
            for tr in turns:
                nt = Turn(transcript_id=long.id, index=k * len(turns) + tr.index, speaker=tr.speaker, role=tr.role,
                          start=tr.start + shift, end=tr.end + shift, timestamp=tr.timestamp)
                s.add(nt)
                new_turns[tr.id] = nt
            s.flush()
            for seg in segs:
                ns = Segment(transcript_id=long.id, turn_id=new_turns[seg.turn_id].id, index=n_seg,
                             start=seg.start + shift, end=seg.end + shift, text=seg.text, role=seg.role,
                             word_count=seg.word_count)
                s.add(ns)
                n_seg += 1
                for sg in by_segment.get(seg.id, []):
                    s.add(Suggestion(segment=ns, codebook_version_id=sg.codebook_version_id, code=sg.code,
                                     score=sg.score, source=sg.source, reason=sg.reason, evidence=sg.evidence))
    engine.dispose()
    return "long_interview", n_seg


def _app(default):
    from qualcode.ui.app import main

    main(default=default)


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


_sessions = iter(range(10**6))


def new_session(name: str, tid: int, page: int):
    """A new browser session of a new coder (so every run finds the same suggestions waiting)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_app, kwargs={"default": "review"}, default_timeout=120)
    at.session_state["coder"] = f"bench-{os.getpid()}-{next(_sessions)}"
    at.session_state["transcript"] = name
    at.session_state[f"page-{tid}"] = page
    return at


def check(at) -> None:
    if at.exception:
        raise SystemExit(f"the page raised: {at.exception[0].message}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--segments", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="build the project here and keep it (reused when there)")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="qualcode-bench-ui-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "bench.db"
    try:
        if args.keep and db.exists():
            name, n_segments = "long_interview", None
            print(f"setup: reusing {db}")
        else:
            if db.exists():
                db.unlink()
            name, n_segments = build(db, args.segments)
        os.environ["QUALCODE_DB"] = f"sqlite:///{db}"
        from qualcode import review
        from qualcode.store import make_engine
        from qualcode.ui import review_page

        engine = make_engine(os.environ["QUALCODE_DB"])
        tid = next(r["id"] for r in review.transcript_list(engine) if r["name"] == name)
        data = review.load_review(engine, tid, "bench")
        n_pending = data.n_pending
        n_segments = sum(1 for _ in data.segments())
        pages_all = review.paginate(review.filter_turns(data, review.ReviewFilter()), review_page.SEGMENTS_PER_PAGE)
        # Open on the first page that has a suggestion to accept (page 1 is the interview's opening).
        start_page = next(n for n, page in enumerate(pages_all, 1) if any(seg.pending for sl in page
                                                                          for seg in sl.segments))
        print(f"transcript: {name}, {n_segments} segments, {len(data.turns)} turns, {n_pending} suggestions; "
              f"{review_page.SEGMENTS_PER_PAGE} segments per page, {len(pages_all)} pages; opening page {start_page}")

        loads = [timed(lambda: review.load_review(engine, tid, "bench")) for _ in range(args.repeat)]
        # What a turn's fragment reads again after a decision in it (the browser reruns only that turn).
        turn = max((sl.turn for sl in pages_all[start_page - 1]), key=lambda t: len(t.segments))
        reloads = [timed(lambda: review.reload_segments(engine, tid, turn.segments, "bench"))
                   for _ in range(args.repeat)]
        waiting = [(seg.id, sg.code) for seg in data.segments() for sg in seg.pending][:args.repeat]
        writes = [timed(lambda: review.accept(engine, sid, code, f"bench-write-{os.getpid()}"))
                  for sid, code in waiting]
        cold = new_session(name, tid, start_page)
        first = timed(cold.run)
        check(cold)
        opens, accepts, reruns, pages, filters = [], [], [], [], []
        for _ in range(args.repeat):
            at = new_session(name, tid, start_page)
            opens.append(timed(at.run))
            check(at)
            reruns.append(timed(at.run))
            key = next(b.key for b in at.button if b.key and b.key.startswith("acc-") and "turn" not in b.key)
            accepts.append(timed(at.button(key=key).click().run))
            check(at)
            if at.get("pagination"):
                pages.append(timed(at.get("pagination")[0].set_value(start_page + 1).run))
            filters.append(timed(at.toggle(key="f_pending").set_value(True).run))
            check(at)

        def line(label: str, xs: list[float]) -> None:
            print(f"{label:<44} median {statistics.median(xs) * 1000:7.0f} ms   max {max(xs) * 1000:7.0f} ms"
                  f"   (n={len(xs)})")

        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} (shared machines: compare "
              f"ratios rather than absolute times)")
        print(f"{'first run in this process (imports, caches)':<44} {first * 1000:14.0f} ms")
        line("open Review page (new session)", opens)
        line("rerun after one accept", accepts)
        line("plain rerun", reruns)
        if pages:
            line("go to page 2", pages)
        line("turn on 'only with suggestions waiting'", filters)
        line("load_review alone (one batched read)", loads)
        line(f"reload one turn ({len(turn.segments)} segments; its fragment)", reloads)
        line("one accept written (library, audited)", writes)
        print(f"ratio accept rerun / open: {statistics.median(accepts) / statistics.median(opens):.2f}; "
              f"load_review share of an accept rerun: {statistics.median(loads) / statistics.median(accepts):.0%}")
        engine.dispose()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
