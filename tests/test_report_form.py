"""The web form for reporting an incident, over real HTTP: what the form stores is what the API
would store for the same JSON, the known offenders and vehicles it names are shown at once, and
a report with problems comes back with the values kept, each problem beside its field in plain
words, and nothing stored."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from crimelink.store import StoreHandle
from crimelink.store.models import Incident
from web_server import Site, password, site


@pytest.fixture
def web(sqlite_store: StoreHandle, tmp_path: Path) -> Iterator[Site]:
    with site(sqlite_store, tmp_path) as served:
        yield served


@contextmanager
def logged_in(web: Site, username: str) -> Iterator[tuple[httpx.Client, str]]:
    """A browser-like client logged in with the form, and the session's CSRF token."""
    with httpx.Client(base_url=web.url, timeout=30) as client:
        assert client.post("/login", data={"username": username, "password": password(username)}).status_code == 303
        page = client.get("/incidents/new")
        assert page.status_code == 200, page.text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        yield client, token.group(1)


FORM = {  # as a shop's officer fills it in: a blank row between two people, money as typed
    "incident_ref": "NM-FORM-1",
    "occurred_at": "2025-04-01T10:30",
    "offence": "theft_from_shop",
    "store_choice": "NM-BHAM-1",
    "value_gbp": "£1,250.50",
    "reported_to_police": "true",
    "crime_reference": "20/9999/25",
    "items[0].description": "Razor blades",
    "items[0].category": "health",
    "items[0].quantity": "12",
    "items[0].unit_value_gbp": "9.99",
    "persons[0].name": "Jason Smith",
    "persons[0].dob": "1990-04-02",
    "persons[0].gender": "male",
    "persons[0].height_cm": "180",
    "persons[1].name": "",
    "persons[2].description": "Female, 20s, red coat",
    "persons[2].age_min": "20",
    "persons[2].age_max": "29",
    "vehicles[0].vrm": "ab12 cde",
    "vehicles[0].make": "Ford",
    "violence.threats": "true",
    "violence.weapon": "knife",
    "mo.tags": "Distraction, bag lining",
    "mo.text": "One kept staff talking while the other filled a bag.",
    "evidence.cctv": "true",
    "grading.source_evaluation": "2",
    "grading.intelligence_assessment": "A",
    "grading.handling_code": "P",
    "grading.handling_conditions": "",
}
SAME_AS_JSON: dict[str, Any] = {  # the same report as a script would send it to the API
    "schema": "crimelink.incident/1",
    "submitter": "NORTHMART",
    "incident_ref": "NM-FORM-1",
    "occurred_at": "2025-04-01T10:30",
    "offence": "theft_from_shop",
    "store": {"store_ref": "NM-BHAM-1"},
    "value_gbp": 1250.5,
    "crime_reference": "20/9999/25",
    "items": [{"description": "Razor blades", "category": "health", "quantity": 12, "unit_value_gbp": 9.99}],
    "persons": [
        {"person_ref": "p1", "name": "Jason Smith", "dob": "1990-04-02", "gender": "male", "height_cm": 180},
        {"person_ref": "p2", "description": "Female, 20s, red coat", "age_min": 20, "age_max": 29},
    ],
    "vehicles": [{"vrm": "ab12 cde", "make": "Ford"}],
    "violence": {"threats": True, "weapon": "knife"},
    "mo": {"tags": ["distraction", "bag_lining"], "text": "One kept staff talking while the other filled a bag."},
    "evidence": {"cctv": True},
    "grading": {"source_evaluation": "2", "intelligence_assessment": "A", "handling_code": "P"},
}


