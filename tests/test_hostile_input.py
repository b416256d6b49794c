"""Hostile and careless input, over real HTTP against one served, analysed world: every one is a
clear 4xx naming what is wrong, never a 500, and nothing it sends moves the national figures or
shows another force's hotspots.

- Input that once gave 500s: a lone surrogate, dates past the arithmetic of periods, a page or a
  chart node past 64 bits; a failed import is recorded as failed, not left "running".
- Bodies: larger than the limit (413, chunked or not), ``NaN`` and ``Infinity`` (422).
- Plates typed with look-alike characters (Cyrillic, Greek, full-width, zero-width) link to the
  plate they show and are found by it.
- Plausibility at intake: dates of birth after the incident, names without letters, plates
  without letters or digits; a loss that stands out is held for review and counts only once an
  analyst confirms it.
- Map tooltips show a store's name as text, and a force's map shows only its own hotspots.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from crimelink.intake import import_documents
from crimelink.settings import Settings
from crimelink.store import StoreHandle, open_store
from crimelink.store.models import ImportRun
from crimelink.store.models.patterns import Hotspot
from crimelink.web import create_app
from web_server import BROWN, SECRET, SMITH, Site, incident, password, serve, site

EVIL_STORE = '<img src=x onerror="document.title=1">Evil Mart'
CYRILLIC_PLATE = "\u0410\u0412" + "12 " + "\u0421D\u0415"  # А В . С D Е: Cyrillic capitals that look Latin
FULL_WIDTH_PLATE = "\uff21\uff22\uff11\uff12\u3000\uff23\uff24\uff25"  # ＡＢ１２　ＣＤＥ
HIDDEN_PLATE = "AB\u200b12\u00adCDE"  # a zero-width space and a soft hyphen inside
MORE = [
    incident("NORTHMART", "NM-CYR-1", "2025-04-02T10:00:00Z", vehicles=[{"vrm": CYRILLIC_PLATE}]),
    incident("NORTHMART", "NM-CYR-2", "2025-04-03T10:00:00Z", vehicles=[{"vrm": FULL_WIDTH_PLATE}]),
    incident("NORTHMART", "NM-CYR-3", "2025-04-04T10:00:00Z", vehicles=[{"vrm": HIDDEN_PLATE}]),
    incident("NORTHMART", "NM-EVIL-1", "2025-04-05T10:00:00Z", police_force="west-midlands",
             store={"store_ref": "NM-EVIL", "name": EVIL_STORE, "lat": 52.48, "lon": -1.90},
             vehicles=[{"vrm": "XS55 EVL"}]),
    incident("SOUTHCO", "SC-LDN-9", "2025-04-06T10:00:00Z", police_force="metropolitan",
             store={"store_ref": "SC-LDN-9", "name": "Southco Strand", "lat": 51.51, "lon": -0.12},
             persons=[{"person_ref": "a", **SMITH}, {"person_ref": "b", **BROWN}]),
]  # fmt: skip
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("hostile")
    store = open_store(f"sqlite:///{folder / 'crimelink.sqlite'}")
    try:
        with site(store, folder, more=MORE) as served:
            yield served
    finally:
        store.close()


def api(web: Site, username: str) -> httpx.Client:
    return httpx.Client(base_url=web.url, auth=web.auth(username), timeout=30)


def report(ref: str, **fields: Any) -> dict[str, Any]:
    return incident("NORTHMART", ref, "2025-04-10T12:00:00Z", **fields)


def listed(answer: httpx.Response) -> list[dict[str, Any]]:
    """The records of a list answer, whichever key the list pages them under."""
    found = answer.json()
    return list(next(found[key] for key in ("items", "rows", "vehicles") if key in found))


def runs_left_running(store: StoreHandle) -> int:
    with store.session() as session:
        return int(session.scalar(select(func.count()).where(ImportRun.finished_at.is_(None))) or 0)


# --- 11: input that gave 500s ------------------------------------------------------------------


def test_a_lone_surrogate_is_refused_naming_the_field_and_leaves_no_import_running(web: Site) -> None:
    body = ('{"schema":"crimelink.incident/1","submitter":"NORTHMART","incident_ref":"SUR-1",'
            '"occurred_at":"2025-04-01T10:00:00Z","offence":"theft_from_shop",'
            '"store":{"store_ref":"X","name":"Corner \\ud800 Shop"}}')  # fmt: skip
    with api(web, "northmart") as client:
        answer = client.post("/api/v1/incidents", content=body.encode(), headers=JSON)
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"] == [{"field": "store.name", "reason": answer.json()["errors"][0]["reason"]}]
        assert "surrogate" in answer.json()["errors"][0]["reason"]
        in_query = client.get("/api/v1/incidents?q=%ED%A0%80")  # a surrogate's bytes: not UTF-8, replaced
        assert in_query.status_code == 200
    assert runs_left_running(web.store) == 0


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/v1/incidents", {"date_to": "9999-12-31"}, "date_to"),
        ("/api/v1/incidents", {"date_from": "0001-01-01"}, "date_from"),
        ("/incidents", {"date_to": "9999-12-31"}, None),  # the page: an error page, not a crash
        ("/api/v1/chart", {"node": "g:1", "to": "9999-12-31"}, "to"),
        ("/api/v1/impact", {"from": "0001-01-01"}, "from"),
        ("/api/v1/impact", {"to": "9999-12-31"}, "to"),
        ("/impact", {"from": "0001-01-01"}, None),
        ("/api/v1/bulletins/NORTHMART", {"to": "0001-01-05"}, "to"),
        ("/api/v1/bulletins/NORTHMART", {"to": "9999-12-31"}, "to"),
    ],
)
def test_a_date_no_one_means_is_refused_naming_the_parameter(
    web: Site, path: str, params: dict[str, str], field: str | None
) -> None:
    with api(web, "analyst") as client:
        answer = client.get(path, params=params)
    assert answer.status_code == 422, answer.text[:300]
    if field is not None:
        assert answer.json()["errors"][0]["field"] == field
        assert "between 1900 and 2100" in answer.json()["errors"][0]["reason"]


@pytest.mark.parametrize("occurred", ["0001-01-01T00:30:00+01:00", "9999-12-31T23:59:59-01:00", "2031-06-01T10:00:00Z"])
def test_an_incident_time_past_utc_or_in_the_future_is_rejected_naming_the_field(web: Site, occurred: str) -> None:
    with api(web, "northmart") as client:
        answer = client.post("/api/v1/incidents", json=incident("NORTHMART", f"T-{occurred[:4]}", occurred))
    assert answer.status_code == 422, answer.text
    assert answer.json()["rejections"][0]["errors"][0]["field"] == "occurred_at"
    assert runs_left_running(web.store) == 0


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/api/v1/incidents", {"page": str(2**63 - 1)}),
        ("/incidents", {"page": str(2**63 - 1)}),
        ("/api/v1/chart", {"node": f"o:{2**63 - 1}"}),
        ("/api/v1/chart", {"node": "o:" + "9" * 40}),
        ("/api/v1/chart", {"node": "o:\u00b2"}),  # a superscript two: a digit to isdigit(), not to int()
    ],
)
def test_a_page_or_chart_node_past_64_bits_is_refused(web: Site, path: str, params: dict[str, str]) -> None:
    with api(web, "analyst") as client:
        answer = client.get(path, params=params)
    assert answer.status_code in (400, 404, 422), answer.text[:300]


def test_an_import_that_fails_part_way_is_recorded_as_failed(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'broken.sqlite'}")
    try:
        from crimelink.access.organisations import add_organisation

        with store.session() as session:
            add_organisation(session=session, code="NORTHMART", kind="retailer", name="Northmart")
        with store.engine.begin() as conn:
            conn.execute(text("DROP TABLE items"))  # the store breaks under the import
        with pytest.raises(Exception, match="items"):
            import_documents(store=store, documents=[report("BROKEN-1", items=[{"description": "Razors"}])])
        with store.session() as session:
            run = session.scalars(select(ImportRun)).one()
        assert run.finished_at is not None
        assert run.details["status"] == "failed" and "items" in run.details["reason"]
    finally:
        store.close()


# --- 12: bodies -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_limits(web: Site) -> Iterator[str]:
    """The same store served with limits of 1 MB, and 2 MB for submissions."""
    settings = Settings(database_url=web.store.url, secret_key=SECRET, demo=False, max_body_mb=1, max_submission_mb=2)
    with serve(create_app(settings, store=web.store)) as url:
        yield url


def test_a_body_over_the_limit_is_refused_with_413(web: Site, small_limits: str) -> None:
    padding = {"schema": "crimelink.incident/1", "note": "x" * (1536 * 1024)}  # 1.5 MB
    with httpx.Client(base_url=small_limits, auth=web.auth("analyst"), timeout=30) as client:
        big = client.post("/api/v1/sharing", json=padding)
        assert big.status_code == 413, big.text[:200]
        assert big.json()["error"] == "BodyTooLarge" and big.json()["limit_bytes"] == 1024 * 1024
        batch = client.post("/api/v1/incidents", json=padding)  # a submission may be bigger: read, then judged
        assert batch.status_code == 422, batch.text[:200]

        def chunks() -> Iterator[bytes]:  # no Content-Length: refused once the chunks pass the limit
            for _ in range(40):
                yield b" " * 65536

        chunked = client.post("/api/v1/incidents", content=chunks(), headers=JSON)
        assert chunked.status_code == 413
    with httpx.Client(base_url=small_limits, timeout=30) as browser:
        page = browser.post("/login", data={"username": "analyst", "password": "x" * (1100 * 1024)})
        assert page.status_code == 413 and "larger than 1 MB" in page.text


@pytest.mark.parametrize(("constant", "where"), [("NaN", "value_gbp"), ("Infinity", "items[0].unit_value_gbp"),
                                                ("-Infinity", "recovered_gbp")])  # fmt: skip
def test_nan_and_infinity_are_refused_naming_the_field(web: Site, constant: str, where: str) -> None:
    number = {"value_gbp": '"value_gbp":%s', "recovered_gbp": '"recovered_gbp":%s',
              "items[0].unit_value_gbp": '"items":[{"description":"Razors","unit_value_gbp":%s}]'}[where] % constant
    body = ('{"schema":"crimelink.incident/1","submitter":"NORTHMART","incident_ref":"NAN-1",'
            '"occurred_at":"2025-04-01T10:00:00Z","offence":"theft_from_shop","store":{"store_ref":"X"},'
            + number + "}")  # fmt: skip
    with api(web, "northmart") as client:
        answer = client.post("/api/v1/incidents", content=body.encode(), headers=JSON)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == where and constant in answer.json()["errors"][0]["reason"]


# --- 8: look-alike plates ---------------------------------------------------------------------------


def test_a_plate_typed_with_look_alike_characters_links_to_the_plate_it_shows(web: Site) -> None:
    with api(web, "analyst") as client:
        found = listed(client.get("/api/v1/vehicles/search", params={"plate": "AB12CDE"}))
        assert [v["vrm"] for v in found] == ["AB12CDE"]
        assert found[0]["incidents"] == 5  # NM-1, NM-2 and the three typed with look-alikes
        for typed in (CYRILLIC_PLATE, FULL_WIDTH_PLATE, HIDDEN_PLATE, "\u0391\u0392" + "12\u0421D\u0395"):  # + Greek
            same = client.get("/api/v1/vehicles/search", params={"plate": typed})
            assert [v["vehicle_id"] for v in listed(same)] == [found[0]["vehicle_id"]], typed
        search = client.get("/api/v1/incidents", params={"q": CYRILLIC_PLATE})
        assert {"NM-1", "NM-2", "NM-CYR-1"} <= {row["incident_ref"] for row in listed(search)}


# --- 17: plausibility at intake, and values held for review ---------------------------------------


@pytest.mark.parametrize(
    ("fields", "where", "words"),
    [
        ({"persons": [{"person_ref": "p", "name": "Jo Bloggs", "dob": "2025-06-01"}]}, "persons[0].dob",
         "on or before the day of the incident"),
        ({"persons": [{"person_ref": "p", "name": "!!!"}]}, "persons[0].name", "no letters"),
        ({"persons": [{"person_ref": "p", "name": "Jo", "aliases": ["123"]}]}, "persons[0].aliases", "no letters"),
        ({"vehicles": [{"vrm": "!!**$$"}]}, "vehicles[0].vrm", "at least one letter or digit"),
    ],
    ids=["born-after", "name", "alias", "plate"],
)
def test_impossible_details_are_rejected_naming_the_field(
    web: Site, fields: dict[str, Any], where: str, words: str
) -> None:
    with api(web, "northmart") as client:
        answer = client.post("/api/v1/incidents", json=report(f"IMP-{where}", **fields))
    assert answer.status_code == 422, answer.text
    problems = answer.json()["rejections"][0]["errors"]
    assert problems[0]["field"] == where and words in problems[0]["reason"], problems


def _national_value(client: httpx.Client) -> float:
    return float(client.get("/api/v1/dashboard").json()["figures"]["value_gbp"])


@pytest.mark.parametrize(
    ("fields", "held"),
    [
        ({"value_gbp": 9_999_999.0}, 9_999_999.0),  # above the ceiling (£50,000)
        ({"value_gbp": 20_000.0, "items": [{"description": "Gum", "quantity": 2, "unit_value_gbp": 1.5}]}, 20_000.0),
        ({"value_gbp": 1_200.0, "items": [{"description": "Razors", "quantity": 30, "unit_value_gbp": 12.5}]}, None),
    ],
    ids=["above-ceiling", "far-beyond-items", "in-line"],
)
def test_a_loss_that_stands_out_is_held_until_an_analyst_confirms_it(
    web: Site, fields: dict[str, Any], held: float | None
) -> None:
    ref = f"HOLD-{len(fields)}-{int(fields['value_gbp'])}"
    with api(web, "analyst") as analyst, api(web, "northmart") as retailer:
        before = _national_value(analyst)
        sent = retailer.post("/api/v1/incidents", json=report(ref, **fields))
        assert sent.status_code == 201, sent.text
        incident_id = int(listed(retailer.get("/api/v1/incidents", params={"q": ref}))[0]["id"])
        stored = retailer.get(f"/api/v1/incidents/{incident_id}").json()
        page = retailer.get(f"/incidents/{incident_id}").text
        if held is None:
            assert stored["value_held_gbp"] is None and stored["value_gbp"] == fields["value_gbp"]
            assert _national_value(analyst) == pytest.approx(before + fields["value_gbp"])
            assert 'data-testid="value-held"' not in page
            assert analyst.post(f"/api/v1/incidents/{incident_id}/value-review").status_code == 409
            return
        assert stored["value_held_gbp"] == held and stored["value_gbp"] == 0
        assert _national_value(analyst) == pytest.approx(before)  # counted nowhere yet
        assert 'data-testid="value-held">held for review</span>' in page and "Confirm the value" not in page
        assert retailer.post(f"/api/v1/incidents/{incident_id}/value-review").status_code == 403
        assert "Confirm the value" in analyst.get(f"/incidents/{incident_id}").text
        confirmed = analyst.post(f"/api/v1/incidents/{incident_id}/value-review")
        assert confirmed.status_code == 200 and confirmed.json()["value_gbp"] == held, confirmed.text
        assert _national_value(analyst) == pytest.approx(before + held)
        assert retailer.get(f"/api/v1/incidents/{incident_id}").json()["value_held_gbp"] is None


def test_the_report_form_puts_each_impossible_detail_beside_its_field_and_holds_a_far_out_value(web: Site) -> None:
    with httpx.Client(base_url=web.url, timeout=30) as client:
        login = {"username": "northmart", "password": password("northmart")}
        assert client.post("/login", data=login).status_code == 303
        token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/incidents/new").text).group(1)  # type: ignore[union-attr]
        form = {"csrf_token": token, "incident_ref": "FORM-IMP-1", "occurred_at": "2025-04-01T10:30",
                "offence": "theft_from_shop", "store_choice": "NM-BHAM-1", "value_gbp": "£9,999,999",
                "persons[0].name": "!!!", "persons[1].name": "Jo Bloggs", "persons[1].dob": "2040-01-01",
                "vehicles[0].vrm": "!!**$$"}  # fmt: skip
        refused = client.post("/incidents/new", data=form)
        assert refused.status_code == 422
        for field_id, words in (("persons-0-name", "has no letters"), ("persons-1-dob", "between 1900-01-01 and today"),
                                ("vehicles-0-vrm", "at least one letter or digit")):  # fmt: skip
            assert re.search(rf'id="f-{field_id}-error"[^>]*>[^<]*{re.escape(words)}', refused.text), field_id
        form |= {"persons[0].name": "Jo Bloggs", "persons[1].dob": "2025-04-02", "vehicles[0].vrm": "AB12 CDE"}
        after = client.post("/incidents/new", data=form)
        assert after.status_code == 422
        assert re.search(r'id="f-persons-1-dob-error"[^>]*>[^<]*on or before the day of the incident', after.text)
        form |= {"persons[1].dob": "1990-04-02"}
        stored = client.post("/incidents/new", data=form)
        assert stored.status_code == 201, stored.text[:500]
        assert 'data-testid="value-held"' in stored.text and "£9,999,999" in stored.text


# --- 14 and 4: maps ----------------------------------------------------------------------------


def test_a_force_map_shows_only_its_own_areas_hotspots(web: Site) -> None:
    import h3

    cells = {scope: h3.latlng_to_cell(lat, lon, 8) for scope, lat, lon in (("west-midlands", 52.48, -1.90),
                                                                         ("metropolitan", 51.51, -0.12))}  # fmt: skip
    with web.store.session() as session:
        session.query(Hotspot).delete()
        for scope, cell in cells.items():
            lat, lon = h3.cell_to_latlng(cell)
            session.add(Hotspot(scope=scope, cell=cell, resolution=8, incidents=5, value_gbp=500.0, gi_z=3.2, hot=True,
                                lat=lat, lon=lon))  # fmt: skip
    with api(web, "analyst") as analyst:
        london = listed(analyst.get("/api/v1/incidents", params={"q": "SC-LDN-9"}))[0]
        smith = analyst.get(f"/api/v1/incidents/{london['id']}").json()["persons"][0]["offender_id"]
        national = analyst.get("/api/v1/map", params={"kind": "offender", "id": smith}).json()
        assert sorted(c["cell"] for c in national["cells"]) == sorted(cells.values())
    with api(web, "wmp") as force:
        shown = force.get("/api/v1/map", params={"kind": "offender", "id": smith}).json()
        assert {"metropolitan", "west-midlands"} <= set(shown["forces"])  # the whole profile: both areas' incidents
        assert [c["cell"] for c in shown["cells"]] == [cells["west-midlands"]]  # but only its own area's hotspots
        assert force.get("/api/v1/hotspots", params={"scope": "metropolitan"}).status_code == 404


@pytest.mark.browser
def test_a_store_name_with_markup_shows_as_text_in_the_map_tooltip(web: Site) -> None:
    from playwright.sync_api import expect

    from browser import logged_in, require_browser

    require_browser()
    with api(web, "analyst") as client:
        vehicle = listed(client.get("/api/v1/vehicles/search", params={"plate": "XS55EVL"}))[0]
    start = f"/map?kind=vehicle&id={vehicle['vehicle_id']}"
    with logged_in(web.url, "analyst", password("analyst"), start=start) as (page, problems):
        shown = page.locator("#pattern-map")
        expect(shown).to_have_attribute("data-rendered", "true")
        page.locator('path.leaflet-interactive[fill="#1d6fb8"]').first.hover(force=True)
        tooltip = page.locator(".leaflet-tooltip").last
        expect(tooltip).to_contain_text(EVIL_STORE)  # the markup as the reporter typed it, as text
        assert tooltip.locator("img").count() == 0
        assert page.title() != "1"
    assert problems == []


# --- 8 and 12 at intake itself: files, and the value type ---------------------------------------


@pytest.mark.parametrize("typed", [CYRILLIC_PLATE, FULL_WIDTH_PLATE, HIDDEN_PLATE, "ab12\u00a0cde",
                                   "\u0391\u0392\uff11\uff12 \u0421\u0044\u0395"])  # fmt: skip
def test_look_alike_characters_fold_to_the_mark_they_show(typed: str) -> None:
    from crimelink.domain.registration import PlateFormat, RegistrationMark

    mark = RegistrationMark.parse(typed)
    assert (mark.key, mark.format, mark.display) == ("AB12CDE", PlateFormat.CURRENT, "AB12 CDE")
    assert mark.text == typed  # kept as read


def test_a_file_with_nan_or_a_look_alike_plate_is_judged_by_the_same_rules(sqlite_store: StoreHandle,
                                                                            tmp_path: Path) -> None:
    from crimelink.access.organisations import add_organisation
    from crimelink.intake import import_files
    from crimelink.store.models import VehicleMention

    with sqlite_store.session() as session:
        add_organisation(session=session, code="NORTHMART", kind="retailer", name="Northmart")
    lines = tmp_path / "reports.jsonl"
    lines.write_text(
        '{"schema":"crimelink.incident/1","submitter":"NORTHMART","incident_ref":"F-1","occurred_at":'
        '"2025-04-01T10:00:00Z","offence":"theft_from_shop","store":{"store_ref":"X"},"value_gbp":NaN}\n'
        '{"schema":"crimelink.incident/1","submitter":"NORTHMART","incident_ref":"F-2","occurred_at":'
        f'"2025-04-01T10:00:00Z","offence":"theft_from_shop","store":{{"store_ref":"X"}},"vehicles":[{{"vrm":"{CYRILLIC_PLATE}"}}]}}\n'
    )
    table = tmp_path / "reports.csv"
    table.write_text("submitter,incident_ref,occurred_at,offence,store_ref,value_gbp\n"
                     "NORTHMART,F-3,2025-04-01T10:00:00Z,theft_from_shop,X,inf\n")  # fmt: skip
    summary = import_files(store=sqlite_store, paths=[lines, table])
    assert summary.created == 1 and summary.rejected == 2
    assert [(r.incident_ref, r.problems[0].field) for r in summary.rejections] == [("F-1", "value_gbp"),
                                                                                   ("F-3", "value_gbp")]
    with sqlite_store.session() as session:
        assert session.scalars(select(VehicleMention.vrm_normalised)).all() == ["AB12CDE"]
