"""Composition: whatever a page tells a viewer about an offender, group, vehicle, series or chart
is made only of records that viewer may see.

A route can filter its own rows perfectly and still leak through what it *composes*: the
offender's resolved name, a vehicle's settled mark, a label in a chart, a bulletin or a
referral, each made by the analysis from every organisation's reports. So this test seeds
values that only one organisation's reports hold — names, dates of birth, descriptions, plates,
makes and colours, store names — and links them into the same offender and the same vehicle
as other organisations' reports:

- SOUTHCO reports "Jamie Wright" three times (so the analysis names the offender after it),
  driving a teal Toyota Prius KX17 OBD; and, alone, Oswin Farthingale in a Volvo;
- NORTHMART reports the same man twice as "Callum Griffiths", the car read as KX17 0BD, maroon;
- EASTSHOP reports him once as "Rory Quenby", the car read as KX17 O8D, amber, and shares its
  reports with NORTHMART under a recorded agreement;
- an analyst merges the three into one offender.

Then every page and JSON twin that shows an offender, group, vehicle, series, chart, map,
bulletin, referral or alert is fetched as a user of every role, and each answer is searched for
the values of the records that user may not see: 0 found. National roles see everything (and
the same as before); a force sees whole profiles of what touches its area, never a record
that does not; a retailer its own reports and those shared with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import httpx
import pandas as pd
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access.identity import person_identities, person_identity, reports_shown, vehicle_identity
from crimelink.access.organisations import add_organisation, organisation_by_code
from crimelink.access.policy import Viewer, incident_filter, viewer_for_user
from crimelink.access.sharing import AgreementIn, add_agreement
from crimelink.access.users import hash_password
from crimelink.audit.service import Actor
from crimelink.casework import service, subscriptions
from crimelink.casework.schemas import ReferralCreate, SubjectIn
from crimelink.intake import import_documents
from crimelink.resolve import offender_rows, parse_name
from crimelink.resolve.review import record_decision
from crimelink.settings import Settings
from crimelink.store import StoreHandle, open_store
from crimelink.store.models import (
    Incident,
    Offender,
    OffenderGroup,
    PersonMention,
    Series,
    Store,
    User,
    Vehicle,
)
from crimelink.store.models.analysis import PersonLink
from crimelink.web import create_app
from web_server import SECRET, analyse, fill_store, incident, password, serve

JAMIE = {"name": "Jamie Wright", "dob": "1987-12-24", "gender": "male", "description": "scar through the left eyebrow"}
CALLUM = {"name": "Callum Griffiths", "dob": "1991-03-05", "gender": "male", "description": "anchor tattoo"}
RORY = {"name": "Rory Quenby", "dob": "1979-06-30", "gender": "male", "description": "hooped earring"}
OSWIN = {"name": "Oswin Farthingale", "dob": "1969-08-17", "gender": "male"}


def _at(store_ref: str, name: str) -> dict[str, str]:
    return {"store_ref": store_ref, "name": name}


REPORTS = [
    *(
        incident("SOUTHCO", f"SC-JW-{n}", f"2025-04-0{n}T10:00:00Z", police_force="metropolitan",
                 store=_at("SC-CAM", "Southco Camden Lock"), persons=[{"person_ref": "p1", **JAMIE}],
                 vehicles=[{"vrm": "KX17 OBD", "make": "Toyota", "model": "Prius", "colour": "teal"}])
        for n in (1, 2, 3)
    ),
    *(
        incident("NORTHMART", f"NM-CG-{n}", f"2025-04-1{n}T10:00:00Z", police_force="west-midlands",
                 store=_at("NM-DIG", "Northmart Digbeth Arcade"), persons=[{"person_ref": "p1", **CALLUM}],
                 vehicles=[{"vrm": "KX17 0BD", "colour": "maroon"}])
        for n in (1, 2)
    ),
    incident("EASTSHOP", "ES-RQ-1", "2025-04-20T10:00:00Z", police_force="west-midlands",
             store=_at("ES-MILL", "Eastshop Mill Lane"), persons=[{"person_ref": "p1", **RORY}],
             vehicles=[{"vrm": "KX17 O8D", "colour": "amber"}]),
    incident("SOUTHCO", "SC-OF-1", "2025-04-21T10:00:00Z", police_force="metropolitan",
             store=_at("SC-WAP", "Southco Wapping Wharf"), persons=[{"person_ref": "p1", **OSWIN}],
             vehicles=[{"vrm": "YT63 WQX", "make": "Volvo", "colour": "ochre"}]),
]  # fmt: skip

# What only one organisation's reports say, record by record.
SAID_BY = {
    "southco-jamie": ["WRIGHT", "1987-12-24", "24 Dec 1987", "scar through the left eyebrow", "KX17OBD", "KX17 OBD",
                      "Toyota", "Prius", "teal", "Southco Camden Lock"],
    "southco-oswin": ["FARTHINGALE", "Oswin", "1969-08-17", "17 Aug 1969", "YT63WQX", "YT63 WQX", "Volvo", "ochre",
                      "Southco Wapping Wharf"],
    "northmart": ["GRIFFITHS", "1991-03-05", "05 Mar 1991", "anchor tattoo", "KX170BD", "KX17 0BD", "maroon",
                  "Northmart Digbeth Arcade"],
    "eastshop": ["QUENBY", "1979-06-30", "30 Jun 1979", "hooped earring", "KX17O8D", "KX17 O8D", "amber",
                 "Eastshop Mill Lane"],
}  # fmt: skip
NATIONAL = ["analyst", "supervisor", "admin", "auditor"]
# Whose records each user may not see. A force sees whole profiles of what touches its area
# (forces adopt operations across borders), so only the offender seen nowhere near it is hidden.
HIDDEN = {
    **{user: [] for user in NATIONAL},
    "northmart": ["southco-jamie", "southco-oswin"],
    "nm-manager": ["southco-jamie", "southco-oswin"],
    "southco": ["northmart", "eastshop"],
    "eastshop": ["southco-jamie", "southco-oswin", "northmart"],
    "wmp": ["southco-oswin"],
}
RETAILERS = ["northmart", "nm-manager", "southco", "eastshop"]
MORE_USERS = {  # beside web_server's: one of every role
    "eastshop": ("retail_reporter", "EASTSHOP"),
    "nm-manager": ("retail_manager", "NORTHMART"),
    "supervisor": ("supervisor", "NATIONAL-UNIT"),
    "admin": ("administrator", "NATIONAL-UNIT"),
}
WIDE = "from=2024-01-01&to=2025-12-31"


@dataclass
class World:
    url: str
    store: StoreHandle
    jamie: int  # the merged offender
    car: int  # the vehicle the three read differently
    urls: list[str]  # every page and JSON twin that shows an offender, group, vehicle, series or chart
    group_labels: list[str]


def _viewer(store: StoreHandle, username: str) -> Viewer:
    with store.session() as session:
        user_id = session.scalar(select(User.id).where(User.username == username))
        found = viewer_for_user(session=session, user_id=int(user_id or 0))
    assert found is not None
    return found


def _build(store: StoreHandle, folder: Path) -> None:
    fill_store(store, folder)
    with store.session() as session:
        add_organisation(session=session, code="EASTSHOP", kind="retailer", name="Eastshop", force=None)
        for username, (role, code) in MORE_USERS.items():
            organisation = organisation_by_code(session=session, code=code)
            session.add(User(username=username, display_name=f"Test {role}", password_hash=hash_password(
                password(username)), role=role, organisation_id=organisation.id, active=True))  # fmt: skip
        shared = AgreementIn(provider="EASTSHOP", recipient="NORTHMART", reference="DSA-COMP")
        add_agreement(session=session, actor=Actor("admin", "NATIONAL-UNIT", "administrator"), agreement=shared)
    assert import_documents(store=store, documents=REPORTS).created == len(REPORTS)
    with store.session() as session:  # the analyst's judgement, before the analysis: three names, one man

        def mentions(prefix: str) -> list[int]:
            return list(session.scalars(select(PersonMention.id).join(Incident).where(
                Incident.incident_ref.like(f"{prefix}%"))))  # fmt: skip

        record_decision(session.connection(), action="merge", side_a=mentions("SC-JW-"),
                        side_b=mentions("NM-CG-") + mentions("ES-RQ-"), reason="custody photographs match",
                        user_id=_viewer(store, "analyst").user_id, organisation_id=1)  # fmt: skip
    analyse(store)


def _casework(store: StoreHandle, jamie: int, car: int) -> None:
    """Northmart refers and follows the man and the car, each by the platform's id."""
    northmart = _viewer(store, "northmart")
    with store.session() as session:
        service.create_referral(session=session, actor=northmart, at=datetime(2025, 4, 25), data=ReferralCreate(
            summary="Regular at Digbeth", request="Who is he?", crime_references=["20/7777/25"],
            subjects=[SubjectIn(kind="person", id=jamie), SubjectIn(kind="vehicle", id=car)]))  # fmt: skip
        for kind, target in (("person", jamie), ("vehicle", car)):
            subscriptions.subscribe(session=session, viewer=northmart,
                                    data=subscriptions.SubscriptionIn(kind=kind, id=target))  # fmt: skip


