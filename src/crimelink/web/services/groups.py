"""Organised groups as the analysis found them: the list, and one group with its network.

Members are named from the reports the viewer may see (``crimelink.access.identity``), as on
their own profiles.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from itertools import combinations
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crimelink.access.identity import person_identities, reports_shown
from crimelink.access.policy import Viewer, group_filter, incident_filter
from crimelink.errors import NotFound
from crimelink.store.models import GroupMember, Incident, Offender, OffenderGroup, PersonLink, PersonMention
from crimelink.store.models.patterns import UnidentifiedMember
from crimelink.web.services.profiles import (
    ForceShare,
    Priority,
    ProfileIncident,
    force_shares,
    profile_incidents,
)

GRAPH_MEMBERS = 150  # beyond this a network drawing stops being readable


class GroupRow(BaseModel):
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


class GroupList(BaseModel):
    total: int
    rows: list[GroupRow]


class MemberRow(BaseModel):
    offender_id: int
    display_name: str
    named: bool
    incidents: int
    value_gbp: float
    strength: float
    priority_rank: int | None


class UnidentifiedRow(BaseModel):
    """A suspect seen only as a description, attributed to the group (never merged into a member)."""

    offender_id: int
    display_name: str
    sightings: int  # incidents of this record the viewer may see
    strength: float
    evidence: str | None  # in words; only when every incident behind it is the viewer's to see


class Edge(BaseModel):
    source: int
    target: int
    incidents: int  # incidents the two offended in together


class GroupDetail(BaseModel):
    group: GroupRow
    priority: Priority
    members: list[MemberRow]
    unidentified: list[UnidentifiedRow]
    incidents: list[ProfileIncident]
    forces: list[ForceShare]
    edges: list[Edge]


def _row(group: OffenderGroup) -> GroupRow:
    return GroupRow(
        id=group.id,
        label=group.label,
        members=group.members,
        incidents=group.incidents,
        forces=group.forces,
        value_gbp=group.value_gbp,
        first_seen=group.first_seen,
        last_seen=group.last_seen,
        priority_score=group.priority_score,
        priority_rank=group.priority_rank,
    )


def list_groups(*, db_session: Session, viewer: Viewer) -> GroupList:
    """Every group the viewer may see, highest priority first."""
    groups = db_session.scalars(
        select(OffenderGroup)
        .where(group_filter(viewer))
        .order_by(
            OffenderGroup.priority_rank.is_(None),
            OffenderGroup.priority_rank,
            OffenderGroup.value_gbp.desc(),
            OffenderGroup.id,
        )
    ).all()
    return GroupList(total=len(groups), rows=[_row(g) for g in groups])


def co_offending(pairs: list[tuple[int, int]]) -> list[Edge]:
    """Edges between offenders who appear in the same incident, weighted by how often."""
    by_incident: dict[int, set[int]] = {}
    for incident_id, offender_id in pairs:
        by_incident.setdefault(incident_id, set()).add(offender_id)
    weights: Counter[tuple[int, int]] = Counter()
    for offenders in by_incident.values():
        weights.update(combinations(sorted(offenders), 2))
    return [Edge(source=a, target=b, incidents=n) for (a, b), n in sorted(weights.items())]


def group_detail(*, db_session: Session, viewer: Viewer, group_id: int) -> GroupDetail:
    """One group; :class:`NotFound` if absent or not visible to the viewer."""
    group = db_session.scalar(select(OffenderGroup).where(OffenderGroup.id == group_id, group_filter(viewer)))
    if group is None:
        raise NotFound("no such group", group_id=group_id)
    members = db_session.execute(
        select(Offender, GroupMember.strength)
        .join(GroupMember, GroupMember.offender_id == Offender.id)
        .where(GroupMember.group_id == group.id)
        .order_by(Offender.priority_rank.is_(None), Offender.priority_rank, Offender.display_name)
    ).all()
    member_ids = select(GroupMember.offender_id).where(GroupMember.group_id == group.id)
    mentions = (
        select(PersonMention.incident_id)
        .join(PersonLink, PersonLink.mention_id == PersonMention.id)
        .where(PersonLink.offender_id.in_(member_ids))
    )
    incidents = profile_incidents(db_session=db_session, viewer=viewer, incident_ids=mentions)
    pairs: list[tuple[int, int]] = []
    if len(members) <= GRAPH_MEMBERS:
        pairs = [
            (i, o)
            for i, o in db_session.execute(
                select(PersonMention.incident_id, PersonLink.offender_id)
                .join(PersonLink, PersonLink.mention_id == PersonMention.id)
                .where(PersonLink.offender_id.in_(member_ids))
            )
        ]
    parts: dict[str, Any] = dict(group.priority_parts or {})
    who = person_identities(session=db_session, offender_ids=[o.id for o, _ in members], shown=reports_shown(viewer))
    return GroupDetail(
        group=_row(group),
        priority=Priority(score=group.priority_score, rank=group.priority_rank, parts=parts),
        members=[
            MemberRow(
                offender_id=o.id,
                display_name=who[o.id].display_name,
                named=who[o.id].named,
                incidents=o.incidents,
                value_gbp=o.value_gbp,
                strength=strength,
                priority_rank=o.priority_rank,
            )
            for o, strength in members
            if o.id in who
        ],
        unidentified=unidentified_members(db_session=db_session, viewer=viewer, group_id=group.id),
        incidents=incidents,
        forces=force_shares(incidents),
        edges=co_offending(pairs),
    )


def unidentified_members(*, db_session: Session, viewer: Viewer, group_id: int) -> list[UnidentifiedRow]:
    """The group's unidentified members that the viewer has seen in at least one incident it may
    open, strongest first. The evidence in words counts incidents nationally, so it is shown only
    when the viewer may see every one of them; otherwise only the viewer's own sightings count."""
    seen = (
        select(PersonLink.offender_id, func.count(func.distinct(PersonMention.incident_id)).label("total"),
               func.count(func.distinct(Incident.id)).filter(incident_filter(viewer)).label("visible"))
        .join(PersonMention, PersonMention.id == PersonLink.mention_id)
        .join(Incident, Incident.id == PersonMention.incident_id)
        .where(PersonLink.offender_id.in_(
            select(UnidentifiedMember.offender_id).where(UnidentifiedMember.group_id == group_id)))
        .group_by(PersonLink.offender_id)
        .subquery()
    )
    rows = db_session.execute(
        select(UnidentifiedMember, seen.c.total, seen.c.visible)
        .join(seen, seen.c.offender_id == UnidentifiedMember.offender_id)
        .where(UnidentifiedMember.group_id == group_id, seen.c.visible > 0)
        .order_by(UnidentifiedMember.strength.desc(), UnidentifiedMember.offender_id)
    ).all()
    who = person_identities(session=db_session, offender_ids=[u.offender_id for u, _, _ in rows],
                            shown=reports_shown(viewer))
    return [
        UnidentifiedRow(offender_id=u.offender_id, display_name=who[u.offender_id].display_name,
                        sightings=int(visible), strength=u.strength, evidence=u.evidence if total == visible else None)
        for u, total, visible in rows
        if u.offender_id in who
    ]
