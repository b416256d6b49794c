"""Link charts from the store: the neighbourhood of an offender, group, vehicle, incident or store.

A chart is built around a *root* node (``o:12``, ``g:3``, ``v:7``, ``i:345``, ``s:8``): its
incidents (the latest ``CHART_INCIDENTS`` within the date window), the people named in them,
the vehicles noted, the stores, the group, and the series links between the incidents.
Expanding a node builds that node's own, smaller neighbourhood, which the page merges in.
A group's incidents are those of its identified members and of the unidentified suspects
attributed to it (a group nobody has named, found from its series, has only the latter).

What the page draws is the chart an analyst reads (``crimelink.network.readable``): unidentified
sightings gathered per attribution, at most about 80 nodes, and a note of what was left out;
``open`` draws one gathering's sightings instead. The exports carry the chart as drawn, or
``whole``, every node.

Visibility follows ``crimelink.access.policy`` for every node: incidents as on a profile
(retailers see only their own), offenders, vehicles and groups by their filters; series links,
like series, only for those who see groups. Offenders and vehicles are labelled from the
reports the viewer may see alone (``crimelink.access.identity``), never from another
organisation's report. A root the viewer may not see does not exist (``NotFound``).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

import h3
from pydantic import BaseModel
from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from crimelink.access.identity import person_identities, person_identity, reports_shown, vehicle_identities
from crimelink.access.policy import (
    Viewer,
    group_filter,
    incident_filter,
    offender_filter,
    profile_incident_filter,
    vehicle_filter,
)
from crimelink.errors import NotFound
from crimelink.geography import ATTRIBUTION
from crimelink.network.charts import KINDS, Chart, ChartEdge, ChartNode, to_anx, to_csv, to_graphml
from crimelink.network.readable import BUDGET, Attribution, LeftOut, readable
from crimelink.store.models import (
    GroupMember,
    Incident,
    Offender,
    OffenderGroup,
    Organisation,
    PersonLink,
    PersonMention,
    Store,
    Vehicle,
    VehicleLink,
    VehicleMention,
)
from crimelink.store.models.patterns import Hotspot, SeriesLink, UnidentifiedMember
from crimelink.web.errors import InvalidRequest

TILES_ENV = "CRIMELINK_MAP_TILES"  # e.g. https://tile.example/{z}/{x}/{y}.png; unset: no tiles (offline)
TILES_ATTRIBUTION_ENV = "CRIMELINK_MAP_TILES_ATTRIBUTION"
MAP_POINTS = 2000
MAP_CELLS = 600
CHART_INCIDENTS = 150
EXPAND_INCIDENTS = 40
EXPAND_BUDGET = 40  # nodes an expansion adds at most
_BATCH = 900  # ids per IN list (SQLite's oldest limit on bound parameters is 999)
EXPORTS = {"csv": "text/csv", "graphml": "application/graphml+xml", "anx": "application/xml; charset=utf-16"}


class ChartNodeOut(BaseModel):
    id: str
    kind: str
    label: str
    when: datetime | None
    href: str | None
    detail: dict[str, Any]


class ChartEdgeOut(BaseModel):
    id: str
    source: str
    target: str
    kind: str
    why: str
    when: datetime | None
    weight: float  # the evidence: a member's strength, a series link's probability, sightings gathered


class ChartView(BaseModel):
    root: str
    title: str
    start: date | None
    end: date | None
    truncated: bool  # more incidents than the chart shows: narrow the dates
    nodes: list[ChartNodeOut]
    edges: list[ChartEdgeOut]
    budget: int  # nodes drawn at most (opened gatherings come on top)
    total_nodes: int  # nodes of the whole chart, before gathering and the budget
    gathered: int  # unidentified sightings drawn inside a gathered node
    left_out: dict[str, int]  # kind → nodes not drawn at all
    note: str  # "showing 80 of 249 nodes: 108 unidentified sightings gathered into 2; ..."


def parse_node(node: str) -> tuple[str, int]:
    """``"g:3"`` → ("group", 3); :class:`InvalidRequest` for anything else."""
    prefix, _, number = node.partition(":")
    if prefix not in KINDS or not (number.isascii() and number.isdigit() and len(number) <= 18):  # 64-bit ids
        raise InvalidRequest("a chart node is kind:id, kind one of o, g, v, i, s", node=node)
    return KINDS[prefix], int(number)


class _Builder:
    def __init__(self, db_session: Session, viewer: Viewer, start: date | None, end: date | None, limit: int) -> None:
        self.db, self.viewer, self.limit = db_session, viewer, limit
        self.start = datetime.combine(start, time.min) if start else None
        self.end = datetime.combine(end, time.max) if end else None
        self.chart = Chart()
        self.truncated = False
        self.told = reports_shown(viewer)  # the reports offenders and vehicles are labelled from

    def incidents(self, ids: Select[Any]) -> list[int]:
        """Add the visible incidents among ``ids`` in the window, latest first, up to the limit."""
        query = (select(Incident.id, Incident.incident_ref, Incident.occurred_at, Incident.offence, Incident.value_gbp,
                        Incident.police_force, Organisation.code, incident_filter(self.viewer).label("openable"),
                        Incident.source_evaluation, Incident.intelligence_assessment, Incident.handling_code)
                 .join(Organisation, Organisation.id == Incident.submitter_id)
                 .where(Incident.id.in_(ids), profile_incident_filter(self.viewer)))
        if self.start:
            query = query.where(Incident.occurred_at >= self.start)
        if self.end:
            query = query.where(Incident.occurred_at <= self.end)
        query = query.order_by(Incident.occurred_at.desc(), Incident.id.desc()).limit(self.limit + 1)
        rows = self.db.execute(query).all()
        self.truncated |= len(rows) > self.limit
        for r in rows[: self.limit]:
            self.chart.node(ChartNode(f"i:{r.id}", "incident", f"{r.code}/{r.incident_ref}", r.occurred_at, {
                "offence": r.offence, "value_gbp": r.value_gbp, "force": r.police_force,
                "openable": bool(r.openable), "description": f"{r.offence} on {r.occurred_at:%d %b %Y}",
                # the 3x5x2 grading, of the incidents the viewer may open (as on the incident's page)
                "grading": "".join(g or "" for g in (r.source_evaluation, r.intelligence_assessment, r.handling_code))
                if r.openable else None}))
        return [r.id for r in rows[: self.limit]]

    def people(self, incident_ids: list[int]) -> list[int]:
        rows = self.db.execute(
            select(PersonLink.offender_id, PersonMention.incident_id)
            .join(PersonMention, PersonMention.id == PersonLink.mention_id)
            .join(Offender, Offender.id == PersonLink.offender_id)
            .where(PersonMention.incident_id.in_(incident_ids), offender_filter(self.viewer))
        ).all()
        who = person_identities(session=self.db, offender_ids={r.offender_id for r in rows}, shown=self.told)
        for r in rows:
            if r.offender_id in who:
                named = who[r.offender_id].named
                self.chart.node(ChartNode(f"o:{r.offender_id}", "offender", who[r.offender_id].label, None,
                                          {"named": named}))
            self._edge(f"o:{r.offender_id}", f"i:{r.incident_id}", "named in")
        return sorted({r.offender_id for r in rows if r.offender_id in who})

    def vehicles(self, incident_ids: list[int]) -> None:
        rows = self.db.execute(
            select(VehicleLink.vehicle_id, VehicleMention.incident_id, VehicleMention.vrm.label("read"))
            .join(VehicleMention, VehicleMention.id == VehicleLink.mention_id)
            .join(Vehicle, Vehicle.id == VehicleLink.vehicle_id)
            .where(VehicleMention.incident_id.in_(incident_ids), vehicle_filter(self.viewer))
        ).all()
        cars = vehicle_identities(session=self.db, vehicle_ids={r.vehicle_id for r in rows}, shown=self.told)
        for r in rows:
            car = cars.get(r.vehicle_id)
            if car is not None:
                look = car.description if car.description != "no description" else ""
                self.chart.node(ChartNode(f"v:{r.vehicle_id}", "vehicle", car.vrm or r.read, None,
                                          {"description": look}))
            self._edge(f"v:{r.vehicle_id}", f"i:{r.incident_id}", "seen at", prefix=f"{r.read} noted")

    def stores(self, incident_ids: list[int]) -> None:
        rows = self.db.execute(select(Incident.id, Store.id.label("store_id"), Store.name, Store.lat, Store.lon)
                               .join(Store, Store.id == Incident.store_id).where(Incident.id.in_(incident_ids))).all()
        for r in rows:
            self.chart.node(ChartNode(f"s:{r.store_id}", "store", r.name or f"store {r.store_id}", None,
                                      {"lat": r.lat, "lon": r.lon}))
            self._edge(f"i:{r.id}", f"s:{r.store_id}", "at")

    def groups(self, offender_ids: Iterable[int]) -> None:
        if not self.viewer.sees_groups:
            return
        rows = self.db.execute(
            select(GroupMember.group_id, GroupMember.offender_id, GroupMember.strength, OffenderGroup.label)
            .join(OffenderGroup, OffenderGroup.id == GroupMember.group_id)
            .where(GroupMember.offender_id.in_(list(offender_ids)), group_filter(self.viewer))
        ).all()
        for r in rows:
            self.chart.node(ChartNode(f"g:{r.group_id}", "group", r.label, None, {}))
            self.chart.edge(ChartEdge(f"o:{r.offender_id}", f"g:{r.group_id}", "member of",
                                      f"member of {r.label} (strength {r.strength:.2f})", weight=r.strength))

    def series_links(self, incident_ids: list[int]) -> None:
        if not self.viewer.sees_groups:  # series are law-enforcement intelligence, as groups are
            return
        rows = self.db.execute(select(SeriesLink).where(SeriesLink.incident_a.in_(incident_ids),
                                                        SeriesLink.incident_b.in_(incident_ids))).scalars().all()
        for link in rows:
            a, b = self.chart.nodes.get(f"i:{link.incident_a}"), self.chart.nodes.get(f"i:{link.incident_b}")
            when = max(a.when, b.when) if a and b and a.when and b.when else None
            self.chart.edge(ChartEdge(f"i:{link.incident_a}", f"i:{link.incident_b}", "series link",
                                      f"series {link.series_id}: {link.reason} (p = {link.probability:.2f})", when,
                                      weight=link.probability))

    def _edge(self, source: str, target: str, kind: str, prefix: str = "") -> None:
        incident = self.chart.nodes.get(target if target.startswith("i:") else source)
        if incident is None:
            return
        verb = {"named in": "named in", "seen at": "at", "at": "at"}[kind]
        when = incident.when
        text = f"{prefix or verb} {incident.label}" if kind != "at" else f"{incident.label} at this store"
        why = f"{text} on {when:%d %b %Y}" if when else text
        self.chart.edge(ChartEdge(source, target, kind, why, when))

    def around(self, incident_ids: list[int]) -> list[int]:
        offenders = self.people(incident_ids)
        self.vehicles(incident_ids)
        self.stores(incident_ids)
        self.groups(offenders)
        self.series_links(incident_ids)
        return offenders


def _incidents_of(kind: str, entity_id: int) -> Select[Any]:
    if kind == "offender":
        return (select(PersonMention.incident_id).join(PersonLink, PersonLink.mention_id == PersonMention.id)
                .where(PersonLink.offender_id == entity_id))
    if kind == "group":
        members = select(GroupMember.offender_id).where(GroupMember.group_id == entity_id)
        unidentified = select(UnidentifiedMember.offender_id).where(UnidentifiedMember.group_id == entity_id)
        return (select(PersonMention.incident_id).join(PersonLink, PersonLink.mention_id == PersonMention.id)
                .where(or_(PersonLink.offender_id.in_(members), PersonLink.offender_id.in_(unidentified))))
    if kind == "vehicle":
        return (select(VehicleMention.incident_id).join(VehicleLink, VehicleLink.mention_id == VehicleMention.id)
                .where(VehicleLink.vehicle_id == entity_id))
    if kind == "store":
        return select(Incident.id).where(Incident.store_id == entity_id)
    linked = select(SeriesLink.incident_b).where(SeriesLink.incident_a == entity_id).union(
        select(SeriesLink.incident_a).where(SeriesLink.incident_b == entity_id), select(Incident.id).where(
            Incident.id == entity_id))
    return select(linked.subquery().c[0])


def _check_root(db_session: Session, viewer: Viewer, kind: str, entity_id: int) -> str:
    """The root's title; :class:`NotFound` where the viewer may not see it."""
    title: str | None
    if kind == "offender":
        found_id = db_session.scalar(select(Offender.id).where(Offender.id == entity_id, offender_filter(viewer)))
        title = None if found_id is None else person_identity(
            session=db_session, offender_id=found_id, shown=reports_shown(viewer)).display_name
    elif kind == "group":
        title = db_session.scalar(select(OffenderGroup.label).where(OffenderGroup.id == entity_id,
                                                                    group_filter(viewer)))
    elif kind == "vehicle":
        found_id = db_session.scalar(select(Vehicle.id).where(Vehicle.id == entity_id, vehicle_filter(viewer)))
        car = None if found_id is None else vehicle_identities(
            session=db_session, vehicle_ids=[found_id], shown=reports_shown(viewer)).get(found_id)
        title = None if found_id is None else ((car.vrm if car else None) or f"vehicle {entity_id}")
    elif kind == "incident":
        title = db_session.scalar(select(Incident.incident_ref).where(Incident.id == entity_id,
                                                                      _reachable_incident(viewer)))
    else:
        title = db_session.scalar(select(Store.name).where(
            Store.id == entity_id, Store.id.in_(select(Incident.store_id).where(incident_filter(viewer)))))
    if title is None:
        raise NotFound(f"no such {kind}", id=entity_id)
    return title


