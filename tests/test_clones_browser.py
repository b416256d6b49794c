"""In a real headless Chromium: an analyst searches a plate that two cars wear, sees both
flagged, opens one and is told it is a possible clone, with the other car a click away."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from browser import logged_in, require_browser
from crimelink.intake import import_documents
from crimelink.store import StoreHandle
from test_clones import CLONED, vehicle_ids
from web_server import Site, analyse, password, site

pytestmark = pytest.mark.browser


@pytest.fixture
def web(sqlite_store: StoreHandle, tmp_path: Path) -> Iterator[Site]:
    require_browser()
    with site(sqlite_store, tmp_path, analysed=False) as served:
        assert import_documents(store=sqlite_store, documents=CLONED).created == len(CLONED)
        analyse(sqlite_store)
        yield served


def test_an_analyst_opens_a_cloned_plate_and_sees_possible_clone(web: Site) -> None:
    from playwright.sync_api import expect

    seen = vehicle_ids(web.store)
    focus, golf = seen["NM-C1"], seen["SC-C1"]
    with logged_in(web.url, "analyst", password("analyst"), start="/vehicles/search?plate=KM19TXA") as (
        page,
        problems,
    ):
        expect(page.get_by_test_id("plate-results").get_by_test_id("clone-flag")).to_have_count(2)
        page.locator(f'a[href="/vehicles/{focus}"]').click()
        expect(page.get_by_test_id("clone-badge")).to_have_text("Possible clone")
        section = page.get_by_test_id("possible-clone")
        expect(section).to_contain_text("This plate has been seen on 2 different vehicles")
        expect(section.get_by_test_id(f"clone-car-{focus}")).to_contain_text("red Ford Focus")
        expect(section.get_by_test_id(f"clone-car-{golf}")).to_contain_text("black VW Golf")  # NM-C4's words
        section.get_by_test_id(f"clone-car-{golf}").get_by_role("link", name="other vehicle").click()
        expect(page).to_have_url(f"{web.url}/vehicles/{golf}")
        expect(page.get_by_test_id("clone-badge")).to_be_visible()
    assert problems == []
