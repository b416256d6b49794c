"""The generated year's referrals: who refers whom, and how far each gets through the lifecycle.

Part of ``crimelink casework seed`` (``casework.generate``). A referral names offenders the
referrer itself reported where it has any, the incidents it saw them in (with crime references),
the people seen with them there and a vehicle; it then walks the real lifecycle
(``casework.service.apply_step``): triaged, accepted or declined, developed, disseminated to the
force where the harm falls, and adopted into an operation.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.casework.lifecycle import Status
from crimelink.casework.models import Operation, Referral, ReferralTransition
from crimelink.casework.operations import link_target
from crimelink.casework.priority import refresh_priority
from crimelink.casework.seed_world import SUPERMARKETS, Subject, World, Year
from crimelink.casework.subjects import SubjectDraft, add_subject_row
from crimelink.casework.targets import find_target
from crimelink.domain.organisations import OrganisationKind
from crimelink.store.models import Organisation

__all__ = ["adopt", "develop", "pick_referrer", "refer", "referrers"]

NAMED_WITH = 1  # co-offenders a referral names beside each offender, from the incidents it gives
OPERATION_VEHICLES = 6  # vehicles an operation links: those seen most with the people it works


def referrers(session: Session) -> tuple[list[Organisation], list[Organisation], list[Organisation]]:
    """(supermarkets, other retailers, police forces), each in code order."""
    orgs = list(session.scalars(select(Organisation).order_by(Organisation.code)))
    retail = [o for o in orgs if o.kind == OrganisationKind.RETAILER.value]
    supermarkets = [o for o in retail if o.code in SUPERMARKETS]
    others = [o for o in retail if o.code not in SUPERMARKETS] or retail
    forces = [o for o in orgs if o.kind == OrganisationKind.POLICE_FORCE.value]
    return supermarkets or retail, others, forces or retail


def pick_referrer(world: World, pool: list[Organisation], offenders: list[int], rng: random.Random) -> Organisation:
    """A referrer from ``pool``, preferring one whose own incidents show these offenders."""
    submitters = Counter(s[1] for o in offenders for s in world.seen.get(o, []))
    seen = [o for o in pool if submitters.get(o.id)]
    if seen:
        return rng.choices(seen, weights=[submitters[o.id] for o in seen])[0]
    return rng.choice(pool)


def refer(year: Year, referrer: Organisation, offenders: list[int], at: datetime, about: str) -> Referral:
    """A referral by ``referrer`` about some of ``offenders``, naming its own incidents of them."""
    rng, world = year.rng, year.world
    own = [(o, s) for o in offenders for s in world.seen.get(o, []) if s[1] == referrer.id and s[2] <= at]
    pool = own or [(o, s) for o in offenders for s in world.seen.get(o, []) if s[2] <= at]
    pool = pool or [(o, s) for o in offenders for s in world.seen.get(o, [])]
    picked = rng.sample(pool, min(len(pool), rng.randint(1, 3)))
    present = [p for _, s in picked for p in world.people_at.get(s[0], [])[: NAMED_WITH + 1]]
    people = list(dict.fromkeys([*(o for o, _ in picked), *present])) or offenders[:1]
    subjects: list[SubjectDraft] = []
    for offender in people:
        target = find_target(session=year.session, kind="person", target_id=offender)
        subjects.append(SubjectDraft("person", target, target.label, None, None))
    for _, (incident_id, _, _, crime_ref) in picked:
        target = find_target(session=year.session, kind="incident", target_id=incident_id)
        subjects.append(SubjectDraft("incident", target, target.label, None, crime_ref or year.crime_reference(at)))
        for vehicle_id in year.world.vehicles_at.get(incident_id, [])[:1]:
            target = find_target(session=year.session, kind="vehicle", target_id=vehicle_id)
            subjects.append(SubjectDraft("vehicle", target, target.label, None, None))
    unique = list({(s.kind, s.target.target_id if s.target else 0): s for s in subjects}.values())
    referral = Referral(
        referrer_id=referrer.id, created_by_id=None, received_at=at, status=Status.RECEIVED.value, status_at=at,
        summary=f"{about}: {', '.join(s.label for s in unique if s.kind == 'person')}",
        request=rng.choice(("Identify and disrupt the offenders", "Develop for police action",
                            "Link to offending elsewhere", "Support a prosecution")),
        crime_references=list(dict.fromkeys(s.crime_reference for s in unique if s.crime_reference)),
    )  # fmt: skip
    year.session.add(referral)
    year.session.flush()
    for subject in unique:
        add_subject_row(year.session, referral, subject, from_referrer=True, at=at)
    year.session.add(
        ReferralTransition(
            referral_id=referral.id,
            from_status=None,
            to_status=Status.RECEIVED.value,
            at=at,
            by_organisation_id=referrer.id,
            details={},
        )
    )
    year.session.flush()
    refresh_priority(year.session, referral)
    year.counts["referrals"] += 1
    return referral


def develop(year: Year, referral: Referral, subject: Subject | None) -> datetime | None:
    """Triage, accept and develop; returns when development ended, or None if declined or the year ended.

    ``subject``: what the national team will take to a force (a group joins the referral's
    subjects); None for a referral that ends with intelligence shared, which may be declined.
    """
    at = referral.received_at + year.days(1, 5)
    if not year.step(referral, Status.TRIAGED, at, feedback="Received and triaged by the national team."):
        return None
    at += year.days(2, 10)
    if subject is None and year.rng.random() < 0.25:
        reason = year.rng.choice(("Insufficient intelligence to develop", "Already under local investigation"))
        year.step(referral, Status.DECLINED, at, reason=reason, feedback=f"Not taken forward: {reason.lower()}.")
        year.counts["declined"] += 1
        return None
    if not year.step(referral, Status.ACCEPTED, at) or not year.step(referral, Status.IN_DEVELOPMENT, at):
        return None
    if subject is not None and subject[0] == "group":
        target = find_target(session=year.session, kind="group", target_id=subject[1])
        add_subject_row(
            year.session, referral, SubjectDraft("group", target, target.label, None, None), from_referrer=False, at=at
        )
        year.session.flush()
        refresh_priority(year.session, referral)
    return at + year.days(10, 40)


def adopt(year: Year, referral: Referral, subject: Subject, at: datetime) -> Operation | None:
    """Disseminate to the lead force and adopt into the subject's operation (opened if it has none)."""
    existing = year.operations.get(subject)
    force = existing.lead_force if existing else referral.suggested_force or "metropolitan"
    if not year.step(
        referral,
        Status.DISSEMINATED,
        at,
        lead_force=force,
        feedback="Developed and passed to the police force best placed to act.",
    ):
        return None
    at += year.days(3, 14)
    name = None if existing else f"Operation {year.codenames.pop(0)}"
    if not year.step(
        referral,
        Status.ADOPTED,
        at,
        operation_id=existing.id if existing else None,
        operation_name=name,
        feedback="A police operation has been opened.",
    ):
        return None
    operation = existing or year.session.scalars(select(Operation).where(Operation.name == name)).one()
    if existing is None:
        year.operations[subject] = operation
        year.counts["operations"] += 1
        core = year.world.core(subject)
        for offender in core:
            link_target(
                year.session, operation, find_target(session=year.session, kind="person", target_id=offender), at
            )
        for vehicle in year.world.vehicles_of(core, OPERATION_VEHICLES):
            link_target(
                year.session, operation, find_target(session=year.session, kind="vehicle", target_id=vehicle), at
            )
    return operation
