"""What a viewer is told of an offender or a vehicle: only what the reports it may see say.

The analysis resolves an offender's name, date of birth and gender, and a vehicle's mark, make,
model and colour, from every organisation's reports (``crimelink.resolve``). Shown as stored,
they would tell a retailer a name, a birthday or a plate that only another retailer reported.
So every page, chart, bulletin, label and JSON twin that names an offender or a vehicle asks
here, with the reports its reader may see (``shown``: a clause on ``Incident``), and gets:

- the stored identity, exactly as the analysis made it, when the reader sees every report
  behind the record (``shown`` is ``None``, as for the national unit and the forces, which see
  whole profiles; or every one of the record's reports passes ``shown``);
- otherwise an identity made the same way from the reports it may see alone: the most reported
  name (or a description when none names them), date of birth and gender (the rule of
  ``crimelink.resolve.offender_rows``); a vehicle's most reported mark, make, model and colour
  among those reports.

``elsewhere`` flags the national picture without its content: the record has reports the
reader may not see. A record with no report the reader may see is described as nobody in
particular ("Unnamed person", "vehicle 12"): nothing about it comes from anyone else's reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from crimelink.access.policy import Viewer, incident_filter
from crimelink.resolve.persons import describe, parse_name
from crimelink.store.models import (
    Incident,
    Offender,
    PersonLink,
    PersonMention,
    Vehicle,
    VehicleLink,
    VehicleMention,
)

__all__ = [
    "PersonIdentity",
    "VehicleIdentity",
    "person_identities",
    "person_identity",
    "reports_shown",
    "vehicle_identities",
    "vehicle_identity",
]

T = TypeVar("T")
UNNAMED = "Unnamed person"
_BATCH = 900  # ids per IN list: within every SQLite build's limit on bound parameters (999 in the oldest)


@dataclass(frozen=True, slots=True)
class PersonIdentity:
    """Who an offender is, as far as one reader may be told."""

    display_name: str
    named: bool
    dob: date | None
    gender: str | None
    elsewhere: bool = False  # reports the reader may not see are linked to this offender too

    @property
    def label(self) -> str:
        """The offender as a chart or list labels them: described people say so."""
        return self.display_name if self.named else f"{self.display_name} (described)"


@dataclass(frozen=True, slots=True)
class VehicleIdentity:
    """What a vehicle is, as far as one reader may be told."""

    vrm: str | None  # normalised mark; None when the reader's reports hold only partial reads
    read: str | None  # the reader's own most reported read (partial reads too), for a label
    colour: str | None
    make: str | None
    model: str | None
    elsewhere: bool = False

    @property
    def description(self) -> str:
        """The car in words, as the pages put it: "black VW Golf"."""
        return " ".join(p for p in (self.colour, self.make, self.model) if p) or "no description"

    @property
    def label(self) -> str:
        return self.vrm or self.read or "partial registration"


def reports_shown(viewer: Viewer) -> ColumnElement[bool] | None:
    """The reports an offender's or vehicle's identity is made from for ``viewer``: ``None``
    (every report) for those who see whole profiles, else the incidents the viewer may see."""
    return None if viewer.sees_whole_profiles else incident_filter(viewer)


def _chunks(ids: Iterable[int]) -> list[list[int]]:
    wanted = sorted({int(i) for i in ids})
    return [wanted[k : k + _BATCH] for k in range(0, len(wanted), _BATCH)]


def _stored_person(offender: Offender) -> PersonIdentity:
    return PersonIdentity(offender.display_name, offender.named, offender.dob, offender.gender)


def person_identities(
    *, session: Session, offender_ids: Iterable[int], shown: ColumnElement[bool] | None
) -> dict[int, PersonIdentity]:
    """Each offender's identity as the reports in ``shown`` tell it (see the module's words)."""
    found: dict[int, PersonIdentity] = {}
    for ids in _chunks(offender_ids):
        if shown is None:
            found |= {o.id: _stored_person(o) for o in session.scalars(select(Offender).where(Offender.id.in_(ids)))}
            continue
        totals, reports = _reports(session, ids, shown, link=PersonLink, owner=PersonLink.offender_id)
        whole = [i for i, seen in reports.items() if len(seen) == totals.get(i)]
        found |= {o.id: _stored_person(o) for o in session.scalars(select(Offender).where(Offender.id.in_(whole)))}
        found |= _composed_persons({i: seen for i, seen in reports.items() if i not in found})
    return found


def person_identity(*, session: Session, offender_id: int, shown: ColumnElement[bool] | None) -> PersonIdentity:
    """One offender's identity; an unnamed person where the reader sees none of its reports."""
    found = person_identities(session=session, offender_ids=[offender_id], shown=shown)
    return found.get(offender_id, PersonIdentity(UNNAMED, False, None, None, elsewhere=True))


