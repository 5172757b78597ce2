"""A manager opens each dashboard in headless Chromium (Debian's `chromium`, driven by
Playwright): every chart renders, none shows an error or "No results", and a PNG of each
dashboard is written to a temporary folder, or to $CSP_SCREENSHOTS_DIR when it is set:
`make screenshots` sets it to docs/screenshots/ to refresh the README's pictures, so a
plain `make test` leaves the tracked PNGs alone."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest
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


def _charts_rendered(page, n_charts: int, responses: list, timeout: float) -> bool:
    """Wait until every chart holder shows a canvas, svg or table and all data came back."""
    holders = page.locator('[data-test="dashboard-component-chart-holder"]')
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.mouse.wheel(0, 2000)
        loading = page.locator('[data-test="loading-indicator"]:visible').count()
        per_chart = [
            holders.nth(i).locator(":is(canvas, svg, table)").count() > 0
            for i in range(holders.count())
        ]
        if (
            holders.count() == n_charts
            and per_chart
            and all(per_chart)
            and not loading
            and len(responses) >= n_charts
        ):
            return True
        time.sleep(0.5)
    return False


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
    page.goto(f"{superset_server.url}/login/")
    page.fill("#username", "mk_manager")
    page.fill("#password", DEMO_LOGINS["mk_manager"])
    page.keyboard.press("Enter")
    page.wait_for_url("**/superset/welcome/**", timeout=60_000)

    for dash in dashboards:
        n_charts = len(dashboard_charts[dash["dashboard_title"]])
        responses.clear()
        page.goto(f"{superset_server.url}/superset/dashboard/{dash['slug'] or dash['id']}/")
        # One reload is allowed: on a loaded 2-core machine the first visit of a dashboard
        # can stall in the front end before any chart request is sent.
        if not _charts_rendered(page, n_charts, responses, timeout=90):
            responses.clear()
            page.reload()
            if not _charts_rendered(page, n_charts, responses, timeout=120):
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
        slug = dash["slug"] or str(dash["id"])
        page.set_viewport_size({"width": 1600, "height": 1000})
        page.mouse.wheel(0, -20000)
        time.sleep(2)  # charts redraw at the new size
        page.screenshot(path=str(screenshots / f"{slug}.png"), full_page=True)
        page.set_viewport_size({"width": 1600, "height": 3200})
        assert (screenshots / f"{slug}.png").stat().st_size > 10_000
    page.close()
