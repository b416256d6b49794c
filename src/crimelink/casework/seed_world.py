"""What the generated year is drawn on: the analysed store read once, and the year being written.

Part of ``crimelink casework seed`` (``casework.generate``): ``read_world`` reads offenders, their
incidents, groups and vehicles in a fixed order (the same store and seed give the same year), and
``Year`` carries the session, the random source and the year's running counts between the steps
in ``seed_referrals`` and ``seed_results``.
"""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.casework.lifecycle import Status
from crimelink.casework.models import Operation, Referral
from crimelink.casework.schemas import TransitionIn
from crimelink.casework.service import apply_step
from crimelink.scenario._catalogue import CHAINS
from crimelink.store.models import (
    GroupMember,
    Incident,
    Offender,
    OffenderGroup,
    PersonLink,
    PersonMention,
    VehicleLink,
    VehicleMention,
)

__all__ = ["CODENAMES", "ENGAGEMENT_TITLES", "NATIONAL_UNIT", "SUPERMARKETS", "Sighting", "World", "Year", "read_world"]

NATIONAL_UNIT = "NATIONAL-UNIT"
SUPERMARKETS = frozenset(c.code for c in CHAINS if c.kind == "supermarket")
CODENAMES = (
    "Kestrel", "Harrier", "Merlin", "Osprey", "Buzzard", "Falcon", "Goshawk", "Hobby", "Peregrine", "Kite",
    "Lapwing", "Curlew", "Dunlin", "Plover", "Redshank", "Avocet", "Bittern", "Heron", "Egret", "Crane", "Stork",
    "Ibis", "Puffin", "Gannet", "Fulmar", "Petrel", "Shearwater", "Skua", "Tern", "Kittiwake", "Guillemot",
    "Razorbill", "Cormorant", "Shag", "Dipper", "Wagtail", "Pipit", "Skylark", "Linnet", "Twite", "Siskin",
    "Redpoll", "Crossbill", "Bullfinch", "Hawfinch", "Bunting", "Yellowhammer", "Nightjar", "Swift", "Martin",
)  # fmt: skip
ENGAGEMENT_TITLES = (
    "Capturing evidence: CCTV and body-worn video", "Reporting incidents to crimelink", "Crime reference numbers "
    "and referrals", "Organised groups active in your area", "Staff safety and violence against workers",
    "Working with your local police", "Identifying repeat offenders",
)  # fmt: skip
CORE_MEMBERS = 12  # an operation works a group's members with the most incidents
ASSOCIATES = 4  # and a prolific offender's most frequent co-offenders

Sighting = tuple[int, int, datetime, str | None]  # incident, submitter, when, crime reference
Subject = tuple[str, int]  # ("group", id) or ("person", id): what an operation works


@dataclass
class World:
    """What the store holds, read once, in a fixed order."""

    seen: dict[int, list[Sighting]]  # offender -> their incidents, oldest first
    groups: list[int]  # by priority rank
    members: dict[int, list[int]]  # group -> members, most incidents first
    vehicles_at: dict[int, list[int]]  # incident -> vehicles
    people_at: dict[int, list[int]] = field(default_factory=dict)  # incident -> offenders

    def associates(self, offender: int) -> list[int]:
        """The offender's co-offenders, most shared incidents first."""
        shared = Counter(o for s in self.seen.get(offender, []) for o in self.people_at.get(s[0], []) if o != offender)
        return [o for o, _ in sorted(shared.items(), key=lambda kv: (-kv[1], kv[0]))]

    def core(self, subject: Subject) -> list[int]:
        """Who an operation against ``subject`` works: a group's core, or an offender and associates."""
        kind, key = subject
        if kind == "group":
            return self.members.get(key, [])[:CORE_MEMBERS]
        return [key, *self.associates(key)[:ASSOCIATES]]

    def vehicles_of(self, offenders: list[int], limit: int) -> list[int]:
        """Vehicles seen at these offenders' incidents, most sightings first."""
        counts = Counter(v for o in offenders for s in self.seen.get(o, []) for v in self.vehicles_at.get(s[0], []))
        return [v for v, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def read_world(session: Session) -> World:
    seen: dict[int, list[Sighting]] = defaultdict(list)
    people_at: dict[int, list[int]] = defaultdict(list)
    rows = session.execute(
        select(PersonLink.offender_id, Incident.id, Incident.submitter_id, Incident.occurred_at,
               Incident.crime_reference)
        .join(PersonMention, PersonMention.id == PersonLink.mention_id)
        .join(Incident, Incident.id == PersonMention.incident_id)
        .order_by(PersonLink.offender_id, Incident.occurred_at, Incident.id)
    )  # fmt: skip
    for offender, incident_id, submitter_id, occurred_at, crime_reference in rows:
        if seen[offender] and seen[offender][-1][0] == incident_id:
            continue  # named twice in one report
        seen[offender].append((incident_id, submitter_id, occurred_at, crime_reference))
        people_at[incident_id].append(offender)
    groups = list(session.scalars(select(OffenderGroup.id).order_by(OffenderGroup.priority_rank, OffenderGroup.id)))
    members: dict[int, list[int]] = defaultdict(list)
    for group_id, offender_id in session.execute(
        select(GroupMember.group_id, GroupMember.offender_id)
        .join(Offender, Offender.id == GroupMember.offender_id)
        .order_by(GroupMember.group_id, Offender.incidents.desc(), Offender.id)
    ):
        members[group_id].append(offender_id)
    vehicles_at: dict[int, list[int]] = defaultdict(list)
    for incident_id, vehicle_id in session.execute(
        select(VehicleMention.incident_id, VehicleLink.vehicle_id)
        .join(VehicleLink, VehicleLink.mention_id == VehicleMention.id)
        .order_by(VehicleMention.incident_id, VehicleLink.vehicle_id)
    ):
        vehicles_at[incident_id].append(vehicle_id)
    return World(dict(seen), groups, dict(members), dict(vehicles_at), dict(people_at))


@dataclass
class Year:
    """The year being written: the session, the random source, and what has been made so far."""

    session: Session
    world: World
    rng: random.Random
    start: datetime
    end: datetime
    national_id: int
    counts: Counter[str] = field(default_factory=Counter)
    operations: dict[Subject, Operation] = field(default_factory=dict)  # subject -> its operation
    codenames: list[str] = field(default_factory=list)

    def days(self, low: float, high: float) -> timedelta:
        return timedelta(days=self.rng.uniform(low, high))

    def crime_reference(self, at: datetime) -> str:
        return f"CR/{self.rng.randint(10_000, 99_999)}/{at:%y}"

    def step(self, referral: Referral, to: Status, at: datetime, **change: str | int | None) -> bool:
        """Take one step if it falls inside the year; ``False`` (and nothing done) if not."""
        if at > self.end:
            return False
        apply_step(
            self.session,
            referral,
            TransitionIn(to=to, **change),
            by_user_id=None,
            by_organisation_id=self.national_id,
            at=at,
        )
        return True
