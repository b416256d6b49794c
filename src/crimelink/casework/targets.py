"""What casework points at, and how to find it again after the analysis has run once more.

Offender, group and vehicle ids change with every analysis run; person and vehicle mentions do
not. A target is therefore kept as ``(kind, target_id, anchor_mention_id, label)``: the id as it
was, a mention it was seen in, and its name then. ``resolved_id`` is the SQL that gives the
current id (through the anchor's link, falling back to the id kept); ``covered_incidents`` the
incidents a set of targets covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select, SQLColumnExpression, and_, case, func, literal, select, union
from sqlalchemy.orm import Session

from crimelink.errors import InvalidValue
from crimelink.store.models import (
    GroupMember,
    Incident,
    Offender,
    OffenderGroup,
    Organisation,
    PersonLink,
    PersonMention,
    Vehicle,
    VehicleLink,
    VehicleMention,
)

__all__ = ["Target", "covered_incidents", "find_target", "resolved_id"]


@dataclass(frozen=True, slots=True)
class Target:
    kind: str  # person, group, vehicle, incident
    target_id: int
    anchor_mention_id: int | None
    label: str


def _unknown(kind: str, target_id: int) -> InvalidValue:
    return InvalidValue(f"{kind}.id", target_id, f"no {kind} with this id that you can see")


def find_target(*, session: Session, kind: str, target_id: int) -> Target:
    """The target as it is now, with an anchor mention; :class:`InvalidValue` if there is none."""
    if kind == "incident":
        row = session.execute(
            select(Organisation.code, Incident.incident_ref)
            .join(Organisation, Organisation.id == Incident.submitter_id)
            .where(Incident.id == target_id)
        ).one_or_none()
        if row is None:
            raise _unknown(kind, target_id)
        return Target(kind, target_id, None, f"{row[0]} {row[1]}")
    if kind == "person":
        offender = session.get(Offender, target_id)
        if offender is None:
            raise _unknown(kind, target_id)
        anchor = session.scalar(select(func.min(PersonLink.mention_id)).where(PersonLink.offender_id == target_id))
        return Target(kind, target_id, anchor, offender.display_name)
    if kind == "group":
        group = session.get(OffenderGroup, target_id)
        if group is None:
            raise _unknown(kind, target_id)
        anchor = session.scalar(
            select(func.min(PersonLink.mention_id))
            .join(GroupMember, GroupMember.offender_id == PersonLink.offender_id)
            .where(GroupMember.group_id == target_id)
        )
        return Target(kind, target_id, anchor, group.label)
    if kind == "vehicle":
        vehicle = session.get(Vehicle, target_id)
        if vehicle is None:
            raise _unknown(kind, target_id)
        anchor = session.scalar(select(func.min(VehicleLink.mention_id)).where(VehicleLink.vehicle_id == target_id))
        words = [vehicle.vrm or "partial plate", vehicle.colour, vehicle.make, vehicle.model]
        return Target(kind, target_id, anchor, " ".join(w for w in words if w))
    raise InvalidValue("kind", kind, "must be person, group, vehicle or incident")


def resolved_id(
    kind: SQLColumnExpression[str], target: SQLColumnExpression[Any], anchor: SQLColumnExpression[Any]
) -> ColumnElement[int]:
    """SQL for the current id of a kept target (the id kept when its anchor is no longer linked)."""
    offender = select(PersonLink.offender_id).where(PersonLink.mention_id == anchor).scalar_subquery()
    group = (
        select(Offender.group_id)
        .join(PersonLink, PersonLink.offender_id == Offender.id)
        .where(PersonLink.mention_id == anchor)
        .scalar_subquery()
    )
    vehicle = select(VehicleLink.vehicle_id).where(VehicleLink.mention_id == anchor).scalar_subquery()
    return case(
        (kind == "person", func.coalesce(offender, target)),
        (kind == "group", func.coalesce(group, target)),
        (kind == "vehicle", func.coalesce(vehicle, target)),
        else_=target,
    )


def covered_incidents(targets: FromClause) -> Select[int]:
    """Incident ids that targets cover: the incident itself, or every incident of the person,
    of the group's members, or the vehicle was seen at.

    Args:
        targets: a subquery with columns ``kind`` and ``rid`` (a resolved id).
    """
    kind, rid = targets.c.kind, targets.c.rid
    persons = (
        select(PersonMention.incident_id)
        .join(PersonLink, PersonLink.mention_id == PersonMention.id)
        .join(targets, and_(kind == literal("person"), rid == PersonLink.offender_id))
    )
    groups = (
        select(PersonMention.incident_id)
        .join(PersonLink, PersonLink.mention_id == PersonMention.id)
        .join(GroupMember, GroupMember.offender_id == PersonLink.offender_id)
        .join(targets, and_(kind == literal("group"), rid == GroupMember.group_id))
    )
    vehicles = (
        select(VehicleMention.incident_id)
        .join(VehicleLink, VehicleLink.mention_id == VehicleMention.id)
        .join(targets, and_(kind == literal("vehicle"), rid == VehicleLink.vehicle_id))
    )
    incidents = select(rid).where(kind == literal("incident"))
    combined = union(persons, groups, vehicles, incidents).subquery()
    return select(combined.c[0].label("incident_id"))
