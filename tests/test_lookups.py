"""Fishing for people: a retailer that sends a made-up report naming someone learns only that the
person is known and that the national unit has been told — no figures, no identity, nothing it
did not report itself, then or after the next analysis — and a user who looks up many people by
name in a short time is told nothing more for a while and flagged for supervisors in the audit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from crimelink.audit.models import AuditEvent
from crimelink.store import StoreHandle
from crimelink.store.models import Offender
from crimelink.web.services.lookups import KNOWN, MAX_LOOKUPS, PAUSED
from web_server import Site, analyse, incident, site

MADE_UP = incident("NORTHMART", "NM-FISH", "2025-04-01T10:00:00Z", store={"store_ref": "NM-BHAM-1"},
                   persons=[{"person_ref": "p1", "name": "Dean Walsh", "dob": "1988-07-15"}],
                   vehicles=[{"vrm": "XY70 ZZZ"}])  # fmt: skip
# What only the other organisations' reports of Walsh and the BMW say (SOUTHCO's SC-1, WMP's WMP-1).
THEIRS = ["SC-1", "WMP-1", "Southco Oxford Street", "Corner Shop, Digbeth", "BMW", "black", "Metropolitan",
          "Kelly", "BROWN", "burglary", "robbery"]  # fmt: skip


@pytest.fixture
def web(sqlite_store: StoreHandle, tmp_path: Path) -> Iterator[Site]:
    with site(sqlite_store, tmp_path) as served:
        yield served


def post(web: Site, username: str, body: Any) -> dict[str, Any]:
    with httpx.Client(base_url=web.url, auth=web.auth(username), timeout=30) as client:
        answer = client.post("/api/v1/incidents", json=body)
    assert answer.status_code in (200, 201), answer.text
    found: dict[str, Any] = answer.json()
    return found


def entries(store: StoreHandle, action: str) -> list[AuditEvent]:
    with store.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def test_a_made_up_report_hears_only_that_the_person_is_known_and_the_national_unit_is_told(web: Site) -> None:
    answer = post(web, "northmart", MADE_UP)
    [hits] = answer["known"]
    [person], [car] = hits["offenders"], hits["vehicles"]
    assert person == {"person_ref": "p1", "summary": KNOWN, "how": "matched against the last analysis"}
    assert car == {"position": 0, "vrm": "XY70 ZZZ", "summary": KNOWN, "how": "matched against the last analysis"}
    with web.store.session() as session:
        walsh = session.scalar(select(Offender.id).where(Offender.display_name == "Dean WALSH"))
    [told] = entries(web.store, "incident.known_match")  # where the national unit reads it
    assert (told.username, told.details["offenders"], told.details["lookups"]) == ("northmart", [walsh], 1)


def test_after_the_next_analysis_the_fishing_retailer_sees_only_what_it_reported(web: Site) -> None:
    post(web, "northmart", MADE_UP)
    analyse(web.store)
    with web.store.session() as session:
        walsh = session.scalar(select(Offender.id).where(Offender.display_name == "Dean WALSH"))
    with httpx.Client(base_url=web.url, auth=web.auth("northmart"), timeout=30) as client:
        profile = client.get(f"/api/v1/offenders/{walsh}").json()
        pages = [client.get(url).text for url in (f"/offenders/{walsh}", f"/api/v1/chart?node=o:{walsh}",
                                                  f"/api/v1/offenders/{walsh}/links")]  # fmt: skip
        [link] = client.get(f"/api/v1/offenders/{walsh}/links").json()["links"]
        why = client.get(f"/api/v1/person-links/{link['mention_id']}/why").json()
    # linked to a report it may not see: not what agreed with it (that report's date of birth, name...)
    assert link["status"] == "suggested" and link["linked_to"] is not None and link["reason"] is None
    assert (why["reason"], why["steps"], why["linked_to_ref"]) == (None, [], None)
    assert [i["incident_ref"] for i in profile["incidents"]] == ["NM-FISH"]  # the report it made up, nothing more
    assert (profile["dob"], profile["gender"], profile["elsewhere"]) == ("1988-07-15", None, True)  # no gender given
    for text in [str(profile), *pages]:
        assert [v for v in THEIRS if re.search(rf"(?<![\w-]){re.escape(v)}(?![\w-])", text)] == []


def test_looking_up_many_people_by_name_is_paused_and_flagged_for_supervisors(web: Site) -> None:
    batch = [
        incident("SOUTHCO", f"SC-N{n}", "2025-04-01T10:00:00Z", persons=[{"person_ref": "p1", "name": f"Person {n}"}])
        for n in range(MAX_LOOKUPS)
    ]
    assert all("paused" not in found for found in post(web, "southco", batch)["known"])  # up to the limit: answered
    made_up = incident("SOUTHCO", "SC-FISH", "2025-04-02T10:00:00Z",
                       persons=[{"person_ref": "p1", "name": "Dean Walsh", "age_min": 30, "age_max": 40}])  # fmt: skip
    answer = post(web, "southco", made_up)
    assert answer["created"] == 1  # the report is kept, and linked at the next analysis
    assert answer["known"] == [{"submitter": "SOUTHCO", "incident_ref": "SC-FISH", "offenders": [], "vehicles": [],
                                "paused": PAUSED}]  # fmt: skip
    [flag] = entries(web.store, "incident.lookups_paused")
    assert flag.username == "southco" and flag.details["for"] == "supervisors"
    assert (flag.details["asked"], flag.details["looked_up_in_window"]) == (1, MAX_LOOKUPS)
    assert post(web, "analyst", {**made_up, "submitter": "SOUTHCO", "incident_ref": "SC-FISH-2"})["known"][0][
        "offenders"
    ], "the national unit is never held back"
