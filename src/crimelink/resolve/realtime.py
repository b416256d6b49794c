"""Real-time match: a report just taken in, against the offenders and vehicles already known.

The full analysis (``crimelink analyse``) links everything with everything, in minutes. A
submitter wants to know at once whether the people and the car in the report they have just
sent are already known. This module answers from the last analysis's tables (``offenders``,
``person_links``, ``person_mentions``, ``vehicles``, ``vehicle_links``, ``vehicle_mentions``)
with a handful of indexed lookups per incident, and never writes: the report is linked for good
at the next analysis.

Only strong evidence counts here, because there is no model to weigh weak evidence:

* a person: the same PNC id; or the same normalised name (family name, and first given name)
  with the same date of birth, a day/month swap tolerated; or the same name with a year of birth
  (from a date of birth, or an age range at the incident) that fits. A description alone never
  matches anyone.
* a vehicle: the same normalised mark, or a mark with the same fuzzy key (misreads of
  0/O, 1/I, 5/S...) whose vehicle's make and model do not contradict; a partial read matches
  only when exactly one known vehicle fits it.

Indexes for these lookups are in migration ``2026_11_28_0700``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from crimelink.domain.registration import RegistrationMark
from crimelink.errors import InvalidValue
from crimelink.resolve.vehicle_evidence import Description
from crimelink.store.models import (
    Incident,
    Offender,
    PersonLink,
    PersonMention,
    Vehicle,
    VehicleLink,
    VehicleMention,
)

__all__ = ["IncidentMatches", "KnownOffender", "KnownVehicle", "match_incidents"]

PNC = "same PNC id"
NAME_DOB = "same name and date of birth"
NAME_DOB_SWAPPED = "same name, date of birth with day and month swapped"
NAME_YEAR = "same name, year of birth fits"
PLATE = "same registration mark"
PLATE_MISREAD = "same registration mark allowing misreads ({read} for {mark})"
PLATE_PARTIAL = "partial read {read} fits only {mark}"
_STRENGTH = {PNC: 0, NAME_DOB: 1, NAME_DOB_SWAPPED: 2, NAME_YEAR: 3}
_MAX_CANDIDATES = 500  # a name this common with no date of birth says little: stop looking


@dataclass(frozen=True, slots=True)
class KnownOffender:
    """A person in the new report who is an offender the platform already knows."""

    person_ref: str
    offender_id: int
    display_name: str
    incidents: int
    forces: int
    how: str


@dataclass(frozen=True, slots=True)
class KnownVehicle:
    """A vehicle in the new report that the platform has seen before."""

    position: int
    read: str
    vehicle_id: int
    vrm: str | None
    incidents: int
    forces: int
    how: str


@dataclass(frozen=True, slots=True)
class IncidentMatches:
    incident_id: int
    offenders: list[KnownOffender] = field(default_factory=list)
    vehicles: list[KnownVehicle] = field(default_factory=list)


def match_incidents(*, session: Session, incident_ids: Iterable[int]) -> list[IncidentMatches]:
    """The known offenders and vehicles behind each stored incident's persons and vehicles."""
    found = []
    for incident_id in incident_ids:
        occurred = session.scalar(select(Incident.occurred_at).where(Incident.id == incident_id))
        if occurred is None:
            continue
        persons = session.scalars(select(PersonMention).where(PersonMention.incident_id == incident_id)).all()
        vehicles = session.scalars(
            select(VehicleMention).where(VehicleMention.incident_id == incident_id).order_by(VehicleMention.position)
        ).all()
        offenders = [known for person in persons if (known := _match_person(session, person, occurred)) is not None]
        seen = [hit for vehicle in vehicles if (hit := _match_vehicle(session, vehicle)) is not None]
        found.append(IncidentMatches(incident_id=incident_id, offenders=offenders, vehicles=seen))
    return found


def _birth_years(dob: date | None, age_min: int | None, age_max: int | None, when: datetime) -> tuple[int, int] | None:
    """The years of birth a mention allows: its date of birth ±1, or its age range at the time."""
    if dob is not None:
        return dob.year - 1, dob.year + 1
    if age_min is not None and age_max is not None:
        return when.year - age_max - 1, when.year - age_min
    return None


def _overlap(ours: tuple[int, int], theirs: tuple[int, int] | None) -> bool:
    return theirs is not None and theirs[0] <= ours[1] and ours[0] <= theirs[1]


def _swapped(dob: date) -> date | None:
    try:
        return dob.replace(day=dob.month, month=dob.day) if dob.day <= 12 and dob.day != dob.month else None
    except ValueError:
        return None