def _urls(store: StoreHandle) -> list[str]:
    with store.session() as session:
        offenders = list(session.scalars(select(Offender.id)))
        vehicles = list(session.scalars(select(Vehicle.id)))
        marks = sorted({v[:4] for v in session.scalars(select(Vehicle.vrm)) if v})
        groups = list(session.scalars(select(OffenderGroup.id)))
        series = list(session.scalars(select(Series.id)))
        incidents = list(session.scalars(select(Incident.id)))
        stores = list(session.scalars(select(Store.id)))
        mentions = list(session.scalars(select(PersonLink.mention_id).join(PersonMention).where(
            PersonMention.name.in_([JAMIE["name"], CALLUM["name"], RORY["name"]]))))
        codes = ["NORTHMART", "SOUTHCO", "EASTSHOP", "POLICE-WEST-MIDLANDS"]
    urls = ["/groups", "/api/v1/groups", "/series", "/api/v1/series", "/key-players", "/api/v1/key-players",
            "/alerts", "/api/v1/alerts", "/referrals", "/api/v1/referrals", "/referrals/1", "/api/v1/referrals/1"]
    for node, kind, ids in (("o", "offender", offenders), ("v", "vehicle", vehicles), ("g", "group", groups)):
        for i in ids:
            urls += [f"/api/v1/chart?node={node}:{i}", f"/api/v1/map?kind={kind}&id={i}",
                     f"/api/v1/chart/export?node={node}:{i}&format=anx"]  # labels, descriptions and whys
    for i in offenders:
        urls += [f"/offenders/{i}", f"/api/v1/offenders/{i}", f"/api/v1/offenders/{i}/links"]
    for i in vehicles:
        urls += [f"/vehicles/{i}", f"/api/v1/vehicles/{i}"]
    for mark in marks:  # a pattern, never a seeded value: the answer echoes the query
        urls += [f"{page}?plate={mark}*&misreads=true" for page in ("/vehicles/search", "/api/v1/vehicles/search")]
    for i in groups:
        urls += [f"/groups/{i}", f"/api/v1/groups/{i}", f"/groups/{i}/profile", f"/api/v1/groups/{i}/profile"]
    for i in series:
        urls += [f"/series/{i}", f"/api/v1/series/{i}", f"/map?kind=series&id={i}"]
    for i in incidents:
        urls += [f"/api/v1/incidents/{i}", f"/api/v1/chart?node=i:{i}"]
    urls += [f"/api/v1/chart?node=s:{i}" for i in stores]
    urls += [f"/api/v1/person-links/{m}/why" for m in mentions]
    urls += [f"/bulletins/{code}?{WIDE}" for code in codes] + [f"/api/v1/bulletins/{code}?{WIDE}" for code in codes]
    return urls  # fmt: skip


