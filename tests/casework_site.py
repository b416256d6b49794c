"""The sample world with casework on it, served over HTTP, for the casework page, package and alert tests.

On top of ``web_server``'s five incidents and users: a second force (Merseyside, whose
investigator ``mersey`` must not see West Midlands' operations), and three referrals worked
through the real service functions:

- Northmart's referral of Smith, a car and NM-1: developed, given the group, disseminated to
  West Midlands and adopted into **Operation Kestrel**, which then records an arrest, a charge,
  two crime outcomes and a court result with a custodial sentence;
- Southco's referral of the SC-1 robbery: triaged, waiting in the queue;
- Southco's second referral: declined (with a reason only the team sees).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
from sqlalchemy import select

from crimelink.access.organisations import add_organisation, organisation_by_code
from crimelink.access.policy import Viewer, viewer_for_user
from crimelink.access.users import user_by_username
from crimelink.casework import operations, service
from crimelink.casework.lifecycle import Status
from crimelink.casework.schemas import (
    ArrestIn,
    ChargeIn,
    CourtResultIn,
    OutcomeIn,
    ReferralCreate,
    SentenceIn,
    SubjectIn,
    TransitionIn,
)
from crimelink.settings import Settings
from crimelink.store import StoreHandle
from crimelink.store.models import Incident, Offender, OffenderGroup, User
from crimelink.web import create_app
from web_server import SECRET, _password_hash, analyse, fill_store, password, serve

INTERNAL_REASON = "INTERNAL-REASON: already worked by the Met"
ADOPTED = datetime(2025, 2, 17, 9, 0)


@dataclass
class World:
    url: str
    store: StoreHandle
    operation: int  # Operation Kestrel
    adopted: int  # Northmart's referral, adopted
    waiting: int  # Southco's, triaged
    declined: int  # Southco's second, declined

    clients: dict[str, httpx.Client] = field(default_factory=dict)

    def fresh(self, username: str) -> httpx.Client:
        """A client logged in through the form, with the session's CSRF token for htmx-style posts."""
        client = httpx.Client(base_url=self.url, timeout=30)
        answer = client.post("/login", data={"username": username, "password": password(username)})
        assert answer.status_code == 303, answer.text
        page = client.get("/alerts").text
        client.headers["X-CSRF-Token"] = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
        return client

    def user(self, username: str) -> httpx.Client:
        """The logged-in client for ``username``, shared by the tests of a module (logging in costs ~0.1 s)."""
        if username not in self.clients:
            self.clients[username] = self.fresh(username)
        return self.clients[username]


def viewer(store: StoreHandle, username: str) -> Viewer:
    with store.session() as session:
        user = user_by_username(session=session, username=username)
        assert user is not None
        found = viewer_for_user(session=session, user_id=user.id)
    assert found is not None
    return found


def offender_id(store: StoreHandle, family_name: str) -> int:
    with store.session() as session:
        found = session.scalar(select(Offender.id).where(Offender.display_name.ilike(f"%{family_name}%")))
    assert found is not None
    return found


def incident_id(store: StoreHandle, ref: str) -> int:
    with store.session() as session:
        found = session.scalar(select(Incident.id).where(Incident.incident_ref == ref))
    assert found is not None
    return found


def add_merseyside(store: StoreHandle) -> None:
    with store.session() as session:
        add_organisation(
            session=session, code="POLICE-MERSEYSIDE", kind="police_force", name="Merseyside Police", force="merseyside"
        )
        organisation = organisation_by_code(session=session, code="POLICE-MERSEYSIDE")
        session.add(
            User(
                username="mersey",
                display_name="Test Merseyside investigator",
                password_hash=_password_hash("mersey"),
                role="force_investigator",
                organisation_id=organisation.id,
                active=True,
            )
        )


def _step(store: StoreHandle, actor: str, referral: int, to: Status, when: datetime, **change: str | int) -> None:
    with store.session() as session:
        service.transition_referral(
            session=session,
            actor=viewer(store, actor),
            referral_id=referral,
            at=when,
            change=TransitionIn.model_validate({"to": to, **change}),
        )


