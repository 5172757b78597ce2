"""A manager opens each dashboard in headless Chromium (Debian's `chromium`, driven by
Playwright): every chart renders (and every markdown block its text), none shows an error
or "No results", and a PNG of each dashboard is written to a temporary folder, or to
$CSP_SCREENSHOTS_DIR when it is set:
`make screenshots` sets it to docs/screenshots/ to refresh the README's pictures, so a
plain `make test` leaves the tracked PNGs alone."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
from catalogue import read
from conftest import DEMO_LOGINS

pytestmark = [pytest.mark.superset, pytest.mark.browser]

CHROMIUM = os.environ.get("CSP_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ERROR_TEXTS = ["No results", "Unexpected error", "Error:", "An error occurred"]


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """$CSP_SCREENSHOTS_DIR (relative to the current folder) when set, else a temporary one."""
    given = os.environ.get("CSP_SCREENSHOTS_DIR")
    folder = Path(given).resolve() if given else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


#: A markdown block's holder sits inside `.dashboard-markdown` and shows its text.
MARKDOWN_SHOWN = "e => !!e.closest('.dashboard-markdown') && e.innerText.trim().length > 0"


def markdown_count(admin, dashboard_id: int) -> int:
    """The markdown blocks of the dashboard's layout (they sit in chart holders too)."""
    full = admin.req("GET", f"/api/v1/dashboard/{dashboard_id}")["result"]
    position = json.loads(full["position_json"] or "{}")
    return sum(1 for v in position.values() if isinstance(v, dict) and v.get("type") == "MARKDOWN")


def _charts_rendered(
    page, n_charts: int, responses: list, timeout: float, n_markdown: int = 0
) -> bool:
    """Wait until every chart holder shows a canvas, svg or table (a markdown holder, its
    text) and all data came back."""
    holders = page.locator('[data-test="dashboard-component-chart-holder"]')
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.mouse.wheel(0, 2000)
        loading = page.locator('[data-test="loading-indicator"]:visible').count()
        per_chart = [
            holders.nth(i).locator(":is(canvas, svg, table)").count() > 0
            or holders.nth(i).evaluate(MARKDOWN_SHOWN)
            for i in range(holders.count())
        ]
        if (
            holders.count() == n_charts + n_markdown
            and per_chart
            and all(per_chart)
            and not loading
            and len(responses) >= n_charts
        ):
            return True
        time.sleep(0.5)
    return False


def log_in(page, url: str, username: str) -> None:
    """Log in through the login form. A second try is allowed: on a loaded machine the
    form can be submitted while the page is still starting, and the session is lost."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _attempt in (1, 2):
        try:
            page.goto(f"{url}/login/")
            page.wait_for_load_state("networkidle")
            page.fill("#username", username)
            page.fill("#password", DEMO_LOGINS[username])
            page.keyboard.press("Enter")
            page.wait_for_url("**/superset/welcome/**", timeout=60_000)
            page.wait_for_load_state("networkidle")
        except PlaywrightTimeout:
            continue
        if "/login/" not in page.url:
            return
    pytest.fail(f"{username} could not log in through the form (at {page.url})")


def test_manager_sees_every_dashboard_render(
    superset_server, admin, dashboard_charts, browser, screenshots
):
    dashboards = admin.list_all("/api/v1/dashboard/", ["id", "dashboard_title", "slug"])
    page = browser.new_page(viewport={"width": 1600, "height": 3200})
    responses: list[tuple[int, dict]] = []

    def on_response(resp) -> None:
        if "/api/v1/chart/data" in resp.url and resp.request.method == "POST":
            try:
                body = resp.json()
            except Exception:  # noqa: BLE001 - recorded as a failure below
                body = {}
            responses.append((resp.status, body))

    page.on("response", on_response)
    log_in(page, superset_server.url, "mk_manager")

    for dash in dashboards:
        n_charts = len(dashboard_charts[dash["dashboard_title"]])
        n_markdown = markdown_count(admin, dash["id"])
        responses.clear()
        page.goto(f"{superset_server.url}/superset/dashboard/{dash['slug'] or dash['id']}/")
        # One reload is allowed: on a loaded 2-core machine the first visit of a dashboard
        # can stall in the front end before any chart request is sent.
        if not _charts_rendered(page, n_charts, responses, timeout=90, n_markdown=n_markdown):
            responses.clear()
            page.reload()
            if not _charts_rendered(page, n_charts, responses, 120, n_markdown):
                shot = superset_server.data_dir / f"failed-{dash['id']}.png"
                page.screenshot(path=str(shot), full_page=True)
                pytest.fail(
                    f"{dash['dashboard_title']}: charts did not render at {page.url} "
                    f"(screenshot {shot}):\n{page.locator('body').inner_text()[:500]}"
                )
        page.wait_for_load_state("networkidle")
        time.sleep(1)  # let the last animation settle before the screenshot

        for status, body in responses:
            assert status == 200, (dash["dashboard_title"], status, json.dumps(body)[:300])
            for result in body.get("result", []):
                assert not result.get("error"), result["error"]
                assert result.get("rowcount", 0) > 0, dash["dashboard_title"]
        text = page.locator("#app").inner_text()
        for bad in ERROR_TEXTS:
            assert bad not in text, f"{dash['dashboard_title']}: '{bad}' on the page"
        assert "Medway" not in text  # the Milton Keynes manager's dashboards
        if dash["slug"] == "domestic-abuse":
            assert n_markdown == 1 and "official figure" in text
        if dash["slug"] == "asb-fire":
            assert n_markdown == 1 and "First reported and latest figures" in text
        if dash["slug"] == "drug-alcohol":
            # the rates of the latest FY beside the definition they were counted under
            assert n_markdown == 1 and "A definition can change" in text
            for m in read():
                if m.domain == "substance_misuse" and m.valid_from is not None:
                    assert f"(from {m.valid_from.day} {m.valid_from:%B %Y})" in text
        if dash["slug"] == "reoffending":
            # the IOM table by quarter, the cost's price base, the needs apart by type
            assert n_markdown == 1 and "2015/16 prices" in text and "Heeks et al. 2018" in text
            assert "Q1 " in text and "Number on scheme" in text
            assert "Initial" in text and "Termination" in text
        if dash["slug"] == "community-safety-overview":
            assert "Data status" in text and "Up to date" in text
        slug = dash["slug"] or str(dash["id"])
        page.set_viewport_size({"width": 1600, "height": 1000})
        page.mouse.wheel(0, -20000)
        time.sleep(2)  # charts redraw at the new size
        page.screenshot(path=str(screenshots / f"{slug}.png"), full_page=True)
        page.set_viewport_size({"width": 1600, "height": 3200})
        assert (screenshots / f"{slug}.png").stat().st_size > 10_000
    page.close()
