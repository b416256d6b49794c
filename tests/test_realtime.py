"""Real-time match: a report posted through the API hears at once which known offenders and
vehicles it names, as much as the submitter may know."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from web_server import SMITH, WALSH, Site, incident, site


@pytest.fixture
def web(sqlite_store: Any, tmp_path: Path) -> Iterator[Site]:
    with site(sqlite_store, tmp_path) as served:
        yield served


def post(web: Site, username: str, doc: dict[str, Any]) -> dict[str, Any]:
    with httpx.Client(base_url=web.url, auth=web.auth(username), timeout=30) as client:
        response = client.post("/api/v1/incidents", json=doc)
    assert response.status_code == 201, response.text
    known: list[dict[str, Any]] = response.json()["known"]
    assert len(known) <= 1
    return known[0] if known else {"offenders": [], "vehicles": []}


def test_a_new_report_names_the_known_offender_and_vehicle_with_how_widely_they_are_known(web: Site) -> None:
    doc = incident("SOUTHCO", "SC-NEW", "2025-04-01T10:00:00Z",
                   persons=[{"person_ref": "p1", "name": "SMITH, Jason", "dob": "1990-02-04"}],  # day/month swapped
                   vehicles=[{"vrm": "AB12 C0E", "make": "Ford"}])  # fmt: skip
    known = post(web, "analyst", {**doc})
    [offender] = known["offenders"]
    assert offender["how"] == "same name, date of birth with day and month swapped"
    assert offender["summary"] == "known offender: known to 3 incidents in 2 force areas"
    assert offender["href"] == f"/offenders/{offender['offender_id']}"
    [vehicle] = known["vehicles"]
    assert vehicle["known_vrm"] == "AB12CDE" and vehicle["incidents"] == 2
    assert vehicle["how"] == "same registration mark allowing misreads (AB12C0E for AB12CDE)"


def test_a_retailer_hears_that_a_person_is_known_but_not_who_they_are_elsewhere(web: Site) -> None:
    doc = incident("SOUTHCO", "SC-NEW", "2025-04-01T10:00:00Z",
                   persons=[{"person_ref": "p1", "name": "Dean Walsh", "age_min": 30, "age_max": 40}])  # fmt: skip
    [offender] = post(web, "southco", doc)["offenders"]
    assert offender == {"person_ref": "p1", "summary": "known: the national unit has been told",
                        "how": "matched against the last analysis"}  # no figures, no id, no name: see test_lookups


@pytest.mark.parametrize(
    "person",
    [
        {"person_ref": "p1", "description": "Male, 30s, grey hoodie", "gender": "male"},  # a description alone
        {"person_ref": "p1", "name": "Jason Smith", "dob": "1971-09-30"},  # same name, another person
        {"person_ref": "p1", "name": "Jason Smith"},  # a name alone
    ],
)
def test_weak_or_contrary_evidence_matches_nobody(web: Site, person: dict[str, Any]) -> None:
    assert SMITH["dob"] != person.get("dob") and WALSH
    doc = incident("SOUTHCO", "SC-NEW", "2025-04-01T10:00:00Z", persons=[person], vehicles=[{"vrm": "QQ99 QQQ"}])
    assert post(web, "analyst", doc)["offenders"] == []
