"""Casework over real HTTP: one referral walked through its whole lifecycle, checking at each step
what the referring retailer can and cannot see; then the rules around it (who may act, what a
step needs, what a referral needs). Every test runs on SQLite and on PostgreSQL.

The casework router is mounted on a minimal app whose ``current_actor`` comes from the
``X-Test-User`` header (the real app authenticates with its session cookie or HTTP Basic).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy import select

from crimelink.access.policy import Viewer, viewer_for_user
from crimelink.access.users import user_by_username
from crimelink.casework.views import current_actor, router
from crimelink.errors import CrimelinkError
from crimelink.store import StoreHandle, open_store
from crimelink.store.models import Offender
from crimelink.web.app import crimelink_error, validation_error
from crimelink.web.dependencies import DbSession
from crimelink.web.errors import NotAuthenticated
from web_server import analyse, fill_store, serve

# Said only to the team: none of these may ever reach the referrer.
SECRETS = ("INTERNAL-REASON", "INVESTIGATION-NOTE", "Operation Kestrel", "CLOSING-RESULT", "priority", "lead_force")


def actor_from_header(request: Request, db_session: DbSession) -> Viewer:
    user = user_by_username(session=db_session, username=request.headers.get("x-test-user", ""))
    viewer = viewer_for_user(session=db_session, user_id=user.id) if user else None
    if viewer is None:
        raise NotAuthenticated("no X-Test-User")
    return viewer


def casework_app(store: StoreHandle) -> FastAPI:
    app = FastAPI(exception_handlers={CrimelinkError: crimelink_error, RequestValidationError: validation_error})
    app.state.store = store
    app.include_router(router)
    app.dependency_overrides[current_actor] = actor_from_header
    return app


@dataclass
class Api:
    client: httpx.Client
    store: StoreHandle

    def call(self, method: str, user: str, path: str, body: Any = None) -> httpx.Response:
        return self.client.request(method, f"/api/v1{path}", json=body, headers={"X-Test-User": user})

    def get(self, user: str, path: str) -> httpx.Response:
        return self.call("GET", user, path)

    def post(self, user: str, path: str, body: Any) -> httpx.Response:
        return self.call("POST", user, path, body)

    def step(self, user: str, referral: int, to: str, **fields: Any) -> httpx.Response:
        return self.post(user, f"/referrals/{referral}/transitions", {"to": to, **fields})


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """The sample world, analysed and served, once per backend: each test works on its own referrals."""
    folder = tmp_path_factory.mktemp("casework")
    if request.param == "sqlite":
        store = open_store(f"sqlite:///{folder / 'crimelink.sqlite'}")
    else:
        server = request.getfixturevalue("postgres_server")
        name = f"casework_{uuid.uuid4().hex[:12]}"
        server.admin(f"CREATE DATABASE {name} TEMPLATE crimelink_template")
        store = open_store(server.url(name))
    try:
        fill_store(store, folder)
        analyse(store)
        with serve(casework_app(store)) as url, httpx.Client(base_url=url, timeout=10) as client:
            yield Api(client, store)
    finally:
        store.close()


def offender_id(store: StoreHandle, family_name: str) -> int:
    with store.session() as session:
        found = session.scalar(select(Offender.id).where(Offender.display_name.ilike(f"%{family_name}%")))
    assert found is not None
    return found


def referral_body(api: Api, **overrides: Any) -> dict[str, Any]:
    return {
        "summary": "Two people filling bags with razor blades at New Street, same car each time",
        "request": "Identify the second person and link to offending elsewhere",
        "subjects": [
            {"kind": "incident", "incident_ref": "NM-1"},  # carries its crime reference 20/1234/25
            {"kind": "person", "id": offender_id(api.store, "smith")},
            {"kind": "vehicle", "vrm": "ab12 cde"},
        ],
        **overrides,
    }


def listed(api: Api, user: str) -> dict[int, dict[str, Any]]:
    return {r["id"]: r for r in api.get(user, "/referrals?limit=500").json()["items"]}


def referrer_sees(api: Api, referral: int, status: str, feedback: int) -> dict[str, Any]:
    """What the referrer sees, asserting it is its status view and nothing of the investigation."""
    response = api.get("northmart", f"/referrals/{referral}")
    assert response.status_code == 200, response.text
    seen: dict[str, Any] = response.json()
    assert seen["view"] == "referrer"
    assert set(seen) == {
        "view", "id", "reference", "referrer", "received_at", "summary", "request", "crime_references", "subjects",
        "status", "status_label", "status_at", "history", "feedback",
    }  # fmt: skip
    assert seen["status"] == status
    assert [s["status"] for s in seen["history"]][-1] == status
    assert len(seen["feedback"]) == feedback
    assert {s["kind"] for s in seen["subjects"]} == {"incident", "person", "vehicle"}  # its own, not the team's
    for secret in SECRETS:
        assert secret not in response.text
    listed = {r["id"]: r for r in api.get("northmart", "/referrals").json()["items"]}
    assert (listed[referral]["status"], listed[referral]["mine"]) == (status, True)
    assert {(r["priority_score"], r["lead_force"]) for r in listed.values()} == {(None, None)}
    assert api.get("northmart", "/operations").json()["items"] == []
    assert api.get("southco", f"/referrals/{referral}").status_code == 404  # another retailer: it does not exist
    assert referral not in {r["id"] for r in api.get("southco", "/referrals").json()["items"]}
    return seen


def test_a_referral_walks_its_whole_lifecycle_and_the_referrer_sees_only_its_status(api: Api) -> None:
    created = api.post("northmart", "/referrals", referral_body(api))
    assert created.status_code == 201, created.text
    referral = created.json()["id"]
    assert created.json()["view"] == "referrer"
    assert created.json()["crime_references"] == ["20/1234/25"]
    referrer_sees(api, referral, "received", feedback=0)
    assert api.get("wmp", f"/referrals/{referral}").status_code == 404  # nothing disseminated to the force yet
    assert api.step("northmart", referral, "triaged").status_code == 403  # visible, but not its to move

    # The national team: the whole referral, its score with every part, and where the harm falls.
    whole = api.get("analyst", f"/referrals/{referral}").json()
    assert whole["view"] == "full" and whole["next_steps"] == ["triaged"]
    parts = whole["priority_parts"]
    assert whole["priority_score"] == pytest.approx(
        parts["harm_level"] * parts["likelihood_level"] * parts["capability"] * parts["capacity"], abs=1e-3
    )
    assert {s["measure"] for s in parts["subjects"]} >= {"harm (CCHI days)", "RFG"}
    # Smith's knife-point robbery in London outweighs the Birmingham thefts: the harm falls in the Met.
    assert whole["suggested_force"] == "metropolitan"
    assert whole["force_harm"][0]["violent"] == 1
    assert api.get("auditor", f"/referrals/{referral}").json()["view"] == "full"
    assert api.step("auditor", referral, "triaged").status_code == 403

    ok = api.step("analyst", referral, "triaged", reason="INTERNAL-REASON: fits a known group",
                  feedback="Thank you: received and triaged.")  # fmt: skip
    assert ok.status_code == 201, ok.text
    assert ok.json()["by"] == "analyst" and ok.json()["reason"].startswith("INTERNAL-REASON")
    note = api.post("analyst", f"/referrals/{referral}/notes", {"text": "INVESTIGATION-NOTE: Smith also in SC-1"})
    assert note.status_code == 201 and note.json()["for_referrer"] is False
    seen = referrer_sees(api, referral, "triaged", feedback=1)
    assert seen["feedback"][0]["text"] == "Thank you: received and triaged."

    assert api.step("analyst", referral, "accepted").status_code == 201
    referrer_sees(api, referral, "accepted", feedback=1)
    assert api.step("analyst", referral, "in_development").status_code == 201
    skipped = api.step("analyst", referral, "adopted", operation_name="Operation Kestrel")
    assert skipped.status_code == 409 and skipped.json()["allowed"] == ["closed", "disseminated"]
    assert api.step("analyst", referral, "disseminated").status_code == 400  # to which force?
    assert api.step("analyst", referral, "disseminated", lead_force="west-midlands",
                    reason="INTERNAL-REASON: the referrer's crimes are in Birmingham").status_code == 201  # fmt: skip
    seen = referrer_sees(api, referral, "disseminated", feedback=1)

    # The lead force now sees the package whole; it adopts it into a new operation.
    package = api.get("wmp", f"/referrals/{referral}").json()
    assert package["view"] == "full" and package["next_steps"] == ["adopted", "in_development"]
    adopted = api.step("wmp", referral, "adopted", operation_name="Operation Kestrel",
                       feedback="A police operation has been opened.")  # fmt: skip
    assert adopted.status_code == 201, adopted.text
    operation = adopted.json()["details"]["operation_id"]
    referrer_sees(api, referral, "adopted", feedback=2)
    assert api.get("northmart", f"/operations/{operation}").status_code == 404
    assert api.get("southco", f"/operations/{operation}").status_code == 404
    detail = api.get("wmp", f"/operations/{operation}").json()
    assert detail["lead_force"] == "west-midlands"
    assert {link["kind"] for link in detail["links"]} == {"referral", "incident", "person", "vehicle"}

    # Results, recorded by the lead force.
    arrest = api.post("wmp", f"/operations/{operation}/arrests",
                      {"person": "Jason Smith", "arrested_at": "2025-04-02T06:00:00Z"}).json()  # fmt: skip
    charge = api.post("wmp", f"/operations/{operation}/charges", {
        "person": "Jason Smith", "offence": "theft_from_shop", "counts": 2, "charged_at": "2025-04-03T10:00:00Z",
        "arrest_id": arrest["id"]}).json()  # fmt: skip
    incident = next(s["target_id"] for s in package["subjects"] if s["kind"] == "incident")
    when = "2025-04-03T10:00:00Z"
    outcomes = api.post("wmp", f"/operations/{operation}/outcomes", [
        {"outcome_type": "1", "incident_id": incident, "charge_id": charge["id"], "recorded_at": when},
        {"outcome_type": "16", "crime_reference": "20/9999/25", "recorded_at": when},
    ])  # fmt: skip
    assert outcomes.status_code == 201, outcomes.text
    assert [o["positive"] for o in outcomes.json()] == [True, False]
    court = api.post("wmp", f"/operations/{operation}/court-results", {
        "person": "Jason Smith", "verdict": "guilty_plea", "decided_at": "2025-06-20T14:00:00Z",
        "charge_id": charge["id"], "sentences": [{"custodial_months": 8}]})  # fmt: skip
    assert court.status_code == 201, court.text
    detail = api.get("analyst", f"/operations/{operation}").json()
    assert (detail["positive_outcomes"], detail["custodial_months"], len(detail["arrests"])) == (1, 8.0, 1)
    referrer_sees(api, referral, "adopted", feedback=2)

    closed = api.step("wmp", referral, "closed", result="CLOSING-RESULT: one charged, 8 months",
                      feedback="One person charged and jailed for 8 months.")  # fmt: skip
    assert closed.status_code == 201, closed.text
    seen = referrer_sees(api, referral, "closed", feedback=3)
    assert [s["status"] for s in seen["history"]] == [
        "received", "triaged", "accepted", "in_development", "disseminated", "adopted", "closed",
    ]  # fmt: skip
    assert seen["feedback"][-1]["text"] == "One person charged and jailed for 8 months."

    # The team's record: who, when and why at every step.
    whole = api.get("analyst", f"/referrals/{referral}").json()
    assert [(t["to_status"], t["by"]) for t in whole["transitions"]] == [
        ("received", "northmart"), ("triaged", "analyst"), ("accepted", "analyst"), ("in_development", "analyst"),
        ("disseminated", "analyst"), ("adopted", "wmp"), ("closed", "wmp"),
    ]  # fmt: skip
    assert whole["result"].startswith("CLOSING-RESULT")
    assert whole["operations"][0]["name"] == "Operation Kestrel"
    assert whole["next_steps"] == []


def test_a_referral_needs_a_crime_reference(api: Api) -> None:
    body = referral_body(api, subjects=[{"kind": "person", "id": offender_id(api.store, "smith")}])
    refused = api.post("northmart", "/referrals", body)
    assert refused.status_code == 400 and refused.json()["field"] == "crime_references"
    assert api.post("northmart", "/referrals", {**body, "crime_references": ["20/1234/25"]}).status_code == 201


def test_an_incident_reported_to_police_needs_its_crime_reference(api: Api) -> None:
    body = referral_body(api, subjects=[{"kind": "incident", "incident_ref": "NM-2"}])  # NM-2 has none
    refused = api.post("northmart", "/referrals", body)
    assert refused.status_code == 400 and refused.json()["field"] == "subjects[0].crime_reference"
    not_reported = {"kind": "incident", "incident_ref": "NM-2", "reported_to_police": False}
    given = {"kind": "incident", "incident_ref": "NM-2", "crime_reference": "20/5555/25"}
    assert api.post("northmart", "/referrals", referral_body(api, subjects=[given])).status_code == 201
    assert api.post("northmart", "/referrals", referral_body(
        api, subjects=[not_reported], crime_references=["20/1234/25"])).status_code == 201  # fmt: skip


@pytest.mark.parametrize(
    ("subject", "field"),
    [
        ({"kind": "incident", "incident_ref": "SC-1"}, "subjects[0].incident_ref"),  # another retailer's incident
        ({"kind": "group", "id": 1}, "subjects[0].id"),  # retailers see no groups
        ({"kind": "person", "id": 999_999}, "subjects[0].id"),
    ],
)
def test_a_retailer_refers_only_what_it_can_see(api: Api, subject: dict[str, Any], field: str) -> None:
    refused = api.post("northmart", "/referrals", referral_body(api, subjects=[subject], crime_references=["X/1/25"]))
    assert refused.status_code == 400, refused.text
    assert refused.json()["field"] == field
    assert "robbery" not in refused.text.lower()


def test_only_the_national_unit_refers_for_another_organisation(api: Api) -> None:
    assert api.post("northmart", "/referrals", referral_body(api, referrer="SOUTHCO")).status_code == 403
    assert api.post("auditor", "/referrals", referral_body(api)).status_code == 403
    made = api.post("analyst", "/referrals", referral_body(api, referrer="NORTHMART"))
    assert made.status_code == 201 and made.json()["view"] == "full" and made.json()["referrer"] == "NORTHMART"
    assert api.get("northmart", f"/referrals/{made.json()['id']}").json()["view"] == "referrer"


def test_declining_needs_a_reason_which_the_referrer_never_sees(api: Api) -> None:
    referral = api.post("northmart", "/referrals", referral_body(api)).json()["id"]
    assert api.step("analyst", referral, "triaged").status_code == 201
    assert api.step("analyst", referral, "declined").status_code == 400
    declined = api.step("analyst", referral, "declined", reason="INTERNAL-REASON: covert work under way",
                        feedback="Not taken forward at this time.")  # fmt: skip
    assert declined.status_code == 201
    seen = referrer_sees(api, referral, "declined", feedback=1)
    assert seen["feedback"][0]["text"] == "Not taken forward at this time."
    assert api.step("analyst", referral, "accepted").status_code == 409  # declined is final


def test_a_force_that_hands_a_package_back_no_longer_sees_it(api: Api) -> None:
    referral = api.post("northmart", "/referrals", referral_body(api)).json()["id"]
    for to in ("triaged", "accepted", "in_development"):
        assert api.step("analyst", referral, to).status_code == 201
    assert api.step("analyst", referral, "disseminated", lead_force="west-midlands").status_code == 201
    assert listed(api, "wmp")[referral]["lead_force"] == "west-midlands"
    assert api.step("wmp", referral, "in_development").status_code == 400  # needs a reason
    handed = api.step("wmp", referral, "in_development", reason="Offenders live in the Met area")
    assert handed.status_code == 201 and handed.json()["details"] == {"handed_back_by": "west-midlands"}
    assert api.get("wmp", f"/referrals/{referral}").status_code == 404
    assert referral not in listed(api, "wmp")


def test_the_queue_puts_the_most_harmful_referral_first(api: Api) -> None:
    small = api.post("northmart", "/referrals", referral_body(
        api, subjects=[{"kind": "incident", "incident_ref": "NM-2", "crime_reference": "20/1/25"}])).json()  # fmt: skip
    large = api.post("northmart", "/referrals", referral_body(api)).json()
    mine = (large["id"], small["id"])
    queue = [r for r in api.get("analyst", "/referrals").json()["items"] if r["id"] in mine]
    assert [r["id"] for r in queue] == [large["id"], small["id"]]
    assert queue[0]["priority_score"] > queue[1]["priority_score"]
    newest_first = [r for r in listed(api, "northmart") if r in mine]
    assert newest_first == [large["id"], small["id"]]


def test_engagement_sessions_and_outcome_types(api: Api) -> None:
    body = {"held_on": "2025-03-04", "title": "Evidence capture", "organisations": ["NORTHMART", "southco"],
            "attendees": 24, "police_force": "west-midlands"}  # fmt: skip
    assert api.post("northmart", "/engagement-sessions", body).status_code == 403
    made = api.post("analyst", "/engagement-sessions", body)
    assert made.status_code == 201 and made.json()["organisations"] == ["NORTHMART", "SOUTHCO"]
    assert [s["title"] for s in api.get("northmart", "/engagement-sessions").json()["items"]] == ["Evidence capture"]
    assert [s["id"] for s in api.get("wmp", "/engagement-sessions").json()["items"]] == [made.json()["id"]]  # its area
    types = {t["code"]: t for t in api.get("northmart", "/outcome-types").json()["items"]}
    assert types["1"]["positive"] and not types["18"]["positive"]


def test_the_referrer_view_is_json_that_names_no_secret(api: Api) -> None:
    referral = api.post("northmart", "/referrals", referral_body(api)).json()["id"]
    api.post("analyst", f"/referrals/{referral}/notes", {"text": "INVESTIGATION-NOTE", "for_referrer": False})
    api.post("analyst", f"/referrals/{referral}/subjects", {"kind": "group", "id": 1})
    seen = json.dumps(api.get("northmart", f"/referrals/{referral}").json())
    assert "INVESTIGATION-NOTE" not in seen and '"group"' not in seen


def test_impact_figures_are_for_the_national_unit_and_each_force_for_its_own_area(api: Api) -> None:
    national = api.get("analyst", "/impact?from=2024-01-01&to=2030-12-31")
    assert national.status_code == 200, national.text
    assert national.json()["scope"]["from"] == "2024-01-01"
    assert [f["key"] for f in national.json()["figures"]][:2] == ["referrals", "offenders_identified"]
    assert api.get("wmp", "/impact").json()["scope"]["force"] == "west-midlands"
    assert api.get("wmp", "/impact?force=metropolitan").status_code == 403
    assert api.get("northmart", "/impact").status_code == 403
