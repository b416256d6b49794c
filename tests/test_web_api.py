"""The API over real HTTP, on SQLite and PostgreSQL: logins, submission, visibility, figures.

Each test serves the app with uvicorn on a loopback port over the sample world of
``web_server.py``: four organisations, five incidents, and the analysis run over them
(Jason Smith, Kelly Brown and Dean Walsh offend together across West Midlands and London).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from crimelink.access.demo import seed_demo_users
from crimelink.access.users import authenticate, create_user
from crimelink.settings import Settings
from crimelink.store import StoreHandle
from crimelink.web import create_app
from crimelink.web.errors import MisconfiguredApp
from web_server import INCIDENTS, SECRET, TOTAL_VALUE, Site, incident, password, serve, site


@pytest.fixture
def web(store: StoreHandle, tmp_path: Path) -> Iterator[Site]:
    """The sample world, analysed, served."""
    with site(store, tmp_path) as served:
        yield served


@pytest.fixture
def raw_web(store: StoreHandle, tmp_path: Path) -> Iterator[Site]:
    """The sample world before any analysis (faster, for tests that need no offenders)."""
    with site(store, tmp_path, analysed=False) as served:
        yield served


def client(web: Site, username: str | None = None) -> httpx.Client:
    return httpx.Client(base_url=web.url, auth=web.auth(username) if username else None, timeout=30)


def refs(page: dict[str, Any]) -> set[str]:
    return {row["incident_ref"] for row in page["items"]}


def ids_by_ref(web: Site) -> dict[str, int]:
    with client(web, "analyst") as api:
        return {row["incident_ref"]: row["id"] for row in api.get("/api/v1/incidents").json()["items"]}


def offender_ids(web: Site) -> dict[str, int]:
    """Offender ids by name, read from the incident that names all three."""
    with client(web, "analyst") as api:
        detail = api.get(f"/api/v1/incidents/{ids_by_ref(web)['SC-1']}").json()
    return {p["name"]: p["offender_id"] for p in detail["persons"]}


def test_every_call_needs_a_login(raw_web: Site) -> None:
    web = raw_web
    with client(web) as anonymous:
        for path in (
            "/api/v1/incidents",
            "/api/v1/dashboard",
            "/api/v1/groups",
            "/api/v1/me",
            "/openapi.json",
        ):
            answer = anonymous.get(path)
            assert answer.status_code == 401, path
            assert answer.json()["error"] == "NotAuthenticated"
            assert answer.headers["www-authenticate"].startswith("Basic")
        assert anonymous.post("/api/v1/incidents", json=INCIDENTS[0]).status_code == 401
        for path in ("/", "/incidents", "/incidents/1", "/groups", "/docs"):
            answer = anonymous.get(path)
            assert answer.status_code == 303, path
            assert answer.headers["location"].startswith("/login?next=")
    with httpx.Client(base_url=web.url, auth=("analyst", "wrong-password")) as wrong:
        assert wrong.get("/api/v1/me").status_code == 401


def test_logging_in_sets_a_session_that_logging_out_ends(raw_web: Site) -> None:
    web = raw_web
    with client(web) as browser:
        refused = browser.post("/login", data={"username": "analyst", "password": "nope", "next": "/"})
        assert refused.status_code == 401
        assert "Wrong username or password" in refused.text
        answer = browser.post(
            "/login",
            data={"username": "Analyst", "password": password("analyst"), "next": "/incidents"},
        )
        assert answer.status_code == 303
        assert answer.headers["location"] == "/incidents"
        assert "httponly" in answer.headers["set-cookie"].lower()
        assert "samesite=lax" in answer.headers["set-cookie"].lower()
        me = browser.get("/api/v1/me").json()
        assert (me["username"], me["organisation"], me["role"]) == (
            "analyst",
            "NATIONAL-UNIT",
            "national_analyst",
        )
        browser.post("/logout")
        assert browser.get("/api/v1/me").status_code == 401


def test_login_never_redirects_off_site(raw_web: Site) -> None:
    web = raw_web
    with client(web) as browser:
        answer = browser.post(
            "/login",
            data={
                "username": "analyst",
                "password": password("analyst"),
                "next": "//evil.example/",
            },
        )
        assert answer.headers["location"] == "/"


def test_a_batch_stores_the_valid_and_names_each_problem_of_the_invalid(raw_web: Site) -> None:
    web = raw_web
    valid = incident("NORTHMART", "NM-NEW", "2025-04-01T12:00:00Z", value_gbp=55.0)
    invalid = incident(
        "NORTHMART",
        "NM-BAD",
        "yesterday",
        offence="shoplifting",
        persons=[{"person_ref": "p1", "dob": "1990-13-45"}],
    )
    with client(web, "northmart") as api:
        answer = api.post("/api/v1/incidents", json=[valid, invalid])
        assert answer.status_code == 201
        summary = answer.json()
        assert (summary["records"], summary["created"], summary["rejected"]) == (2, 1, 1)
        (rejection,) = summary["rejections"]
        assert rejection["incident_ref"] == "NM-BAD"
        assert {"occurred_at", "offence", "persons[0].dob"} <= {e["field"] for e in rejection["errors"]}
        assert all(e["reason"] for e in rejection["errors"])
        assert refs(api.get("/api/v1/incidents", params={"q": "NM-"}).json()) == {
            "NM-1",
            "NM-2",
            "NM-NEW",
        }


def test_one_incident_as_an_object_and_a_batch_rejected_whole(raw_web: Site) -> None:
    web = raw_web
    with client(web, "northmart") as api:
        single = api.post("/api/v1/incidents", json=incident("NORTHMART", "NM-ONE", "2025-04-02T08:00:00Z"))
        assert (single.status_code, single.json()["created"]) == (201, 1)
        again = api.post("/api/v1/incidents", json=incident("NORTHMART", "NM-ONE", "2025-04-02T08:00:00Z"))
        assert (again.status_code, again.json()["unchanged"]) == (200, 1)
        refused = api.post("/api/v1/incidents", json=[{"schema": "crimelink.incident/1", "submitter": "NORTHMART"}])
        assert refused.status_code == 422
        assert refused.json()["rejected"] == 1
        for body in ([], "not an incident"):
            answer = api.post("/api/v1/incidents", json=body)
            assert answer.status_code == 422
            assert answer.json()["error"] == "InvalidRequest"
        broken = api.post("/api/v1/incidents", content=b"{not json", headers={"content-type": "application/json"})
        assert broken.status_code == 422


def test_a_resubmission_replaces_and_keeps_the_earlier_version(raw_web: Site) -> None:
    web = raw_web
    changed = {**INCIDENTS[0], "value_gbp": 500.0}
    with client(web, "northmart") as api:
        assert api.post("/api/v1/incidents", json=changed).json()["replaced"] == 1
        detail = api.get(f"/api/v1/incidents/{ids_by_ref(web)['NM-1']}").json()
    assert (detail["version"], detail["earlier_versions"], detail["value_gbp"]) == (2, 1, 500.0)


def test_submitting_as_another_organisation_is_forbidden(raw_web: Site) -> None:
    web = raw_web
    theirs = incident("SOUTHCO", "SC-FAKE", "2025-04-01T12:00:00Z")
    with client(web, "northmart") as api:
        answer = api.post(
            "/api/v1/incidents",
            json=[incident("NORTHMART", "NM-X", "2025-04-01T12:00:00Z"), theirs],
        )
        assert answer.status_code == 403
        assert answer.json()["error"] == "Forbidden"
        assert answer.json()["submitters"] == ["SOUTHCO"]
    with client(web, "auditor") as api:
        assert api.post("/api/v1/incidents", json=theirs).status_code == 403
    with client(web, "analyst") as api:
        assert refs(api.get("/api/v1/incidents", params={"q": "-X"}).json()) == set()  # nothing half-landed
        assert api.post("/api/v1/incidents", json=theirs).status_code == 201  # the national unit may
        unknown = api.post("/api/v1/incidents", json=incident("NOBODY", "N-1", "2025-04-01T12:00:00Z"))
        assert unknown.status_code == 422
        assert unknown.json()["rejections"][0]["errors"][0]["field"] == "submitter"


VISIBLE = {  # who sees which incidents
    "analyst": {"NM-1", "NM-2", "SC-1", "SC-2", "WMP-1"},  # the national unit: everything
    "auditor": {"NM-1", "NM-2", "SC-1", "SC-2", "WMP-1"},
    "northmart": {"NM-1", "NM-2"},  # a retailer: its own
    "southco": {"SC-1", "SC-2"},
    "wmp": {"NM-1", "NM-2", "SC-2", "WMP-1"},  # a force: its area (NM-2's derived), and its own
}


def test_each_organisation_sees_only_what_it_may(raw_web: Site) -> None:
    ids = ids_by_ref(raw_web)
    for username, visible in VISIBLE.items():
        with client(raw_web, username) as api:
            assert refs(api.get("/api/v1/incidents").json()) == visible, username
            figures = api.get("/api/v1/dashboard").json()["figures"]
            assert figures["incidents"] == len(visible), username
            for ref, incident_id in ids.items():
                answer = api.get(f"/api/v1/incidents/{incident_id}")
                assert answer.status_code == (200 if ref in visible else 404), (username, ref)
            assert api.get("/api/v1/incidents/999999").status_code == 404


def test_a_retailer_sees_an_offender_only_through_its_own_incidents(web: Site) -> None:
    offenders = offender_ids(web)
    with client(web, "northmart") as api:
        smith = api.get(f"/api/v1/offenders/{offenders['Jason Smith']}").json()
        assert {i["incident_ref"] for i in smith["incidents"]} == {
            "NM-1",
            "NM-2",
        }  # not Southco's SC-1
        assert smith["partial_view"] is True
        assert smith["priority"] is None
        assert smith["group"] is None
        assert api.get(f"/api/v1/offenders/{offenders['Dean Walsh']}").status_code == 404  # never in its shops
        assert api.get("/api/v1/groups").json() == {"items": [], "total": 0, "page": 1, "limit": 50, "next": None}
        assert api.get("/api/v1/dashboard").json()["figures"]["groups"] is None


def test_a_force_sees_the_whole_profile_of_an_offender_in_its_area(web: Site) -> None:
    offenders = offender_ids(web)
    with client(web, "wmp") as api:
        smith = api.get(f"/api/v1/offenders/{offenders['Jason Smith']}").json()
        openable = {i["incident_ref"]: i["openable"] for i in smith["incidents"]}
        assert openable == {
            "NM-1": True,
            "NM-2": True,
            "SC-1": False,
        }  # London's is listed, not opened
        assert smith["priority"] is not None
        (group,) = api.get("/api/v1/groups").json()["items"]
        detail = api.get(f"/api/v1/groups/{group['id']}").json()
        assert {m["display_name"] for m in detail["members"]} == {
            "Jason SMITH",
            "Kelly BROWN",
            "Dean WALSH",
        }
        assert smith["group"]["id"] == group["id"]


def test_search_and_filters(raw_web: Site) -> None:
    web = raw_web
    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({"q": "kelly"}, {"NM-2", "SC-1", "WMP-1"}),
        ({"q": "ab12 cde"}, {"NM-1", "NM-2"}),
        ({"q": "Oxford"}, {"SC-1"}),
        ({"q": "20/1234"}, {"NM-1"}),
        ({"q": "100%_"}, set()),
        ({"offence": "robbery"}, {"SC-1"}),
        ({"force": "metropolitan"}, {"SC-1"}),
        ({"submitter": "southco"}, {"SC-1", "SC-2"}),
        ({"date_from": "2025-02-20", "date_to": "2025-03-05"}, {"SC-1", "SC-2"}),
        ({"q": "", "offence": "", "force": ""}, {"NM-1", "NM-2", "SC-1", "SC-2", "WMP-1"}),
    ]
    with client(web, "analyst") as api:
        for params, expected in cases:
            assert refs(api.get("/api/v1/incidents", params=params).json()) == expected, params
        first = api.get("/api/v1/incidents", params={"limit": 2}).json()
        second = api.get(first["next"]).json()
        assert (first["total"], first["next"], len(first["items"])) == (5, "/api/v1/incidents?page=2&limit=2", 2)
        assert [r["incident_ref"] for r in first["items"] + second["items"]] == [
            "WMP-1",
            "SC-2",
            "SC-1",
            "NM-2",
        ]
        bad = api.get("/api/v1/incidents", params={"page": 0})
        assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "page")
        assert api.get("/api/v1/incidents", params={"force": "atlantis"}).status_code == 400


def test_dashboard_figures_match_what_was_imported(web: Site) -> None:
    with client(web, "analyst") as api:
        board = api.get("/api/v1/dashboard").json()
    figures = board["figures"]
    assert figures == {
        "incidents": 5,
        "value_gbp": TOTAL_VALUE,
        "named_offenders": 3,
        "offenders": 4,
        "vehicles": 2,
        "groups": 1,
        "force_areas": 2,
    }
    assert [(m["month"], m["incidents"]) for m in board["months"]] == [
        ("2025-01", 1),
        ("2025-02", 2),
        ("2025-03", 2),
    ]
    assert sum(m["value_gbp"] for m in board["months"]) == pytest.approx(TOTAL_VALUE)
    assert {f["force"]: f["incidents"] for f in board["forces"]} == {
        "west-midlands": 4,
        "metropolitan": 1,
    }
    assert board["latest_analysis"]["status"] == "finished"
    with client(web, "southco") as api:
        southco = api.get("/api/v1/dashboard").json()["figures"]
    assert (southco["incidents"], southco["value_gbp"], southco["offenders"]) == (2, 1280.0, 4)


def test_incident_detail_shows_force_source_grading_and_links(web: Site) -> None:
    ids = ids_by_ref(web)
    with client(web, "analyst") as api:
        derived = api.get(f"/api/v1/incidents/{ids['NM-2']}").json()
        graded = api.get(f"/api/v1/incidents/{ids['SC-1']}").json()
        vehicle = api.get(f"/api/v1/vehicles/{derived['vehicles'][0]['vehicle_id']}").json()
    assert (derived["force"]["id"], derived["force"]["source"]) == ("west-midlands", "derived")
    assert derived["force"]["source_label"] == "derived from location"
    assert all(p["offender_id"] for p in derived["persons"])
    assert graded["grading"]["code"] == "2BC"
    assert graded["grading"]["handling_conditions"] == "Not to be shared outside policing"
    assert graded["violence"]["weapon"] == "knife"
    assert vehicle["vrm"] == "AB12CDE"
    assert {i["incident_ref"] for i in vehicle["incidents"]} == {"NM-1", "NM-2"}


def test_users_and_demo_logins(sqlite_store: StoreHandle) -> None:
    store = sqlite_store
    with store.session() as session:
        logins = seed_demo_users(session=session)
        assert seed_demo_users(session=session) == logins  # idempotent
    app = create_app(Settings(database_url=store.url, secret_key="", demo=True), store=store)
    with serve(app) as url, httpx.Client(base_url=url) as browser:
        assert "demo-analyst" in browser.get("/login").text  # the demo shows its logins
        browser.post("/login", data={"username": "analyst", "password": "demo-analyst"})
        assert browser.get("/api/v1/me").json()["organisation"] == "NATIONAL-UNIT"
    with store.session() as session:  # a real user: from now on the store is no demo's
        create_user(
            session=session,
            username="Jo.Bloggs",
            password="long-enough",
            role="auditor",
            organisation_code="NATIONAL-UNIT",
            display_name="Jo Bloggs",
        )
        assert authenticate(session=session, username="jo.bloggs", password="long-enough") is not None
        assert authenticate(session=session, username="jo.bloggs", password="wrong-one") is None
        assert authenticate(session=session, username="nobody", password="long-enough") is None
    kinds = {(login.role.value, login.organisation) for login in logins}
    assert ("national_analyst", "NATIONAL-UNIT") in kinds
    assert ("force_investigator", "POLICE-WEST-MIDLANDS") in kinds
    assert len({login.organisation for login in logins if login.role.value == "retail_reporter"}) == 2


def test_the_app_refuses_to_start_without_a_secret(sqlite_store: StoreHandle) -> None:
    store = sqlite_store
    with pytest.raises(MisconfiguredApp, match="CRIMELINK_SECRET_KEY"):
        create_app(Settings(database_url=store.url, secret_key="", demo=False), store=store)
    assert create_app(Settings(database_url=store.url, secret_key=SECRET, demo=False), store=store)
