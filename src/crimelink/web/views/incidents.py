"""Incidents: search and detail pages with their JSON twins, and submission through the API."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from crimelink.web.dependencies import CurrentViewer, DbSession, StoreDep, wants_partial
from crimelink.web.paging import Page, PageQuery
from crimelink.web.rendering import render
from crimelink.web.services.incidents import IncidentDetail, get_incident
from crimelink.web.services.search import (
    IncidentFilters,
    IncidentQuery,
    IncidentRow,
    search_choices,
    search_incidents,
)
from crimelink.web.services.submissions import known_matches, submit_incidents
from crimelink.web.services.value_review import ValueConfirmed, confirm_value, may_review_values

router = APIRouter()
Search = Annotated[IncidentQuery, Query()]
Filters = Annotated[IncidentFilters, Query()]


@router.get("/incidents", response_class=HTMLResponse, include_in_schema=False)
def incidents_page(request: Request, db_session: DbSession, viewer: CurrentViewer, query: Search) -> Response:
    found = search_incidents(db_session=db_session, viewer=viewer, query=query)
    if wants_partial(request):  # htmx live filtering swaps the results only
        return render(request, "_incident_results.html", found=found)
    choices = search_choices(db_session=db_session, viewer=viewer)
    return render(request, "incidents.html", found=found, choices=choices)


@router.get("/api/v1/incidents", tags=["incidents"])
def incidents_json(
    request: Request, db_session: DbSession, viewer: CurrentViewer, filters: Filters, paging: PageQuery
) -> Page[IncidentRow]:
    """Incidents the viewer may see that match the search, latest first, a page at a time."""
    query = IncidentQuery.model_construct(**dict(filters), page=paging.page, per_page=paging.limit)
    found = search_incidents(db_session=db_session, viewer=viewer, query=query)
    return Page[IncidentRow].of(request, paging, found.rows, found.total)


@router.get("/incidents/{incident_id}", response_class=HTMLResponse, include_in_schema=False)
def incident_page(request: Request, db_session: DbSession, viewer: CurrentViewer, incident_id: int) -> Response:
    incident = get_incident(db_session=db_session, viewer=viewer, incident_id=incident_id)
    return render(request, "incident.html", incident=incident, may_review_values=may_review_values(viewer))


@router.post("/incidents/{incident_id}/value-review", include_in_schema=False)
def value_review_form(db_session: DbSession, viewer: CurrentViewer, incident_id: int) -> Response:
    """"Confirm the value" on the incident page: the held value counts from now on."""
    confirm_value(db_session=db_session, viewer=viewer, incident_id=incident_id)
    return RedirectResponse(f"/incidents/{incident_id}", status_code=303)


@router.post("/api/v1/incidents/{incident_id}/value-review", tags=["incidents"],
             responses={404: {"description": "No such incident"}, 409: {"description": "Nothing held"}})
def value_review(db_session: DbSession, viewer: CurrentViewer, incident_id: int) -> ValueConfirmed:
    """Confirm a loss held for review at intake (national analysts and supervisors): from now on it
    counts in every figure. Until then the incident shows it as ``value_held_gbp``."""
    return confirm_value(db_session=db_session, viewer=viewer, incident_id=incident_id)


@router.get(
    "/api/v1/incidents/{incident_id}",
    tags=["incidents"],
    responses={404: {"description": "No such incident"}},
)
def incident_json(db_session: DbSession, viewer: CurrentViewer, incident_id: int) -> IncidentDetail:
    """One incident whole: store, force, items, persons and offenders, vehicles, MO, grading."""
    return get_incident(db_session=db_session, viewer=viewer, incident_id=incident_id)


_SUBMIT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "Stored, nothing new (replacements or resubmissions); rejections listed"},
    201: {"description": "At least one incident created; each rejection with field and reason"},
    403: {"description": "A submitter other than your own organisation, or a read-only role"},
    422: {"description": "Every incident was rejected (or the body is not JSON)"},
}


@router.post("/api/v1/incidents", tags=["incidents"], responses=_SUBMIT_RESPONSES)
def submit(
    store: StoreDep,
    viewer: CurrentViewer,
    body: Annotated[
        dict[str, Any] | list[Any],
        Body(description="One incident in the exchange format (crimelink.incident/1), or a JSON array of them"),
    ],
) -> JSONResponse:
    """Submit incidents: valid ones are stored, invalid ones are named with every problem."""
    summary = submit_incidents(store=store, viewer=viewer, body=body)
    status = 201 if summary.created else (422 if summary.records and not summary.stored else 200)
    # Known offenders and vehicles in what was just stored, from the last analysis, at once.
    known = known_matches(store=store, viewer=viewer, body=body, summary=summary)
    return JSONResponse({**summary.as_dict(), "known": known}, status_code=status)