def _reachable_incident(viewer: Viewer) -> ColumnElement[bool]:
    """Incidents a chart may start from: those the viewer may open, and for those who see whole
    profiles, the incidents of an offender, vehicle or group they may see (a chart's own nodes)."""
    if not viewer.sees_whole_profiles or viewer.national:
        return incident_filter(viewer)
    offenders = select(Offender.id).where(offender_filter(viewer))
    groups = select(OffenderGroup.id).where(group_filter(viewer))
    people = (select(PersonMention.incident_id).join(PersonLink, PersonLink.mention_id == PersonMention.id)
              .where(or_(PersonLink.offender_id.in_(offenders), PersonLink.offender_id.in_(
                  select(GroupMember.offender_id).where(GroupMember.group_id.in_(groups))))))
    cars = (select(VehicleMention.incident_id).join(VehicleLink, VehicleLink.mention_id == VehicleMention.id)
            .where(VehicleLink.vehicle_id.in_(select(Vehicle.id).where(vehicle_filter(viewer)))))
    return or_(incident_filter(viewer), Incident.id.in_(people), Incident.id.in_(cars))


_HREF = {"offender": "/offenders/{}", "group": "/groups/{}", "vehicle": "/vehicles/{}", "incident": "/incidents/{}"}


def _view(chart: Chart, shown: LeftOut, *, root: str, start: date | None, end: date | None, truncated: bool,
          budget: int) -> ChartView:
    nodes = [ChartNodeOut(id=n.id, kind=n.kind, label=n.label, when=n.when, detail=n.detail,
                          href=_HREF[n.kind].format(n.id.split(":")[1]) if n.kind in _HREF else None)
             for n in chart.nodes.values()]
    edges = [ChartEdgeOut(id=e.id, source=e.source, target=e.target, kind=e.kind, why=e.why, when=e.when,
                          weight=e.weight) for e in chart.edges.values()]
    return ChartView(root=root, title=chart.title, start=start, end=end, truncated=truncated, nodes=nodes,
                     edges=edges, budget=budget, total_nodes=shown.total, gathered=shown.gathered,
                     left_out=shown.left_out, note=shown.words())


