"""One incident whole, as the viewer may see it: store, force, items, people, vehicles, grading."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crimelink.access.identity import person_identities, reports_shown
from crimelink.access.policy import Viewer, offender_filter
from crimelink.domain.offences import OffenceType
from crimelink.errors import NotFound
from crimelink.store.models import (
    Incident,
    IncidentSeries,
    IncidentVersion,
    Item,
    Offender,
    Organisation,
    PersonLink,
    PersonMention,
    Store,
    VehicleLink,
    VehicleMention,
)
from crimelink.web.services.labels import (
    FORCE_SOURCES,
    HANDLING_CODE,
    INTELLIGENCE_ASSESSMENT,
    SOURCE_EVALUATION,
)
from crimelink.web.services.search import force_name, listing


class ForceInfo(BaseModel):
    id: str | None
    name: str | None
    source: str  # given, derived or unknown
    source_label: str


class Grading(BaseModel):
    code: str
    source_evaluation: str
    intelligence_assessment: str
    handling_code: str
    handling_conditions: str | None
    conditions_missing: bool
    meaning: list[str]


class ItemOut(BaseModel):
    description: str
    category: str | None
    quantity: int | None
    unit_value_gbp: float | None


class PersonOut(BaseModel):
    person_ref: str
    role: str | None
    name: str | None
    aliases: list[str]
    dob: date | None
    age_min: int | None
    age_max: int | None
    gender: str | None
    height_cm: int | None
    build: str | None
    description: str | None
    identified_by: str | None
    address: str | None
    postcode: str | None
    pnc_id: str | None
    offender_id: int | None
    offender_name: str | None
    match_probability: float | None


class VehicleOut(BaseModel):
    vrm: str
    partial: bool
    make: str | None
    model: str | None
    colour: str | None
    vehicle_id: int | None


class StoreOut(BaseModel):
    store_ref: str
    name: str | None
    address: str | None
    postcode: str | None
    lat: float | None
    lon: float | None


class IncidentDetail(BaseModel):
    id: int
    incident_ref: str
    submitter: str
    submitter_name: str
    version: int
    earlier_versions: int
    occurred_at: datetime
    reported_at: datetime | None
    received_at: datetime
    offence: str
    offence_label: str
    store: StoreOut
    force: ForceInfo
    crime_reference: str | None
    value_gbp: float  # counted in figures
    value_held_gbp: float | None = None  # a loss held for review: counted once confirmed
    recovered_gbp: float | None
    items: list[ItemOut]
    persons: list[PersonOut]
    vehicles: list[VehicleOut]
    mo_tags: list[str]
    mo_text: str | None
    violence: dict[str, bool | str | None]
    evidence: dict[str, bool | int | None]
    grading: Grading | None
    series_id: int | None


def _grading(incident: Incident) -> Grading | None:
    parts = (incident.source_evaluation, incident.intelligence_assessment, incident.handling_code)
    if not all(parts):
        return None
    source, assessment, handling = (str(p) for p in parts)
    conditions = incident.handling_conditions
    return Grading(
        code=source + assessment + handling,
        source_evaluation=source,
        intelligence_assessment=assessment,
        handling_code=handling,
        handling_conditions=conditions,
        conditions_missing=handling == "C" and not (conditions or "").strip(),
        meaning=[
            SOURCE_EVALUATION.get(source, ""),
            INTELLIGENCE_ASSESSMENT.get(assessment, ""),
            HANDLING_CODE.get(handling, ""),
        ],
    )


def _person(mention: PersonMention, offender_id: int | None, name: str | None, probability: float | None) -> PersonOut:
    return PersonOut(
        person_ref=mention.person_ref,
        role=mention.role,
        name=mention.name,
        aliases=list(mention.aliases or []),
        dob=mention.dob,
        age_min=mention.age_min,
        age_max=mention.age_max,
        gender=mention.gender,
        height_cm=mention.height_cm,
        build=mention.build,
        description=mention.description,
        identified_by=mention.identified_by,
        address=mention.address,
        postcode=mention.postcode,
        pnc_id=mention.pnc_id,
        offender_id=offender_id,
        offender_name=name,
        match_probability=probability if offender_id is not None else None,
    )


def get_incident(*, db_session: Session, viewer: Viewer, incident_id: int) -> IncidentDetail:
    """One incident whole; :class:`NotFound` if it does not exist or the viewer may not see it."""
    row = db_session.execute(
        listing(viewer).add_columns(Organisation.name).where(Incident.id == incident_id)
    ).one_or_none()
    if row is None:
        raise NotFound("no such incident", incident_id=incident_id)
    incident, _, code, submitter_name = row
    store = db_session.get_one(Store, incident.store_id)
    items = db_session.scalars(select(Item).where(Item.incident_id == incident.id).order_by(Item.position))
    persons = db_session.execute(
        select(
            PersonMention,
            PersonLink.offender_id,
            PersonLink.match_probability,
            Offender.display_name,
        )
        .outerjoin(PersonLink, PersonLink.mention_id == PersonMention.id)
        .outerjoin(Offender, (Offender.id == PersonLink.offender_id) & offender_filter(viewer))
        .where(PersonMention.incident_id == incident.id)
        .order_by(PersonMention.id)
    ).all()
    vehicles = db_session.execute(
        select(VehicleMention, VehicleLink.vehicle_id)
        .outerjoin(VehicleLink, VehicleLink.mention_id == VehicleMention.id)
        .where(VehicleMention.incident_id == incident.id)
        .order_by(VehicleMention.position)
    ).all()
    named = {  # each offender as the viewer's own reports name them (crimelink.access.identity)
        i: who.display_name
        for i, who in person_identities(
            session=db_session, offender_ids=[o for _, o, _, name in persons if name is not None],
            shown=reports_shown(viewer),
        ).items()
    }  # fmt: skip
    earlier = db_session.scalar(select(func.count()).where(IncidentVersion.incident_id == incident.id)) or 0
    series_id = db_session.scalar(select(IncidentSeries.series_id).where(IncidentSeries.incident_id == incident.id))
    return IncidentDetail(
        id=incident.id,
        incident_ref=incident.incident_ref,
        submitter=code,
        submitter_name=submitter_name,
        version=incident.version,
        earlier_versions=int(earlier),
        occurred_at=incident.occurred_at,
        reported_at=incident.reported_at,
        received_at=incident.received_at,
        offence=incident.offence,
        offence_label=OffenceType(incident.offence).label,
        store=StoreOut.model_validate(store, from_attributes=True),
        force=ForceInfo(
            id=incident.police_force,
            name=force_name(incident.police_force),
            source=incident.police_force_source,
            source_label=FORCE_SOURCES.get(incident.police_force_source, incident.police_force_source),
        ),
        crime_reference=incident.crime_reference,
        value_gbp=incident.value_gbp,
        value_held_gbp=incident.value_held_gbp,
        recovered_gbp=incident.recovered_gbp,
        items=[ItemOut.model_validate(item, from_attributes=True) for item in items],
        persons=[
            _person(mention, offender_id if name is not None else None, named.get(offender_id), probability)
            for mention, offender_id, probability, name in persons
        ],
        vehicles=[
            VehicleOut(
                vrm=m.vrm,
                partial=m.partial,
                make=m.make,
                model=m.model,
                colour=m.colour,
                vehicle_id=vid,
            )
            for m, vid in vehicles
        ],
        mo_tags=list(incident.mo_tags or []),
        mo_text=incident.mo_text,
        violence={
            "threats": incident.threats,
            "assault": incident.assault,
            "injury": incident.injury,
            "weapon": incident.weapon,
        },
        evidence={
            "cctv": incident.cctv,
            "body_worn_video": incident.body_worn_video,
            "images": incident.images,
        },
        grading=_grading(incident),
        series_id=series_id,
    )