def _merged(session: Session) -> tuple[int, int]:
    """The merged offender and the car the three organisations read differently."""
    jamie = session.scalar(select(PersonLink.offender_id).join(PersonMention).where(PersonMention.name == RORY["name"]))
    car = session.scalar(select(Vehicle.id).where(Vehicle.vrm == "KX17OBD"))
    assert jamie is not None and car is not None
    return int(jamie), int(car)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp("composition")
    store = open_store(f"sqlite:///{folder / 'crimelink.sqlite'}")
    try:
        _build(store, folder)
        with store.session() as session:
            jamie, car = _merged(session)
            labels = list(session.scalars(select(OffenderGroup.label)))
        _casework(store, jamie, car)
        app = create_app(Settings(database_url=store.url, secret_key=SECRET, demo=False), store=store)
        with serve(app) as url:
            yield World(url, store, jamie, car, _urls(store), labels)
    finally:
        store.close()


def _client(world: World, username: str) -> httpx.Client:
    return httpx.Client(base_url=world.url, auth=(username, password(username)), timeout=30)


def _forbidden(world: World, username: str) -> list[re.Pattern[str]]:
    values = [v for record in HIDDEN[username] for v in SAID_BY[record]]
    if username in RETAILERS:  # groups and series are law-enforcement intelligence
        values += world.group_labels
    return [re.compile(rf"(?<![\w-]){re.escape(v)}(?![\w-])", re.IGNORECASE) for v in values]


