"""The HTML pages over real HTTP: what each shows, to whom, and what it refuses.

Page and JSON twin share their service code (``test_web_api.py`` checks the figures on both
backends); these tests check the pages render what matters, on SQLite.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from crimelink.store import StoreHandle
from web_server import Site, password, site


@pytest.fixture
def web(sqlite_store: StoreHandle, tmp_path: Path) -> Iterator[Site]:
    with site(sqlite_store, tmp_path) as served:
        yield served


@contextmanager
def browser(web: Site, username: str) -> Iterator[httpx.Client]:
    """A client logged in through the form, holding the session cookie as a browser would."""
    with httpx.Client(base_url=web.url, timeout=30) as session:
        answer = session.post("/login", data={"username": username, "password": password(username)})
        assert answer.status_code == 303
        yield session


def ids(session: httpx.Client, path: str, key: str = "incident_ref") -> dict[str, int]:
    return {row[key]: row["id"] for row in session.get(path).json()["items"]}


def test_the_login_page_and_a_refused_login(web: Site) -> None:
    with httpx.Client(base_url=web.url) as anonymous:
        page = anonymous.get("/login")
        assert page.status_code == 200
        assert 'name="username"' in page.text
        assert "OFFICIAL" in page.text
        refused = anonymous.post("/login", data={"username": "analyst", "password": "wrong"})
        assert refused.status_code == 401
        assert "Wrong username or password" in refused.text
        assert "Demo logins" not in refused.text  # only in demo mode


def test_every_page_marks_official_and_shows_who_is_logged_in(web: Site) -> None:
    with browser(web, "analyst") as session:
        incident_ids = ids(session, "/api/v1/incidents")
        group_id = session.get("/api/v1/groups").json()["items"][0]["id"]
        for path in (
            "/",
            "/incidents",
            f"/incidents/{incident_ids['NM-1']}",
            "/groups",
            f"/groups/{group_id}",
        ):
            page = session.get(path)
            assert page.status_code == 200, path
            assert page.headers["content-type"].startswith("text/html")
            assert page.text.count("OFFICIAL") >= 2, path  # top and bottom
            assert "National Unit · National analyst" in page.text, path
            assert "script-src 'self'" in page.headers["content-security-policy"]
            assert page.headers["cache-control"] == "no-store"


def test_the_dashboard_shows_the_figures_and_the_chart(web: Site) -> None:
    with browser(web, "analyst") as session:
        page = session.get("/").text
    assert 'data-testid="fig-incidents">5<' in page
    assert 'data-testid="fig-value">£3,850<' in page
    assert 'data-testid="fig-groups">1<' in page
    assert '<canvas id="trend-chart"' in page
    assert "/static/vendor/chart.umd.min.js" in page
    assert '"month": "2025-01"' in page or '"month":"2025-01"' in page
    assert "Latest analysis" in page


def test_a_retailer_sees_its_own_world(web: Site) -> None:
    with browser(web, "analyst") as analyst:
        incident_ids = ids(analyst, "/api/v1/incidents")
        group_id = analyst.get("/api/v1/groups").json()["items"][0]["id"]
    with browser(web, "northmart") as session:
        dashboard = session.get("/").text
        assert "Incidents reported by Northmart" in dashboard
        assert 'href="/groups"' not in dashboard  # no groups for retailers
        assert 'data-testid="fig-incidents">2<' in dashboard
        listing = session.get("/incidents").text
        assert "NM-1" in listing
        assert "SC-1" not in listing
        hidden = session.get(f"/incidents/{incident_ids['SC-1']}")
        assert hidden.status_code == 404
        assert "no such incident" in hidden.text
        assert session.get(f"/groups/{group_id}").status_code == 404


def test_live_filtering_answers_htmx_with_the_results_alone(web: Site) -> None:
    with browser(web, "analyst") as session:
        whole = session.get("/incidents", params={"q": "kelly"})
        partial = session.get("/incidents", params={"q": "kelly"}, headers={"HX-Request": "true"})
    assert 'hx-get="/incidents"' in whole.text
    assert "<html" in whole.text
    assert "<html" not in partial.text
    assert 'data-testid="result-count">3 incidents' in partial.text
    assert "SC-1" in partial.text
    assert "SC-2" not in partial.text


def test_an_htmx_request_without_a_login_is_sent_to_the_login_page(web: Site) -> None:
    answer = httpx.get(web.url + "/incidents?q=x", headers={"HX-Request": "true"})
    assert answer.status_code == 401
    assert answer.headers["hx-redirect"].startswith("/login?next=")


def test_the_incident_page_shows_force_source_grading_people_and_vehicles(web: Site) -> None:
    with browser(web, "analyst") as session:
        incident_ids = ids(session, "/api/v1/incidents")
        given = session.get(f"/incidents/{incident_ids['NM-1']}").text
        derived = session.get(f"/incidents/{incident_ids['NM-2']}").text
        graded = session.get(f"/incidents/{incident_ids['SC-1']}").text
    assert "given by the submitter" in given
    assert "1AP" in given
    assert "Razor blades" in given
    assert "AB12 CDE" in given
    assert "20/1234/25" in given
    assert "distraction" in given
    assert "derived from location" in derived
    assert "West Midlands Police" in derived
    assert "no earlier versions" in derived
    assert "2BC" in graded
    assert "Not to be shared outside policing" in graded
    assert graded.count('data-testid="offender-link"') == 3
    assert "knife" in graded


def test_offender_group_and_vehicle_pages_link_to_each_other(web: Site) -> None:
    with browser(web, "analyst") as session:
        nm1 = ids(session, "/api/v1/incidents")["NM-1"]
        detail = session.get(f"/api/v1/incidents/{nm1}").json()
        smith_id = detail["persons"][0]["offender_id"]
        vehicle_id = detail["vehicles"][0]["vehicle_id"]
        offender = session.get(f"/offenders/{smith_id}").text
        group_id = session.get(f"/api/v1/offenders/{smith_id}").json()["group"]["id"]
        group = session.get(f"/groups/{group_id}").text
        vehicle = session.get(f"/vehicles/{vehicle_id}").text
        groups = session.get("/groups").text
        sc2 = ids(session, "/api/v1/incidents")["SC-2"]
        unnamed_id = session.get(f"/api/v1/incidents/{sc2}").json()["persons"][0]["offender_id"]
        unnamed = session.get(f"/offenders/{unnamed_id}").text
    assert "Described only" in unnamed
    assert "Male, 30s, grey hoodie" in unnamed
    assert "Jason SMITH" in offender
    assert "02 Apr 1990" in offender
    assert "Southco Oxford Street" in offender
    assert "Metropolitan Police Service" in offender
    assert f'href="/groups/{group_id}"' in offender
    assert f'href="/vehicles/{vehicle_id}"' in offender
    assert 'data-testid="priority-score"' in offender
    assert f'href="/offenders/{smith_id}"' in group
    assert "Kelly BROWN" in group
    assert "Dean WALSH" in group
    assert "Identified members" in group and "No unidentified suspects attributed." in group
    assert 'id="group-graph"' in group
    assert "£3,770" in group
    assert "AB12CDE" in vehicle
    assert f'href="/offenders/{smith_id}"' in vehicle
    assert f'href="/groups/{group_id}"' in groups


def test_an_offenders_priority_is_explained_in_words_on_the_profile(web: Site) -> None:
    """An analyst asked "why is this one first?" reads the answer on the page: how many
    incidents, how much harm, when last seen, and what drives the score."""
    with browser(web, "analyst") as session:
        nm1 = ids(session, "/api/v1/incidents")["NM-1"]
        oid = session.get(f"/api/v1/incidents/{nm1}").json()["persons"][0]["offender_id"]
        profile = session.get(f"/api/v1/offenders/{oid}").json()
        page = session.get(f"/offenders/{oid}").text
    words = profile["priority"]["words"]
    parts = profile["priority"]["parts"]
    assert words.startswith(f"Ranked {profile['priority']['rank']}:")
    assert f"{parts['frequency']} incident" in words and "days of harm" in words and "Last seen" in words
    assert 'data-testid="priority-words"' in page and html.escape(words, quote=False) in page


def test_unknown_pages_and_api_paths_answer_in_their_own_language(web: Site) -> None:
    with browser(web, "analyst") as session:
        page = session.get("/no-such-page")
        api = session.get("/api/v1/no-such-thing")
        missing = session.get("/offenders/999999")
    assert page.status_code == 404
    assert "<html" in page.text
    assert api.status_code == 404
    assert api.json()["error"] == "HttpProblem"
    assert missing.status_code == 404
    assert "no such offender" in missing.text


def test_the_api_docs_are_served_from_local_files(web: Site) -> None:
    with browser(web, "analyst") as session:
        docs = session.get("/docs")
        schema = session.get("/openapi.json").json()
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "https://" not in docs.text  # nothing from the internet
    paths = set(schema["paths"])
    assert {"/api/v1/incidents", "/api/v1/dashboard", "/api/v1/offenders/{offender_id}"} <= paths
    assert "post" in schema["paths"]["/api/v1/incidents"]
    assert not any(path.startswith("/login") for path in schema["paths"])
