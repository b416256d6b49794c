"""A real headless Chromium draws a group's link chart (expand a node, see why a link exists)
and its map: the force boundaries, the route in time order, and the boundaries' attribution."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from browser import CHROMIUM, CHROMIUM_ARGS, require_browser
from crimelink.intake import import_files
from crimelink.settings import Settings
from crimelink.store import StoreHandle
from crimelink.web import create_app
from web_server import BROWN, SECRET, SMITH, WALSH, Site, analyse, fill_store, incident, password, serve

pytestmark = pytest.mark.browser

TRAIL = [  # the group on the road: Birmingham, Coventry, Leicester, Nottingham, with their van
    ("TRIP-1", "2025-04-01T10:00:00Z", "West Midlands", 52.4797, -1.9026, "west-midlands"),
    ("TRIP-2", "2025-04-01T12:30:00Z", "Coventry", 52.4068, -1.5197, "west-midlands"),
    ("TRIP-3", "2025-04-02T11:00:00Z", "Leicester", 52.6369, -1.1398, "leicestershire"),
    ("TRIP-4", "2025-04-02T15:00:00Z", "Nottingham", 52.9548, -1.1581, "nottinghamshire"),
]


MASKED = {"person_ref": "d", "gender": "male", "age_min": 20, "age_max": 30,
          "description": "Masked, black puffer jacket, carried the foil-lined bag"}  # never named


@pytest.fixture
def web(sqlite_store: StoreHandle, tmp_path: Path) -> Iterator[Site]:

    require_browser()
    fill_store(sqlite_store, tmp_path)
    trips = [
        incident("NORTHMART", ref, when, police_force=force, value_gbp=300.0,
                 store={"store_ref": ref, "name": f"Northmart {town}", "lat": lat, "lon": lon},
                 persons=[{"person_ref": "a", **SMITH}, {"person_ref": "b", **BROWN}, {"person_ref": "c", **WALSH},
                          *([MASKED] if ref == "TRIP-3" else [])],
                 vehicles=[{"vrm": "GR04 VAN", "make": "Ford", "model": "Transit"}],
                 mo={"tags": ["lookout", "sweeping_shelves"]})
        for ref, when, town, lat, lon, force in TRAIL
    ]
    path = tmp_path / "trips.jsonl"
    path.write_text("".join(json.dumps(t) + "\n" for t in trips))
    import_files(store=sqlite_store, paths=[path])
    analyse(sqlite_store)
    app = create_app(Settings(database_url=sqlite_store.url, secret_key=SECRET, demo=False), store=sqlite_store)
    with serve(app) as url:
        yield Site(url=url, store=sqlite_store)


def test_a_group_link_chart_and_its_map_with_route_and_boundaries(web: Site) -> None:
    from playwright.sync_api import expect, sync_playwright

    problems: list[str] = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = chromium.new_page(viewport={"width": 1360, "height": 900})
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.goto(web.url + "/groups")
            page.get_by_label("Username").fill("analyst")
            page.get_by_label("Password").fill(password("analyst"))
            page.get_by_role("button", name="Log in").click()
            page.get_by_role("link", name=re.compile(r"^Group 1")).click()

            expect(page.get_by_test_id("group-profile")).to_be_visible()  # loaded by htmx
            expect(page.get_by_test_id("members")).to_contain_text("Jason SMITH")  # identified, by name
            unidentified = page.get_by_test_id("unidentified")  # the masked one: a sighting, not a person
            expect(unidentified).to_contain_text("Unnamed male, 20–30")
            expect(unidentified).to_contain_text("seen with its members")
            expect(page.get_by_test_id("members")).not_to_contain_text("Unnamed")
            expect(page.get_by_test_id("route")).to_contain_text("Leicestershire")
            page.get_by_test_id("chart-link").click()
            chart = page.locator("#link-chart")
            expect(chart).to_have_attribute("data-rendered", "true")
            assert int(chart.get_attribute("data-nodes") or 0) >= 10  # group, 3 people, 8 incidents, van, stores
            page.evaluate("() => { window.crimelinkChart.edges('[kind = \"seen at\"]')[0].emit('tap'); }")
            expect(page.get_by_test_id("edge-why")).to_contain_text(re.compile(r"noted NORTHMART/\S+ on \d+ \w+ 2025"))
            before = int(chart.get_attribute("data-nodes") or 0)
            page.evaluate("() => { window.crimelinkChart.nodes('[kind = \"store\"]')[0].emit('tap'); }")
            page.get_by_test_id("chart-expand").click()
            expect(chart).to_have_attribute("data-expanded", "1")
            assert int(chart.get_attribute("data-nodes") or 0) >= before

            page.go_back()
            page.get_by_test_id("map-link").click()
            shown = page.locator("#pattern-map")
            expect(shown).to_have_attribute("data-rendered", "true")
            expect(shown).to_have_attribute("data-boundaries", "43")
            assert int(shown.get_attribute("data-route") or 0) >= 4
            expect(page.locator(".leaflet-interactive").first).to_be_visible()
            attribution = page.locator(".leaflet-control-attribution")
            expect(attribution).to_contain_text("Office for National Statistics licensed under the Open Government"
                                                " Licence v3.0")
            expect(attribution).to_contain_text("Contains OS data © Crown copyright and database right 2023")
            assert page.evaluate("() => document.querySelectorAll('img[src^=\"http\"]').length") == 0  # no tiles
        finally:
            chromium.close()
    assert problems == []
