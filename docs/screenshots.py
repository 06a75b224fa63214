"""Screenshots of the app for the README: docs/transcripts.png, docs/review.png, docs/compare.png,
docs/matrices.png.

Builds a project from the sample interviews (import, pre-tag with the real pipeline, accept the
surest suggestions as two coders), starts `streamlit run` on it on a free loopback port and
photographs the pages with Debian's chromium (Playwright). Takes a few minutes; `--db` reuses a
project that is already tagged (for example after `make run`; it gets the demo coders' codings).

    python docs/screenshots.py [--db sqlite:///outputs/qualcode.db] [--out docs]
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
SHOWN = "mgmt_user_company"


def build(url: str) -> None:
    from qualcode.codebook import load_codebook
    from qualcode.importing import import_files
    from qualcode.pretag import pretag
    from qualcode.store import make_engine

    engine = make_engine(url)
    print("importing and pre-tagging the sample interviews (a few minutes)…", flush=True)
    import_files(engine, sorted((ROOT / "transcripts").glob("*.docx")))
    book, text = load_codebook(ROOT / "codebooks" / "peer_support.yaml")
    print(pretag(engine, book, text).summary(), flush=True)
    engine.dispose()


def code_as_demo_coders(url: str) -> None:
    """Two coders code every interview; they differ on some segments of the one shown, where the
    first half is left for the screenshot of the Review page."""
    from qualcode import review
    from qualcode.store import make_engine

    engine = make_engine(url)
    for row in review.transcript_list(engine):
        tid = row["id"]
        data = review.load_review(engine, tid, "aino")
        waiting = [(s, sg) for s in data.segments() for sg in s.pending]
        shown = row["name"] == SHOWN
        for i, (seg, sg) in enumerate(waiting):
            if shown and i < len(waiting) // 2:
                continue  # left waiting for aino
            (review.reject if i % 5 == 0 else review.accept)(engine, seg.id, sg.code, "aino")
            (review.reject if i % 7 == 0 else review.accept)(engine, seg.id, sg.code, "ville")
            if i % 9 == 0:
                review.add_code(engine, seg.id, "trust", "ville")
        review.set_done(engine, tid, "ville")
        if not shown:
            review.set_done(engine, tid, "aino")
        else:
            first = next(s for s, _ in waiting)
            review.add_memo(engine, tid, "aino", "Vertical peer support: staff teach the managers here.", first.id)
    engine.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def settle(page) -> None:
    page.wait_for_timeout(500)
    page.wait_for_function("!document.querySelector('[data-testid=stStatusWidget]')", timeout=120_000)
    page.wait_for_function("!document.querySelector('[data-testid=stSkeleton]')", timeout=120_000)
    page.wait_for_timeout(800)


def shoot(url: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = dict(os.environ, QUALCODE_DB=url, PYTHONPATH=str(ROOT / "src"))
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/_stcore/health", timeout=2)
                break
            except OSError:
                time.sleep(0.3)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": 1440, "height": 1000}, device_scale_factor=1)
            page.set_default_timeout(120_000)

            page.goto(f"{base}/?coder=aino")
            page.get_by_text("Transcript to open").wait_for()
            settle(page)
            page.screenshot(path=str(out / "transcripts.png"))

            page.goto(f"{base}/review?coder=aino&transcript={SHOWN}")
            page.get_by_text("Page 1 of").wait_for()
            settle(page)
            page.get_by_text("Only with suggestions waiting").click()
            settle(page)
            page.evaluate("document.activeElement && document.activeElement.blur()")
            page.keyboard.press("j")
            settle(page)
            page.set_viewport_size({"width": 1440, "height": 1350})  # the header and the first turns
            page.evaluate("window.scrollTo(0, 0); document.querySelectorAll('*').forEach(e => e.scrollTop = 0)")
            settle(page)
            page.screenshot(path=str(out / "review.png"))
            page.set_viewport_size({"width": 1440, "height": 1000})

            page.mouse.wheel(0, -2000)
            page.get_by_role("button", name="Mark done").click()
            settle(page)
            page.get_by_text("Compare coders").click()
            settle(page)
            page.mouse.wheel(0, 420)
            settle(page)
            page.screenshot(path=str(out / "compare.png"))

            page.goto(f"{base}/matrices?coder=aino")
            page.get_by_role("heading").first.wait_for()
            settle(page)
            page.screenshot(path=str(out / "matrices.png"))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(15)
    for name in ("transcripts", "review", "compare", "matrices"):
        print(f"wrote {out / (name + '.png')}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", help="an already tagged project (default: build one in a temporary folder)")
    ap.add_argument("--out", type=Path, default=ROOT / "docs")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="qualcode-shots-") as tmp:
        url = args.db or f"sqlite:///{Path(tmp) / 'demo.db'}"
        if not args.db:
            build(url)
        code_as_demo_coders(url)
        shoot(url, args.out)


if __name__ == "__main__":
    main()
