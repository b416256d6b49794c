"""Patterns as the analysis found them: series, group profiles, key players, routes, hotspots,
and police-recorded crime beside the retailers' reports.

Series, key players and hotspots are law-enforcement intelligence like groups: the national unit
sees all, a force what touches its area, retailers none. Police-recorded crime is published
data (data.police.uk, OGL): everyone sees it, beside the reports they may see.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, false, func, select, true
from sqlalchemy.orm import Session

from crimelink.access.policy import Viewer, group_filter, incident_filter, offender_filter, profile_incident_filter
from crimelink.domain.forces import FORCE_IDS, police_force
from crimelink.errors import NotFound
from crimelink.network.features import as_tag_list
from crimelink.store.models import (
    GroupMember,
    Incident,
    IncidentSeries,
    Item,
    Offender,
    OffenderGroup,
    PersonLink,
    PersonMention,
    Series,
    Store,
    Vehicle,
    VehicleLink,
    VehicleMention,
)
from crimelink.store.models.patterns import Hotspot, KeyPlayer, NearRepeat, RecordedCrime, Route, SeriesLink
from crimelink.web.services.profiles import ForceShare, ProfileIncident, SeenVehicle, force_shares, profile_incidents

SHOPLIFTING, RETAIL_THEFT = "Shoplifting", "theft_from_shop"  # data.police.uk's type; ours


class Period(BaseModel):
    start: date
    incidents: int
    value_gbp: float


class Leg(BaseModel):
    force: str
    name: str
    first: datetime
    last: datetime
    incidents: int


class RouteOut(BaseModel):
    forces: list[str]
    cross_force: bool
    legs: list[Leg]


class SeriesRow(BaseModel):
    id: int
    incidents: int
    forces: int
    value_gbp: float
    first_seen: datetime | None
    last_seen: datetime | None
    cross_force: bool


class SeriesList(BaseModel):
    total: int
    rows: list[SeriesRow]


class Suspect(BaseModel):
    offender_id: int
    display_name: str
    named: bool
    incidents: int


class LinkOut(BaseModel):
    incident_a: int
    incident_b: int
    probability: float
    reason: str


class SeriesDetail(BaseModel):
    series: SeriesRow
    incidents: list[ProfileIncident]  # in time order
    suspects: list[Suspect]
    vehicles: list[SeenVehicle]
    forces: list[ForceShare]
    route: RouteOut | None
    links: list[LinkOut]
    timeline: list[Period]


class Share(BaseModel):
    name: str
    incidents: int
    value_gbp: float = 0.0


class PlayerRow(BaseModel):
    offender_id: int
    display_name: str
    group_id: int | None
    degree: int
    betweenness: float
    pagerank: float
    broker: bool
    groups_linked: int
    rank: int


class GroupProfile(BaseModel):
    group_id: int
    label: str
    incidents: int
    value_gbp: float
    first_seen: datetime | None
    last_seen: datetime | None
    vehicles: list[SeenVehicle]
    forces: list[ForceShare]
    stores: list[Share]
    items: list[Share]
    mo_signature: list[Share]
    timeline: list[Period]
    route: RouteOut | None
    key_players: list[PlayerRow]


class HotCell(BaseModel):
    cell: str
    incidents: int
    value_gbp: float
    gi_z: float
    hot: bool
    lat: float
    lon: float


class KnoxBand(BaseModel):
    distance_from_km: float
    distance_to_km: float
    days_from: float
    days_to: float
    observed: int
    expected: float
    ratio: float | None
    p_value: float


class Hotspots(BaseModel):
    scope: str
    scopes: list[str]
    cells: list[HotCell]
    cells_total: int  # every cell of the scope (``cells`` may be one page of them)
    knox: list[KnoxBand]
    knox_incidents: int
    permutations: int


class ContextMonth(BaseModel):
    month: str
    recorded_shoplifting: int
    retailer_reports: int


class ContextArea(BaseModel):
    lsoa_code: str
    lsoa_name: str | None
    crimes: int


class Context(BaseModel):
    force: str | None
    force_name: str | None
    forces: list[str]
    months: list[ContextMonth]
    areas: list[ContextArea]


def series_filter(viewer: Viewer) -> ColumnElement[bool]:
    """Series with an incident the viewer can see; none for retailers (as for groups)."""
    if viewer.national:
        return true()
    if not viewer.sees_groups:
        return false()
    seen = select(IncidentSeries.series_id).join(Incident, Incident.id == IncidentSeries.incident_id)
    return Series.id.in_(seen.where(incident_filter(viewer)))


def _row(s: Series, crossing: bool) -> SeriesRow:
    return SeriesRow(id=s.id, incidents=s.incidents, forces=s.forces, value_gbp=s.value_gbp, first_seen=s.first_seen,
                     last_seen=s.last_seen, cross_force=crossing)


def list_series(*, db_session: Session, viewer: Viewer, cross_force: bool = False, limit: int = 200,
                offset: int = 0) -> SeriesList:
    """Series the viewer may see, the biggest first (``limit`` of them from ``offset``)."""
    query = select(Series).where(series_filter(viewer))
    if cross_force:
        query = query.where(Series.forces >= 2)
    total = int(db_session.scalar(select(func.count()).select_from(query.subquery())) or 0)
    rows = db_session.scalars(query.order_by(Series.incidents.desc(), Series.id).offset(offset).limit(limit)).all()
    return SeriesList(total=total, rows=[_row(s, s.forces >= 2) for s in rows])


def route_of(*, db_session: Session, kind: str, entity_id: int) -> RouteOut | None:
    found = db_session.get(Route, (kind, entity_id))
    if found is None:
        return None
    legs = [Leg(force=leg["force"], name=police_force(leg["force"]).name if leg["force"] in FORCE_IDS else leg["force"],
                first=datetime.fromisoformat(leg["first"]), last=datetime.fromisoformat(leg["last"]),
                incidents=leg["incidents"]) for leg in found.route]
    return RouteOut(forces=list(found.force_list), cross_force=found.cross_force, legs=legs)


def timeline(moments: list[tuple[datetime, float]]) -> list[Period]:
    """Incidents and value per week (a span under six months) or per month, gaps as zero."""
    if not moments:
        return []
    first, last = min(m for m, _ in moments), max(m for m, _ in moments)
    weekly = (last - first).days <= 183

    def start(m: datetime) -> date:
        return (m.date() - timedelta(days=m.weekday())) if weekly else m.date().replace(day=1)

    counts: dict[date, list[float]] = {}
    for moment, value in moments:
        cell = counts.setdefault(start(moment), [0, 0.0])
        cell[0] += 1
        cell[1] += value
    out, current = [], start(first)
    while current <= start(last):
        n, v = counts.get(current, [0, 0.0])
        out.append(Period(start=current, incidents=int(n), value_gbp=round(v, 2)))
        current = (current + timedelta(days=7) if weekly
                   else (current.replace(day=28) + timedelta(days=4)).replace(day=1))
    return out


def _suspects(db_session: Session, viewer: Viewer, incidents: Select[Any]) -> list[Suspect]:
    rows = db_session.execute(
        select(Offender.id, Offender.display_name, Offender.named, func.count(func.distinct(PersonMention.incident_id)))
        .join(PersonLink, PersonLink.offender_id == Offender.id)
        .join(PersonMention, PersonMention.id == PersonLink.mention_id)
        .where(PersonMention.incident_id.in_(incidents), offender_filter(viewer))
        .group_by(Offender.id, Offender.display_name, Offender.named)
        .order_by(func.count(func.distinct(PersonMention.incident_id)).desc(), Offender.id)
    ).all()
    return [Suspect(offender_id=i, display_name=d, named=bool(n), incidents=c) for i, d, n, c in rows]


def _vehicles(db_session: Session, incidents: Select[Any]) -> list[SeenVehicle]:
    rows = db_session.execute(
        select(Vehicle.id, Vehicle.vrm, Vehicle.colour, Vehicle.make, Vehicle.model,
               func.count(func.distinct(VehicleMention.incident_id)))
        .join(VehicleLink, VehicleLink.vehicle_id == Vehicle.id)
        .join(VehicleMention, VehicleMention.id == VehicleLink.mention_id)
        .where(VehicleMention.incident_id.in_(incidents))
        .group_by(Vehicle.id, Vehicle.vrm, Vehicle.colour, Vehicle.make, Vehicle.model)
        .order_by(func.count(func.distinct(VehicleMention.incident_id)).desc(), Vehicle.id)
    ).all()
    return [SeenVehicle(vehicle_id=i, vrm=vrm, description=" ".join(p for p in (c, mk, md) if p) or "no description",
                        incidents=n) for i, vrm, c, mk, md, n in rows]


def series_detail(*, db_session: Session, viewer: Viewer, series_id: int) -> SeriesDetail:
    """One series: its incidents in time order, suspects, vehicles, route and why it holds together."""
    series = db_session.scalar(select(Series).where(Series.id == series_id, series_filter(viewer)))
    if series is None:
        raise NotFound("no such series", series_id=series_id)
    ids = select(IncidentSeries.incident_id).where(IncidentSeries.series_id == series_id)
    shown = select(Incident.id).where(Incident.id.in_(ids), profile_incident_filter(viewer))
    incidents = list(reversed(profile_incidents(db_session=db_session, viewer=viewer, incident_ids=ids)))
    links = db_session.scalars(select(SeriesLink).where(SeriesLink.series_id == series_id)
                               .order_by(SeriesLink.probability.desc(), SeriesLink.id).limit(500)).all()
    return SeriesDetail(
        series=_row(series, series.forces >= 2), incidents=incidents,
        suspects=_suspects(db_session, viewer, shown), vehicles=_vehicles(db_session, shown),
        forces=force_shares(incidents), route=route_of(db_session=db_session, kind="series", entity_id=series_id),
        links=[LinkOut.model_validate(x, from_attributes=True) for x in links],
        timeline=timeline([(i.occurred_at, i.value_gbp) for i in incidents]),
    )


def group_incidents(group_id: int) -> Select[Any]:
    members = select(GroupMember.offender_id).where(GroupMember.group_id == group_id)
    return (select(PersonMention.incident_id).join(PersonLink, PersonLink.mention_id == PersonMention.id)
            .where(PersonLink.offender_id.in_(members)))


def _players(db_session: Session, viewer: Viewer, where: list[ColumnElement[bool]], limit: int,
             offset: int = 0) -> list[PlayerRow]:
    rows = db_session.execute(
        select(KeyPlayer, Offender.display_name).join(Offender, Offender.id == KeyPlayer.offender_id)
        .where(offender_filter(viewer), *where).order_by(KeyPlayer.key_player_rank, KeyPlayer.offender_id)
        .offset(offset).limit(limit)).all()
    return [PlayerRow(offender_id=k.offender_id, display_name=name, group_id=k.group_id, degree=k.degree,
                      betweenness=k.betweenness, pagerank=k.pagerank, broker=k.broker, groups_linked=k.groups_linked,
                      rank=k.key_player_rank) for k, name in rows]


def key_players(*, db_session: Session, viewer: Viewer, brokers: bool = False, limit: int = 100,
                offset: int = 0) -> list[PlayerRow]:
    """The most central offenders (or only the brokers), for viewers who see groups."""
    if not viewer.sees_groups:
        return []
    return _players(db_session, viewer, [KeyPlayer.broker.is_(True)] if brokers else [], limit, offset)


def count_key_players(*, db_session: Session, viewer: Viewer, brokers: bool = False) -> int:
    """How many offenders :func:`key_players` ranks for the viewer, on every page together."""
    if not viewer.sees_groups:
        return 0
    where = [KeyPlayer.broker.is_(True)] if brokers else []
    return int(db_session.scalar(
        select(func.count()).select_from(KeyPlayer).join(Offender, Offender.id == KeyPlayer.offender_id)
        .where(offender_filter(viewer), *where)) or 0)


def group_profile(*, db_session: Session, viewer: Viewer, group_id: int) -> GroupProfile:
    """A group's profile: vehicles, forces and stores hit, items targeted, MO signature, activity."""
    group = db_session.scalar(select(OffenderGroup).where(OffenderGroup.id == group_id, group_filter(viewer)))
    if group is None:
        raise NotFound("no such group", group_id=group_id)
    shown = select(Incident.id).where(Incident.id.in_(group_incidents(group_id)), profile_incident_filter(viewer))
    rows = db_session.execute(select(Incident.occurred_at, Incident.value_gbp, Incident.police_force,
                                     Incident.mo_tags, Store.name).join(Store, Store.id == Incident.store_id)
                              .where(Incident.id.in_(shown))).all()
    tags = Counter(tag for row in rows for tag in set(as_tag_list(row.mo_tags)))
    stores = Counter(row.name or "unnamed store" for row in rows)
    forces = Counter(row.police_force for row in rows if row.police_force in FORCE_IDS)
    items = db_session.execute(
        select(Item.category, func.count(), func.coalesce(func.sum(Item.quantity * Item.unit_value_gbp), 0.0))
        .where(Item.incident_id.in_(shown), Item.category.is_not(None)).group_by(Item.category)
        .order_by(func.count().desc())).all()
    return GroupProfile(
        group_id=group.id, label=group.label, incidents=len(rows), value_gbp=round(sum(r.value_gbp for r in rows), 2),
        first_seen=min((r.occurred_at for r in rows), default=None),
        last_seen=max((r.occurred_at for r in rows), default=None),
        vehicles=_vehicles(db_session, shown),
        forces=[ForceShare(force=f, name=police_force(f).name, incidents=n)
                for f, n in sorted(forces.items(), key=lambda kv: (-kv[1], kv[0]))],
        stores=_top(stores, 15),
        items=[Share(name=c, incidents=n, value_gbp=round(float(v or 0), 2)) for c, n, v in items[:15]],
        mo_signature=_top(tags, 10),
        timeline=timeline([(r.occurred_at, r.value_gbp) for r in rows]),
        route=route_of(db_session=db_session, kind="group", entity_id=group_id),
        key_players=_players(db_session, viewer, [KeyPlayer.group_id == group_id], 10),
    )