def work_cases(store: StoreHandle) -> tuple[int, int, int, int]:
    """The three referrals and Operation Kestrel; returns (operation, adopted, waiting, declined)."""
    smith = offender_id(store, "smith")
    with store.session() as session:
        group = session.scalar(select(OffenderGroup.id).order_by(OffenderGroup.id))
        adopted = service.create_referral(
            session=session,
            actor=viewer(store, "northmart"),
            at=datetime(2025, 2, 1),
            data=ReferralCreate(
                summary="Smith and a silver Focus, razor blades at New Street",
                request="Identify the others and link to offending elsewhere",
                subjects=[
                    SubjectIn(kind="incident", incident_ref="NM-1"),
                    SubjectIn(kind="person", id=smith),
                    SubjectIn(kind="vehicle", vrm="AB12CDE"),
                ],
            ),
        )
        waiting = service.create_referral(
            session=session,
            actor=viewer(store, "southco"),
            at=datetime(2025, 3, 10),
            data=ReferralCreate(
                summary="Knife robbery at Oxford Street",
                request="Develop",
                subjects=[SubjectIn(kind="incident", incident_ref="SC-1", crime_reference="01/2222/25")],
            ),
        )
        declined = service.create_referral(
            session=session,
            actor=viewer(store, "southco"),
            at=datetime(2025, 3, 12),
            data=ReferralCreate(
                summary="Grey hoodie at Selly Oak",
                request="Who is he?",
                subjects=[SubjectIn(kind="incident", incident_ref="SC-2", crime_reference="20/9999/25")],
            ),
        )
    _step(store, "analyst", adopted, Status.TRIAGED, datetime(2025, 2, 3), feedback="Received: we are looking at it.")
    _step(store, "analyst", adopted, Status.ACCEPTED, datetime(2025, 2, 4))
    _step(store, "analyst", adopted, Status.IN_DEVELOPMENT, datetime(2025, 2, 4))
    with store.session() as session:
        service.add_subject(
            session=session,
            actor=viewer(store, "analyst"),
            referral_id=adopted,
            subject=SubjectIn(kind="group", id=group),
        )
    _step(store, "analyst", adopted, Status.DISSEMINATED, datetime(2025, 2, 10), lead_force="west-midlands")
    _step(store, "wmp", adopted, Status.ADOPTED, ADOPTED, operation_name="Operation Kestrel")
    _step(store, "analyst", waiting, Status.TRIAGED, datetime(2025, 3, 11))
    _step(store, "analyst", declined, Status.TRIAGED, datetime(2025, 3, 13))
    _step(store, "analyst", declined, Status.DECLINED, datetime(2025, 3, 14), reason=INTERNAL_REASON)
    wmp = viewer(store, "wmp")
    with store.session() as session:
        operation = operations.list_operations(session=session, actor=wmp)[0].id
        arrest = operations.record_arrest(
            session=session,
            actor=wmp,
            operation_id=operation,
            arrest=ArrestIn(person="Jason Smith", offender_id=smith, arrested_at=datetime(2025, 3, 1, 6)),
        )
        charge = operations.record_charge(
            session=session,
            actor=wmp,
            operation_id=operation,
            charge=ChargeIn(person="Jason Smith", offence="theft_from_shop", counts=2,
                            charged_at=datetime(2025, 3, 2), arrest_id=arrest.id),
        )  # fmt: skip
        operations.record_outcomes(
            session=session,
            actor=wmp,
            operation_id=operation,
            outcomes=[
                OutcomeIn(outcome_type="1", recorded_at=datetime(2025, 3, 2), incident_id=incident_id(store, ref),
                          charge_id=charge.id)
                for ref in ("NM-1", "NM-2")
            ],
        )  # fmt: skip
        operations.record_court_result(
            session=session,
            actor=wmp,
            operation_id=operation,
            result=CourtResultIn(person="Jason Smith", verdict="guilty_plea", decided_at=datetime(2025, 3, 20),
                                 court="Birmingham Crown Court", charge_id=charge.id,
                                 sentences=[SentenceIn(custodial_months=18)]),
        )  # fmt: skip
    return operation, adopted, waiting, declined


@contextmanager
def casework_world(store: StoreHandle, folder: Path) -> Iterator[World]:
    """The sample world, analysed, with casework on it, served by the real app."""
    fill_store(store, folder)
    add_merseyside(store)
    analyse(store)
    operation, adopted, waiting, declined = work_cases(store)
    app = create_app(Settings(database_url=store.url, secret_key=SECRET, demo=False), store=store)
    with serve(app) as url:
        world = World(url, store, operation, adopted, waiting, declined)
        try:
            yield world
        finally:
            for client in world.clients.values():
                client.close()
