"""The dashboard (``/``) and the force boundaries its map draws."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crimelink.web.dependencies import CurrentViewer, DbSession
from crimelink.web.rendering import render
from crimelink.web.services.dashboard import Dashboard, dashboard

router = APIRouter()


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
def dashboard_page(request: Request, db_session: DbSession, viewer: CurrentViewer) -> Response:
    return render(request, "dashboard.html", board=dashboard(db_session=db_session, viewer=viewer))


@router.get("/api/v1/dashboard", tags=["dashboard"])
def dashboard_json(db_session: DbSession, viewer: CurrentViewer) -> Dashboard:
    """Headline figures, incidents and value per month, and per force, as the viewer sees them."""
    return dashboard(db_session=db_session, viewer=viewer)


@cache
def _boundaries() -> bytes:
    from crimelink.geography import boundaries_geojson_text

    return boundaries_geojson_text().encode()


@router.get("/api/v1/forces.geojson", tags=["dashboard"], response_class=Response)
def force_boundaries(_: CurrentViewer) -> Response:
    """Police force area boundaries (ONS, December 2023, OGL v3), with each area's ``force_id``."""
    return Response(_boundaries(), media_type="application/geo+json")