def may_see_hotspots(viewer: Viewer, scope: str) -> bool:
    """Whether the viewer may see the hotspot cells of ``scope`` ("national" or a force): the
    national unit all, a force its own area's, retailers none. One rule for the hotspots page
    and for the cells on every map."""
    return viewer.national or (viewer.sees_groups and viewer.force is not None and scope == viewer.force)


def _top(counts: Counter[str], limit: int) -> list[Share]:
    return [Share(name=k, incidents=v) for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]]


def hotspots(*, db_session: Session, viewer: Viewer, scope: str | None = None, limit: int = 200,
             offset: int = 0) -> Hotspots:
    """The hottest cells (``limit`` of them from ``offset``; ``cells_total`` in all) and the Knox
    near-repeat table of one scope ("national" or a force)."""
    scopes = sorted(set(db_session.scalars(select(Hotspot.scope).distinct()).all()))
    allowed = scopes if viewer.national else [f for f in (viewer.force,) if f and may_see_hotspots(viewer, f)]
    chosen = scope or (viewer.force if not viewer.national and viewer.force else "national")
    if chosen not in allowed:
        raise NotFound("no hotspots for this area", scope=chosen)
    cells = db_session.scalars(select(Hotspot).where(Hotspot.scope == chosen)
                               .order_by(Hotspot.gi_z.desc(), Hotspot.cell).offset(offset).limit(limit)).all()
    cells_total = db_session.scalar(select(func.count()).select_from(Hotspot).where(Hotspot.scope == chosen))
    knox = db_session.scalars(select(NearRepeat).where(NearRepeat.scope == chosen)
                              .order_by(NearRepeat.distance_from_km, NearRepeat.days_from)).all()
    return Hotspots(
        scope=chosen, scopes=[s for s in scopes if s in allowed],
        cells=[HotCell.model_validate(c, from_attributes=True) for c in cells], cells_total=int(cells_total or 0),
        knox=[KnoxBand.model_validate(k, from_attributes=True) for k in knox],
        knox_incidents=knox[0].incidents if knox else 0, permutations=knox[0].permutations if knox else 0,
    )


