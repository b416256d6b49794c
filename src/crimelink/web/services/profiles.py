"""Profiles of what the analysis resolved: an offender, a vehicle, and the incidents behind them.

Visibility follows ``crimelink.access.policy``: the profile exists for the viewer only if one
of its incidents is visible to them; retailers then see only their own incidents on it, and
each incident row says whether the viewer may open it. Who the offender is (name, date of
birth, gender) and what the vehicle is (mark, make, model, colour) are told from those same
reports alone (``crimelink.access.identity``), never from other organisations' reports;
``elsewhere`` says, without their content, that other reports are linked too.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from crimelink.access.identity import (
    person_identities,
    person_identity,
    reports_shown,
    vehicle_identities,
    vehicle_identity,
)
from crimelink.access.policy import (
    Viewer,
    group_filter,
    incident_filter,
    offender_filter,
    profile_incident_filter,
    vehicle_filter,
)
from crimelink.domain.forces import police_force
from crimelink.domain.offences import OffenceType
from crimelink.errors import NotFound
from crimelink.store.models import (
    GroupMember,
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
from crimelink.triage import offender_priority_words
from crimelink.web.services.clones import PossibleClone, possible_clone

SHOWN_INCIDENTS = 500  # a profile lists at most this many incidents, latest first
SHOWN_DESCRIPTIONS = 5


class ProfileIncident(BaseModel):
    id: int
    incident_ref: str
    submitter: str
    occurred_at: datetime
    offence_label: str
    store: str | None
    police_force: str | None
    force_name: str | None
    value_gbp: float
    openable: bool  # whether the viewer may open the incident itself


class ForceShare(BaseModel):
    force: str
    name: str
    incidents: int


class Priority(BaseModel):
    score: float
    rank: int | None
    parts: dict[str, Any]
    words: str = ""  # why it stands where it does, in plain English (offenders)


class Ref(BaseModel):
    id: int
    label: str


class SeenVehicle(BaseModel):
    vehicle_id: int
    vrm: str | None
    description: str
    incidents: int


class OffenderProfile(BaseModel):
    id: int
    display_name: str
    named: bool
    dob: date | None
    gender: str | None
    names_seen: list[str]
    descriptions: list[str]  # as reporters described them, a few
    partial_view: bool  # True for retailers: only their own incidents are shown
    elsewhere: bool = False  # other organisations' reports are linked too (the national unit sees them)
    incident_count: int
    value_gbp: float
    first_seen: datetime | None
    last_seen: datetime | None
    incidents: list[ProfileIncident]
    forces: list[ForceShare]
    vehicles: list[SeenVehicle]
    group: Ref | None
    priority: Priority | None


class VehicleProfile(BaseModel):
    id: int
    vrm: str | None
    description: str
    partial_view: bool
    elsewhere: bool = False  # other organisations' reports of it exist (the national unit sees them)
    incidents: list[ProfileIncident]
    offenders: list[Ref]
    # The plate is seen on other cars too, as far as the viewer's reports show (see ``clone``).
    possible_clone: bool = False
    clone: PossibleClone | None = None  # the cars on the plate and the sightings that show them


def profile_incidents(*, db_session: Session, viewer: Viewer, incident_ids: Select[int]) -> list[ProfileIncident]:
    """The incidents among ``incident_ids`` that a profile shows to the viewer, latest first."""
    rows = db_session.execute(
        select(Incident, Store.name, Organisation.code, incident_filter(viewer).label("openable"))
        .join(Store, Store.id == Incident.store_id)
        .join(Organisation, Organisation.id == Incident.submitter_id)
        .where(Incident.id.in_(incident_ids), profile_incident_filter(viewer))
        .order_by(Incident.occurred_at.desc(), Incident.id.desc())
        .limit(SHOWN_INCIDENTS)
    ).all()
    return [
        ProfileIncident(
            id=i.id,
            incident_ref=i.incident_ref,
            submitter=code,
            occurred_at=i.occurred_at,
            offence_label=OffenceType(i.offence).label,
            store=store,
            police_force=i.police_force,
            force_name=police_force(i.police_force).name if i.police_force else None,
            value_gbp=i.value_gbp,
            openable=bool(openable),
        )
        for i, store, code, openable in rows
    ]


def force_shares(incidents: list[ProfileIncident]) -> list[ForceShare]:
    counts: dict[str, int] = {}
    for incident in incidents:
        if incident.police_force:
            counts[incident.police_force] = counts.get(incident.police_force, 0) + 1
    return [
        ForceShare(force=f, name=police_force(f).name, incidents=n)
        for f, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def _mentions_of(offender_id: int) -> Select[int]:
    return (
        select(PersonMention.incident_id)
        .join(PersonLink, PersonLink.mention_id == PersonMention.id)
        .where(PersonLink.offender_id == offender_id)
    )


def _seen(
    session: Session, column: InstrumentedAttribute[str | None], offender_id: int, shown: Select[int]
) -> list[str]:
    """Distinct values of a mention's column over the offender's shown incidents."""
    values = session.scalars(
        select(column)
        .join(PersonLink, PersonLink.mention_id == PersonMention.id)
        .where(
            PersonLink.offender_id == offender_id,
            PersonMention.incident_id.in_(shown),
            column.is_not(None),
        )
        .distinct()
        .order_by(column)
    ).all()
    return [v for v in values if v]


def offender_profile(*, db_session: Session, viewer: Viewer, offender_id: int) -> OffenderProfile:
    """An offender's profile; :class:`NotFound` if absent or not visible to the viewer."""
    offender = db_session.scalar(select(Offender).where(Offender.id == offender_id, offender_filter(viewer)))
    if offender is None:
        raise NotFound("no such offender", offender_id=offender_id)
    linked = _mentions_of(offender.id)
    incidents = profile_incidents(db_session=db_session, viewer=viewer, incident_ids=linked)
    shown = select(Incident.id).where(Incident.id.in_(linked), profile_incident_filter(viewer))
    names = _seen(db_session, PersonMention.name, offender.id, shown)
    descriptions = _seen(db_session, PersonMention.description, offender.id, shown)
    seen = db_session.execute(
        select(VehicleLink.vehicle_id, func.count(func.distinct(VehicleMention.incident_id)).label("n"))
        .join(VehicleMention, VehicleMention.id == VehicleLink.mention_id)
        .where(VehicleMention.incident_id.in_(shown))
        .group_by(VehicleLink.vehicle_id)
        .order_by(func.count().desc(), VehicleLink.vehicle_id)
    ).all()
    told = reports_shown(viewer)
    who = person_identity(session=db_session, offender_id=offender.id, shown=told)
    cars = vehicle_identities(session=db_session, vehicle_ids=[v for v, _ in seen], shown=told)
    found = db_session.scalar(  # membership is in group_members; Offender.group_id may lag
        select(OffenderGroup)
        .join(GroupMember, GroupMember.group_id == OffenderGroup.id)
        .where(GroupMember.offender_id == offender.id, group_filter(viewer))
        .order_by(GroupMember.strength.desc())
        .limit(1)
    )
    group = Ref(id=found.id, label=found.label) if found else None
    times = [i.occurred_at for i in incidents]
    return OffenderProfile(
        id=offender.id,
        display_name=who.display_name,
        named=who.named,
        dob=who.dob,
        gender=who.gender,
        names_seen=names,
        descriptions=descriptions[:SHOWN_DESCRIPTIONS],
        partial_view=not viewer.sees_whole_profiles,
        elsewhere=who.elsewhere,
        incident_count=len(incidents),
        value_gbp=round(sum(i.value_gbp for i in incidents), 2),
        first_seen=min(times, default=None),
        last_seen=max(times, default=None),
        incidents=incidents,
        forces=force_shares(incidents),
        vehicles=[
            SeenVehicle(vehicle_id=v, vrm=cars[v].vrm, description=cars[v].description, incidents=n)
            for v, n in seen
            if v in cars
        ],
        group=group,
        priority=Priority(
            score=offender.priority_score,
            rank=offender.priority_rank,
            parts=dict(offender.priority_parts or {}),
            words=offender_priority_words(offender.priority_parts or {}, rank=offender.priority_rank),
        )
        if viewer.sees_whole_profiles
        else None,
    )


