"""Offender and vehicle profiles with their JSON twins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from crimelink.web.dependencies import CurrentViewer, DbSession
from crimelink.web.rendering import render
from crimelink.web.services.profiles import (
    OffenderProfile,
    VehicleProfile,
    offender_profile,
    vehicle_profile,
)

router = APIRouter()
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such record, or not visible to you"}}


@router.get("/offenders/{offender_id}", response_class=HTMLResponse, include_in_schema=False)
def offender_page(request: Request, db_session: DbSession, viewer: CurrentViewer, offender_id: int) -> Response:
    profile = offender_profile(db_session=db_session, viewer=viewer, offender_id=offender_id)
    return render(request, "offender.html", profile=profile)


@router.get("/api/v1/offenders/{offender_id}", tags=["profiles"], responses=_NOT_FOUND)
def offender_json(db_session: DbSession, viewer: CurrentViewer, offender_id: int) -> OffenderProfile:
    """An offender: names seen, linked incidents, forces, vehicles, group and priority."""
    return offender_profile(db_session=db_session, viewer=viewer, offender_id=offender_id)


@router.get("/vehicles/{vehicle_id}", response_class=HTMLResponse, include_in_schema=False)
def vehicle_page(request: Request, db_session: DbSession, viewer: CurrentViewer, vehicle_id: int) -> Response:
    profile = vehicle_profile(db_session=db_session, viewer=viewer, vehicle_id=vehicle_id)
    return render(request, "vehicle.html", profile=profile)


@router.get("/api/v1/vehicles/{vehicle_id}", tags=["profiles"], responses=_NOT_FOUND)
def vehicle_json(db_session: DbSession, viewer: CurrentViewer, vehicle_id: int) -> VehicleProfile:
    """A vehicle: the incidents it was seen in and the offenders seen with it."""
    return vehicle_profile(db_session=db_session, viewer=viewer, vehicle_id=vehicle_id)