def recorded_context(*, db_session: Session, viewer: Viewer, force: str | None = None) -> Context:
    """Recorded shoplifting (data.police.uk) beside retailers' thefts reported here, per month."""
    forces = sorted(db_session.scalars(select(RecordedCrime.police_force).distinct()).all())
    chosen = force or (viewer.force if viewer.force in forces else (forces[0] if forces else None))
    if chosen is None:
        return Context(force=None, force_name=None, forces=[], months=[], areas=[])
    if chosen not in forces:
        raise NotFound("no police-recorded crime imported for this force", force=chosen)
    recorded = dict(db_session.execute(
        select(RecordedCrime.month, func.sum(RecordedCrime.crimes))
        .where(RecordedCrime.police_force == chosen, RecordedCrime.crime_type == SHOPLIFTING)
        .group_by(RecordedCrime.month)).all())
    dialect = db_session.get_bind().dialect.name
    month = (func.to_char(Incident.occurred_at, "YYYY-MM") if dialect == "postgresql"
             else func.strftime("%Y-%m", Incident.occurred_at)).label("month")
    reported: dict[str, int] = dict(db_session.execute(
        select(month, func.count()).where(Incident.police_force == chosen, Incident.offence == RETAIL_THEFT,
                                          incident_filter(viewer)).group_by(month)).all())
    months = sorted(set(recorded) | set(reported))
    areas = db_session.execute(
        select(RecordedCrime.lsoa_code, RecordedCrime.lsoa_name, func.sum(RecordedCrime.crimes).label("n"))
        .where(RecordedCrime.police_force == chosen, RecordedCrime.crime_type == SHOPLIFTING)
        .group_by(RecordedCrime.lsoa_code, RecordedCrime.lsoa_name).order_by(func.sum(RecordedCrime.crimes).desc())
        .limit(20)).all()
    return Context(
        force=chosen, force_name=police_force(chosen).name if chosen in FORCE_IDS else chosen, forces=forces,
        months=[ContextMonth(month=m, recorded_shoplifting=int(recorded.get(m, 0) or 0),
                             retailer_reports=int(reported.get(m, 0) or 0)) for m in months],
        areas=[ContextArea(lsoa_code=c, lsoa_name=n, crimes=int(k)) for c, n, k in areas],
    )