def _attributions(db_session: Session, viewer: Viewer, chart: Chart) -> dict[str, Attribution]:
    """The group each unidentified sighting of the chart is attributed to, among the groups the
    viewer sees (a retailer sees none: its sightings are gathered without a word of groups)."""
    if not viewer.sees_groups:
        return {}
    unnamed = sorted(int(n.id[2:]) for n in chart.nodes.values() if n.kind == "offender" and not n.detail.get("named"))
    found = {f"o:{i}": Attribution(0, "no group") for i in unnamed}
    for k in range(0, len(unnamed), _BATCH):
        rows = db_session.execute(
            select(UnidentifiedMember.offender_id, UnidentifiedMember.group_id, OffenderGroup.label)
            .join(OffenderGroup, OffenderGroup.id == UnidentifiedMember.group_id)
            .where(UnidentifiedMember.offender_id.in_(unnamed[k : k + _BATCH]), group_filter(viewer))).all()
        found |= {f"o:{r.offender_id}": Attribution(r.group_id, r.label.split(" — ")[0]) for r in rows}
    return found


def _opened(value: str | None) -> list[str]:
    if value is None:
        return []
    if not value.startswith("u:") or len(value) > 64:
        raise InvalidRequest("open names a gathered node of the chart: u:group (u:0 for no group)", open=value)
    return [value]


