"""Every list of the API pages one way: ``page`` and ``limit`` in; ``items``, ``total``, ``limit``
and a ``next`` link out.

The list endpoints are found from the app's routes (a GET under ``/api/v1`` whose answer is a
``Page``), so a list added later is walked by these tests without being named here; a GET that
answers something else must be named in :data:`NOT_LISTS`, and none may answer a bare JSON array.
Each list is walked by its ``next`` links, a few records a page, and must give every record once:
the same records, in the same order, as one page of everything. Two worlds, so that every list
has more than a page: the casework world (five incidents, three referrals, Operation Kestrel; a
few sharing agreements, operations and engagement sessions added through the API) and a generated world of
400 incidents (groups, series, key players, hotspots, vehicles).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from casework_site import casework_world
from crimelink.access.organisations import add_organisation, organisation_by_code
from crimelink.access.users import hash_password
from crimelink.reports.impact import FIGURES
from crimelink.scenario import generate_scenario
from crimelink.settings import Settings
from crimelink.store import StoreHandle, open_store
from crimelink.store.models import User
from crimelink.web import create_app
from crimelink.web.paging import MAX_LIMIT, MAX_PAGE, Page
from web_server import SECRET, password, site

ADMIN = "records-admin"  # the national unit's administrator: sharing and retention
NOT_LISTS = {  # GETs under /api/v1 that answer one record, a summary or a file, not a list
    "/api/v1/me", "/api/v1/dashboard", "/api/v1/forces.geojson", "/api/v1/purpose", "/api/v1/audit/verify",
    "/api/v1/incidents/{incident_id}", "/api/v1/offenders/{offender_id}", "/api/v1/vehicles/{vehicle_id}",
    "/api/v1/offenders/{offender_id}/links", "/api/v1/person-links/{mention_id}/why",
    "/api/v1/groups/{group_id}", "/api/v1/groups/{group_id}/profile", "/api/v1/series/{series_id}",
    "/api/v1/chart", "/api/v1/chart/export", "/api/v1/map", "/api/v1/context", "/api/v1/impact",
    "/api/v1/referrals/{referral_id}", "/api/v1/operations/{operation_id}", "/api/v1/packages/{operation_id}",
    "/api/v1/referrals/{referral_id}/package", "/api/v1/bulletins/{organisation}",
}  # fmt: skip
WHO = {"/api/v1/audit": "auditor", "/api/v1/sharing": ADMIN, "/api/v1/retention": ADMIN,
       "/api/v1/retention/queue": ADMIN, "/api/v1/users": ADMIN}  # fmt: skip  (everything else: the national analyst)
PARAMS: dict[str, dict[str, str]] = {  # what a list needs asked, beside its page
    "/api/v1/vehicles/search": {"plate": "??12*"},  # AB12CDE, and YA12SJR of the generated world
    "/api/v1/retention": {"as_of": "2040-01-01"},
    "/api/v1/retention/queue": {"as_of": "2040-01-01"},
    "/api/v1/audit": {"user": "analyst"},  # the auditor's own reads are logged as it walks: not in this filter
}
ONE_PAGE_AT_MOST = {"/api/v1/alerts"}  # raising alerts takes a second analysis run (tests/test_alerts.py)


@dataclass(frozen=True)
class ListRoute:
    path: str  # as declared, e.g. /api/v1/impact/records/{key}

    def urls(self) -> list[str]:
        """The path with each of its parameters filled in (every impact figure's records)."""
        if "{key}" in self.path:
            return [self.path.replace("{key}", key) for key in FIGURES]
        assert "{" not in self.path, f"{self.path}: say which records to walk"
        return [self.path]

    def client(self, world: Served) -> httpx.Client:
        return world.user(WHO.get(self.path, "analyst"))

    @property
    def params(self) -> dict[str, str]:
        return PARAMS.get(self.path, {})


def api_gets(app_routes: list[Any]) -> dict[str, APIRoute]:
    found: dict[str, APIRoute] = {}
    for context in iter_route_contexts(app_routes):
        route = context.original_route
        path = context.path or ""
        if isinstance(route, APIRoute) and path.startswith("/api/v1/") and "GET" in (context.methods or set()):
            found[path] = route
    return found


def is_page(route: APIRoute) -> bool:
    model = route.response_model
    return isinstance(model, type) and issubclass(model, Page)


def _app_routes() -> list[Any]:
    store = open_store("sqlite://")
    try:
        return list(create_app(Settings(database_url=store.url, secret_key=SECRET, demo=False), store=store).routes)
    finally:
        store.close()


ROUTES = api_gets(_app_routes())
LISTS = [ListRoute(path) for path, route in sorted(ROUTES.items()) if is_page(route)]


@dataclass
class Served:
    """A served world and a logged-in client per user (a login costs ~0.1 s: once each)."""

    url: str
    store: StoreHandle
    clients: dict[str, httpx.Client] = field(default_factory=dict)

    def user(self, username: str) -> httpx.Client:
        if username not in self.clients:
            client = httpx.Client(base_url=self.url, timeout=30)
            answer = client.post("/login", data={"username": username, "password": password(username)})
            assert answer.status_code == 303, answer.text
            page = client.get("/alerts").text
            client.headers["X-CSRF-Token"] = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
            self.clients[username] = client
        return self.clients[username]

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def add_administrator(store: StoreHandle) -> None:
    with store.session() as session:
        unit = organisation_by_code(session=session, code="NATIONAL-UNIT")
        session.add(User(username=ADMIN, display_name="Records administrator", role="administrator",
                         password_hash=hash_password(password(ADMIN)), organisation_id=unit.id, active=True))


@pytest.fixture(scope="module")
def casework(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The casework world, with sharing agreements (long ended, so nobody sees more), two more
    operations and engagement sessions, each made through the API."""
    folder = tmp_path_factory.mktemp("paging-casework")
    store = open_store(f"sqlite:///{folder / 'crimelink.sqlite'}")
    try:
        with casework_world(store, folder) as served:
            add_administrator(store)
            world = Served(served.url, store)
            for year in (2019, 2020, 2021):
                made = world.user(ADMIN).post("/api/v1/sharing", json={
                    "provider": "NORTHMART", "recipient": "SOUTHCO", "starts": f"{year}-01-01",
                    "ends": f"{year}-12-31"})
                assert made.status_code == 201, made.text
            for name in ("Operation Wren", "Operation Heron"):
                made = world.user("analyst").post("/api/v1/operations", json={"name": name,
                                                                              "lead_force": "west-midlands"})
                assert made.status_code == 201, made.text
            for day in (3, 4, 5):
                made = world.user("analyst").post("/api/v1/engagement-sessions", json={
                    "held_on": f"2025-03-0{day}", "title": f"Briefing {day}", "organisations": ["NORTHMART"],
                    "attendees": 12})
                assert made.status_code == 201, made.text
            yield world
            world.close()
    finally:
        store.close()


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The sample world and 400 generated incidents, analysed (about 3 s)."""
    folder = tmp_path_factory.mktemp("paging-generated")
    out = folder / "scenario.jsonl"
    generate_scenario(incidents=400, seed=5, out=out)
    store = open_store(f"sqlite:///{folder / 'crimelink.sqlite'}")
    try:
        with store.session() as session:
            for row in csv.DictReader((folder / "scenario.jsonl.truth" / "organisations.csv").open()):
                add_organisation(session=session, code=row["code"], kind=row["kind"], name=row["name"],
                                 force=row["police_force"] or None)
        documents = [json.loads(line) for line in out.read_text().splitlines()]
        with site(store, folder, more=documents) as served:
            add_administrator(store)
            world = Served(served.url, store)
            yield world
            world.close()
    finally:
        store.close()


@pytest.fixture(params=["casework", "generated"])
def world(request: pytest.FixtureRequest) -> Served:
    found: Served = request.getfixturevalue(request.param)
    return found


def walk(client: httpx.Client, url: str, params: dict[str, str], limit: int) -> tuple[list[Any], int, int]:
    """Every item of a list by its next links: (items, the total each page gave, pages read)."""
    items: list[Any] = []
    totals: set[int] = set()
    answer = client.get(url, params={**params, "limit": str(limit)})
    pages = 0
    while True:
        assert answer.status_code == 200, f"{url}: {answer.status_code} {answer.text[:300]}"
        body = answer.json()
        pages += 1
        assert body["limit"] == limit and body["page"] == pages, body
        assert len(body["items"]) <= limit
        items += body["items"]
        totals.add(body["total"])
        if body["next"] is None:
            break
        assert pages < 200, f"{url}: no end in sight"
        for name, value in params.items():  # the next page keeps the filters
            assert f"{name}=" in body["next"], (body["next"], name, value)
        answer = client.get(body["next"])
    assert len(totals) == 1, f"{url}: the total changed while walking ({totals})"
    return items, totals.pop(), pages


def test_every_get_is_a_page_or_named_as_not_a_list() -> None:
    unknown = sorted(p for p, r in ROUTES.items() if not is_page(r) and p not in NOT_LISTS)
    assert unknown == [], f"page these lists with crimelink.web.paging (or name them in NOT_LISTS): {unknown}"
    bare = sorted(p for p, r in ROUTES.items() if getattr(r.response_model, "__origin__", None) is list)
    assert bare == []
    assert {"/api/v1/groups", "/api/v1/series", "/api/v1/hotspots", "/api/v1/key-players",
            "/api/v1/incidents", "/api/v1/referrals"} <= {r.path for r in LISTS}  # fmt: skip


@pytest.mark.parametrize("listed", LISTS, ids=lambda r: r.path)
def test_walking_a_list_by_its_next_links_gives_every_record_once(world: Served, listed: ListRoute) -> None:
    client = listed.client(world)
    for url in listed.urls():
        whole = client.get(url, params={**listed.params, "limit": str(MAX_LIMIT)})
        assert whole.status_code == 200, f"{url}: {whole.text[:300]}"
        everything = whole.json()
        assert everything["total"] <= MAX_LIMIT and everything["next"] is None
        limit = max(1, -(-everything["total"] // 5))  # about five pages
        walked, total, pages = walk(client, url, listed.params, limit)
        keys = [json.dumps(item, sort_keys=True) for item in walked]
        assert len(set(keys)) == len(keys), f"{url}: a record came twice"
        assert walked == everything["items"], f"{url}: walking gave other records than one page of all"
        assert total == everything["total"] == len(walked)
        assert pages == max(1, -(-total // limit))


def test_every_list_has_more_than_a_page_in_one_of_the_worlds(casework: Served, generated: Served) -> None:
    """So that the walks above are walks: a list of one record would pass them unwalked."""
    several = set()
    for world in (casework, generated):
        for listed in LISTS:
            answer = listed.client(world).get(listed.urls()[0], params={**listed.params, "limit": "1"})
            if answer.status_code == 200 and answer.json()["next"] is not None:
                several.add(listed.path)
    assert {r.path for r in LISTS} - several <= ONE_PAGE_AT_MOST


BAD_PAGING = [{"page": "0"}, {"page": "-1"}, {"page": str(MAX_PAGE + 1)}, {"page": str(2**63)},
              {"page": "9" * 40}, {"page": "two"}, {"page": "1.5"}, {"limit": "0"}, {"limit": str(MAX_LIMIT + 1)},
              {"limit": str(2**64)}]  # fmt: skip


@pytest.mark.parametrize("listed", LISTS, ids=lambda r: r.path)
def test_paging_out_of_bounds_is_a_422_that_names_the_parameter(casework: Served, listed: ListRoute) -> None:
    client = listed.client(casework)
    url = listed.urls()[0]
    for bad in BAD_PAGING:
        answer = client.get(url, params={**listed.params, **bad})
        assert answer.status_code == 422, f"{url} {bad}: {answer.status_code} {answer.text[:200]}"
        (name,) = bad
        assert [e["field"] for e in answer.json()["errors"]] == [name], answer.json()


def test_a_page_past_the_end_is_empty_and_has_no_next(casework: Served) -> None:
    analyst = casework.user("analyst")
    first = analyst.get("/api/v1/incidents", params={"limit": 2}).json()
    assert first["total"] == 5 and len(first["items"]) == 2
    assert re.fullmatch(r"/api/v1/incidents\?page=2&limit=2", first["next"]), first["next"]
    far = analyst.get("/api/v1/incidents", params={"page": MAX_PAGE, "limit": MAX_LIMIT}).json()
    assert far["items"] == [] and far["next"] is None and far["total"] == 5


def test_the_filters_of_a_page_are_the_filters_of_its_twin(casework: Served) -> None:
    """The JSON list takes the search of its page (here the incident search) and keeps it in ``next``."""
    analyst = casework.user("analyst")
    found = analyst.get("/api/v1/incidents", params={"submitter": "NORTHMART", "limit": 1}).json()
    assert found["total"] == 2 and "submitter=NORTHMART" in found["next"]
    second = analyst.get(found["next"]).json()
    assert {r["submitter"] for r in found["items"] + second["items"]} == {"NORTHMART"}
    assert second["next"] is None
    assert second["items"][0]["occurred_at"] <= found["items"][0]["occurred_at"]  # latest first, across pages
    assert date.fromisoformat(found["items"][0]["occurred_at"][:10]) >= date(2025, 1, 1)


def test_the_page_beside_each_twin_still_opens(casework: Served) -> None:
    """The web pages call the same services with their own paging, unchanged."""
    analyst = casework.user("analyst")
    for path in ("/incidents?per_page=2&page=2", "/groups", "/series", "/key-players", "/referrals", "/operations",
                 "/alerts", "/impact/records/referrals"):
        assert analyst.get(path).status_code == 200, path
    assert casework.user("auditor").get("/audit", params={"per_page": 2, "page": 2}).status_code == 200
    assert casework.user(ADMIN).get("/retention", params={"as_of": "2040-01-01", "limit": 2}).status_code == 200
