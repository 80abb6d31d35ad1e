"""The web view in headless Chromium (Debian's package, driven by Playwright; no browser download)."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sitrep_shared.models import Location
from sitrep_shared.settings import DatabaseSettings
from sitrep_store import db
from sitrep_store.repository import open_repository
from sitrep_store.testing import generate, make_article, make_event, make_extraction

pytestmark = pytest.mark.integration

CHROMIUM = os.environ.get("SITREP_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"
HOSTILE = ('Officials said <script>window.__pwned = 1</script> drones fell. '
           '<img src=x onerror="window.__pwned = 2"> Air defences destroyed two drones over Kharkiv.')


@pytest.fixture
def store_url(tmp_path: Path) -> Iterator[str]:
    import subprocess
    import sys

    import httpx

    from sitrep_shared.broker import free_port

    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
        pytest.skip(f"web view test needs Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    url = f"sqlite:///{tmp_path / 'web.db'}"
    repo = open_repository(db.make_engine(DatabaseSettings(url=url)))
    repo.apply(list(generate(60, seed=5, events_per_article=3)))
    article = make_article(url="https://evil.example/a", text=HOSTILE, title="<script>bad()</script>")
    start = HOSTILE.index("Air defences")
    repo.apply([make_extraction(article, [make_event(
        article, type_="shootdown", start=start, end=len(HOSTILE), summary="<b>Hostile</b> drones",
        locations=[Location(name="Kharkiv", country_code="UA", lat=49.99, lon=36.23, precision="city")])])])
    repo.engine.dispose()
    port = free_port()
    env = {**os.environ, "SITREP_DATABASE__URL": url, "SITREP_CONSUME": "false", "SITREP_PORT": str(port)}
    proc = subprocess.Popen([sys.executable, "-m", "sitrep_store"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    yield base
    proc.terminate()
    proc.wait(20)


def test_web_view_filter_open_event_highlight_and_hostile_is_inert(store_url: str) -> None:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(store_url + "/")
        assert page.locator("#events tbody tr").count() == 50
        assert page.locator("svg.map path.land").count() > 5
        assert page.locator("svg.timeline rect").count() > 0

        page.check("input[name=type][value=shootdown]")  # the page submits itself on change
        page.wait_for_url("**/?type=shootdown*")
        types = page.locator("#events tbody tr td:nth-child(2)").all_inner_texts()
        assert types and all(t.strip() == "shootdown" for t in types)

        page.fill("input[name=q]", "hostile")
        page.click("#apply")
        page.wait_for_url("**q=hostile*")
        link = page.locator("a.summary").first
        assert link.inner_text() == "<b>Hostile</b> drones"  # shown as text, not markup
        link.click()
        page.wait_for_url("**/events/**")
        mark = page.locator("mark#evidence")
        assert mark.inner_text().startswith("Air defences destroyed two drones")
        text = page.locator("#article-text").inner_text()
        assert "<script>window.__pwned = 1</script>" in text and '<img src=x onerror=' in text
        assert page.locator("#article-text script, #article-text img").count() == 0
        assert page.evaluate("window.__pwned === undefined") and not dialogs
        page.screenshot(path=str(ARTIFACTS / "store-event-page.png"), full_page=True)
        page.goto(store_url + "/")
        page.screenshot(path=str(ARTIFACTS / "store-index.png"), full_page=True)
        browser.close()
