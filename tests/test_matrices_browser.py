"""In a real browser (Debian chromium via Playwright) against `streamlit run`: an analyst opens
the Matrices page, clicks a cell of the heat-mapped table, reads the quotes behind it and
downloads the matrix as XLSX, which is opened again and checked."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import openpyxl
import pytest

from . import matrices_data
from .conftest import ROOT

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
TIMEOUT_MS = 120_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path, engine, db_url):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (make setup-test installs it)")
    matrices_data.build(engine)
    port = _free_port()
    env = dict(os.environ, QUALCODE_DB=db_url, PYTHONPATH=str(ROOT / "src"))
    log = open(tmp_path / "streamlit.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"streamlit did not start:\n{(tmp_path / 'streamlit.log').read_text()}")
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def test_click_a_cell_read_its_quotes_and_download(server, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1100}, accept_downloads=True)
        page.set_default_timeout(TIMEOUT_MS)
        outside: list[str] = []
        page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(server) else None)
        page.goto(f"{server}/matrices")
        grid = page.locator("[data-testid='stDataFrame']").first
        grid.locator("canvas").first.wait_for()
        page.wait_for_timeout(1500)
        box = grid.bounding_box()
        # Row 1 (Support) of the management column: the index column takes about the first tenth.
        page.mouse.click(box["x"] + box["width"] * 0.3, box["y"] + 35 + 17)
        page.get_by_text("4 coded segments: Support · management").wait_for()
        for quote in ("Kysyin neuvoa kollegalta.", "Kuuntelen heitä paljon aina."):
            page.get_by_text(quote).wait_for()
        with page.expect_download() as info:
            page.get_by_role("button", name="Download XLSX").click()
        path = tmp_path / "download.xlsx"
        info.value.save_as(path)
        browser.close()
    rows = list(openpyxl.load_workbook(path)["counts"].iter_rows(values_only=True))
    assert rows[0] == ("code", "label", "management", "gig_worker", "ohs", "total")
    assert rows[1] == ("support", "Support", 4, 2, 0, 6)
    assert not [u for u in outside if not u.startswith(("data:", "blob:"))], outside
