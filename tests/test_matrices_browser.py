"""In a real browser (Debian chromium via Playwright) against `streamlit run`: an analyst opens
the Matrices page, clicks a cell of the heat-mapped table, reads the quotes behind it and
downloads the matrix as XLSX, which is opened again and checked."""

from __future__ import annotations


import openpyxl
import pytest

from . import matrices_data
from .browser import CHROMIUM, need_chromium, running_app

pytestmark = pytest.mark.browser

TIMEOUT_MS = 120_000


@pytest.fixture
def server(tmp_path, engine, db_url):
    need_chromium()
    matrices_data.build(engine)
    with running_app(db_url, tmp_path / "streamlit.log") as url:
        yield url


def test_click_a_cell_read_its_quotes_and_download(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright

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
        # The other tabs are computed when opened: the framework matrix shows its quotes then.
        page.get_by_role("tab", name="Framework matrix").click()
        page.get_by_text("Each cell: n coded segments").wait_for()
        expect(page.locator("[data-testid='stDataFrame']")).to_have_count(1)  # the theme matrix is gone
        browser.close()
    rows = list(openpyxl.load_workbook(path)["counts"].iter_rows(values_only=True))
    assert rows[0] == ("code", "label", "management", "gig_worker", "ohs", "total")
    assert rows[1] == ("support", "Support", 4, 2, 0, 6)
    assert not [u for u in outside if not u.startswith(("data:", "blob:"))], outside
