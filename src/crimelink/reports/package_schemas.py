"""What an intelligence package holds (``crimelink.reports.package``), as the API gives it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel

from crimelink.casework.schemas import ForceHarmOut


class PackageSubject(BaseModel):
    offender_id: int
    name: str
    named: bool
    dob: date | None
    gender: str | None
    why: str  # named in the operation, member of a group
    group: str | None
    incidents: int  # in this package
    withheld: int  # of theirs, withheld under handling conditions
    value_gbp: float
    forces: list[str]
    first_seen: datetime | None
    last_seen: datetime | None
    priority_score: float
    priority_rank: int | None


class PackageGroup(BaseModel):
    id: int
    label: str
    members: int
    incidents: int
    forces: int
    value_gbp: float
    first_seen: datetime | None
    last_seen: datetime | None
    priority_score: float
    priority_rank: int | None


class PackageVehicle(BaseModel):
    vehicle_id: int
    vrm: str | None
    description: str
    incidents: int  # in this package
    people: list[str]  # subjects seen with it


class PackageIncident(BaseModel):
    id: int
    reference: str  # submitter and its own reference
    occurred_at: datetime
    offence: str
    store: str | None
    force: str | None
    force_name: str
    value_gbp: float
    crime_reference: str | None
    grading: str  # 3x5x2, e.g. 1AP
    graded: bool  # False: ungraded, shown as the default grading
    conditions: str | None  # handling conditions travelling with a C-coded item
    violent: bool
    people: list[str]
    vehicles: list[str]


class Withheld(BaseModel):
    incidents: int
    originators: list[str]  # whom to ask
    reasons: list[str]


class TimelineEntry(BaseModel):
    at: datetime
    kind: Literal["incident", "referral", "operation", "arrest", "charge", "court"]
    text: str


class PriorityReason(BaseModel):
    part: str
    value: str
    why: str


class PackageGrading(BaseModel):
    code: str
    source: str
    assessment: str
    handling: str
    conditions: str | None


class IntelligencePackage(BaseModel):
    reference: str
    kind: Literal["operation", "referral"]
    subject_id: int  # the operation's or referral's id
    title: str
    recipient_force: str
    recipient_name: str
    produced_at: datetime
    produced_by: str
    marking: Literal["OFFICIAL", "OFFICIAL-SENSITIVE"]
    marking_reason: str
    grading: PackageGrading
    handling_instructions: str
    priority_score: float
    priority_reasons: list[PriorityReason]
    force_harm: list[ForceHarmOut]
    referrals: list[str]  # references of the referrals behind it
    subjects: list[PackageSubject]
    groups: list[PackageGroup]
    vehicles: list[PackageVehicle]
    incidents: list[PackageIncident]
    incidents_total: int  # shown; the table lists the first MAX_INCIDENTS
    withheld: Withheld
    timeline: list[TimelineEntry]