def build_chart(
    *, db_session: Session, viewer: Viewer, node: str, start: date | None = None, end: date | None = None,
    expand: bool = False, opened: str | None = None, whole: bool = False,
) -> tuple[ChartView, Chart]:
    """The chart around ``node`` (or, ``expand``, its one-hop neighbourhood) as drawn, and the
    chart exported: as drawn, or ``whole``, every node."""
    unfolded = _opened(opened)
    kind, entity_id = parse_node(node)
    title = _check_root(db_session, viewer, kind, entity_id)
    builder = _Builder(db_session, viewer, start, end, EXPAND_INCIDENTS if expand else CHART_INCIDENTS)
    root = builder.chart
    if kind == "group":
        group_title = title
        root.node(ChartNode(node, "group", group_title, None, {}))
        members = db_session.scalars(
            select(Offender.id).join(GroupMember, GroupMember.offender_id == Offender.id)
            .where(GroupMember.group_id == entity_id, offender_filter(viewer))).all()
        who = person_identities(session=db_session, offender_ids=members, shown=builder.told)
        for m in members:
            if m in who:
                root.node(ChartNode(f"o:{m}", "offender", who[m].display_name, None, {"named": True}))
        incidents = builder.incidents(_incidents_of(kind, entity_id))
        builder.around(incidents)
        builder.groups(list(members))
    else:
        incidents = builder.incidents(_incidents_of(kind, entity_id))
        if kind != "incident" and node not in root.nodes:
            root.node(ChartNode(node, kind, title, None, {}))
        builder.around(incidents)
    root.title = title
    budget = EXPAND_BUDGET if expand else BUDGET
    drawn, shown = readable(root, root=node, attributions=_attributions(db_session, viewer, root), budget=budget,
                            opened=unfolded, scope=f"@{node}" if expand else "")
    view = _view(drawn, shown, root=node, start=start, end=end, truncated=builder.truncated, budget=budget)
    return view, root if whole else drawn


