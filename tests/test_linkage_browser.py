"""In a real headless Chromium: an analyst opens an offender, asks why two reports were
linked (Splink's waterfall), rejects one link, and the rejection holds after a re-run."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser import logged_in, require_browser
from crimelink.pipeline import run_analysis
from crimelink.store import StoreHandle
from test_linkage_decisions import smith_links
from web_server import Site, password, site

pytestmark = pytest.mark.browser


@pytest.fixture
def web(sqlite_store: StoreHandle, tmp_path: Path) -> Iterator[Site]:
    require_browser()
    with site(sqlite_store, tmp_path) as served:
        yield served


def test_an_offender_profile_shows_why_reports_are_linked_and_a_rejection_survives_a_rerun(web: Site) -> None:
    from playwright.sync_api import expect

    links = smith_links(web.store)
    offender, rejected = links["NM-1"][1], links["SC-1"][0]
    with logged_in(web.url, "analyst", password("analyst"), start=f"/offenders/{offender}") as (page, problems):
        table = page.get_by_test_id("links-table")
        expect(table.locator("tr[data-status=suggested]")).to_have_count(3)
        expect(table.locator(".link-badge-suggested").first).to_contain_text("suggested by the model")
        page.get_by_test_id(f"why-button-{rejected}").click()
        waterfall = page.get_by_test_id(f"why-{rejected}").get_by_test_id("waterfall")
        expect(waterfall).to_contain_text("prior")
        expect(waterfall).to_contain_text(re.compile(r"date of birth"))
        expect(page.get_by_test_id(f"why-{rejected}")).to_contain_text("Compared with the report in incident NM-")

        page.get_by_test_id(f"reason-{rejected}").fill("CCTV shows a different man")
        page.get_by_test_id(f"reject-{rejected}").click()
        expect(page.get_by_test_id("pending-decisions")).to_contain_text("CCTV shows a different man")

        run_analysis(store=web.store)
        after = smith_links(web.store)
        page.goto(f"{web.url}/offenders/{after['NM-1'][1]}")
        expect(page.get_by_test_id("links-table").locator("tbody tr[data-status]")).to_have_count(2)
        expect(page.get_by_test_id(f"link-{rejected}")).to_have_count(0)
        page.goto(f"{web.url}/offenders/{after['SC-1'][1]}")
        expect(page.get_by_test_id(f"link-{rejected}")).to_have_attribute("data-status", "alone")
    assert problems == []