@pytest.mark.parametrize("username", [*RETAILERS, "wmp"])  # national roles see every record
def test_no_page_tells_a_viewer_anything_only_records_it_may_not_see_hold(world: World, username: str) -> None:
    patterns = _forbidden(world, username)
    with _client(world, username) as client, ThreadPoolExecutor(8) as pool:  # as a browser fetches: at once
        answers = list(pool.map(client.get, world.urls))
    problems = [f"{a.url}: {a.status_code}" for a in answers if a.status_code not in (200, 403, 404)]
    found = [f"{a.url}: {p.pattern}" for a in answers for p in patterns if p.search(a.text)]
    assert problems == [] and found == []


def test_every_kind_of_page_was_looked_at(world: World) -> None:
    """The sweep above means something only if the pages answer: each kind opens for someone."""
    kinds = {"/offenders/", "/vehicles/", "/groups/", "/series/", "/api/v1/chart?", "/api/v1/map?", "/bulletins/",
             "/referrals/", "/alerts", "/vehicles/search", "/api/v1/incidents/", "/api/v1/person-links/",
             "/api/v1/chart/export?"}  # fmt: skip
    opened: set[str] = set()
    with _client(world, "analyst") as national, _client(world, "northmart") as retailer:
        for url in world.urls:
            for client in (national, retailer):
                if any(url.startswith(k) for k in kinds - opened) and client.get(url).status_code == 200:
                    opened |= {k for k in kinds if url.startswith(k)}
    assert opened == kinds


@pytest.mark.parametrize(
    ("username", "name", "dob", "seen_elsewhere"),
    [
        ("analyst", "Jamie WRIGHT", "1987-12-24", False),  # the national unit: as the analysis named him
        ("wmp", "Jamie WRIGHT", "1987-12-24", False),  # a force: the whole profile, as before
        ("southco", "Jamie WRIGHT", "1987-12-24", True),
        ("northmart", "Callum GRIFFITHS", "1991-03-05", True),  # its own two reports outnumber the one shared
        ("eastshop", "Rory QUENBY", "1979-06-30", True),
    ],
)
def test_an_offender_is_named_as_the_viewers_own_reports_name_him(
    world: World, username: str, name: str, dob: str, seen_elsewhere: bool
) -> None:
    with _client(world, username) as client:
        profile = client.get(f"/api/v1/offenders/{world.jamie}").json()
        page = client.get(f"/offenders/{world.jamie}").text
    assert (profile["display_name"], profile["dob"], profile["elsewhere"]) == (name, dob, seen_elsewhere)
    assert f'data-testid="offender-name">{name}<' in page
    if seen_elsewhere:
        assert "Other organisations' reports of this offender are known to the national unit" in page


