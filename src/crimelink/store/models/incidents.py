"""Incidents as reported, with their items and the people and vehicles they mention.

The current version of each ``(submitter, incident_ref)`` lives in ``incidents``; every earlier
version is kept whole in ``incident_versions`` so that a resubmission never silently loses
what was first said.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from crimelink.store.models.base import Base, BigId, Id, utcnow


class Incident(Base):
    __tablename__ = "incidents"
    __table_args__ = (UniqueConstraint("submitter_id", "incident_ref"),)

    id: Mapped[Id]
    submitter_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisations.id"))
    incident_ref: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    content_hash: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    reported_at: Mapped[datetime | None] = mapped_column(DateTime)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    offence: Mapped[str] = mapped_column(String(32), index=True)
    store_id: Mapped[int] = mapped_column(BigId, ForeignKey("stores.id"), index=True)
    police_force: Mapped[str | None] = mapped_column(String(32), index=True)
    # "given" by the submitter, "derived" from the store's location, or "unknown".
    police_force_source: Mapped[str] = mapped_column(String(16))
    crime_reference: Mapped[str | None] = mapped_column(String(64))
    value_gbp: Mapped[float] = mapped_column(Float, default=0.0)  # what every figure counts
    # A loss that stood out at intake, held for an analyst's review: it counts (moves into
    # value_gbp) only once confirmed. NULL: nothing held.
    value_held_gbp: Mapped[float | None] = mapped_column(Float)
    recovered_gbp: Mapped[float | None] = mapped_column(Float)
    mo_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    mo_text: Mapped[str | None] = mapped_column(Text)
    threats: Mapped[bool | None] = mapped_column(Boolean)
    assault: Mapped[bool | None] = mapped_column(Boolean)
    injury: Mapped[bool | None] = mapped_column(Boolean)
    weapon: Mapped[str | None] = mapped_column(String(16))
    cctv: Mapped[bool | None] = mapped_column(Boolean)
    body_worn_video: Mapped[bool | None] = mapped_column(Boolean)
    images: Mapped[int | None] = mapped_column(Integer)
    source_evaluation: Mapped[str | None] = mapped_column(String(1))
    intelligence_assessment: Mapped[str | None] = mapped_column(String(1))
    handling_code: Mapped[str | None] = mapped_column(String(1))
    handling_conditions: Mapped[str | None] = mapped_column(Text)
    # The report exactly as it arrived (exchange format JSON), for fidelity and re-export.
    document: Mapped[str] = mapped_column(Text)


class IncidentVersion(Base):
    """An earlier version of an incident, replaced by a resubmission."""

    __tablename__ = "incident_versions"

    id: Mapped[Id]
    incident_id: Mapped[int] = mapped_column(BigId, ForeignKey("incidents.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(DateTime)
    superseded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    document: Mapped[str] = mapped_column(Text)


class Item(Base):
    __tablename__ = "items"

    id: Mapped[Id]
    incident_id: Mapped[int] = mapped_column(BigId, ForeignKey("incidents.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(String(200))
    category: Mapped[str | None] = mapped_column(String(64))
    quantity: Mapped[int | None] = mapped_column(Integer)
    unit_value_gbp: Mapped[float | None] = mapped_column(Float)


class PersonMention(Base):
    """A person as one incident describes them: named, or only described."""

    __tablename__ = "person_mentions"
    __table_args__ = (
        UniqueConstraint("incident_id", "person_ref"),
        # Real-time matching (crimelink.resolve.realtime): a name, then its dates of birth.
        Index("ix_person_mentions_name_dob", "family_name", "given_names", "dob"),
    )

    id: Mapped[Id]
    incident_id: Mapped[int] = mapped_column(BigId, ForeignKey("incidents.id"))
    person_ref: Mapped[str] = mapped_column(String(64))
    role: Mapped[str | None] = mapped_column(String(16))
    name: Mapped[str | None] = mapped_column(String(200))
    given_names: Mapped[str | None] = mapped_column(String(200))
    family_name: Mapped[str | None] = mapped_column(String(200), index=True)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    dob: Mapped[date | None] = mapped_column(Date)
    age_min: Mapped[int | None] = mapped_column(Integer)
    age_max: Mapped[int | None] = mapped_column(Integer)
    gender: Mapped[str | None] = mapped_column(String(16))
    height_cm: Mapped[int | None] = mapped_column(Integer)
    build: Mapped[str | None] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(Text)
    identified_by: Mapped[str | None] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(400))
    postcode: Mapped[str | None] = mapped_column(String(10))
    pnc_id: Mapped[str | None] = mapped_column(String(16), index=True)


class VehicleMention(Base):
    __tablename__ = "vehicle_mentions"

    id: Mapped[Id]
    incident_id: Mapped[int] = mapped_column(BigId, ForeignKey("incidents.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    vrm: Mapped[str] = mapped_column(String(16))
    # Normalised mark (upper case, no spaces); empty for a partial read.
    vrm_normalised: Mapped[str | None] = mapped_column(String(16), index=True)
    # The read with '?' for unread characters, for matching partial plates.
    vrm_pattern: Mapped[str] = mapped_column(String(16))
    partial: Mapped[bool] = mapped_column(Boolean, default=False)
    make: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(64))
    colour: Mapped[str | None] = mapped_column(String(32))


class ImportRun(Base):
    """One intake of a file or an API batch: what came, what was stored, what was refused."""

    __tablename__ = "import_runs"

    id: Mapped[Id]
    source: Mapped[str] = mapped_column(String(400))
    channel: Mapped[str] = mapped_column(String(16))  # "file" or "api"
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    records: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    replaced: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
