"""Plate search, as analysts use ANPR tools: ``?`` for one unknown character, ``*`` for any run.

A query is matched against every full read the viewer may see (``vehicle_mentions``), not only
against each vehicle's settled mark, so that a plate is found by the way it was misread too;
each hit is the vehicle the read was resolved to. With ``misreads`` the reads and the query are
compared with confusable characters folded (0/O/D/Q, 1/I/L, 5/S, 8/B, 2/Z, 6/G, 4/A, 7/T), the
same folding as ``RegistrationMark.fuzzy_key``, written as nested ``REPLACE`` so that SQLite
and PostgreSQL run the same SQL. A retailer sees only vehicles in its own reports, counted over
its own reports, like every other vehicle page (``crimelink.access.policy``), and each hit's mark
and description are told from those reports alone (``crimelink.access.identity``). A hit is marked
``possible_clone`` only where the viewer's own reports show the plate on two cars
(:mod:`crimelink.web.services.clones`).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import QueryableAttribute, Session

from crimelink.access.identity import reports_shown, vehicle_identities
from crimelink.access.policy import Viewer, profile_incident_filter, vehicle_filter
from crimelink.domain.registration import CONFUSABLE_PAIRS, PlateQuery
from crimelink.store.models import Incident, Vehicle, VehicleLink, VehicleMention
from crimelink.web.services.clones import visible_clone_groups

__all__ = ["PlateHit", "PlateSearch", "search_plates"]

LIMIT = 100


class PlateHit(BaseModel):
    vehicle_id: int
    vrm: str | None
    description: str
    read_as: list[str]  # the reads that matched, as normalised
    incidents: int  # incidents the viewer may see on the vehicle's profile
    forces: int
    possible_clone: bool = False  # the viewer's reports show this plate on another car too


class PlateSearch(BaseModel):
    plate: str
    pattern: str
    misreads: bool
    vehicles: list[PlateHit]
    more: bool  # more than LIMIT vehicles matched: narrow the search


def _folded(column: QueryableAttribute[str | None]) -> ColumnElement[Any]:
    expression: ColumnElement[Any] = column.expression
    for character, representative in CONFUSABLE_PAIRS:
        expression = func.replace(expression, character, representative)
    return expression


def search_plates(*, db_session: Session, viewer: Viewer, plate: str, misreads: bool = False) -> PlateSearch:
    """Vehicles with a read that fits ``plate``, exact marks first, then the most seen."""
    query = PlateQuery.parse(plate, misreads=misreads)
    read = VehicleMention.vrm_normalised
    fits = (_folded(read) if misreads else read).like(query.like())
    shown = profile_incident_filter(viewer)
    matched = (
        select(VehicleLink.vehicle_id, read)
        .join(VehicleMention, VehicleMention.id == VehicleLink.mention_id)
        .join(Incident, Incident.id == VehicleMention.incident_id)
        .join(Vehicle, Vehicle.id == VehicleLink.vehicle_id)
        .where(read.is_not(None), fits, shown, vehicle_filter(viewer))
        .distinct()
    )
    reads: dict[int, set[str]] = {}
    for vehicle_id, key in db_session.execute(matched):
        reads.setdefault(vehicle_id, set()).add(str(key))
    if not reads:
        return PlateSearch(plate=plate, pattern=query.pattern, misreads=misreads, vehicles=[], more=False)
    counts = {
        vehicle_id: (incidents, forces)
        for vehicle_id, incidents, forces in db_session.execute(
            select(
                VehicleLink.vehicle_id,
                func.count(func.distinct(Incident.id)),
                func.count(func.distinct(Incident.police_force)),
            )
            .join(VehicleMention, VehicleMention.id == VehicleLink.mention_id)
            .join(Incident, Incident.id == VehicleMention.incident_id)
            .where(VehicleLink.vehicle_id.in_(list(reads)), shown)
            .group_by(VehicleLink.vehicle_id)
        )
    }
    vehicles = db_session.scalars(select(Vehicle).where(Vehicle.id.in_(list(reads)))).all()
    told = vehicle_identities(session=db_session, vehicle_ids=list(reads), shown=reports_shown(viewer))
    flagged = {v.clone_group for v in vehicles if v.possible_clone and v.clone_group}
    cloned = visible_clone_groups(db_session=db_session, viewer=viewer, groups=flagged)
    hits = [
        PlateHit(
            vehicle_id=v.id,
            vrm=told[v.id].vrm,
            description=told[v.id].description,
            read_as=sorted(reads[v.id]),
            incidents=counts.get(v.id, (0, 0))[0],
            forces=counts.get(v.id, (0, 0))[1],
            possible_clone=v.clone_group in cloned,
        )
        for v in vehicles
        if v.id in told
    ]
    hits.sort(key=lambda h: (not (h.vrm and query.matches(h.vrm)), -h.incidents, h.vrm or "", h.vehicle_id))
    return PlateSearch(
        plate=plate, pattern=query.pattern, misreads=misreads, vehicles=hits[:LIMIT], more=len(hits) > LIMIT
    )