def test_a_vehicle_is_told_as_the_viewers_own_reads_tell_it(world: World) -> None:
    expected = {
        "analyst": ("KX17OBD", "teal Toyota Prius"),
        "southco": ("KX17OBD", "teal Toyota Prius"),
        "northmart": ("KX170BD", "maroon"),  # two reads of its own beside one shared
        "eastshop": ("KX17O8D", "amber"),
    }
    for username, (mark, looks) in expected.items():
        with _client(world, username) as client:
            vehicle = client.get(f"/api/v1/vehicles/{world.car}").json()
            hits = client.get("/api/v1/vehicles/search", params={"plate": "KX17*", "misreads": "true"}).json()
        assert (vehicle["vrm"], vehicle["description"]) == (mark, looks), username
        found = hits.get("items", hits.get("vehicles"))  # a page of hits (or, unpaged, the hits)
        assert [(h["vrm"], h["description"]) for h in found] == [(mark, looks)], username


def test_a_retailers_referral_and_follow_name_the_man_as_it_reported_him(world: World) -> None:
    with _client(world, "northmart") as client:
        referral = client.get("/api/v1/referrals/1").json()
        alerts = client.get("/api/v1/alerts").json()
    assert [s["label"] for s in referral["subjects"]] == ["Callum GRIFFITHS", "KX170BD maroon"]
    assert sorted(s["label"] for s in alerts["subscriptions"]) == ["Callum GRIFFITHS", "KX170BD maroon"]


def test_a_retailers_bulletin_names_people_from_its_own_reports(world: World) -> None:
    with _client(world, "northmart") as retailer, _client(world, "analyst") as national:
        own = retailer.get(f"/api/v1/bulletins/NORTHMART?{WIDE}").json()
        whole = national.get(f"/api/v1/bulletins/NATIONAL-UNIT?{WIDE}").json()
    assert "Callum GRIFFITHS" in [o["name"] for o in own["offenders"]]
    assert "Jamie WRIGHT" in [o["name"] for o in whole["offenders"]]


def _visible_reports(store: StoreHandle, who: Viewer) -> pd.DataFrame:
    """The viewer's reports of each offender, framed as the analysis frames every report."""
    with store.session() as session:
        rows = session.execute(
            select(PersonLink.offender_id, PersonMention)
            .join(PersonMention, PersonMention.id == PersonLink.mention_id)
            .join(Incident, Incident.id == PersonMention.incident_id)
            .where(incident_filter(who))
            .order_by(PersonMention.id)
        ).all()
    return pd.DataFrame({
        "offender_id": [o for o, _ in rows], "node": [m.id for _, m in rows],
        "display": [parse_name(m.name)[0] if m.name else None for _, m in rows],
        **{c: [getattr(m, c) for _, m in rows] for c in ("pnc_id", "dob", "gender", "age_min", "age_max", "build")},
    })  # fmt: skip


@pytest.mark.parametrize("username", RETAILERS)
def test_a_retailers_identity_of_an_offender_is_the_analysis_own_rule_over_its_reports(
    world: World, username: str
) -> None:
    """The identity told from a viewer's reports is what the analysis would make of those reports."""
    who = _viewer(world.store, username)
    expected = offender_rows(_visible_reports(world.store, who))
    with world.store.session() as session:
        told = person_identities(session=session, offender_ids=expected["offender_id"], shown=reports_shown(who))
    got = [(i, t.display_name, t.named, t.dob, t.gender) for i, t in sorted(told.items())]
    assert got == [
        (r.offender_id, r.display_name, r.named, r.dob if isinstance(r.dob, date) else None,
         r.gender if isinstance(r.gender, str) else None)
        for r in expected.itertuples(index=False)
    ]  # fmt: skip


@pytest.mark.parametrize("store", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_identities_are_told_the_same_on_postgresql(store: StoreHandle, tmp_path: Path) -> None:
    _build(store, tmp_path)
    with store.session() as session:
        jamie, car = _merged(session)
        told = {
            username: (
                person_identity(session=session, offender_id=jamie, shown=reports_shown(who)).display_name,
                vehicle_identity(session=session, vehicle_id=car, shown=reports_shown(who)).description,
            )
            for username in ("analyst", "northmart", "southco", "eastshop")
            for who in [_viewer(store, username)]
        }
    assert told == {
        "analyst": ("Jamie WRIGHT", "teal Toyota Prius"),
        "northmart": ("Callum GRIFFITHS", "maroon"),
        "southco": ("Jamie WRIGHT", "teal Toyota Prius"),
        "eastshop": ("Rory QUENBY", "amber"),
    }
