"""What an analysis run concluded: offenders, vehicles, groups, series and priorities.

Each run replaces the previous conclusions whole (in one transaction), and ``analysis_runs``
keeps when it ran, with what settings, and what it found. Analysts' own decisions live
elsewhere and are never overwritten by a run.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from crimelink.store.models.base import Base, BigId, Id, utcnow


class AnalysisRun(Base):
    __tablename__ = "analysis_runs"

    id: Mapped[Id]
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="running")
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str | None] = mapped_column(Text)


class Offender(Base):
    """A resolved identity: the platform's judgement that several mentions are one person."""

    __tablename__ = "offenders"

    id: Mapped[Id]
    display_name: Mapped[str] = mapped_column(String(400))
    named: Mapped[bool] = mapped_column(default=False)
    dob: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(16))
    mentions: Mapped[int] = mapped_column(Integer, default=0)
    incidents: Mapped[int] = mapped_column(Integer, default=0)
    forces: Mapped[int] = mapped_column(Integer, default=0)
    value_gbp: Mapped[float] = mapped_column(Float, default=0.0)
    first_seen: Mapped[datetime | None] = mapped_column(DateTime)
    last_seen: Mapped[datetime | None] = mapped_column(DateTime)
    group_id: Mapped[int | None] = mapped_column(BigId, index=True)
    priority_score: Mapped[float] = mapped_column(Float, default=0.0)
    priority_rank: Mapped[int | None] = mapped_column(Integer, index=True)
    priority_parts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class PersonLink(Base):
    """Which offender each person mention was resolved to, and how sure the platform is."""

    __tablename__ = "person_links"

    mention_id: Mapped[int] = mapped_column(BigId, ForeignKey("person_mentions.id"), primary_key=True)
    offender_id: Mapped[int] = mapped_column(BigId, index=True)
    match_probability: Mapped[float] = mapped_column(Float, default=1.0)
    reason: Mapped[str | None] = mapped_column(String(400))
    # How the mention came to be in its offender: "suggested" (the model's link, not yet
    # reviewed), "confirmed" (an analyst's decision), "context" (a described-only mention
    # joined by shared vehicles or associates), "alone" or "described" (no link).
    status: Mapped[str] = mapped_column(String(16), default="alone")
    # The mention of the same offender whose comparison explains the link, its match weight,
    # and per comparison [level, weight, term-frequency adjustment]: with the run's model
    # (``linkage_models``) that is Splink's waterfall, without storing the labels a million times.
    linked_to: Mapped[int | None] = mapped_column(BigId)
    match_weight: Mapped[float | None] = mapped_column(Float)
    evidence: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class LinkageModel(Base):
    """The trained person-linkage model of an analysis run, to explain its links later."""

    __tablename__ = "linkage_models"

    run_id: Mapped[int] = mapped_column(BigId, ForeignKey("analysis_runs.id"), primary_key=True)
    model: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class LinkDecision(Base):
    """An analyst's decision about who is who, which every later analysis run obeys.

    Decisions name mentions, not offenders: offender ids are renumbered by each run, mentions
    are not. ``action`` is what the analyst did ("confirm" a suggested link, "reject" it,
    "split" mentions off an offender, "merge" two offenders); ``side_a``/``side_b`` are the
    mention ids on either side. A later decision that contradicts an earlier one retires it
    (``active`` false, ``superseded_by``), so the latest word stands and the history stays.
    """

    __tablename__ = "link_decisions"

    id: Mapped[Id]
    action: Mapped[str] = mapped_column(String(16))
    side_a: Mapped[list[int]] = mapped_column(JSON)
    side_b: Mapped[list[int]] = mapped_column(JSON)
    reason: Mapped[str] = mapped_column(Text)
    offender_id: Mapped[int | None] = mapped_column(BigId)  # as numbered when decided, for the record
    decided_by: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"))
    organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisations.id"))
    decided_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    active: Mapped[bool] = mapped_column(default=True, index=True)
    superseded_by: Mapped[int | None] = mapped_column(BigId)


class Vehicle(Base):
    __tablename__ = "vehicles"

    id: Mapped[Id]
    vrm: Mapped[str | None] = mapped_column(String(16), index=True)  # normalised; None if only partial
    # The mark with confusable characters folded (RegistrationMark.fuzzy_key): misreads meet here.
    vrm_fuzzy: Mapped[str | None] = mapped_column(String(16), index=True)
    make: Mapped[str | None] = mapped_column(String(64))
    model: Mapped[str | None] = mapped_column(String(64))
    colour: Mapped[str | None] = mapped_column(String(32))
    mentions: Mapped[int] = mapped_column(Integer, default=0)
    incidents: Mapped[int] = mapped_column(Integer, default=0)
    forces: Mapped[int] = mapped_column(Integer, default=0)
    # The mark was seen on cars whose descriptions consistently disagree, and split into one
    # vehicle per car (crimelink.resolve.clones); the links' reasons say which car each read is.
    possible_clone: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # That mark, on every vehicle split from it: the page finds the other car(s) by it.
    clone_group: Mapped[str | None] = mapped_column(String(16), index=True)


class VehicleLink(Base):
    __tablename__ = "vehicle_links"

    mention_id: Mapped[int] = mapped_column(BigId, ForeignKey("vehicle_mentions.id"), primary_key=True)
    vehicle_id: Mapped[int] = mapped_column(BigId, index=True)
    reason: Mapped[str | None] = mapped_column(String(400))


class OffenderGroup(Base):
    """An organised crime group as detected (``groups`` is a reserved word in some SQL)."""

    __tablename__ = "offender_groups"

    id: Mapped[Id]
    label: Mapped[str] = mapped_column(String(200))
    members: Mapped[int] = mapped_column(Integer, default=0)
    incidents: Mapped[int] = mapped_column(Integer, default=0)
    forces: Mapped[int] = mapped_column(Integer, default=0)
    value_gbp: Mapped[float] = mapped_column(Float, default=0.0)
    first_seen: Mapped[datetime | None] = mapped_column(DateTime)
    last_seen: Mapped[datetime | None] = mapped_column(DateTime)
    priority_score: Mapped[float] = mapped_column(Float, default=0.0)
    priority_rank: Mapped[int | None] = mapped_column(Integer, index=True)
    priority_parts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class GroupMember(Base):
    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    offender_id: Mapped[int] = mapped_column(BigId, primary_key=True, index=True)
    strength: Mapped[float] = mapped_column(Float, default=1.0)


class Series(Base):
    __tablename__ = "series"

    id: Mapped[Id]
    incidents: Mapped[int] = mapped_column(Integer, default=0)
    forces: Mapped[int] = mapped_column(Integer, default=0)
    value_gbp: Mapped[float] = mapped_column(Float, default=0.0)
    first_seen: Mapped[datetime | None] = mapped_column(DateTime)
    last_seen: Mapped[datetime | None] = mapped_column(DateTime)


class IncidentSeries(Base):
    __tablename__ = "incident_series"

    incident_id: Mapped[int] = mapped_column(BigId, ForeignKey("incidents.id"), primary_key=True)
    series_id: Mapped[int] = mapped_column(BigId, index=True)