def test_a_report_sent_with_the_form_is_stored_as_the_api_would_store_it_and_names_who_is_known(web: Site) -> None:
    with logged_in(web, "northmart") as (client, token):
        page = client.get("/incidents/new").text
        assert 'data-testid="nav-report"' in page and "Northmart New Street (B2 4QA)" in page
        assert re.search(r'name="incident_ref" type="text" value="WEB-\d{8}-\d{4}-[0-9A-F]{6}"', page)
        done = client.post("/incidents/new", data={"csrf_token": token, **FORM})
        assert done.status_code == 201, done.text
        assert "Report stored: NORTHMART / NM-FORM-1" in done.text
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", done.text))
        assert "Known offender : the national unit has been told" in text
        assert "Jason Smith (person 1 in your report) · matched against the last analysis" in text
        assert "Known vehicle: AB12 CDE : the national unit has been told" in text
        assert "/offenders/" not in done.text and "known to 3" not in text  # a retailer gets the flag, not figures
        incident_id = int(re.search(r'href="/incidents/(\d+)" data-testid="open-incident"', done.text).group(1))  # type: ignore[union-attr]
    with httpx.Client(base_url=web.url, auth=web.auth("northmart"), timeout=30) as api:
        again = api.post("/api/v1/incidents", json=SAME_AS_JSON)
        assert again.status_code == 200 and again.json()["unchanged"] == 1, again.text  # byte for byte the same report
        stored = api.get(f"/api/v1/incidents/{incident_id}").json()
    assert stored["value_gbp"] == 1250.5 and stored["crime_reference"] == "20/9999/25"
    assert [(p["person_ref"], p["name"], p["age_min"]) for p in stored["persons"]] == [
        ("p1", "Jason Smith", None), ("p2", None, 20)]  # fmt: skip
    assert stored["force"]["id"] == "west-midlands" and stored["grading"]["code"] == "2AP"


FORMAT_PROBLEMS = {  # what the exchange format refuses; the third row is the second person sent
    "persons[0].dob": "02/04/1990",
    "items[0].quantity": "lots",
    "persons[2].height_cm": "6ft",
}
CROSS_FORM_PROBLEMS = {  # the form's own rules broken as well: every problem shown at once
    **FORMAT_PROBLEMS,
    "grading.handling_code": "C",
    "reported_to_police": "true",
    "crime_reference": "",
}


@pytest.mark.parametrize("problems", [FORMAT_PROBLEMS, CROSS_FORM_PROBLEMS], ids=["format", "format-and-form"])
def test_a_report_with_problems_comes_back_with_each_beside_its_field_and_nothing_stored(
    web: Site, problems: dict[str, str]
) -> None:
    with web.store.session() as session:
        before = session.scalar(select(func.count()).select_from(Incident))
    with logged_in(web, "northmart") as (client, token):
        answer = client.post("/incidents/new", data={"csrf_token": token, **FORM, **problems})
    assert answer.status_code == 422
    page = answer.text
    beside = {  # the error sits in the field's label, just before its input, which points to it
        "persons-0-dob": "Date of birth: must be a date like 1990-04-02",
        "items-0-quantity": "Quantity: must be a whole number from 1 to 100,000",
        "persons-2-height-cm": "Height (cm): must be a whole number from 100 to 230",
    }
    if problems is CROSS_FORM_PROBLEMS:
        beside |= {
            "grading-handling-conditions": "Handling conditions: needed with handling code C: say what they are",
            "crime-reference": "Police crime reference: needed when the incident was reported to the police",
        }
    for field_id, words in beside.items():
        assert re.search(
            rf'<span class="field-error" id="f-{field_id}-error"[^>]*>{re.escape(words)}</span>\s*'
            rf'<input id="f-{field_id}"[^>]*aria-invalid="true" aria-describedby="f-{field_id}-error"',
            page,
        ), field_id
    assert f"{len(beside)} problems to put right" in page
    assert 'href="#f-persons-0-dob">Person 1, date of birth: must be a date like 1990-04-02</a>' in page
    assert 'value="02/04/1990"' in page and 'value="Jason Smith"' in page and 'value="NM-FORM-1"' in page
    assert 'value="NM-BHAM-1" selected' in page
    with web.store.session() as session:
        assert session.scalar(select(func.count()).select_from(Incident)) == before
        assert session.scalar(select(Incident.id).where(Incident.incident_ref == "NM-FORM-1")) is None


def test_rows_are_added_with_htmx_or_without_javascript_and_auditors_may_not_report(web: Site) -> None:
    with logged_in(web, "northmart") as (client, token):
        row = client.get("/incidents/new/row", params={"kind": "persons", "index": 3}, headers={"HX-Request": "true"})
        assert 'name="persons[3].dob"' in row.text and 'hx-swap-oob="true"' in row.text and "index=4" in row.text
        more = client.post("/incidents/new", data={"csrf_token": token, **FORM, "add": "vehicles"})
        assert more.status_code == 200 and 'name="vehicles[1].vrm"' in more.text and 'value="Jason Smith"' in more.text
    with web.store.session() as session:
        assert session.scalar(select(Incident.id).where(Incident.incident_ref == "NM-FORM-1")) is None
    with httpx.Client(base_url=web.url, auth=web.auth("auditor"), timeout=30) as auditor:
        assert auditor.get("/incidents/new").status_code == 403
        assert 'data-testid="nav-report"' not in auditor.get("/incidents").text
