"""A real headless Chromium drives the app: log in, read the dashboard, search, open an incident.

Needs Debian's ``/usr/bin/chromium`` (Playwright's own browser download is not used) and the
front-end libraries in ``static/vendor/`` (``npm install`` then ``python -m crimelink.web.vendor``;
copied here from ``node_modules`` when missing). Skipped with the reason when either is absent
outside CI; in CI (``CI`` set) their absence fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser import CHROMIUM, CHROMIUM_ARGS, require_browser
from crimelink.store import StoreHandle
from web_server import TOTAL_VALUE, Site, password, site

pytestmark = pytest.mark.browser


@pytest.fixture
def web(sqlite_store: StoreHandle, tmp_path: Path) -> Iterator[Site]:
    require_browser()
    with site(sqlite_store, tmp_path) as served:
        yield served


def test_an_analyst_logs_in_reads_the_dashboard_and_opens_an_incident(web: Site) -> None:
    from playwright.sync_api import expect, sync_playwright

    problems: list[str] = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = chromium.new_page(viewport={"width": 1360, "height": 900})
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

            page.goto(web.url + "/incidents")  # not logged in: sent to the login form
            expect(page).to_have_url(re.compile(r"/login\?next=%2Fincidents$"))
            page.get_by_label("Username").fill("analyst")
            page.get_by_label("Password").fill(password("analyst"))
            page.get_by_role("button", name="Log in").click()
            expect(page).to_have_url(web.url + "/incidents")

            page.get_by_role("link", name="Dashboard").click()
            expect(page).to_have_url(web.url + "/")
            expect(page.get_by_test_id("user-org")).to_have_text("National Unit · National analyst")
            expect(page.get_by_test_id("fig-incidents")).to_have_text("5")
            expect(page.get_by_test_id("fig-value")).to_have_text(f"£{TOTAL_VALUE:,.0f}")
            expect(page.get_by_test_id("fig-groups")).to_have_text("1")
            expect(page.get_by_test_id("fig-forces")).to_have_text("2")

            chart = page.locator("#trend-chart")
            expect(chart).to_have_attribute("data-rendered", "true")
            drawn = page.evaluate(
                """() => {
                    const chart = Chart.getChart("trend-chart");
                    const bars = chart.data.datasets[0].data;
                    return {bars: bars, width: chart.width, height: chart.height};
                }"""
            )
            assert drawn["bars"] == [1, 2, 2]
            assert drawn["width"] > 200
            assert drawn["height"] > 100
            expect(page.locator("#force-map")).to_have_attribute("data-rendered", "true")

            page.get_by_role("link", name="Incidents", exact=True).click()
            page.get_by_label("Search").fill("kelly")  # htmx filters as one types
            expect(page.get_by_test_id("result-count")).to_have_text("3 incidents")
            expect(page).to_have_url(re.compile(r"q=kelly"))
            page.get_by_role("link", name="SC-1").click()

            expect(page.get_by_test_id("incident-title")).to_contain_text("Robbery")
            expect(page.get_by_test_id("grading")).to_contain_text("2BC")
            expect(page.get_by_test_id("offender-link")).to_have_count(3)
            page.get_by_role("link", name="Jason SMITH").click()
            expect(page.get_by_test_id("offender-name")).to_have_text("Jason SMITH")
            page.get_by_test_id("group-link").click()
            expect(page.locator("#group-graph")).to_have_attribute("data-rendered", "true")
        finally:
            chromium.close()
    assert problems == []
