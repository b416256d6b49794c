"""Patterns pages and their JSON twins: series, link charts, maps, key players, hotspots, context.

==================================  ========================================  ==========================
Page                                JSON twin                                 What
==================================  ========================================  ==========================
``/series``                         ``/api/v1/series``                        crime series, biggest first
``/series/{id}``                    ``/api/v1/series/{id}``                   one series in time order
``/chart?node=g:3``                 ``/api/v1/chart?node=g:3``                link chart (``expand=true``:
                                                                              one node's neighbourhood;
                                                                              ``open=u:3``: a gathering's
                                                                              sightings)
(none)                              ``/api/v1/chart/export?node=&format=``    CSV, GraphML or ANX (as
                                                                              drawn; ``whole=true``: all)
``/map?kind=group&id=3``            ``/api/v1/map?kind=group&id=3``           incidents, route, hotspots
``/groups/{id}/profile``            ``/api/v1/groups/{id}/profile``           a group's profile
``/key-players``                    ``/api/v1/key-players``                   central offenders, brokers
``/hotspots``                       ``/api/v1/hotspots``                      H3 hotspots, Knox table
``/context``                        ``/api/v1/context``                       recorded crime beside reports
==================================  ========================================  ==========================
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from crimelink.web.dependencies import CurrentViewer, DbSession, wants_partial
from crimelink.web.paging import Page, PageQuery
from crimelink.web.rendering import render
from crimelink.web.services import network, patterns

router = APIRouter()
NodeQuery = Annotated[str, Query(description="kind:id — o offender, g group, v vehicle, i incident, s store")]
Start = Annotated[date | None, Query(alias="from", description="first day shown (incidents)")]
End = Annotated[date | None, Query(alias="to", description="last day shown (incidents)")]
OpenQuery = Annotated[str | None, Query(alias="open", description="a gathered node (u:3) to draw as its sightings")]


@router.get("/series", response_class=HTMLResponse, include_in_schema=False)
def series_page(request: Request, db_session: DbSession, viewer: CurrentViewer, cross_force: bool = False) -> Response:
    found = patterns.list_series(db_session=db_session, viewer=viewer, cross_force=cross_force)
    return render(request, "series_list.html", series=found, cross_force=cross_force)


@router.get("/api/v1/series", tags=["patterns"])
def series_json(request: Request, db_session: DbSession, viewer: CurrentViewer, paging: PageQuery,
                cross_force: bool = False) -> Page[patterns.SeriesRow]:
    """Crime series the viewer may see (none for retailers), biggest first."""
    found = patterns.list_series(db_session=db_session, viewer=viewer, cross_force=cross_force,
                                 limit=paging.limit, offset=paging.offset)
    return Page[patterns.SeriesRow].of(request, paging, found.rows, found.total)


@router.get("/series/{series_id}", response_class=HTMLResponse, include_in_schema=False)
def one_series_page(request: Request, db_session: DbSession, viewer: CurrentViewer, series_id: int) -> Response:
    detail = patterns.series_detail(db_session=db_session, viewer=viewer, series_id=series_id)
    return render(request, "series.html", detail=detail)


@router.get("/api/v1/series/{series_id}", tags=["patterns"], responses={404: {"description": "No such series"}})
def one_series_json(db_session: DbSession, viewer: CurrentViewer, series_id: int) -> patterns.SeriesDetail:
    """One series: incidents in time order, suspects, vehicles, route, and why each incident is in."""
    return patterns.series_detail(db_session=db_session, viewer=viewer, series_id=series_id)


@router.get("/chart", response_class=HTMLResponse, include_in_schema=False)
def chart_page(request: Request, db_session: DbSession, viewer: CurrentViewer, node: NodeQuery,
               start: Start = None, end: End = None) -> Response:
    view = network.chart_view(db_session=db_session, viewer=viewer, node=node, start=start, end=end)
    return render(request, "chart.html", chart=view)


@router.get("/api/v1/chart", tags=["patterns"], responses={404: {"description": "No such node"}})
def chart_json(db_session: DbSession, viewer: CurrentViewer, node: NodeQuery, start: Start = None, end: End = None,
               expand: bool = False, opened: OpenQuery = None) -> network.ChartView:
    """The link chart around a node as the page draws it first: unidentified sightings gathered,
    about 80 nodes, ``note`` saying what was left out. ``expand=true`` gives one node's smaller
    neighbourhood to merge in; ``open`` draws one gathered node's sightings, each as itself."""
    return network.chart_view(db_session=db_session, viewer=viewer, node=node, start=start, end=end, expand=expand,
                              opened=opened)