def vehicle_profile(*, db_session: Session, viewer: Viewer, vehicle_id: int) -> VehicleProfile:
    """A vehicle, the incidents it was seen in, the offenders seen with it, and the other cars
    its plate was seen on when it may be cloned."""
    vehicle = db_session.scalar(select(Vehicle).where(Vehicle.id == vehicle_id, vehicle_filter(viewer)))
    if vehicle is None:
        raise NotFound("no such vehicle", vehicle_id=vehicle_id)
    linked = (
        select(VehicleMention.incident_id)
        .join(VehicleLink, VehicleLink.mention_id == VehicleMention.id)
        .where(VehicleLink.vehicle_id == vehicle.id)
    )
    incidents = profile_incidents(db_session=db_session, viewer=viewer, incident_ids=linked)
    offenders = db_session.scalars(
        select(Offender.id).where(
            offender_filter(viewer),
            Offender.id.in_(
                select(PersonLink.offender_id)
                .join(PersonMention, PersonMention.id == PersonLink.mention_id)
                .where(PersonMention.incident_id.in_([i.id for i in incidents]))
            ),
        )
    ).all()
    told = reports_shown(viewer)
    names = person_identities(session=db_session, offender_ids=offenders, shown=told)
    car = vehicle_identity(session=db_session, vehicle_id=vehicle.id, shown=told)
    clone = possible_clone(db_session=db_session, viewer=viewer, vehicle=vehicle)
    return VehicleProfile(
        id=vehicle.id,
        vrm=car.vrm,
        description=car.description,
        partial_view=not viewer.sees_whole_profiles,
        elsewhere=car.elsewhere,
        incidents=incidents,
        offenders=sorted((Ref(id=i, label=n.display_name) for i, n in names.items()), key=lambda r: (r.label, r.id)),
        possible_clone=clone is not None,
        clone=clone,
    )
