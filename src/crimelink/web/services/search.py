"""Finding incidents: free-text search, filters and pages, within what the viewer sees."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, exists, func, or_, select
from sqlalchemy.orm import Session

from crimelink.access.policy import Viewer, incident_filter
from crimelink.domain.forces import all_forces, police_force
from crimelink.domain.form_query import FormQuery
from crimelink.domain.offences import OffenceType
from crimelink.domain.registration import to_ascii
from crimelink.store.models import Incident, Organisation, PersonMention, Store, VehicleMention


class IncidentFilters(FormQuery):
    """Search and filters, as query parameters; blank form fields count as absent."""

    q: str | None = Field(
        None,
        max_length=200,
        description="Words in the reference, crime reference, store name or a person's name, or a registration mark",
    )
    offence: OffenceType | None = None
    force: str | None = Field(None, description="data.police.uk force id")
    submitter: str | None = Field(None, description="Code of the submitting organisation")
    date_from: date | None = None
    date_to: date | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.q:
            found.append(_text_match(self.q.strip()))
        if self.offence:
            found.append(Incident.offence == self.offence.value)
        if self.force:
            found.append(Incident.police_force == police_force(self.force).id)
        if self.submitter:
            found.append(Organisation.code == self.submitter.strip().upper())
        if self.date_from:
            found.append(Incident.occurred_at >= datetime.combine(self.date_from, time()))
        if self.date_to:
            found.append(Incident.occurred_at < datetime.combine(self.date_to + timedelta(days=1), time()))
        return found


class IncidentQuery(IncidentFilters):
    """The filters and which page of the results (the API pages with ``crimelink.web.paging``)."""

    page: int = Field(1, ge=1, le=1_000_000)  # past this, an offset past 64 bits
    per_page: int = Field(50, ge=1, le=200)


def _text_match(text: str) -> ColumnElement[bool]:
    like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    either = [
        Incident.incident_ref.ilike(like, escape="\\"),
        Incident.crime_reference.ilike(like, escape="\\"),
        Store.name.ilike(like, escape="\\"),
        exists().where(PersonMention.incident_id == Incident.id, PersonMention.name.ilike(like, escape="\\")),
    ]
    plate = "".join(to_ascii(text).upper().split())  # a plate typed with look-alikes finds the plate
    if plate.isalnum() and len(plate) >= 2:
        either.append(
            exists().where(
                VehicleMention.incident_id == Incident.id,
                VehicleMention.vrm_normalised.like(f"%{plate}%"),
            )
        )
    return or_(*either)


class IncidentRow(BaseModel):
    id: int
    incident_ref: str
    submitter: str
    occurred_at: datetime
    offence: str
    offence_label: str
    store: str | None
    police_force: str | None
    force_name: str | None
    value_gbp: float


class IncidentPage(BaseModel):
    query: IncidentQuery
    total: int
    page: int
    pages: int
    rows: list[IncidentRow]


def force_name(force_id: str | None) -> str | None:
    return police_force(force_id).name if force_id else None


def listing(viewer: Viewer) -> Select[Incident, str | None, str]:
    return (
        select(Incident, Store.name, Organisation.code)
        .join(Store, Store.id == Incident.store_id)
        .join(Organisation, Organisation.id == Incident.submitter_id)
        .where(incident_filter(viewer))
    )


def search_incidents(*, db_session: Session, viewer: Viewer, query: IncidentQuery) -> IncidentPage:
    """One page of the incidents the viewer may see that match ``query``, latest first."""
    stmt = listing(viewer).where(*query.conditions())
    total = int(db_session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    pages = max(1, math.ceil(total / query.per_page))
    rows = db_session.execute(
        stmt.order_by(Incident.occurred_at.desc(), Incident.id.desc())
        .offset((query.page - 1) * query.per_page)
        .limit(query.per_page)
    ).all()
    return IncidentPage(
        query=query,
        total=total,
        page=query.page,
        pages=pages,
        rows=[
            IncidentRow(
                id=incident.id,
                incident_ref=incident.incident_ref,
                submitter=code,
                occurred_at=incident.occurred_at,
                offence=incident.offence,
                offence_label=OffenceType(incident.offence).label,
                store=store_name,
                police_force=incident.police_force,
                force_name=force_name(incident.police_force),
                value_gbp=incident.value_gbp,
            )
            for incident, store_name, code in rows
        ],
    )


class Choice(BaseModel):
    value: str
    label: str


class SearchChoices(BaseModel):
    """What the filters offer: offences, forces, and (for the national unit) submitters."""

    offences: list[Choice]
    forces: list[Choice]
    submitters: list[Choice]


def search_choices(*, db_session: Session, viewer: Viewer) -> SearchChoices:
    submitters = []
    if viewer.national:
        submitters = [
            Choice(value=code, label=name)
            for code, name in db_session.execute(
                select(Organisation.code, Organisation.name)
                .where(exists().where(Incident.submitter_id == Organisation.id))
                .order_by(Organisation.code)
            )
        ]
    return SearchChoices(
        offences=[Choice(value=o.value, label=o.label) for o in OffenceType],
        forces=[Choice(value=f.id, label=f.name) for f in all_forces()],
        submitters=submitters,
    )
