"""In a real headless Chromium: a retailer's officer reports an incident with the form, adding a
person with htmx, names a person already known (Jason Smith, born 1990-04-02, in three reports
of the sample world), and is told at once that this is a known offender and that the national unit
has been told — nothing it did not report itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from browser import logged_in, require_browser
from crimelink.store import StoreHandle
from web_server import Site, password, site

pytestmark = pytest.mark.browser


@pytest.fixture
def web(sqlite_store: StoreHandle, tmp_path: Path) -> Iterator[Site]:
    require_browser()
    with site(sqlite_store, tmp_path) as served:
        yield served


def test_a_retailer_reports_a_known_person_and_sees_the_known_offender_hit(web: Site) -> None:
    from playwright.sync_api import expect

    with logged_in(web.url, "northmart", password("northmart")) as (page, problems):
        page.get_by_test_id("nav-report").click()
        expect(page.get_by_role("heading", name="Report an incident")).to_be_visible()

        page.locator('[name="store_choice"]').select_option("NM-BHAM-1")
        page.locator('[name="items[0].description"]').fill("Steak")
        page.get_by_test_id("add-items").click()  # htmx: a second item row, then taken away again
        page.get_by_test_id("items-row-1").get_by_role("button", name="Remove").click()
        expect(page.locator("#items-rows .form-row")).to_have_count(1)
        page.locator('[name="persons[0].name"]').fill("Jason Smith")
        page.locator('[name="persons[0].dob"]').fill("1990-04-02")
        page.get_by_test_id("add-persons").click()
        page.locator('[name="persons[1].description"]').fill("Woman in a red coat, kept watch")
        expect(page.get_by_test_id("add-persons")).to_have_attribute(
            "hx-get", "/incidents/new/row?kind=persons&index=2"
        )
        page.get_by_test_id("send-report").click()

        expect(page.get_by_test_id("report-done")).to_contain_text("Report stored: NORTHMART / WEB-")
        hits = page.get_by_test_id("known-hits")
        expect(hits).to_contain_text("Known offender: the national unit has been told")
        expect(hits).to_contain_text("Jason Smith (person 1 in your report)")
        expect(hits.get_by_test_id("hit")).to_have_count(1)
        expect(hits.locator("a")).to_have_count(0)  # a retailer: no way into the offender's profile
        page.get_by_test_id("open-incident").click()
        expect(page.get_by_test_id("incident-title")).to_contain_text("NORTHMART / WEB-")
        expect(page.locator("main")).to_contain_text("Woman in a red coat, kept watch")
    assert problems == []