@router.get("/api/v1/chart/export", tags=["patterns"], response_class=Response)
def chart_export(db_session: DbSession, viewer: CurrentViewer, node: NodeQuery,
                 export_format: Annotated[str, Query(alias="format", description="csv, graphml or anx")] = "csv",
                 start: Start = None, end: End = None,
                 whole: Annotated[bool, Query(description="every node, not the chart as drawn")] = False) -> Response:
    """The chart as a file: CSV (edges), GraphML, or i2 Analyst's Notebook exchange (ANX); as the
    page draws it first, or ``whole=true``, every sighting and incident of the chart."""
    body, media, name = network.export_chart(db_session=db_session, viewer=viewer, node=node, fmt=export_format,
                                             start=start, end=end, whole=whole)
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/map", response_class=HTMLResponse, include_in_schema=False)
def map_page(request: Request, db_session: DbSession, viewer: CurrentViewer, kind: str = "national",
             entity_id: Annotated[int | None, Query(alias="id")] = None) -> Response:
    data = network.map_data(db_session=db_session, viewer=viewer, kind=kind, entity_id=entity_id)
    return render(request, "map.html", data=data)


@router.get("/api/v1/map", tags=["patterns"], responses={404: {"description": "No such entity"}})
def map_json(db_session: DbSession, viewer: CurrentViewer, kind: str = "national",
             entity_id: Annotated[int | None, Query(alias="id")] = None) -> network.MapData:
    """Incidents, the route in time order and the hotspots of a group, series, offender or vehicle."""
    return network.map_data(db_session=db_session, viewer=viewer, kind=kind, entity_id=entity_id)


@router.get("/groups/{group_id}/profile", response_class=HTMLResponse, include_in_schema=False)
def group_profile_page(request: Request, db_session: DbSession, viewer: CurrentViewer, group_id: int) -> Response:
    profile = patterns.group_profile(db_session=db_session, viewer=viewer, group_id=group_id)
    name = "_group_profile.html" if wants_partial(request) else "group_profile.html"
    return render(request, name, profile=profile)


@router.get("/api/v1/groups/{group_id}/profile", tags=["groups"], responses={404: {"description": "No such group"}})
def group_profile_json(db_session: DbSession, viewer: CurrentViewer, group_id: int) -> patterns.GroupProfile:
    """A group's profile: vehicles, forces and stores hit, items, MO signature, activity, route."""
    return patterns.group_profile(db_session=db_session, viewer=viewer, group_id=group_id)


@router.get("/key-players", response_class=HTMLResponse, include_in_schema=False)
def key_players_page(request: Request, db_session: DbSession, viewer: CurrentViewer, brokers: bool = False) -> Response:
    players = patterns.key_players(db_session=db_session, viewer=viewer, brokers=brokers)
    return render(request, "key_players.html", players=players, brokers=brokers)


@router.get("/api/v1/key-players", tags=["patterns"])
def key_players_json(request: Request, db_session: DbSession, viewer: CurrentViewer, paging: PageQuery,
                     brokers: bool = False) -> Page[patterns.PlayerRow]:
    """Offenders ranked by centrality (degree, betweenness, PageRank); ``brokers=true``: only brokers."""
    players = patterns.key_players(db_session=db_session, viewer=viewer, brokers=brokers, limit=paging.limit,
                                   offset=paging.offset)
    total = patterns.count_key_players(db_session=db_session, viewer=viewer, brokers=brokers)
    return Page[patterns.PlayerRow].of(request, paging, players, total)


@router.get("/hotspots", response_class=HTMLResponse, include_in_schema=False)
def hotspots_page(request: Request, db_session: DbSession, viewer: CurrentViewer, scope: str | None = None) -> Response:
    return render(request, "hotspots.html", spots=patterns.hotspots(db_session=db_session, viewer=viewer, scope=scope))


class HotspotPage(Page[patterns.HotCell]):
    """A page of an area's H3 cells, hottest first, with the area's Knox near-repeat table."""

    scope: str
    scopes: list[str]
    knox: list[patterns.KnoxBand]
    knox_incidents: int
    permutations: int


@router.get("/api/v1/hotspots", tags=["patterns"], responses={404: {"description": "No hotspots for the area"}})
def hotspots_json(request: Request, db_session: DbSession, viewer: CurrentViewer, paging: PageQuery,
                  scope: str | None = None) -> HotspotPage:
    """H3 cells by Getis-Ord Gi* and the Knox near-repeat table, nationally or for a force."""
    found = patterns.hotspots(db_session=db_session, viewer=viewer, scope=scope, limit=paging.limit,
                              offset=paging.offset)
    return HotspotPage.of(request, paging, found.cells, found.cells_total, scope=found.scope, scopes=found.scopes,
                          knox=found.knox, knox_incidents=found.knox_incidents, permutations=found.permutations)


@router.get("/context", response_class=HTMLResponse, include_in_schema=False)
def context_page(request: Request, db_session: DbSession, viewer: CurrentViewer, force: str | None = None) -> Response:
    found = patterns.recorded_context(db_session=db_session, viewer=viewer, force=force)
    return render(request, "context.html", context=found)


@router.get("/api/v1/context", tags=["patterns"], responses={404: {"description": "Nothing imported for the force"}})
def context_json(db_session: DbSession, viewer: CurrentViewer, force: str | None = None) -> patterns.Context:
    """Police-recorded shoplifting (data.police.uk) beside retailers' reported thefts, per month."""
    return patterns.recorded_context(db_session=db_session, viewer=viewer, force=force)
