"""A realistic year of the partnership's work, drawn on an analysed store, for the demo.

Shaped on the partnership's published first year (``shared/FIELD-NOTES.md``): ~150 referrals, a
third from supermarkets; ~35 operations against the highest-priority groups, each led by the
force where the group's harm falls; arrests, charges, crime outcomes, court results and
sentences; ~120 engagement sessions. The year is the 365 days up to the newest incident.

Referrals name real offenders, incidents and vehicles of the store, seen in the referrer's own
incidents where it has any, and walk the real lifecycle (``casework.service.apply_step``), so
the demo's queue, scores, suggested forces and impact figures are computed, not invented.
What is invented (dates of steps, arrests, outcomes, sentences) is drawn from ``seed``: the same
store and seed give the same year. The store's incidents are never changed, so the offending
rate of groups under operation changes only as the scenario has it.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crimelink.access.organisations import add_organisation
from crimelink.casework.lifecycle import Status
from crimelink.casework.models import (
    Arrest,
    Charge,
    CourtResult,
    CrimeOutcome,
    EngagementAttendance,
    EngagementSession,
    Operation,
    OperationLink,
    Referral,
    ReferralNote,
    ReferralTransition,
    Sentence,
)
from crimelink.casework.operations import link_target
from crimelink.casework.priority import refresh_priority
from crimelink.casework.schemas import TransitionIn
from crimelink.casework.service import SubjectDraft, add_subject_row, apply_step
from crimelink.casework.targets import find_target
from crimelink.domain.organisations import OrganisationKind
from crimelink.errors import CrimelinkError
from crimelink.scenario._catalogue import CHAINS
from crimelink.store import StoreHandle
from crimelink.store.models import (
    GroupMember,
    Incident,
    Offender,
    OffenderGroup,
    Organisation,
    PersonLink,
    PersonMention,
    VehicleLink,
    VehicleMention,
)

__all__ = ["seed_partnership_year"]

NATIONAL_UNIT = "NATIONAL-UNIT"
SUPERMARKETS = frozenset(c.code for c in CHAINS if c.kind == "supermarket")
CODENAMES = (
    "Kestrel", "Harrier", "Merlin", "Osprey", "Buzzard", "Falcon", "Goshawk", "Hobby", "Peregrine", "Kite",
    "Lapwing", "Curlew", "Dunlin", "Plover", "Redshank", "Avocet", "Bittern", "Heron", "Egret", "Crane", "Stork",
    "Ibis", "Puffin", "Gannet", "Fulmar", "Petrel", "Shearwater", "Skua", "Tern", "Kittiwake", "Guillemot",
    "Razorbill", "Cormorant", "Shag", "Dipper", "Wagtail", "Pipit", "Skylark", "Linnet", "Twite", "Siskin",
    "Redpoll", "Crossbill", "Bullfinch", "Hawfinch", "Bunting", "Yellowhammer", "Nightjar", "Swift", "Martin",
)  # fmt: skip
ENGAGEMENT_TITLES = (
    "Capturing evidence: CCTV and body-worn video", "Reporting incidents to crimelink", "Crime reference numbers "
    "and referrals", "Organised groups active in your area", "Staff safety and violence against workers",
    "Working with your local police", "Identifying repeat offenders",
)  # fmt: skip


class AlreadySeeded(CrimelinkError):
    """The store holds casework already: seeding again would double the year."""

    status_code = 409


@dataclass
class _World:
    """What the store holds, read once, in a fixed order."""

    seen: dict[int, list[tuple[int, int, datetime, str | None]]]  # offender -> (incident, submitter, at, crime ref)
    groups: list[int]  # by priority rank
    members: dict[int, list[int]]  # group -> members, most incidents first
    vehicles_at: dict[int, list[int]]  # incident -> vehicles
    forces_of: dict[int, Counter[str]] = field(default_factory=dict)  # group -> incidents per force


def _read(session: Session) -> _World:
    seen: dict[int, list[tuple[int, int, datetime, str | None]]] = defaultdict(list)
    rows = session.execute(
        select(PersonLink.offender_id, Incident.id, Incident.submitter_id, Incident.occurred_at,
               Incident.crime_reference)
        .join(PersonMention, PersonMention.id == PersonLink.mention_id)
        .join(Incident, Incident.id == PersonMention.incident_id)
        .order_by(PersonLink.offender_id, Incident.occurred_at, Incident.id)
    )  # fmt: skip
    for offender, incident_id, submitter_id, occurred_at, crime_reference in rows:
        seen[offender].append((incident_id, submitter_id, occurred_at, crime_reference))
    groups = list(session.scalars(select(OffenderGroup.id).order_by(OffenderGroup.priority_rank, OffenderGroup.id)))
    members: dict[int, list[int]] = defaultdict(list)
    for group_id, offender_id in session.execute(
        select(GroupMember.group_id, GroupMember.offender_id)
        .join(Offender, Offender.id == GroupMember.offender_id)
        .order_by(GroupMember.group_id, Offender.incidents.desc(), Offender.id)
    ):
        members[group_id].append(offender_id)
    vehicles_at: dict[int, list[int]] = defaultdict(list)
    for incident_id, vehicle_id in session.execute(
        select(VehicleMention.incident_id, VehicleLink.vehicle_id)
        .join(VehicleLink, VehicleLink.mention_id == VehicleMention.id)
        .order_by(VehicleMention.incident_id, VehicleLink.vehicle_id)
    ):
        vehicles_at[incident_id].append(vehicle_id)
    return _World(seen=dict(seen), groups=groups, members=dict(members), vehicles_at=dict(vehicles_at))


@dataclass
class _Year:
    session: Session
    world: _World
    rng: random.Random
    start: datetime
    end: datetime
    national_id: int
    counts: Counter[str] = field(default_factory=Counter)
    operations: dict[int, Operation] = field(default_factory=dict)  # group -> its operation
    codenames: list[str] = field(default_factory=list)

    def days(self, low: float, high: float) -> timedelta:
        return timedelta(days=self.rng.uniform(low, high))

    def crime_reference(self, at: datetime) -> str:
        return f"CR/{self.rng.randint(10_000, 99_999)}/{at:%y}"

    def step(self, referral: Referral, to: Status, at: datetime, **change: str | int | None) -> bool:
        """Take one step if it falls inside the year; ``False`` (and nothing done) if not."""
        if at > self.end:
            return False
        apply_step(
            self.session,
            referral,
            TransitionIn(to=to, **change),
            by_user_id=None,
            by_organisation_id=self.national_id,
            at=at,
        )
        return True


def _refer(year: _Year, referrer: Organisation, offenders: list[int], at: datetime, about: str) -> Referral:
    """A referral by ``referrer`` about some of ``offenders``, naming its own incidents of them."""
    rng, world = year.rng, year.world
    own = [(o, s) for o in offenders for s in world.seen.get(o, []) if s[1] == referrer.id and s[2] <= at]
    pool = own or [(o, s) for o in offenders for s in world.seen.get(o, []) if s[2] <= at]
    pool = pool or [(o, s) for o in offenders for s in world.seen.get(o, [])]
    picked = rng.sample(pool, min(len(pool), rng.randint(1, 3)))
    people = list(dict.fromkeys(o for o, _ in picked)) or offenders[:1]
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


def _develop(year: _Year, referral: Referral, group: int | None) -> datetime | None:
    """Triage, accept and develop; returns when development ended, or None if the year ended first."""
    at = referral.received_at + year.days(1, 5)
    if not year.step(referral, Status.TRIAGED, at, feedback="Received and triaged by the national team."):
        return None
    at += year.days(2, 10)
    if group is None and year.rng.random() < 0.25:
        reason = year.rng.choice(("Insufficient intelligence to develop", "Already under local investigation"))
        year.step(referral, Status.DECLINED, at, reason=reason, feedback=f"Not taken forward: {reason.lower()}.")
        year.counts["declined"] += 1
        return None
    if not year.step(referral, Status.ACCEPTED, at) or not year.step(referral, Status.IN_DEVELOPMENT, at):
        return None
    if group is not None:
        target = find_target(session=year.session, kind="group", target_id=group)
        add_subject_row(
            year.session, referral, SubjectDraft("group", target, target.label, None, None), from_referrer=False, at=at
        )
        year.session.flush()
        refresh_priority(year.session, referral)
    return at + year.days(10, 40)


def _adopt(year: _Year, referral: Referral, group: int, at: datetime) -> Operation | None:
    existing = year.operations.get(group)
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
        year.operations[group] = operation
        year.counts["operations"] += 1
        for offender in year.world.members.get(group, [])[:12]:  # the core members: most incidents
            link_target(
                year.session, operation, find_target(session=year.session, kind="person", target_id=offender), at
            )
    return operation


def _work(year: _Year, operation: Operation, group: int) -> None:
    """Arrests, charges, outcomes, court results and sentences of one operation within the year."""
    rng, session = year.rng, year.session
    core = year.world.members.get(group, [])[:12]
    arrested = rng.sample(core, max(1, min(len(core), round(len(core) * rng.uniform(0.3, 0.6)))))
    for offender in arrested:
        at = operation.adopted_at + year.days(10, 70)
        if at > year.end:
            continue
        name = session.scalar(select(Offender.display_name).where(Offender.id == offender)) or "unknown"
        arrest = Arrest(
            operation_id=operation.id,
            offender_id=offender,
            person=name,
            arrested_at=at,
            police_force=operation.lead_force,
        )
        session.add(arrest)
        session.flush()
        year.counts["arrests"] += 1
        crimes = [s for s in year.world.seen.get(offender, []) if s[2] <= at]
        if rng.random() > 0.8 or not crimes:
            for incident_id, _, _, ref in crimes[:2]:
                session.add(
                    CrimeOutcome(
                        operation_id=operation.id,
                        incident_id=incident_id,
                        crime_reference=ref,
                        outcome_type=rng.choice(("15", "16")),
                        recorded_at=at,
                    )
                )
            continue
        charged_at = at + year.days(0, 2)
        charge = Charge(
            operation_id=operation.id,
            arrest_id=arrest.id,
            person=name,
            offence="theft_from_shop",
            counts=len(crimes),
            charged_at=charged_at,
        )
        session.add(charge)
        session.flush()
        year.counts["charges"] += 1
        for incident_id, _, _, ref in crimes:
            outcome = "1" if rng.random() < 0.8 else "4"
            session.add(
                CrimeOutcome(
                    operation_id=operation.id,
                    incident_id=incident_id,
                    crime_reference=ref,
                    charge_id=charge.id,
                    outcome_type=outcome,
                    recorded_at=charged_at,
                )
            )
            year.counts["positive_outcomes"] += 1
        decided = charged_at + year.days(40, 200)
        if decided <= year.end and rng.random() < 0.6:
            _sentence(year, operation, charge, decided)
    session.flush()


def _sentence(year: _Year, operation: Operation, charge: Charge, decided: datetime) -> None:
    rng = year.rng
    verdict = rng.choices(("guilty_plea", "convicted", "acquitted"), weights=(6, 3, 1))[0]
    result = CourtResult(
        operation_id=operation.id,
        charge_id=charge.id,
        person=charge.person,
        verdict=verdict,
        court=f"{operation.lead_force.replace('-', ' ').title()} Crown Court",
        decided_at=decided,
    )
    year.session.add(result)
    year.session.flush()
    year.counts["court_results"] += 1
    if verdict == "acquitted":
        return
    months = round(min(max(rng.lognormvariate(2.5, 0.6), 2.0), 72.0))
    suspended = months <= 18 and rng.random() < 0.2
    year.session.add(
        Sentence(
            court_result_id=result.id,
            custodial_months=months,
            suspended=suspended,
            deportation=rng.random() < 0.1,
            fine_gbp=0.0,
        )
    )
    year.counts["sentences"] += 1


def _close(year: _Year, operation: Operation) -> None:
    closed = operation.adopted_at + year.days(150, 270)
    if closed > year.end:
        return
    operation.status, operation.closed_at = "closed", closed
    operation.result = "Core members arrested and charged; operation closed."
    linked = select(OperationLink.target_id).where(
        OperationLink.operation_id == operation.id, OperationLink.kind == "referral"
    )
    for referral in year.session.scalars(
        select(Referral).where(Referral.id.in_(linked), Referral.status == Status.ADOPTED.value).order_by(Referral.id)
    ):
        year.step(
            referral,
            Status.CLOSED,
            max(closed, referral.status_at + timedelta(days=1)),
            result=operation.result,
            feedback="The operation has closed: offenders arrested and charged.",
        )


def _engagement(year: _Year, retailers: list[Organisation], count: int, forces: list[str]) -> None:
    span = (year.end - year.start).days
    for _ in range(count):
        held = (year.start + timedelta(days=year.rng.randrange(span))).date()
        held += timedelta(days=(7 - held.weekday()) % 7 if held.weekday() > 4 else 0)
        row = EngagementSession(
            held_on=min(held, year.end.date()),
            title=year.rng.choice(ENGAGEMENT_TITLES),
            police_force=year.rng.choice(forces) if forces else None,
            attendees=year.rng.randint(6, 60),
        )
        year.session.add(row)
        year.session.flush()
        for organisation in year.rng.sample(retailers, min(len(retailers), year.rng.randint(1, 4))):
            year.session.add(EngagementAttendance(session_id=row.id, organisation_id=organisation.id))
        year.counts["engagement_sessions"] += 1


def _referrers(session: Session) -> tuple[list[Organisation], list[Organisation], list[Organisation]]:
    orgs = list(session.scalars(select(Organisation).order_by(Organisation.code)))
    retail = [o for o in orgs if o.kind == OrganisationKind.RETAILER.value]
    supermarkets = [o for o in retail if o.code in SUPERMARKETS]
    others = [o for o in retail if o.code not in SUPERMARKETS] or retail
    forces = [o for o in orgs if o.kind == OrganisationKind.POLICE_FORCE.value]
    return supermarkets or retail, others, forces or retail


def seed_partnership_year(
    *, store: StoreHandle, seed: int = 1, referrals: int = 150, operations: int = 35, engagement: int = 120
) -> dict[str, int]:
    """Create a year of referrals, operations, results and engagement; returns what was created.

    Raises:
        CrimelinkError: the store has no analysed groups (run ``crimelink analyse``), or holds
            casework already (:class:`AlreadySeeded`).
    """
    with store.session() as session:
        if session.scalar(select(func.count()).select_from(Referral)):
            raise AlreadySeeded("the store holds referrals already; seed a year only once")
        end = session.scalar(select(func.max(Incident.occurred_at)))
        world = _read(session)
        if end is None or not world.groups:
            raise CrimelinkError("no analysed groups in the store: import incidents and run `crimelink analyse`")
        national, _ = add_organisation(session=session, code=NATIONAL_UNIT, kind="national_unit", name="National Unit")
        rng = random.Random(seed)
        year = _Year(
            session,
            world,
            rng,
            end - timedelta(days=365),
            end,
            national.id,
            codenames=rng.sample(CODENAMES, len(CODENAMES)) + [f"Sentinel {n}" for n in range(1, 500)],
        )
        supermarkets, others, forces = _referrers(session)
        targets = world.groups[:operations]
        plans: list[int | None] = [targets[i % len(targets)] for i in range(min(referrals, round(referrals * 0.45)))]
        plans += [None] * (referrals - len(plans))
        rng.shuffle(plans)
        prolific = sorted(world.seen, key=lambda o: (-len(world.seen[o]), o))[:500]
        span = max((end - year.start).days - 45, 1)
        moments = sorted(year.start + timedelta(days=rng.uniform(0, span)) for _ in plans)
        for n, (group, at) in enumerate(zip(plans, moments, strict=True)):
            pool = supermarkets if n % 3 == 0 else forces if n % 6 == 1 else others  # a third, a sixth, a half
            offenders = world.members.get(group, []) if group is not None else [rng.choice(prolific)]
            referrer = _pick_referrer(world, pool, offenders, rng)
            referral = _refer(year, referrer, offenders, at, "Organised group" if group else "Prolific offender")
            developed = _develop(year, referral, group)
            if developed is None:
                continue
            if group is None:
                year.step(
                    referral,
                    Status.CLOSED,
                    developed,
                    result="Intelligence shared with the local force",
                    feedback="Intelligence developed and shared with the local police.",
                )
                continue
            _adopt(year, referral, group, developed)
        for group, operation in year.operations.items():
            _work(year, operation, group)
            _close(year, operation)
        force_ids = sorted({f.police_force for f in forces if f.police_force})
        _engagement(year, supermarkets + others, engagement, force_ids)
        year.counts["notes"] = session.scalar(select(func.count()).select_from(ReferralNote)) or 0
        return dict(sorted(year.counts.items()))


def _pick_referrer(world: _World, pool: list[Organisation], offenders: list[int], rng: random.Random) -> Organisation:
    """A referrer from ``pool``, preferring one whose own incidents show these offenders."""
    submitters = Counter(s[1] for o in offenders for s in world.seen.get(o, []))
    seen = [o for o in pool if submitters.get(o.id)]
    if seen:
        return rng.choices(seen, weights=[submitters[o.id] for o in seen])[0]
    return rng.choice(pool)
