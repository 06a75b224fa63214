"""The codebook page in a real browser: the app served by Streamlit, driven by Chromium (Playwright)."""

from __future__ import annotations


import pytest

from .browser import CHROMIUM, need_chromium, running_app
from .test_codebook_page import migrated_project

pytestmark = pytest.mark.browser


@pytest.fixture
def served_app(engine, db_url, tmp_path):
    need_chromium()
    migrated_project(engine)
    with running_app(db_url, tmp_path / "streamlit.log", start_timeout=120) as url:
        yield url


def test_codebook_page_in_chromium(served_app):
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
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
