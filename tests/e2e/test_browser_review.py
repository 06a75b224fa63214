"""End to end in a real browser: Debian's chromium driven by Playwright against `streamlit run` on a
temporary project database. A coder opens a sample interview, reviews it by clicking and with the
keyboard, and the database is checked afterwards. Nothing may be requested from outside 127.0.0.1.
"""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import select

from ..app_support import project_template  # noqa: F401
from ..browser import CHROMIUM, CHROMIUM_ARGS, need_chromium, running_app

pytestmark = pytest.mark.browser

TIMEOUT_MS = 90_000  # shared CI machines can be slow to draw a first page


@pytest.fixture
def server(tmp_path, project_template):  # noqa: F811
    """`streamlit run streamlit_app.py` on a copy of the tagged project, on a free loopback port."""
    need_chromium()
    db = tmp_path / "project.db"
    shutil.copy(project_template, db)
    with running_app(f"sqlite:///{db}", tmp_path / "streamlit.log", start_timeout=60) as url:
        yield url, f"sqlite:///{db}"


@pytest.fixture
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        pg = context.new_page()
        pg.set_default_timeout(TIMEOUT_MS)
        outside: list[str] = []
        pg.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:",
                                                                                   "blob:", "ws://127.0.0.1"))
              else None)
        pg.outside_requests = outside
        yield pg
        browser.close()


def accept_buttons(pg):
    return pg.locator("button").filter(has_text="✓ ")


def settle(pg) -> None:
    """Wait until the app has finished running (no "Running..." status widget)."""
    pg.wait_for_timeout(800)  # the status widget shows only after a moment of running
    pg.wait_for_function("!document.querySelector('[data-testid=stStatusWidget]')", timeout=TIMEOUT_MS)


def test_review_a_transcript_by_clicking(server, page):
    from playwright.sync_api import expect

    from qualcode.store import make_engine, transaction
    from qualcode.store.models import AuditEntry, Coding, CoderProgress

    url, db_url = server
    page.goto(f"{url}/?coder=anna")
    page.get_by_text("Transcript to open").wait_for()
    page.get_by_role("button", name="Open in Review").click()
    page.get_by_text("Page 1 of").wait_for()
    assert "/review" in page.url and "coder=anna" in page.url
    settle(page)

    page.get_by_text("Only with suggestions waiting").click()
    settle(page)
    accept = accept_buttons(page)
    accept.first.wait_for()
    n_before = accept.count()
    label = accept.first.inner_text()
    accept.first.click()  # reruns only this turn (a fragment)
    page.wait_for_function(
        f"[...document.querySelectorAll('button')].filter(b => b.innerText.includes('✓ ')).length < {n_before}")
    settle(page)

    reject = page.locator("button").filter(has_text="✗").first
    reject.click()
    page.wait_for_function(
        f"[...document.querySelectorAll('button')].filter(b => b.innerText.includes('✓ ')).length < {n_before - 1}")
    settle(page)

    # Add a code by hand: the dialog's searchable picker.
    page.locator("[class*='st-key-open-add-'] button").first.click()
    dialog = page.get_by_role("dialog")
    dialog.wait_for()
    dialog.get_by_role("combobox").fill("Competition")
    page.keyboard.press("Enter")
    dialog.get_by_text("rivalry", exact=False).first.wait_for()
    dialog.get_by_role("button", name="Add").click()
    page.get_by_text("Added Competition").wait_for()
    settle(page)

    # Undo takes the added code back.
    page.get_by_role("button", name="Undo").click()
    page.get_by_text("Undone: accepted Competition").wait_for()
    settle(page)

    # A dialog closed with Escape stays closed when the page runs again.
    page.locator("[class*='st-key-open-memo-'] button").first.click()
    page.get_by_role("dialog").wait_for()
    page.keyboard.press("Escape")
    page.get_by_role("dialog").wait_for(state="hidden")
    settle(page)
    page.get_by_text("Only with suggestions waiting").click()  # a full rerun
    settle(page)
    assert page.get_by_role("dialog").count() == 0
    page.get_by_text("Only with suggestions waiting").click()
    settle(page)

    # The keyboard: J focuses the next segment with suggestions waiting, A accepts its top one.
    page.get_by_role("heading", name="Review").click()  # focus out of any input
    page.keyboard.press("j")
    settle(page)
    page.keyboard.press("a")
    settle(page)

    page.get_by_role("button", name="Mark done").click()
    page.get_by_role("button", name="Reopen").wait_for()
    settle(page)

    engine = make_engine(db_url)
    with transaction(engine) as s:
        rows = s.execute(select(Coding.code, Coding.status, Coding.origin).where(Coding.coder == "anna")).all()
        done = s.get(CoderProgress, (1, "anna")) or s.scalars(select(CoderProgress)).first()
        actions = [a for (a,) in s.execute(select(AuditEntry.action).where(AuditEntry.who == "anna")
                                           .order_by(AuditEntry.id))]
    engine.dispose()
    statuses = sorted((status, origin) for _, status, origin in rows)
    assert statuses == [("accepted", "suggested"), ("accepted", "suggested"), ("rejected", "suggested")], rows
    assert label.split("·")[0].replace("✓", "").strip() in {"Practical support", "Emotional support",
                                                             "Social support", "Trust", "Competition", "Resilience"}
    assert all(code != "competition" or origin != "manual" for code, _, origin in rows)
    assert done is not None and done.done and done.coder == "anna"
    assert actions == ["accepted", "rejected", "accepted", "undo", "accepted", "marked done"]
    assert page.outside_requests == [], "the app must not fetch anything from outside"

    # The browser remembers the coder: a new tab without ?coder= starts as anna.
    page.wait_for_function("document.cookie.includes('qualcode_coder=anna')")
    tab = page.context.new_page()
    tab.goto(f"{url}/review")
    tab.get_by_text("Page 1 of").wait_for(timeout=TIMEOUT_MS)
    expect(tab.get_by_role("textbox", name="Coder")).to_have_value("anna", timeout=30_000)


def test_language_and_escaping_in_the_browser(server, page, tmp_path):
    from docx import Document

    from qualcode.importing import import_files
    from qualcode.store import make_engine

    url, db_url = server
    doc = Document()
    doc.add_paragraph("H: Mitä luottamus tarkoittaa?")
    doc.add_paragraph('V: Luotan <b>luottamus</b> <img src=x onerror="window.hacked=1"> '
                      '<script>window.hacked=2</script> **aina**.')
    doc.add_paragraph("H: Kiitos.")
    path = tmp_path / "aaa_hostile.docx"
    doc.save(path)
    engine = make_engine(db_url)
    assert import_files(engine, [path])[0].ok  # imported while the app runs; not segmented yet
    engine.dispose()

    page.goto(f"{url}/review?coder=ben&lang=fi&transcript=aaa_hostile")
    page.get_by_role("heading", name="Koodaus").wait_for()
    page.get_by_text("window.hacked=2", exact=False).first.wait_for()
    settle(page)
    body = page.inner_text("[data-testid=stMain]")
    assert '<script>window.hacked=2</script>' in body and "<b>luottamus</b>" in body and "**aina**" in body
    assert "ei ole vielä jaettu segmentteihin" in body  # the page speaks Finnish
    assert page.evaluate("window.hacked === undefined")
    assert page.outside_requests == []
