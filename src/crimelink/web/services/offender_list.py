"""The offender list: the priority list, filtered and sorted, as far as the viewer may see.

An offender is listed for a viewer only where the offender profile would open for them
(``crimelink.access.policy.offender_filter``). Counts, forces and "last seen" are made from the
incidents the profile would show them, and the name from those same reports
(``crimelink.access.identity``), so a retailer learns nothing from another retailer's reports.
The national rank and score are shown only to those who see whole profiles, as on the profile;
for the others "rank" orders by their own incidents instead, so the order tells nothing either.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from crimelink.access.identity import person_identities, reports_shown
from crimelink.access.policy import Viewer, group_filter, offender_filter, profile_incident_filter
from crimelink.domain.forces import police_force
from crimelink.domain.form_query import FormQuery
from crimelink.store.models import GroupMember, Incident, Offender, OffenderGroup, PersonLink, PersonMention
from crimelink.web.paging import MAX_PAGE, Paging

EXPORTED_AT_MOST = 10_000  # a CSV download holds at most this many offenders


class OffenderSort(StrEnum):
    rank = "rank"
    incidents = "incidents"
    last_seen = "last_seen"


class OffenderFilters(FormQuery):
    """Filters of the list, as query parameters; blank form fields count as absent."""

    q: str | None = Field(None, max_length=200, description="Part of a name the viewer's reports give")
    force: str | None = Field(None, description="data.police.uk force id of one of the offender's incidents")
    group: int | None = Field(None, ge=1, description="Member of this group")
    active_since: date | None = Field(None, description="Seen on or after this day")
    sort: OffenderSort = OffenderSort.rank


class OffenderListQuery(OffenderFilters):
    """The filters and which page (the API pages with ``crimelink.web.paging``)."""

    page: int = Field(1, ge=1, le=MAX_PAGE)
    per_page: int = Field(50, ge=1, le=200)


class OffenderRow(BaseModel):
    id: int
    rank: int | None  # national priority rank; None unless the viewer sees whole profiles
    name: str
    named: bool
    incidents: int
    forces: list[str]
    group_id: int | None
    group: str | None
    last_seen: datetime | None
    score: float | None


class OffenderList(BaseModel):
    rows: list[OffenderRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def _shown_links(viewer: Viewer) -> Select[int, int, str | None, datetime]:
    """(offender, incident, force, when) for every incident a profile shows the viewer."""
    return (
        select(PersonLink.offender_id, Incident.id.label("incident_id"), Incident.police_force,
               Incident.occurred_at)
        .join(PersonMention, PersonMention.id == PersonLink.mention_id)
        .join(Incident, Incident.id == PersonMention.incident_id)
        .where(profile_incident_filter(viewer))
    )  # fmt: skip


def _conditions(viewer: Viewer, filters: OffenderFilters) -> list[ColumnElement[bool]]:
    shown = _shown_links(viewer).subquery()
    found: list[ColumnElement[bool]] = [offender_filter(viewer)]
    if filters.q:
        pattern = f"%{filters.q.strip().lower()}%"
        said = (
            select(PersonLink.offender_id)
            .join(PersonMention, PersonMention.id == PersonLink.mention_id)
            .join(Incident, Incident.id == PersonMention.incident_id)
            .where(profile_incident_filter(viewer), func.lower(PersonMention.name).like(pattern))
        )
        found.append(Offender.id.in_(said))
    if filters.force:
        force = police_force(filters.force).id
        found.append(Offender.id.in_(select(shown.c.offender_id).where(shown.c.police_force == force)))
    if filters.group:
        members = (
            select(GroupMember.offender_id)
            .join(OffenderGroup, OffenderGroup.id == GroupMember.group_id)
            .where(GroupMember.group_id == filters.group, group_filter(viewer))
        )
        found.append(Offender.id.in_(members))
    if filters.active_since:
        since = datetime.combine(filters.active_since, time())
        found.append(Offender.id.in_(select(shown.c.offender_id).where(shown.c.occurred_at >= since)))
    return found


def _groups(db_session: Session, viewer: Viewer, offender_ids: list[int]) -> dict[int, OffenderGroup]:
    """Each offender's strongest group the viewer may see."""
    rows = db_session.execute(
        select(GroupMember.offender_id, OffenderGroup)
        .join(OffenderGroup, OffenderGroup.id == GroupMember.group_id)
        .where(GroupMember.offender_id.in_(offender_ids), group_filter(viewer))
        .order_by(GroupMember.strength, OffenderGroup.id.desc())
    ).all()
    return {offender_id: group for offender_id, group in rows}  # noqa: C416  the strongest comes last


def _forces(db_session: Session, viewer: Viewer, offender_ids: list[int]) -> dict[int, list[str]]:
    shown = _shown_links(viewer).where(PersonLink.offender_id.in_(offender_ids), Incident.police_force.is_not(None))
    found: dict[int, set[str]] = {}
    for offender_id, _, force, _ in db_session.execute(shown):
        if force:
            found.setdefault(offender_id, set()).add(police_force(force).name)
    return {k: sorted(v) for k, v in found.items()}


def list_offenders(
    *, db_session: Session, viewer: Viewer, query: OffenderListQuery, everything: bool = False
) -> OffenderList:
    """One page of the offenders the viewer may see (every one up to a limit with ``everything``)."""
    shown = _shown_links(viewer).subquery()
    stats = (
        select(shown.c.offender_id, func.count(func.distinct(shown.c.incident_id)).label("incidents"),
               func.max(shown.c.occurred_at).label("last_seen"))
        .group_by(shown.c.offender_id)
        .subquery()
    )  # fmt: skip
    conditions = _conditions(viewer, query)
    total = db_session.scalar(select(func.count()).select_from(Offender).where(*conditions)) or 0
    whole = viewer.sees_whole_profiles
    incidents = func.coalesce(stats.c.incidents, 0)
    order: list[Any]
    if query.sort is OffenderSort.incidents or (query.sort is OffenderSort.rank and not whole):
        order = [incidents.desc(), stats.c.last_seen.desc(), Offender.id]
    elif query.sort is OffenderSort.last_seen:
        order = [stats.c.last_seen.desc(), Offender.id]
    else:
        order = [Offender.priority_rank.is_(None), Offender.priority_rank, Offender.id]
    statement = (
        select(Offender, incidents, stats.c.last_seen)
        .outerjoin(stats, stats.c.offender_id == Offender.id)
        .where(*conditions)
        .order_by(*order)
    )
    if everything:
        statement = statement.limit(EXPORTED_AT_MOST)
    else:
        statement = statement.offset(Paging(query.page, query.per_page).offset).limit(query.per_page)
    rows = db_session.execute(statement).all()
    ids = [o.id for o, _, _ in rows]
    names = person_identities(session=db_session, offender_ids=ids, shown=reports_shown(viewer))
    groups = _groups(db_session, viewer, ids)
    forces = _forces(db_session, viewer, ids)
    listed = []
    for offender, count, last_seen in rows:
        who = names.get(offender.id)
        group = groups.get(offender.id)
        listed.append(OffenderRow(
            id=offender.id, rank=offender.priority_rank if whole else None,
            name=who.label if who else "Unnamed person", named=bool(who and who.named),
            incidents=int(count), forces=forces.get(offender.id, []),
            group_id=group.id if group else None, group=group.label if group else None,
            last_seen=last_seen, score=round(offender.priority_score, 2) if whole else None,
        ))  # fmt: skip
    return OffenderList(rows=listed, total=total, page=query.page, per_page=query.per_page)