def chart_view(*, db_session: Session, viewer: Viewer, node: str, start: date | None = None,
               end: date | None = None, expand: bool = False, opened: str | None = None) -> ChartView:
    return build_chart(db_session=db_session, viewer=viewer, node=node, start=start, end=end, expand=expand,
                       opened=opened)[0]


def export_chart(
    *, db_session: Session, viewer: Viewer, node: str, fmt: str, start: date | None = None, end: date | None = None,
    whole: bool = False,
) -> tuple[str | bytes, str, str]:
    """(body, media type, file name) of the chart around ``node`` as CSV, GraphML or ANX: as the
    page draws it first, or ``whole`` (every sighting and incident of the chart)."""
    if fmt not in EXPORTS:
        raise InvalidRequest("export as csv, graphml or anx", format=fmt)
    _, chart = build_chart(db_session=db_session, viewer=viewer, node=node, start=start, end=end, whole=whole)
    body: str | bytes = to_anx(chart) if fmt == "anx" else {"csv": to_csv, "graphml": to_graphml}[fmt](chart)
    return body, EXPORTS[fmt], f"crimelink-chart-{node.replace(':', '-')}.{fmt}"


class MapPoint(BaseModel):
    id: int
    lat: float
    lon: float
    when: datetime
    label: str
    force: str | None


