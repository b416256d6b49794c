"""What the casework API takes and gives: pydantic models, one per audience where audiences differ.

A referrer gets :class:`ReferralStatus` (its referral's status, its history of statuses and the
feedback meant for it); the national unit and the lead force get :class:`ReferralDetail`. The
two are told apart by ``view`` so that a client never has to guess what it was given.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from crimelink.casework.lifecycle import Status

SubjectKind = Literal["person", "group", "vehicle", "incident"]
LinkKind = Literal["referral", "person", "group", "vehicle", "incident"]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
CrimeRef = Annotated[str, StringConstraints(strip_whitespace=True, min_length=3, max_length=64)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- referrals: what comes in ----------------------------------------------------------------


class SubjectIn(_In):
    """One subject. Name it by ``id`` (an offender, group, vehicle or incident id the referrer
    can see), by ``incident_ref`` (the referrer's own incident) or ``vrm``, or describe it."""

    kind: SubjectKind
    id: int | None = None
    incident_ref: Annotated[str, StringConstraints(strip_whitespace=True, max_length=64)] | None = None
    vrm: Annotated[str, StringConstraints(strip_whitespace=True, max_length=16)] | None = None
    details: Text | None = None
    crime_reference: CrimeRef | None = None
    reported_to_police: bool = True  # an incident reported to police needs its crime reference


class ReferralCreate(_In):
    referrer: str | None = Field(None, description="Organisation code; only the national unit may refer for others.")
    summary: Text
    request: Text = Field(description="What the referrer asks the national team for.")
    crime_references: list[CrimeRef] = Field(default_factory=list, max_length=200)
    subjects: list[SubjectIn] = Field(min_length=1, max_length=100)


class TransitionIn(_In):
    to: Status
    reason: Text | None = Field(None, description="Why (kept for the team; never shown to the referrer).")
    feedback: Text | None = Field(None, description="A message for the referrer.")
    lead_force: str | None = Field(None, description="Disseminating: the data.police.uk id of the lead force.")
    operation_id: int | None = Field(None, description="Adopting: into this existing operation ...")
    operation_name: ShortText | None = Field(None, description="... or into a new operation of this name.")
    result: Text | None = Field(None, description="Closing: the result.")


class NoteIn(_In):
    text: Text
    for_referrer: bool = False


# --- referrals: what goes out ----------------------------------------------------------------


class StatusStep(BaseModel):
    status: Status
    label: str
    at: datetime


class FeedbackOut(BaseModel):
    at: datetime
    text: str


class SubjectOut(BaseModel):
    id: int
    kind: SubjectKind
    label: str
    target_id: int | None  # the current offender, group, vehicle or incident id
    details: str | None
    crime_reference: str | None
    from_referrer: bool


class ReferrerSubject(BaseModel):
    kind: SubjectKind
    label: str
    details: str | None
    crime_reference: str | None


class ReferralStatus(BaseModel):
    """What the referring organisation sees: status, history of statuses, feedback meant for it."""

    view: Literal["referrer"] = "referrer"
    id: int
    reference: str
    referrer: str
    received_at: datetime
    summary: str
    request: str
    crime_references: list[str]
    subjects: list[ReferrerSubject]  # only those the referrer itself named
    status: Status
    status_label: str
    status_at: datetime
    history: list[StatusStep]
    feedback: list[FeedbackOut]


class TransitionOut(BaseModel):
    from_status: Status | None
    to_status: Status
    at: datetime
    by: str | None  # username, or the organisation when no user (generated data)
    reason: str | None
    details: dict[str, Any]


class NoteOut(BaseModel):
    id: int
    at: datetime
    by: str | None
    text: str
    for_referrer: bool


class ForceHarmOut(BaseModel):
    force: str
    incidents: int
    value_gbp: float
    violent: int
    harm_days: float


class OperationRef(BaseModel):
    id: int
    name: str
    lead_force: str
    status: str


class ReferralDetail(BaseModel):
    """The whole referral, for the national unit and the lead force."""

    view: Literal["full"] = "full"
    id: int
    reference: str
    referrer: str
    referrer_name: str
    received_at: datetime
    summary: str
    request: str
    crime_references: list[str]
    status: Status
    status_label: str
    status_at: datetime
    lead_force: str | None
    suggested_force: str | None
    force_harm: list[ForceHarmOut]
    priority_score: float
    priority_parts: dict[str, Any]
    result: str | None
    subjects: list[SubjectOut]
    transitions: list[TransitionOut]
    notes: list[NoteOut]
    operations: list[OperationRef]
    next_steps: list[Status]  # the steps the asker may take now


ReferralView = Annotated[ReferralDetail | ReferralStatus, Field(discriminator="view")]


class ReferralRow(BaseModel):
    id: int
    reference: str
    referrer: str
    received_at: datetime
    summary: str
    status: Status
    status_at: datetime
    mine: bool  # referred by the asker's organisation
    priority_score: float | None  # None for a referrer: it is computed from intelligence it cannot see
    priority_parts: dict[str, Any] | None = None  # what the score is made of (MoRiLE), for the same audience
    lead_force: str | None


class ReferralList(BaseModel):
    total: int
    rows: list[ReferralRow]


# --- operations ------------------------------------------------------------------------------


class OperationCreate(_In):
    name: ShortText
    lead_force: str
    notes: Text | None = None


class LinkIn(_In):
    kind: LinkKind
    id: int


class ArrestIn(_In):
    person: ShortText
    offender_id: int | None = None
    arrested_at: datetime
    police_force: str | None = None
    notes: Text | None = None


class ChargeIn(_In):
    person: ShortText
    offence: str
    counts: int = Field(1, ge=1, le=10_000)
    charged_at: datetime
    arrest_id: int | None = None


class OutcomeIn(_In):
    outcome_type: str
    recorded_at: datetime
    incident_id: int | None = None
    crime_reference: CrimeRef | None = None
    charge_id: int | None = None


class SentenceIn(_In):
    custodial_months: float = Field(0.0, ge=0, le=1200)
    suspended: bool = False
    community_order: bool = False
    fine_gbp: float = Field(0.0, ge=0)
    deportation: bool = False
    notes: Text | None = None


class CourtResultIn(_In):
    person: ShortText
    verdict: Literal["convicted", "guilty_plea", "acquitted", "discontinued", "other"]
    decided_at: datetime
    court: ShortText | None = None
    charge_id: int | None = None
    sentences: list[SentenceIn] = Field(default_factory=list, max_length=20)


class CloseOperationIn(_In):
    result: Text
    closed_at: datetime | None = None


class LinkOut(BaseModel):
    kind: LinkKind
    target_id: int  # the current offender, group, vehicle or incident id (or the referral's)
    label: str
    linked_at: datetime


class ArrestOut(BaseModel):
    id: int
    person: str
    offender_id: int | None
    arrested_at: datetime
    police_force: str | None
    notes: str | None


class ChargeOut(BaseModel):
    id: int
    arrest_id: int | None
    person: str
    offence: str
    counts: int
    charged_at: datetime


class OutcomeOut(BaseModel):
    id: int
    outcome_type: str
    label: str
    positive: bool
    recorded_at: datetime
    incident_id: int | None
    crime_reference: str | None
    charge_id: int | None


class SentenceOut(BaseModel):
    custodial_months: float
    suspended: bool
    community_order: bool
    fine_gbp: float
    deportation: bool
    notes: str | None


class CourtResultOut(BaseModel):
    id: int
    person: str
    verdict: str
    decided_at: datetime
    court: str | None
    charge_id: int | None
    sentences: list[SentenceOut]


class OperationRow(BaseModel):
    id: int
    name: str
    lead_force: str
    status: str
    adopted_at: datetime
    closed_at: datetime | None


class OperationDetail(OperationRow):
    notes: str | None
    result: str | None
    links: list[LinkOut]
    arrests: list[ArrestOut]
    charges: list[ChargeOut]
    outcomes: list[OutcomeOut]
    positive_outcomes: int
    court_results: list[CourtResultOut]
    custodial_months: float  # immediate custody, suspended sentences aside


# --- outcome types and engagement ------------------------------------------------------------


class OutcomeTypeOut(BaseModel):
    code: str
    label: str
    positive: bool
    verified: bool


class EngagementIn(_In):
    held_on: date
    title: ShortText
    organisations: list[str] = Field(min_length=1, max_length=200, description="Organisation codes attending.")
    attendees: int = Field(ge=0, le=100_000)
    police_force: str | None = None
    notes: Text | None = None


class EngagementOut(BaseModel):
    id: int
    held_on: date
    title: str
    organisations: list[str]
    attendees: int
    police_force: str | None
    notes: str | None
