"""Casework in the web app, every step a form: a retail manager refers and follows its referral, the
national analyst assesses it and sends the package to a force, the force's investigator adopts it
into an operation and records an arrest, a charge, a crime outcome and a court result, and the
retailer reads the feedback. Each form is the API's body recorded by the API's service function and
audited under the API's action (``via: page``); a refused form says why, beside what was typed.

Over real HTTP on the casework world of ``casework_site`` (SQLite), plus a retail manager for
Northmart; the story itself in headless Chromium, one browser per role.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from browser import logged_in, require_browser
from casework_site import World, casework_world, incident_id, offender_id
from crimelink.access.organisations import organisation_by_code
from crimelink.access.users import hash_password
from crimelink.audit.models import AuditEvent
from crimelink.store import open_store
from crimelink.store.models import OffenderGroup, User
from web_server import password

HTMX = {"HX-Request": "true"}
MANAGER = "nm-manager"  # Northmart's retail manager (``northmart`` is its retail reporter)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("casework-forms")
    store = open_store(f"sqlite:///{folder / 'crimelink.sqlite'}")
    try:
        with casework_world(store, folder) as served:
            with store.session() as session:
                northmart = organisation_by_code(session=session, code="NORTHMART")
                session.add(User(username=MANAGER, display_name="Test retail manager", role="retail_manager",
                                 password_hash=hash_password(password(MANAGER)), organisation_id=northmart.id,
                                 active=True))  # fmt: skip
            yield served
    finally:
        store.close()


def audited(world: World, action: str, username: str) -> list[AuditEvent]:
    """The outcome entries (not the ``.requested`` ones) of ``action`` by ``username``, oldest first."""
    with world.store.session() as session:
        mine = select(AuditEvent).where(AuditEvent.action == action, AuditEvent.username == username)
        found = session.scalars(mine.order_by(AuditEvent.seq)).all()
        session.expunge_all()
    return list(found)


def refer(client: httpx.Client, **fields: Any) -> httpx.Response:
    return client.post("/referrals", data=fields)


# --- a retail manager refers -----------------------------------------------------------------


def test_a_retail_manager_refers_what_it_can_see_and_follows_it(world: World) -> None:
    manager = world.user(MANAGER)
    listed = manager.get("/referrals").text
    assert 'data-testid="make-referral"' in listed
    brown = offender_id(world.store, "brown")
    nm2 = incident_id(world.store, "NM-2")
    found = manager.get("/referrals/new/subjects", params={"q": "Brown"}, headers=HTMX).text
    assert f'value="person:{brown}"' in found and "Kelly BROWN" in found and "<html" not in found

    typed = {f"crime_reference-{nm2}": "20/5555/25"}  # NM-2 was reported without one
    sent = refer(manager, summary="Brown again at the Bull Ring", request="Who is she with?",
                 subject=[f"person:{brown}", f"incident:{nm2}"], **typed)  # fmt: skip
    assert sent.status_code == 303, sent.text
    referral = int(sent.headers["location"].rsplit("/", 1)[1])
    mine = manager.get(f"/api/v1/referrals/{referral}").json()  # the API's referrer view of the same referral
    assert mine["view"] == "referrer" and mine["status"] == "received"
    assert mine["crime_references"] == ["20/5555/25"]
    assert [s["label"] for s in mine["subjects"]] == ["Kelly BROWN", "NORTHMART NM-2"]
    page = manager.get(f"/referrals/{referral}").text
    assert "Received" in page and "Brown again at the Bull Ring" in page
    entry = audited(world, "referral.create", MANAGER)[-1]
    assert entry.details["via"] == "page" and entry.details["status"] == 303


def test_the_referral_form_refuses_as_the_api_does_and_says_why_beside_the_field(world: World) -> None:
    manager = world.user(MANAGER)
    before = manager.get("/api/v1/referrals").json()["total"]
    nm2 = incident_id(world.store, "NM-2")  # reported with no crime reference
    sc1 = incident_id(world.store, "SC-1")  # Southco's

    nothing = refer(manager, summary="Someone", request="Look", crime_references="01/1/25")
    assert nothing.status_code == 400 and 'data-testid="subjects-error"' in nothing.text
    assert "tick at least one" in nothing.text
    assert 'value="Someone"' in nothing.text  # what was typed is kept

    unreferenced = refer(manager, summary="NM-2", request="Look", subject=f"incident:{nm2}")
    assert unreferenced.status_code == 400
    assert re.search(r"NM-2[^<]*: an incident reported to police needs its crime reference", unreferenced.text)
    assert f'name="crime_reference-{nm2}"' in unreferenced.text  # asked for beside the report

    foreign = refer(manager, summary="SC-1", request="Look", subject=f"incident:{sc1}", crime_references="01/2222/25")
    assert foreign.status_code == 400 and "no incident with this id that you can see" in foreign.text
    assert "Southco Oxford Street" not in foreign.text

    api = manager.post("/api/v1/referrals", json={"summary": "SC-1", "request": "Look",
                                                  "crime_references": ["01/2222/25"],
                                                  "subjects": [{"kind": "incident", "id": sc1}]})  # fmt: skip
    assert api.status_code == 400 and "no incident with this id that you can see" in api.json()["message"]
    assert manager.get("/api/v1/referrals").json()["total"] == before


def test_the_subject_search_offers_only_what_the_referrer_may_see(world: World) -> None:
    manager = world.user(MANAGER)
    plain = manager.get("/referrals/new", params={"q": "Brown"}).text  # the search without JavaScript: a page
    assert "Kelly BROWN" in plain and 'id="subject-find" method="get"' in plain
    for q in ("Walsh", "SC-1", "Oxford", "Group"):  # others' people, reports and stores; groups are the police's
        found = manager.get("/referrals/new/subjects", params={"q": q}, headers=HTMX).text
        assert 'data-testid="candidate"' not in found, q
    analyst = world.user("analyst")
    with world.store.session() as session:
        group = session.scalars(select(OffenderGroup).order_by(OffenderGroup.id)).first()
        assert group is not None
        label, group_id = group.label, group.id
    found = analyst.get("/referrals/new/subjects", params={"q": label[:5], "subject": "incident:1"}, headers=HTMX).text
    assert f'value="group:{group_id}"' in found
    assert 'data-testid="chosen"' in found and 'value="incident:1" checked' in found  # ticked stays ticked


def test_a_retail_reporter_follows_its_referrals_and_leaves_referring_to_its_manager(world: World) -> None:
    reporter = world.user("northmart")
    listed = reporter.get("/referrals").text
    assert 'data-testid="make-referral"' not in listed and "retail manager makes its referrals" in listed
    assert 'data-testid="latest-feedback"' in listed and "Received: we are looking at it." in listed
    assert reporter.get("/referrals/new").status_code == 403
    assert refer(reporter, summary="x", request="y", vrm="AB12CDE", crime_references="20/1/25").status_code == 403


# --- the national analyst assesses and sends the package; the force adopts it ------------------


def _referral_by(world: World, client: httpx.Client, summary: str, **extra: str) -> int:
    nm1 = incident_id(world.store, "NM-1")
    sent = refer(client, summary=summary, request="Develop", subject=f"incident:{nm1}", **extra)
    assert sent.status_code == 303, sent.text
    return int(sent.headers["location"].rsplit("/", 1)[1])


def test_the_package_goes_to_a_force_which_adopts_it_into_a_new_operation(world: World) -> None:
    referral = _referral_by(world, world.user(MANAGER), "Razor blades at New Street again")
    analyst = world.user("analyst")
    for step in ("triaged", "accepted", "in_development"):
        assert analyst.post(f"/referrals/{referral}/transitions", data={"to": step}).status_code == 303
    sent = analyst.post(f"/referrals/{referral}/transitions", headers=HTMX,
                        data={"to": "disseminated", "lead_force": "west-midlands",
                              "feedback": "Sent to West Midlands Police."})  # fmt: skip
    assert 'data-testid="lead-force">West Midlands Police<' in sent.text
    wmp = world.user("wmp")
    waiting = wmp.get("/operations").text
    assert 'data-testid="packages-waiting"' in waiting and f'href="/referrals/{referral}"' in waiting
    adopt = {"to": "adopted", "operation_name": "Operation Heron"}
    adopted = wmp.post(f"/referrals/{referral}/transitions", data=adopt)
    assert adopted.status_code == 303
    detail = wmp.get(f"/api/v1/referrals/{referral}").json()
    assert detail["status"] == "adopted" and [o["name"] for o in detail["operations"]] == ["Operation Heron"]
    assert f'href="/referrals/{referral}"' not in wmp.get("/operations").text  # no longer waiting
    steps = [e for e in audited(world, "referral.transition", "analyst") if e.subject_id == str(referral)]
    assert len(steps) == 4 and {e.details["via"] for e in steps} == {"page"}


# --- the force records what the operation achieved -------------------------------------------


def _operation(world: World, name: str) -> int:
    analyst = world.user("analyst")
    opened = analyst.post("/operations", data={"name": name, "lead_force": "west-midlands"})
    assert opened.status_code == 303, opened.text
    return int(opened.headers["location"].rsplit("/", 1)[1])


def test_an_investigator_records_results_that_read_in_words(world: World) -> None:
    operation = _operation(world, "Operation Linnet")
    wmp = world.user("wmp")
    arrested = wmp.post(f"/operations/{operation}/arrests", headers=HTMX,
                        data={"person": "Dean Walsh", "arrested_at": "2025-04-01T07:30"})  # fmt: skip
    assert arrested.status_code == 200 and '<div id="operation-main">' in arrested.text and "<html" not in arrested.text
    arrest = wmp.get(f"/api/v1/operations/{operation}").json()["arrests"][0]
    assert (arrest["person"], arrest["police_force"]) == ("Dean Walsh", "west-midlands")
    charge_form = {"arrest_id": str(arrest["id"]), "offence": "robbery", "counts": "2", "charged_at": "2025-04-02"}
    charged = wmp.post(f"/operations/{operation}/charges", data=charge_form)
    assert charged.status_code == 303 and charged.headers["location"] == f"/operations/{operation}"
    charge = wmp.get(f"/api/v1/operations/{operation}").json()["charges"][0]
    assert (charge["person"], charge["offence"], charge["counts"]) == ("Dean Walsh", "robbery", 2)  # as arrested
    wmp.post(f"/operations/{operation}/outcomes", headers=HTMX,
             data={"crime_reference": "01/2222/25", "outcome_type": "1", "charge_id": str(charge["id"]),
                   "recorded_at": "2025-04-02"})  # fmt: skip
    page = wmp.post(f"/operations/{operation}/court-results", headers=HTMX,
                    data={"charge_id": str(charge["id"]), "verdict": "guilty_plea", "decided_at": "2025-05-20",
                          "court": "Crown Court", "custodial_months": "30", "fine_gbp": "0"}).text  # fmt: skip
    tables = page.split('data-testid="record-forms"')[0]  # what is recorded, above the forms
    assert "Pleaded guilty" in tables and "guilty_plea" not in tables
    assert "30 months custody" in tables and "Charged/summonsed" in tables and "Robbery" in tables
    assert 'data-testid="fig-positive">1<' in page and 'data-testid="fig-custody">30.0<' in page
    court = wmp.get(f"/api/v1/operations/{operation}").json()["court_results"][0]
    assert court["sentences"] == [{"custodial_months": 30.0, "suspended": False, "community_order": False,
                                   "fine_gbp": 0.0, "deportation": False, "notes": None}]  # fmt: skip
    for action in ("operation.record_arrest", "operation.record_charge", "operation.record_outcomes",
                   "operation.record_court_result"):  # fmt: skip
        entries = [e for e in audited(world, action, "wmp") if e.subject_id == str(operation)]
        assert entries[-1].details["via"] == "page" and entries[-1].subject_type == "operation", action
        assert entries[-1].details["status"] in (200, 303), action


def test_a_refused_result_comes_back_in_its_form_with_what_was_typed(world: World) -> None:
    operation = _operation(world, "Operation Dunlin")
    wmp = world.user("wmp")
    refused = wmp.post(f"/operations/{operation}/charges", headers=HTMX,
                       data={"person": "Kelly Brown", "offence": "theft_from_shop", "counts": "0",
                             "charged_at": "2025-04-02"})  # fmt: skip
    assert refused.status_code == 200
    form = refused.text.split('data-testid="record-charge"', 1)[1].split("</form>", 1)[0]
    assert 'data-testid="form-error"' in form and "Counts: Input should be greater than or equal to 1" in form
    assert 'value="Kelly Brown"' in form
    plain = wmp.post(f"/operations/{operation}/arrests", data={"person": "Kelly Brown"})
    assert plain.status_code == 400 and "When arrested: fill it in" in plain.text
    unknown = wmp.post(f"/operations/{operation}/outcomes", data={"crime_reference": "01/1/25", "outcome_type": "99",
                                                                  "recorded_at": "2025-04-02"})  # fmt: skip
    assert unknown.status_code == 400 and "not a Home Office outcome type" in unknown.text
    recorded = wmp.get(f"/api/v1/operations/{operation}").json()
    assert recorded["arrests"] == recorded["charges"] == recorded["outcomes"] == []


def test_only_those_who_work_an_operation_record_on_it(world: World) -> None:
    operation = _operation(world, "Operation Stint")
    arrest = {"person": "Kelly Brown", "arrested_at": "2025-04-01T07:30"}
    assert world.user("mersey").post(f"/operations/{operation}/arrests", data=arrest).status_code == 404
    assert world.user(MANAGER).post(f"/operations/{operation}/arrests", data=arrest).status_code == 404
    assert world.user("auditor").post(f"/operations/{operation}/arrests", data=arrest).status_code == 403
    assert 'data-testid="record-arrest"' not in world.user("auditor").get(f"/operations/{operation}").text
    assert world.user("wmp").post("/operations", data={"name": "Operation Own", "lead_force": "west-midlands"}
                                  ).status_code == 403  # forces adopt packages; the national unit opens directly
    assert world.user("analyst").get(f"/api/v1/operations/{operation}").json()["arrests"] == []


def test_a_form_without_its_token_changes_nothing(world: World) -> None:
    operation = _operation(world, "Operation Knot")
    wmp = world.fresh("wmp")
    manager = world.fresh(MANAGER)
    try:
        del wmp.headers["X-CSRF-Token"], manager.headers["X-CSRF-Token"]
        arrest = {"person": "Kelly Brown", "arrested_at": "2025-04-01T07:30"}
        assert wmp.post(f"/operations/{operation}/arrests", data=arrest).status_code == 403
        assert refer(manager, summary="x", request="y", vrm="AB12CDE", crime_references="20/1/25").status_code == 403
    finally:
        wmp.close()
        manager.close()
    assert world.user("wmp").get(f"/api/v1/operations/{operation}").json()["arrests"] == []


# --- the story, in the browser: one role after another -----------------------------------------


@pytest.mark.browser
def test_the_casework_story_in_the_browser_role_by_role(world: World) -> None:
    """Refer, assess and send, adopt and record, read the feedback: every step a screen of its role's."""
    from playwright.sync_api import expect

    require_browser()
    done = "Kelly Brown pleaded guilty: 12 months in custody. Thank you for the referral."

    # the retail manager refers Kelly Brown and the NM-2 report
    with logged_in(world.url, MANAGER, password(MANAGER)) as (page, problems):
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals").click()
        page.get_by_test_id("make-referral").click()
        page.get_by_label("Summary").fill("Kelly Brown at the Bull Ring, with a man")
        page.get_by_label("What you ask the national unit").fill("Who is the man, and where else are they active?")
        page.get_by_test_id("subject-search").fill("Brown")
        found = page.get_by_test_id("subject-choices")
        expect(found).to_contain_text("Found for “Brown”")
        found.get_by_test_id("candidate").filter(has_text="Kelly Brown").get_by_role("checkbox").check()
        page.get_by_test_id("subject-search").fill("NM-2")
        expect(found).to_contain_text("Found for “NM-2”")
        expect(page.get_by_test_id("chosen")).to_contain_text("Kelly BROWN")  # ticked stays ticked
        nm2 = found.get_by_test_id("candidate").filter(has_text="NM-2")
        nm2.get_by_role("checkbox").check()
        nm2.get_by_label("Its crime reference").fill("20/7777/25")
        page.get_by_test_id("send-referral").click()
        expect(page.get_by_test_id("status")).to_have_text("Received")
        referral = int(page.url.rsplit("/", 1)[1])
        expect(page.locator("main")).to_contain_text("20/7777/25")
    assert problems == []

    # the national analyst assesses it and sends the intelligence package to West Midlands
    with logged_in(world.url, "analyst", password("analyst")) as (page, problems):
        page.goto(f"{world.url}/referrals")
        page.get_by_test_id("referral-row").filter(has_text="Kelly Brown at the Bull Ring").get_by_role("link").click()
        triage = page.get_by_test_id("step-triaged")
        triage.get_by_label("Message for the referrer").fill("Received: our analysts are on it.")
        triage.get_by_role("button").click()
        expect(page.get_by_test_id("status")).to_have_text("Triaged")
        for step, shown in (("accepted", "Accepted"), ("in_development", "In development")):
            page.get_by_test_id(f"step-{step}").get_by_role("button").click()
            expect(page.get_by_test_id("status")).to_have_text(shown)
        package = page.get_by_test_id("step-disseminated")
        package.get_by_label("Lead force").select_option("west-midlands")
        package.get_by_role("button", name="Send the intelligence package to a force").click()
        expect(page.get_by_test_id("status")).to_have_text("Disseminated")
        expect(page.get_by_test_id("lead-force")).to_have_text("West Midlands Police")
    assert problems == []

    # the force's investigator adopts it into an operation and records what came of it
    with logged_in(world.url, "wmp", password("wmp")) as (page, problems):
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Operations").click()
        page.get_by_test_id("package-row").filter(has_text="Kelly Brown at the Bull Ring").get_by_role(
            "link", name=re.compile(r"^R\d")).click()
        adopt = page.get_by_test_id("step-adopted")
        adopt.get_by_label("New operation's name").fill("Operation Wren")
        adopt.get_by_role("button").click()
        expect(page.get_by_test_id("status")).to_have_text("Adopted")
        page.get_by_test_id("operation-link").click()
        expect(page.get_by_test_id("operation-name")).to_have_text("Operation Wren")
        arrest = page.get_by_test_id("record-arrest")
        arrest.get_by_label("Person").select_option(label="Kelly BROWN")
        arrest.get_by_label("When arrested").fill("2025-04-03T06:15")
        arrest.get_by_role("button").click()
        expect(page.get_by_test_id("arrests")).to_contain_text("Kelly BROWN")
        charge = page.get_by_test_id("record-charge")
        charge.get_by_label("Arrest").select_option(index=1)
        charge.get_by_label("Offence").select_option(label="Theft from shop")
        charge.get_by_label("Counts").fill("3")
        charge.get_by_label("When charged").fill("2025-04-04")
        charge.get_by_role("button").click()
        expect(page.get_by_test_id("charges")).to_contain_text("Theft from shop")
        outcome = page.get_by_test_id("record-outcome")
        outcome.get_by_label("Crime", exact=True).select_option(label="NORTHMART NM-2")
        outcome.get_by_label("Outcome").select_option(label="Charged/summonsed (positive outcome)")
        outcome.get_by_label("When recorded").fill("2025-04-04")
        outcome.get_by_role("button").click()
        expect(page.get_by_test_id("outcomes")).to_contain_text("Charged/summonsed")
        court = page.get_by_test_id("record-court-result")
        court.get_by_label("Charge").select_option(index=1)
        court.get_by_label("Verdict").select_option(label="Pleaded guilty")
        court.get_by_label("When decided").fill("2025-05-12")
        court.get_by_label("Court", exact=True).fill("Birmingham Magistrates' Court")
        court.get_by_label("Custody (months)").fill("12")
        court.get_by_role("button").click()
        results = page.get_by_test_id("court-results")
        expect(results).to_contain_text("Pleaded guilty")
        expect(results).to_contain_text("12 months custody")
        expect(page.get_by_test_id("fig-positive")).to_have_text("1")
        page.goto(f"{world.url}/referrals/{referral}")
        close = page.get_by_test_id("step-closed")
        close.get_by_label("Result").fill("Charged and convicted")
        close.get_by_label("Message for the referrer").fill(done)
        close.get_by_role("button").click()
        expect(page.get_by_test_id("status")).to_have_text("Closed")
    assert problems == []

    # the retailer follows its referral and reads what came back
    with logged_in(world.url, MANAGER, password(MANAGER)) as (page, problems):
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals").click()
        row = page.get_by_test_id("referral-row").filter(has_text="Kelly Brown at the Bull Ring")
        expect(row.get_by_test_id("status")).to_have_text("Closed")
        expect(row.get_by_test_id("latest-feedback")).to_contain_text(done)
        row.get_by_role("link").click()
        feedback = page.get_by_test_id("feedback")
        expect(feedback).to_contain_text("Received: our analysts are on it.")
        expect(feedback).to_contain_text(done)
        expect(page.locator("main")).not_to_contain_text("Operation Wren")  # the police's, not the retailer's
        expect(page.locator("main")).not_to_contain_text("Charged and convicted")  # the team's result
    assert problems == []

    # every step is on the audit record, under the API's action, as done through a page
    def steps(action: str, username: str, subject: str) -> list[Any]:
        return [e.details["status"] for e in audited(world, action, username)
                if e.subject_id == subject and e.details["via"] == "page"]  # fmt: skip

    created = [e for e in audited(world, "referral.create", MANAGER) if e.details["via"] == "page"]
    assert created and created[-1].details["status"] == 303
    assert steps("referral.transition", "analyst", str(referral)) == [200, 200, 200, 200]
    assert steps("referral.transition", "wmp", str(referral)) == [200, 200]  # adopted, closed
    operation = world.user("wmp").get(f"/api/v1/referrals/{referral}").json()["operations"][0]["id"]
    for action in ("operation.record_arrest", "operation.record_charge", "operation.record_outcomes",
                   "operation.record_court_result"):  # fmt: skip
        assert steps(action, "wmp", str(operation)) == [200], action