class MapCell(BaseModel):
    cell: str
    incidents: int
    gi_z: float
    hot: bool
    boundary: list[list[float]]  # [lat, lon] corners


class TileLayer(BaseModel):
    url: str
    attribution: str


class MapData(BaseModel):
    title: str
    kind: str
    entity_id: int | None
    points: list[MapPoint]
    route: list[list[float]]  # [lat, lon] in time order, repeated places folded
    forces: list[str]
    cells: list[MapCell]
    attribution: str  # the boundaries' OGL attribution, shown in full on every map
    tiles: TileLayer | None


def tile_layer() -> TileLayer | None:
    """The tile server, if one is configured; the map works without (force areas are the map)."""
    url = os.environ.get(TILES_ENV, "").strip()
    return TileLayer(url=url, attribution=os.environ.get(TILES_ATTRIBUTION_ENV, "")) if url else None


def _cells(db_session: Session, scopes: list[str], hot_only: bool) -> list[MapCell]:
    query = select(Hotspot).where(Hotspot.scope.in_(scopes))
    if hot_only:
        query = query.where(Hotspot.hot.is_(True))
    rows = db_session.scalars(query.order_by(Hotspot.gi_z.desc(), Hotspot.cell).limit(MAP_CELLS)).all()
    return [MapCell(cell=c.cell, incidents=c.incidents, gi_z=c.gi_z, hot=c.hot,
                    boundary=[[round(a, 5), round(b, 5)] for a, b in h3.cell_to_boundary(c.cell)]) for c in rows]


def map_data(*, db_session: Session, viewer: Viewer, kind: str, entity_id: int | None = None) -> MapData:
    """Incidents, route and hotspots of a group, series, offender or vehicle (or the national
    hotspots, ``kind`` "national"), for the viewer."""
    from crimelink.web.services.patterns import may_see_hotspots, series_filter

    if kind == "national":
        scope = "national" if viewer.national else (viewer.force or "")
        cells = _cells(db_session, [scope], hot_only=True) if viewer.sees_groups else []
        return MapData(title="Hotspots", kind=kind, entity_id=None, points=[], route=[], forces=[], cells=cells,
                       attribution=ATTRIBUTION, tiles=tile_layer())
    if entity_id is None or kind not in ("group", "series", "offender", "vehicle"):
        raise InvalidRequest("a map is of a group, series, offender or vehicle, with its id", kind=kind)
    if kind == "series":
        from crimelink.store.models import IncidentSeries, Series

        if db_session.scalar(select(Series.id).where(Series.id == entity_id, series_filter(viewer))) is None:
            raise NotFound("no such series", id=entity_id)
        title: str = f"Series {entity_id}"
        ids: Select[Any] = select(IncidentSeries.incident_id).where(IncidentSeries.series_id == entity_id)
    else:
        title = _check_root(db_session, viewer, kind, entity_id)
        ids = _incidents_of(kind, entity_id)
    rows = db_session.execute(
        select(Incident.id, Incident.occurred_at, Incident.police_force, Incident.incident_ref, Store.lat, Store.lon,
               Store.name).join(Store, Store.id == Incident.store_id)
        .where(Incident.id.in_(ids), profile_incident_filter(viewer), Store.lat.is_not(None), Store.lon.is_not(None))
        .order_by(Incident.occurred_at, Incident.id).limit(MAP_POINTS)).all()
    points = [MapPoint(id=r.id, lat=r.lat, lon=r.lon, when=r.occurred_at, force=r.police_force,
                       label=f"{r.incident_ref} · {r.name or 'store'} · {r.occurred_at:%d %b %Y %H:%M}") for r in rows]
    route: list[list[float]] = []
    for p in points:
        if not route or route[-1] != [p.lat, p.lon]:
            route.append([p.lat, p.lon])
    forces = sorted({p.force for p in points if p.force})
    cells = _cells(db_session, [f for f in forces if may_see_hotspots(viewer, f)], hot_only=False)  # as /hotspots
    return MapData(title=title, kind=kind, entity_id=entity_id, points=points, route=route, forces=forces,
                   cells=cells, attribution=ATTRIBUTION, tiles=tile_layer())
