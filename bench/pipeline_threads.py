"""Why background learning has a pipeline of its own: one spaCy pipeline used from two threads.

A thread parses the codebook's example sentences in a loop (as the app's background
learning does after decisions) while the main thread parses three probe sentences and
compares their lemmas with what they were before the thread started. ``shared`` gives
the thread the main thread's pipeline; ``separate`` gives it ``nlp.background_pipeline()``,
which is what ``decisions.notify_learning`` uses. Prints probes and wrong lemmas. With
``shared`` the process may die of heap corruption (Voikko and the string store are not
thread-safe), which is the point.

    PYTHONPATH=src python bench/pipeline_threads.py shared|separate [SECONDS]
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from qualcode.codebook import load_codebook  # noqa: E402
from qualcode.nlp import background_pipeline, load_pipeline  # noqa: E402

PROBES = ["Luotan häneen täysin.", "Itseluottamus kasvoi, ja luotan kollegoihin.", "Keikoista kilpaillaan kovasti."]


def main() -> None:
    mode = sys.argv[1] if len(sys.argv) > 1 else "separate"
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 60.0
    nlp = load_pipeline()
    other = nlp if mode == "shared" else background_pipeline()
    book, _ = load_codebook(ROOT / "codebooks" / "peer_support.yaml")
    texts = [e for c in book.active_codes for e in c.examples][:1500]
    expected = [[t.lemma_ for t in nlp(p)] for p in PROBES]
    stop = threading.Event()

    def background() -> None:
        while not stop.is_set():
            for _ in other.pipe(texts, batch_size=64, disable=["parser"]):
                if stop.is_set():
                    return

    threading.Thread(target=background, daemon=True).start()
    probes = wrong = 0
    started = time.time()
    while time.time() - started < seconds:
        for probe, want in zip(PROBES, expected):
            probes += 1
            got = [t.lemma_ for t in nlp(probe)]
            if got != want:
                wrong += 1
                if wrong <= 3:
                    print(f"wrong lemmas: {got} (were {want})", flush=True)
    stop.set()
    print(f"{mode}: {probes} probes in {seconds:.0f} s, {wrong} with wrong lemmas")


if __name__ == "__main__":
    main()