def _first(given: str | None) -> str:
    return given.split()[0].casefold() if given else ""


def _match_person(session: Session, person: PersonMention, when: datetime) -> KnownOffender | None:
    """The known offender a person mention is, by the strongest evidence that finds one."""
    candidates: list[tuple[str, int]] = []  # (how, offender_id)
    link = select(PersonLink.offender_id, PersonMention).join(PersonMention, PersonMention.id == PersonLink.mention_id)
    others = PersonMention.incident_id != person.incident_id
    if person.pnc_id:
        for offender_id, _ in session.execute(link.where(PersonMention.pnc_id == person.pnc_id, others).limit(50)):
            candidates.append((PNC, offender_id))
    years = _birth_years(person.dob, person.age_min, person.age_max, when)
    if person.family_name and person.given_names and years is not None:
        first = person.given_names.split()[0]
        named = and_(
            PersonMention.family_name == person.family_name,
            or_(PersonMention.given_names == first, PersonMention.given_names.like(f"{first} %")),
            others,
        )
        rows = session.execute(
            link.join(Incident, Incident.id == PersonMention.incident_id)
            .add_columns(Incident.occurred_at)
            .where(named)
            .limit(_MAX_CANDIDATES)
        ).all()
        swapped = _swapped(person.dob) if person.dob else None
        for offender_id, mention, occurred in rows:
            if _first(mention.given_names) != _first(person.given_names):
                continue
            if person.dob is not None and mention.dob == person.dob:
                candidates.append((NAME_DOB, offender_id))
            elif swapped is not None and mention.dob == swapped:
                candidates.append((NAME_DOB_SWAPPED, offender_id))
            elif (person.dob is None or mention.dob is None) and _overlap(
                years, _birth_years(mention.dob, mention.age_min, mention.age_max, occurred)
            ):
                candidates.append((NAME_YEAR, offender_id))
    if not candidates:
        return None
    best = min(_STRENGTH[how] for how, _ in candidates)
    chosen = {offender_id for how, offender_id in candidates if _STRENGTH[how] == best}
    if len(chosen) != 1:  # two known people fit equally well: say nothing rather than guess
        return None
    offender = session.get(Offender, chosen.pop())
    if offender is None:
        return None
    how = next(how for how, _ in candidates if _STRENGTH[how] == best)
    return KnownOffender(
        person.person_ref, offender.id, offender.display_name, offender.incidents, offender.forces, how
    )


def _match_vehicle(session: Session, mention: VehicleMention) -> KnownVehicle | None:
    """The known vehicle a vehicle mention is: same mark, same mark misread, or a partial fit."""
    read = Description.of(mention.make, mention.model, mention.colour)
    if mention.vrm_normalised:
        exact = session.scalars(
            select(Vehicle)
            .join(VehicleLink, VehicleLink.vehicle_id == Vehicle.id)
            .join(VehicleMention, VehicleMention.id == VehicleLink.mention_id)
            .where(VehicleMention.vrm_normalised == mention.vrm_normalised)
            .limit(1)
        ).first()
        if exact is not None:
            return _known(mention, exact, PLATE)
        try:
            fuzzy = RegistrationMark.parse(mention.vrm_normalised).fuzzy_key
        except InvalidValue:
            return None
        near = session.scalars(select(Vehicle).where(Vehicle.vrm_fuzzy == fuzzy).limit(5)).all()
        near = [v for v in near if not read.contradicts(Description.of(v.make, v.model, v.colour))]
        if len(near) == 1 and near[0].vrm:
            return _known(mention, near[0], PLATE_MISREAD.format(read=mention.vrm_normalised, mark=near[0].vrm))
        return None
    pattern = mention.vrm_pattern or ""
    if sum(c != "?" for c in pattern) < 4:
        return None
    fits = session.scalars(select(Vehicle).where(Vehicle.vrm.like(pattern.replace("?", "_"))).limit(6)).all()
    fits = [v for v in fits if not read.contradicts(Description.of(v.make, v.model, v.colour))]
    if len(fits) == 1 and fits[0].vrm:
        return _known(mention, fits[0], PLATE_PARTIAL.format(read=pattern, mark=fits[0].vrm))
    return None


def _known(mention: VehicleMention, vehicle: Vehicle, how: str) -> KnownVehicle:
    return KnownVehicle(mention.position, mention.vrm, vehicle.id, vehicle.vrm, vehicle.incidents, vehicle.forces, how)
