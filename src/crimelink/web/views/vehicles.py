"""Plate search: the page (an htmx search box) and its JSON twin.

Registered before the vehicle profiles, so that ``/vehicles/search`` is not taken for a
vehicle id.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import Field

from crimelink.errors import InvalidValue
from crimelink.web.dependencies import CurrentViewer, DbSession, wants_partial
from crimelink.web.paging import Page, PageQuery
from crimelink.web.rendering import render
from crimelink.web.services.vehicles import PlateHit, PlateSearch, search_plates

router = APIRouter()
Plate = Annotated[str, Query(max_length=32, description="A mark with ? for one unknown character, * for any run")]
Misreads = Annotated[bool, Query(description="Also find reads that differ in confusable characters (0/O, 1/I, 5/S...)")]
_INVALID: dict[int | str, dict[str, Any]] = {400: {"description": "Not a plate search (letters, digits, ? and *)"}}


@router.get("/vehicles/search", response_class=HTMLResponse, include_in_schema=False)
def plate_search_page(
    request: Request, db_session: DbSession, viewer: CurrentViewer, plate: Plate = "", misreads: Misreads = False
) -> Response:
    found: PlateSearch | None = None
    problem: str | None = None
    if plate.strip():
        try:
            found = search_plates(db_session=db_session, viewer=viewer, plate=plate, misreads=misreads)
        except InvalidValue as error:  # shown beside the box, not as an error page
            problem = error.reason
    template = "_plate_results.html" if wants_partial(request) else "plate_search.html"
    return render(request, template, found=found, plate=plate, misreads=misreads, problem=problem)


class PlateHits(Page[PlateHit]):
    """A page of the vehicles a plate search found, with the search as it was understood."""

    plate: str
    pattern: str
    misreads: bool
    more: bool = Field(description="More vehicles fit than a search returns: narrow the search")


@router.get("/api/v1/vehicles/search", tags=["profiles"], responses=_INVALID)
def plate_search_json(
    request: Request, db_session: DbSession, viewer: CurrentViewer, paging: PageQuery, plate: Plate,
    misreads: Misreads = False,
) -> PlateHits:
    """Vehicles with a read that fits the plate (``KM19?TX``, ``*X5``, ``FD5*``), as the viewer may see them."""
    found = search_plates(db_session=db_session, viewer=viewer, plate=plate, misreads=misreads)
    return PlateHits.window(request, paging, found.vehicles, plate=found.plate, pattern=found.pattern,
                            misreads=found.misreads, more=found.more)
