"""The codebook page in a real browser: the app served by Streamlit, driven by Chromium (Playwright)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from .conftest import ROOT
from .test_codebook_page import migrated_project

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served_app(engine, db_url, tmp_path):
    migrated_project(engine)
    port = _free_port()
    env = {**os.environ, "QUALCODE_DB": db_url, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}"
           f"{os.environ.get('PYTHONPATH', '')}"}
    log = open(tmp_path / "streamlit.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "streamlit_app.py", "--server.headless", "true",
                             "--server.address", "127.0.0.1", "--server.port", str(port),
                             "--browser.gatherUsageStats", "false"], cwd=ROOT, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail((tmp_path / "streamlit.log").read_text())
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_codebook_page_in_chromium(served_app):
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        try:
            page = browser.new_page()
            page.goto(f"{served_app}/codebook", timeout=120_000)
            page.get_by_text("peer_support 1.1.0", exact=False).first.wait_for(timeout=120_000)
            page.get_by_text("Trust (interpersonal_trust)").click()
            page.get_by_text("Trust between people, confidentiality", exact=False).first.wait_for(timeout=30_000)
            assert page.get_by_text("Competition (competition) · retired").count() == 1
            page.get_by_role("tab", name="Versions").click()
            page.get_by_text("Which version each transcript was tagged with").wait_for(timeout=30_000)
            page.get_by_role("tab", name="Files").click()
            page.get_by_text("Codebook files in", exact=False).wait_for(timeout=30_000)
        finally:
            browser.close()