def _reports(
    session: Session, ids: list[int], shown: ColumnElement[bool], *, link: type[PersonLink] | type[VehicleLink],
    owner: InstrumentedAttribute[int],
) -> tuple[dict[int, int], dict[int, list[Any]]]:  # fmt: skip
    """(how many reports each record has; its reports in ``shown``, the first reported first)."""
    mention: Any = PersonMention if link is PersonLink else VehicleMention
    totals = session.execute(select(owner, func.count()).where(owner.in_(ids)).group_by(owner)).all()
    rows = session.execute(
        select(owner, mention)
        .join(mention, mention.id == link.mention_id)
        .join(Incident, Incident.id == mention.incident_id)
        .where(owner.in_(ids), shown)
        .order_by(mention.id)
    )
    reports: dict[int, list[Any]] = {}
    for record, report in rows:
        reports.setdefault(int(record), []).append(report)
    return {int(k): int(v) for k, v in totals}, reports


def _composed_persons(reports: dict[int, list[PersonMention]]) -> dict[int, PersonIdentity]:
    """Identities from the shown reports alone, by the analysis's own rule
    (``crimelink.resolve.offender_rows``, which is pandas over millions: this is the same rule
    over a handful, in a request's time): the most reported name, else the most reported PNC
    id, else the first report's description; the most reported date of birth and gender."""
    return {owner: _composed_person(seen) for owner, seen in reports.items() if seen}


def _composed_person(seen: list[PersonMention]) -> PersonIdentity:
    display = _mode(parse_name(m.name)[0] if m.name else None for m in seen)
    pnc = _mode(m.pnc_id for m in seen)
    first = seen[0]
    name = display or (f"PNC {pnc}" if pnc else describe(first.gender, first.age_min, first.age_max, first.build))
    gender = _mode(m.gender for m in seen if m.gender != "unknown")
    return PersonIdentity(name, bool(display or pnc), _mode(m.dob for m in seen), gender, elsewhere=True)


def _mode(values: Iterable[T | None]) -> T | None:
    """The most frequent value given, in report order (ties: the first reported), as the analysis picks."""
    counts: dict[T, int] = {}
    for value in values:
        if value is not None:
            counts[value] = counts.get(value, 0) + 1
    return max(counts, key=lambda v: counts[v]) if counts else None  # max keeps the first of equals


def vehicle_identities(
    *, session: Session, vehicle_ids: Iterable[int], shown: ColumnElement[bool] | None
) -> dict[int, VehicleIdentity]:
    """Each vehicle's mark and description as the reports in ``shown`` tell them."""
    found: dict[int, VehicleIdentity] = {}
    for ids in _chunks(vehicle_ids):
        stored = {v.id: v for v in session.scalars(select(Vehicle).where(Vehicle.id.in_(ids)))}
        if shown is None:
            found |= {i: _stored_vehicle(v) for i, v in stored.items()}
            continue
        totals, reports = _reports(session, ids, shown, link=VehicleLink, owner=VehicleLink.vehicle_id)
        for i, seen in reports.items():
            if i in stored:
                whole = len(seen) == totals.get(i)
                found[i] = _stored_vehicle(stored[i]) if whole else _composed_vehicle(stored[i], seen)
    return found


def vehicle_identity(*, session: Session, vehicle_id: int, shown: ColumnElement[bool] | None) -> VehicleIdentity:
    """One vehicle's identity; a vehicle with no mark or description where the reader sees none of its reports."""
    found = vehicle_identities(session=session, vehicle_ids=[vehicle_id], shown=shown)
    return found.get(vehicle_id, VehicleIdentity(None, f"vehicle {vehicle_id}", None, None, None, elsewhere=True))


def _stored_vehicle(vehicle: Vehicle) -> VehicleIdentity:
    return VehicleIdentity(vehicle.vrm, vehicle.vrm, vehicle.colour, vehicle.make, vehicle.model)


def _most_said(values: Iterable[str | None]) -> str | None:
    """The words the reports most often give (the first reported, when tied)."""
    return _mode(v.strip() for v in values if v and v.strip())


def _composed_vehicle(vehicle: Vehicle, reads: list[VehicleMention]) -> VehicleIdentity:
    """The vehicle as the shown reads tell it: the resolved mark only where one of them reads
    it, else their own most reported full read."""
    full = [m.vrm_normalised for m in reads if m.vrm_normalised]
    mark = vehicle.vrm if vehicle.vrm in full else _most_said(full)
    return VehicleIdentity(
        vrm=mark,
        read=mark or _most_said(m.vrm_pattern or m.vrm for m in reads),
        colour=_most_said(m.colour for m in reads),
        make=_most_said(m.make for m in reads),
        model=_most_said(m.model for m in reads),
        elsewhere=True,
    )
