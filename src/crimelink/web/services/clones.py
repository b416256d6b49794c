"""Possible clones as a viewer may see them: the different cars one registration mark was seen on.

The analysis flags every vehicle it split from a cloned mark (``Vehicle.possible_clone``, the
mark in ``Vehicle.clone_group``; :mod:`crimelink.resolve.clones`). What a page shows of it is
built only from the reports the viewer may see on a profile (``profile_incident_filter``, as
the vehicle page's own incident list): a car counts only where the viewer sees a sighting that
describes it, and each car is described from those sightings alone, never from the stored
vehicle's description, which draws on every organisation's reports. So a retailer is told of a
clone only when its own reports (or those shared with it) show two different cars on the
plate, and learns nothing of what other organisations saw.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from crimelink.access.policy import Viewer, incident_filter, profile_incident_filter
from crimelink.store.models import Incident, Organisation, Vehicle, VehicleLink, VehicleMention

__all__ = ["CloneCar", "CloneSighting", "PossibleClone", "describe", "possible_clone", "visible_clone_groups"]

SHOWN_SIGHTINGS = 20  # per car, latest first


class CloneSighting(BaseModel):
    """One report of the plate, with the car as that report describes it."""

    incident_id: int
    incident_ref: str
    submitter: str
    occurred_at: datetime
    read_as: str  # the plate as reported
    description: str  # make, model and colour as reported
    openable: bool  # whether the viewer may open the incident itself


class CloneCar(BaseModel):
    """One of the cars seen on the plate: a vehicle of its own."""

    vehicle_id: int
    this: bool  # the vehicle whose page this is
    description: str  # as the viewer's sightings most often describe it
    sightings: int  # described sightings the viewer may see
    shown: list[CloneSighting]  # the latest of them


class PossibleClone(BaseModel):
    """A plate seen on more than one car, as far as the viewer's reports show."""

    vrm: str
    vehicles: int  # different cars the viewer's reports show on the plate
    cars: list[CloneCar]  # this vehicle first, then the most seen


def describe(colour: str | None, make: str | None, model: str | None) -> str:
    """A car in words, as the pages put it: "black VW Golf"."""
    return " ".join(p for p in (colour, make, model) if p) or "no description"


def _described() -> ColumnElement[bool]:
    """A sighting that says something of the car: only these show a disagreement."""
    return or_(VehicleMention.make.is_not(None), VehicleMention.model.is_not(None), VehicleMention.colour.is_not(None))


def _sightings(viewer: Viewer, groups: Collection[str]) -> Select[str | None, int]:
    """Described sightings of the flagged vehicles of ``groups`` that the viewer may see."""
    return (
        select(Vehicle.clone_group, VehicleLink.vehicle_id)
        .join(VehicleLink, VehicleLink.vehicle_id == Vehicle.id)
        .join(VehicleMention, VehicleMention.id == VehicleLink.mention_id)
        .join(Incident, Incident.id == VehicleMention.incident_id)
        .where(
            Vehicle.clone_group.in_(list(groups)),
            Vehicle.possible_clone.is_(True),
            _described(),
            profile_incident_filter(viewer),
        )
    )


def visible_clone_groups(*, db_session: Session, viewer: Viewer, groups: Collection[str]) -> set[str]:
    """The cloned marks among ``groups`` on which the viewer's reports show two cars or more."""
    if not groups:
        return set()
    seen = _sightings(viewer, groups).subquery()
    counted = (
        select(seen.c.clone_group)
        .group_by(seen.c.clone_group)
        .having(func.count(func.distinct(seen.c.vehicle_id)) >= 2)
    )
    return {str(group) for group in db_session.scalars(counted)}


def possible_clone(*, db_session: Session, viewer: Viewer, vehicle: Vehicle) -> PossibleClone | None:
    """The cars ``vehicle``'s plate was seen on, from the sightings the viewer may see; None
    unless the vehicle is flagged and those sightings show two cars or more."""
    if not (vehicle.possible_clone and vehicle.clone_group):
        return None
    rows = db_session.execute(
        _sightings(viewer, [vehicle.clone_group])
        .add_columns(
            Incident.id, Incident.incident_ref, Organisation.code, Incident.occurred_at, VehicleMention.vrm,
            VehicleMention.make, VehicleMention.model, VehicleMention.colour, incident_filter(viewer).label("openable"),
        )
        .join(Organisation, Organisation.id == Incident.submitter_id)
        .order_by(Incident.occurred_at.desc(), Incident.id.desc())
    ).all()  # fmt: skip
    by_car: dict[int, list[Any]] = {}
    for row in rows:
        by_car.setdefault(int(row.vehicle_id), []).append(row)
    if len(by_car) < 2:
        return None
    cars = sorted(by_car.items(), key=lambda item: (item[0] != vehicle.id, -len(item[1]), item[0]))
    return PossibleClone(
        vrm=vehicle.clone_group,
        vehicles=len(cars),
        cars=[_car(vehicle_id, seen, this=vehicle_id == vehicle.id) for vehicle_id, seen in cars],
    )


def _car(vehicle_id: int, seen: Sequence[Any], *, this: bool) -> CloneCar:
    """One car on the plate, described by the viewer's sightings of it alone."""
    return CloneCar(
        vehicle_id=vehicle_id,
        this=this,
        description=describe(*(_most_said(seen, column) for column in ("colour", "make", "model"))),
        sightings=len(seen),
        shown=[
            CloneSighting(
                incident_id=row.id,
                incident_ref=row.incident_ref,
                submitter=row.code,
                occurred_at=row.occurred_at,
                read_as=row.vrm,
                description=describe(row.colour, row.make, row.model),
                openable=bool(row.openable),
            )
            for row in seen[:SHOWN_SIGHTINGS]
        ],
    )


def _most_said(rows: Sequence[Any], column: str) -> str | None:
    """The word the sightings most often use for ``column`` (the latest, when tied)."""
    said = Counter(str(getattr(row, column)).strip() for row in rows if getattr(row, column))
    return said.most_common(1)[0][0] if said else None
