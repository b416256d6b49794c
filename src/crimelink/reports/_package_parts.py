"""The pieces of an intelligence package (``crimelink.reports.package``): who, what, where, when."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access.policy import Viewer
from crimelink.casework.models import Arrest, Charge, CourtResult, Operation, Referral
from crimelink.casework.operations import get_operation
from crimelink.casework.present import reference
from crimelink.casework.schemas import ReferralDetail
from crimelink.casework.service import get_referral
from crimelink.domain.forces import FORCE_IDS, police_force
from crimelink.domain.offences import OffenceType
from crimelink.errors import InvalidValue, NotFound
from crimelink.reports.drawing import ChartEdge, ChartNode, MapPoint, link_chart_svg
from crimelink.reports.handling import Audience, decide, grading_of
from crimelink.reports.package_schemas import (
    PackageGroup,
    PackageIncident,
    PackageSubject,
    PackageVehicle,
    PriorityReason,
    TimelineEntry,
    Withheld,
)
from crimelink.store.models import (
    Incident,
    Offender,
    OffenderGroup,
    Organisation,
    PersonLink,
    PersonMention,
    Store,
    Vehicle,
    VehicleLink,
    VehicleMention,
)
from crimelink.triage.harm import default_weights

MAX_CHART_PEOPLE = 40
MAX_VEHICLES = 30


@dataclass
class Scope:
    kind: str  # operation or referral
    subject_id: int
    title: str
    force: str
    referral_ids: list[int]
    targets: list[tuple[str, int]]  # (kind, current id)
    operation: Operation | None


def force_name(force: str | None) -> str:
    return police_force(force).name if force and force in FORCE_IDS else force or "unknown"


def operation_scope(session: Session, actor: Viewer, operation_id: int) -> Scope:
    detail = get_operation(session=session, actor=actor, operation_id=operation_id)  # NotFound for others
    operation = session.get(Operation, operation_id)
    assert operation is not None
    targets: list[tuple[str, int]] = [(link.kind, link.target_id) for link in detail.links if link.kind != "referral"]
    referrals = [link.target_id for link in detail.links if link.kind == "referral"]
    return Scope("operation", operation_id, detail.name, detail.lead_force, referrals, targets, operation)


def referral_scope(session: Session, actor: Viewer, referral_id: int) -> Scope:
    view = get_referral(session=session, actor=actor, referral_id=referral_id)
    if not isinstance(view, ReferralDetail):  # the referrer's own view: no package for it
        raise NotFound("no such referral", referral_id=referral_id)
    force = view.lead_force or view.suggested_force
    if force is None:
        raise InvalidValue("lead_force", None, "a package goes to a force: disseminate the referral first")
    targets: list[tuple[str, int]] = [(s.kind, s.target_id) for s in view.subjects if s.target_id is not None]
    return Scope("referral", referral_id, f"Referral {view.reference}", force, [referral_id], targets, None)


def people(session: Session, scope: Scope) -> dict[int, str]:
    """The subjects: people linked, members of groups linked. Offender id → why they are here."""
    why: dict[int, str] = {}
    for kind, rid in scope.targets:
        if kind == "person":
            why[rid] = "named in the " + scope.kind
    groups = [rid for kind, rid in scope.targets if kind == "group"]
    if groups:
        rows = session.execute(
            select(Offender.id, OffenderGroup.label)
            .join(OffenderGroup, OffenderGroup.id == Offender.group_id)
            .where(Offender.group_id.in_(groups))
        )
        for offender_id, label in rows:
            why.setdefault(offender_id, f"member of {label}")
    return why


def incident_ids(session: Session, scope: Scope, people: list[int]) -> set[int]:
    ids = {rid for kind, rid in scope.targets if kind == "incident"}
    ids |= set(
        session.scalars(
            select(PersonMention.incident_id)
            .join(PersonLink, PersonLink.mention_id == PersonMention.id)
            .where(PersonLink.offender_id.in_(people))
        )
    )
    vehicles = [rid for kind, rid in scope.targets if kind == "vehicle"]
    if vehicles:
        ids |= set(
            session.scalars(
                select(VehicleMention.incident_id)
                .join(VehicleLink, VehicleLink.mention_id == VehicleMention.id)
                .where(VehicleLink.vehicle_id.in_(vehicles))
            )
        )
    return ids


@dataclass
class Seen:
    """Who and what each incident mentions (offender ids, vehicle ids)."""

    people: dict[int, set[int]]
    vehicles: dict[int, set[int]]


def seen(session: Session, incident_ids: set[int]) -> Seen:
    people: dict[int, set[int]] = defaultdict(set)
    vehicles: dict[int, set[int]] = defaultdict(set)
    for incident_id, offender_id in session.execute(
        select(PersonMention.incident_id, PersonLink.offender_id)
        .join(PersonLink, PersonLink.mention_id == PersonMention.id)
        .where(PersonMention.incident_id.in_(incident_ids))
    ):
        people[incident_id].add(offender_id)
    for incident_id, vehicle_id in session.execute(
        select(VehicleMention.incident_id, VehicleLink.vehicle_id)
        .join(VehicleLink, VehicleLink.mention_id == VehicleMention.id)
        .where(VehicleMention.incident_id.in_(incident_ids))
    ):
        vehicles[incident_id].add(vehicle_id)
    return Seen(people, vehicles)


def incidents(
    session: Session, ids: set[int], seen: Seen, names: dict[int, str], plates: dict[int, str]
) -> tuple[list[PackageIncident], list[MapPoint], Withheld]:
    shown: list[PackageIncident] = []
    points: list[MapPoint] = []
    withheld: Counter[str] = Counter()
    originators: set[str] = set()
    rows = session.execute(
        select(Incident, Organisation.code, Store.name, Store.lat, Store.lon)
        .join(Organisation, Organisation.id == Incident.submitter_id)
        .join(Store, Store.id == Incident.store_id)
        .where(Incident.id.in_(ids))
        .order_by(Incident.occurred_at, Incident.id)
    )
    for incident, submitter, store, lat, lon in rows:
        grading = grading_of(
            incident.source_evaluation,
            incident.intelligence_assessment,
            incident.handling_code,
            incident.handling_conditions,
        )
        decision = decide(grading, Audience.POLICE)
        if not decision.share:
            withheld[decision.reason or "withheld"] += 1
            originators.add(submitter)
            continue
        ref = f"{submitter} {incident.incident_ref}"
        violent = OffenceType(incident.offence).violent or bool(
            incident.assault or incident.injury or incident.weapon not in (None, "none")
        )
        shown.append(
            PackageIncident(
                id=incident.id,
                reference=ref,
                occurred_at=incident.occurred_at,
                offence=OffenceType(incident.offence).label,
                store=store,
                force=incident.police_force,
                force_name=force_name(incident.police_force),
                value_gbp=incident.value_gbp,
                crime_reference=incident.crime_reference,
                grading=grading.code,
                graded=incident.handling_code is not None,
                conditions=decision.conditions,
                violent=violent,
                people=sorted(names[o] for o in seen.people.get(incident.id, ()) if o in names),
                vehicles=sorted(plates[v] for v in seen.vehicles.get(incident.id, ()) if v in plates),
            )
        )
        if lat is not None and lon is not None:
            points.append(MapPoint(lat, lon, f"{ref}, {incident.occurred_at:%d %b %Y}"))
    total = sum(withheld.values())
    return shown, points, Withheld(incidents=total, originators=sorted(originators), reasons=sorted(withheld))


def subjects(session: Session, why: dict[int, str], shown: list[PackageIncident], seen: Seen) -> list[PackageSubject]:
    counts: dict[int, list[PackageIncident]] = defaultdict(list)
    for incident in shown:
        for offender_id in seen.people.get(incident.id, ()):
            counts[offender_id].append(incident)
    subjects = []
    rows = session.execute(
        select(Offender, OffenderGroup.label)
        .outerjoin(OffenderGroup, OffenderGroup.id == Offender.group_id)
        .where(Offender.id.in_(list(why)))
    )
    for offender, group in rows:
        mine = counts.get(offender.id, [])
        subjects.append(
            PackageSubject(
                offender_id=offender.id,
                name=offender.display_name,
                named=offender.named,
                dob=offender.dob,
                gender=offender.gender,
                why=why[offender.id],
                group=group,
                incidents=len(mine),
                withheld=max(offender.incidents - len(mine), 0),
                value_gbp=round(sum(i.value_gbp for i in mine), 2),
                forces=sorted({i.force_name for i in mine}),
                first_seen=min((i.occurred_at for i in mine), default=None),
                last_seen=max((i.occurred_at for i in mine), default=None),
                priority_score=offender.priority_score,
                priority_rank=offender.priority_rank,
            )
        )
    return sorted(subjects, key=lambda s: (-s.incidents, s.priority_rank or 10**9, s.name))


def groups(session: Session, scope: Scope, subjects: list[PackageSubject]) -> list[PackageGroup]:
    ids = {rid for kind, rid in scope.targets if kind == "group"}
    ids |= set(
        session.scalars(
            select(Offender.group_id).where(
                Offender.id.in_([s.offender_id for s in subjects]), Offender.group_id.is_not(None)
            )
        )
    )
    rows = session.scalars(select(OffenderGroup).where(OffenderGroup.id.in_(ids)).order_by(OffenderGroup.priority_rank))
    return [
        PackageGroup(
            id=g.id,
            label=g.label,
            members=g.members,
            incidents=g.incidents,
            forces=g.forces,
            value_gbp=g.value_gbp,
            first_seen=g.first_seen,
            last_seen=g.last_seen,
            priority_score=g.priority_score,
            priority_rank=g.priority_rank,
        )
        for g in rows
    ]


def vehicles(
    session: Session, scope: Scope, shown: list[PackageIncident], seen: Seen, names: dict[int, str]
) -> list[PackageVehicle]:
    linked = {rid for kind, rid in scope.targets if kind == "vehicle"}
    at: dict[int, list[int]] = defaultdict(list)
    for incident in shown:
        for vehicle_id in seen.vehicles.get(incident.id, ()):
            at[vehicle_id].append(incident.id)
    ids = sorted(linked | set(at), key=lambda v: (v not in linked, -len(at.get(v, [])), v))[:MAX_VEHICLES]
    found = {v.id: v for v in session.scalars(select(Vehicle).where(Vehicle.id.in_(ids)))}
    out = []
    for vehicle_id in ids:
        vehicle = found.get(vehicle_id)
        if vehicle is None:
            continue
        people = {names[o] for i in at.get(vehicle_id, []) for o in seen.people.get(i, ()) if o in names}
        words = [w for w in (vehicle.colour, vehicle.make, vehicle.model) if w]
        out.append(
            PackageVehicle(
                vehicle_id=vehicle.id,
                vrm=vehicle.vrm,
                description=" ".join(words) or "no description",
                incidents=len(at.get(vehicle_id, [])),
                people=sorted(people),
            )
        )
    return out


def timeline(session: Session, scope: Scope, shown: list[PackageIncident]) -> list[TimelineEntry]:
    entries = [
        TimelineEntry(
            at=i.occurred_at,
            kind="incident",
            text=f"{i.offence} at {i.store or 'a store'} ({i.force_name}), {i.reference}, £{i.value_gbp:,.2f}",
        )
        for i in shown
    ]
    for referral in session.scalars(select(Referral).where(Referral.id.in_(scope.referral_ids))):
        entries.append(
            TimelineEntry(
                at=referral.received_at,
                kind="referral",
                text=f"Referral {reference(referral)} received: {referral.summary}",
            )
        )
    operation = scope.operation
    if operation is not None:
        entries.append(
            TimelineEntry(
                at=operation.adopted_at,
                kind="operation",
                text=f"{operation.name} adopted by {force_name(operation.lead_force)}",
            )
        )
        for a in session.scalars(select(Arrest).where(Arrest.operation_id == operation.id)):
            entries.append(TimelineEntry(at=a.arrested_at, kind="arrest", text=f"{a.person} arrested"))
        for c in session.scalars(select(Charge).where(Charge.operation_id == operation.id)):
            entries.append(
                TimelineEntry(
                    at=c.charged_at,
                    kind="charge",
                    text=f"{c.person} charged: {c.offence.replace('_', ' ')} ({c.counts} counts)",
                )
            )
        for r in session.scalars(select(CourtResult).where(CourtResult.operation_id == operation.id)):
            entries.append(
                TimelineEntry(
                    at=r.decided_at,
                    kind="court",
                    text=f"{r.person}: {r.verdict.replace('_', ' ')}" + (f" at {r.court}" if r.court else ""),
                )
            )
        if operation.closed_at is not None:
            entries.append(TimelineEntry(at=operation.closed_at, kind="operation", text=f"{operation.name} closed"))
    return sorted(entries, key=lambda e: (e.at, e.kind))


def reasons(parts: dict[str, object]) -> list[PriorityReason]:
    weights = default_weights()

    def num(key: str) -> float:
        value = parts.get(key)
        return float(value) if isinstance(value, int | float) else 0.0

    confidence = parts.get("confidence")
    reasons = [
        PriorityReason(
            part="Harm",
            value=f"level {parts.get('harm_level')} of 5",
            why=f"{num('harm_days'):,.0f} days of harm (Cambridge Crime Harm Index) in "
            f"{int(num('incidents'))} incidents over {weights.lookback_days:.0f} days",
        ),
        PriorityReason(
            part="Likelihood",
            value=f"level {parts.get('likelihood_level')} of 5",
            why=f"{int(num('recent_incidents'))} incidents in the last {num('likelihood_window_days'):.0f} days",
        ),
        PriorityReason(
            part="Capability",
            value=f"× {num('capability'):.2f}",
            why=f"{int(num('named_people'))} of {int(num('people'))} people involved are named",
        ),
        PriorityReason(
            part="Capacity",
            value=f"× {num('capacity'):.2f}",
            why="already worked by an open operation"
            if parts.get("under_operation")
            else "no open operation works it yet",
        ),
    ]
    if isinstance(confidence, int | float):
        reasons.append(
            PriorityReason(
                part="Confidence",
                value=f"{confidence * 100:.0f}%",
                why="share of the incidents with a crime reference, CCTV or body-worn video (not multiplied)",
            )
        )
    return reasons


def chart(
    subjects: list[PackageSubject],
    groups: list[PackageGroup],
    vehicles: list[PackageVehicle],
    shown: list[PackageIncident],
    seen: Seen,
    group_of: dict[int, int],
) -> str:
    people = [s for s in subjects if s.incidents or s.why.startswith("named")][:MAX_CHART_PEOPLE]
    ids = {s.offender_id for s in people}
    nodes = [ChartNode(f"o{s.offender_id}", "person", s.name, max(s.incidents, 1), not s.named) for s in people]
    nodes += [ChartNode(f"g{g.id}", "group", g.label, 1) for g in groups]
    nodes += [ChartNode(f"v{v.vehicle_id}", "vehicle", v.vrm or "partial", 1) for v in vehicles if v.incidents]
    together: Counter[tuple[str, str]] = Counter()
    for incident in shown:
        here = sorted(o for o in seen.people.get(incident.id, ()) if o in ids)
        for n, a in enumerate(here):
            for b in here[n + 1 :]:
                together[(f"o{a}", f"o{b}")] += 1
            for v in seen.vehicles.get(incident.id, ()):
                together[(f"o{a}", f"v{v}")] += 1
    edges = [ChartEdge(a, b, w) for (a, b), w in together.items()]
    edges += [ChartEdge(f"o{o}", f"g{g}", 1) for o, g in group_of.items() if o in ids]
    return link_chart_svg(nodes, edges)


def grade(incident: PackageIncident) -> tuple[str | None, str | None, str | None, str | None]:
    if not incident.graded:
        return None, None, None, None
    code = incident.grading
    return code[0], code[1], code[2], incident.conditions
