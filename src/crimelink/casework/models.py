"""Casework tables: referrals and their lifecycle, operations and their results, engagement.

The analysis replaces offenders, vehicles and groups whole on every run, so their ids are not
stable: a subject or a link that names one also keeps ``anchor_mention_id`` (a person or vehicle
mention, which never changes) and a ``label`` as it was when linked, and casework resolves the
current offender, group or vehicle through the anchor. Incidents are stable and are kept by id.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crimelink.store.models.base import Base, BigId, Id, utcnow

__all__ = [
    "Arrest",
    "Charge",
    "CourtResult",
    "CrimeOutcome",
    "EngagementAttendance",
    "EngagementSession",
    "Operation",
    "OperationLink",
    "Referral",
    "ReferralNote",
    "ReferralSubject",
    "ReferralTransition",
    "Sentence",
]


class Referral(Base):
    """A retailer's or force's request that the national team look at a person, group, vehicle or crimes."""

    __tablename__ = "referrals"

    id: Mapped[Id]
    referrer_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisations.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    summary: Mapped[str] = mapped_column(Text)
    request: Mapped[str] = mapped_column(Text)  # what the referrer asks for
    crime_references: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(20), index=True)
    status_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    suggested_force: Mapped[str | None] = mapped_column(String(32))
    lead_force: Mapped[str | None] = mapped_column(String(32), index=True)
    result: Mapped[str | None] = mapped_column(Text)  # why it closed, for the team (not the referrer)
    priority_score: Mapped[float] = mapped_column(Float, default=0.0)
    priority_parts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ReferralSubject(Base):
    """Who or what a referral is about: a person (offender), group, vehicle or incident."""

    __tablename__ = "referral_subjects"

    id: Mapped[Id]
    referral_id: Mapped[int] = mapped_column(BigId, ForeignKey("referrals.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int | None] = mapped_column(BigId)
    anchor_mention_id: Mapped[int | None] = mapped_column(BigId)
    label: Mapped[str] = mapped_column(String(400))
    details: Mapped[str | None] = mapped_column(Text)  # the referrer's own words
    crime_reference: Mapped[str | None] = mapped_column(String(64))
    from_referrer: Mapped[bool] = mapped_column(Boolean, default=True)
    added_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class ReferralTransition(Base):
    """One step of a referral's lifecycle: from what, to what, who, when and why."""

    __tablename__ = "referral_transitions"

    id: Mapped[Id]
    referral_id: Mapped[int] = mapped_column(BigId, ForeignKey("referrals.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    by_organisation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("organisations.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ReferralNote(Base):
    """A note on a referral: investigation notes for the team, or feedback meant for the referrer."""

    __tablename__ = "referral_notes"

    id: Mapped[Id]
    referral_id: Mapped[int] = mapped_column(BigId, ForeignKey("referrals.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))
    by_organisation_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("organisations.id"))
    text: Mapped[str] = mapped_column(Text)
    for_referrer: Mapped[bool] = mapped_column(Boolean, default=False)


class Operation(Base):
    """An investigation a lead force adopted, from a disseminated package or on its own."""

    __tablename__ = "operations"

    id: Mapped[Id]
    name: Mapped[str] = mapped_column(String(100), unique=True)
    lead_force: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    adopted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)
    result: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)


class OperationLink(Base):
    """What an operation works on: a referral, offender, group, vehicle or incident."""

    __tablename__ = "operation_links"
    __table_args__ = (UniqueConstraint("operation_id", "kind", "target_id"),)

    id: Mapped[Id]
    operation_id: Mapped[int] = mapped_column(BigId, ForeignKey("operations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(BigId)
    anchor_mention_id: Mapped[int | None] = mapped_column(BigId)
    label: Mapped[str] = mapped_column(String(400))
    linked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Arrest(Base):
    __tablename__ = "arrests"

    id: Mapped[Id]
    operation_id: Mapped[int] = mapped_column(BigId, ForeignKey("operations.id"), index=True)
    offender_id: Mapped[int | None] = mapped_column(BigId)
    anchor_mention_id: Mapped[int | None] = mapped_column(BigId)
    person: Mapped[str] = mapped_column(String(200))
    arrested_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    police_force: Mapped[str | None] = mapped_column(String(32))
    notes: Mapped[str | None] = mapped_column(Text)


class Charge(Base):
    __tablename__ = "charges"

    id: Mapped[Id]
    operation_id: Mapped[int] = mapped_column(BigId, ForeignKey("operations.id"), index=True)
    arrest_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("arrests.id"))
    person: Mapped[str] = mapped_column(String(200))
    offence: Mapped[str] = mapped_column(String(32))
    counts: Mapped[int] = mapped_column(Integer, default=1)
    charged_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class CrimeOutcome(Base):
    """The Home Office outcome type a force gave one crime worked by an operation."""

    __tablename__ = "crime_outcomes"

    id: Mapped[Id]
    operation_id: Mapped[int] = mapped_column(BigId, ForeignKey("operations.id"), index=True)
    incident_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("incidents.id"))
    crime_reference: Mapped[str | None] = mapped_column(String(64))
    charge_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("charges.id"))
    outcome_type: Mapped[str] = mapped_column(String(8))
    recorded_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class CourtResult(Base):
    __tablename__ = "court_results"

    id: Mapped[Id]
    operation_id: Mapped[int] = mapped_column(BigId, ForeignKey("operations.id"), index=True)
    charge_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("charges.id"))
    person: Mapped[str] = mapped_column(String(200))
    court: Mapped[str | None] = mapped_column(String(200))
    verdict: Mapped[str] = mapped_column(String(32))
    decided_at: Mapped[datetime] = mapped_column(DateTime, index=True)


class Sentence(Base):
    __tablename__ = "sentences"

    id: Mapped[Id]
    court_result_id: Mapped[int] = mapped_column(BigId, ForeignKey("court_results.id"), index=True)
    custodial_months: Mapped[float] = mapped_column(Float, default=0.0)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    community_order: Mapped[bool] = mapped_column(Boolean, default=False)
    fine_gbp: Mapped[float] = mapped_column(Float, default=0.0)
    deportation: Mapped[bool] = mapped_column(Boolean, default=False)
    notes: Mapped[str | None] = mapped_column(Text)


class EngagementSession(Base):
    """An upskilling session the national team held with retailers."""

    __tablename__ = "engagement_sessions"

    id: Mapped[Id]
    held_on: Mapped[date] = mapped_column(Date, index=True)
    title: Mapped[str] = mapped_column(String(200))
    police_force: Mapped[str | None] = mapped_column(String(32))
    attendees: Mapped[int] = mapped_column(Integer, default=0)
    notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id"))


class EngagementAttendance(Base):
    __tablename__ = "engagement_attendance"

    session_id: Mapped[int] = mapped_column(BigId, ForeignKey("engagement_sessions.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisations.id"), primary_key=True, index=True)
