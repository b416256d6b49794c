"""Offender and vehicle profiles with their JSON twins."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from crimelink.resolve.review import DecisionError
from crimelink.web.dependencies import CurrentViewer, DbSession, wants_partial
from crimelink.web.rendering import render
from crimelink.web.services.linking import (
    DecisionIn,
    DecisionOut,
    LinkExplanation,
    OffenderLinks,
    decide,
    link_explanation,
    offender_links,
)
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
    links = offender_links(db_session=db_session, viewer=viewer, offender_id=offender_id)
    return render(request, "offender.html", profile=profile, links=links, error=request.query_params.get("error"))


@router.get("/api/v1/offenders/{offender_id}/links", tags=["linkage"], responses=_NOT_FOUND)
def offender_links_json(db_session: DbSession, viewer: CurrentViewer, offender_id: int) -> OffenderLinks:
    """The reports behind an offender, each with how it was linked (suggested, confirmed, ...)."""
    return offender_links(db_session=db_session, viewer=viewer, offender_id=offender_id)


@router.get("/person-links/{mention_id}/why", response_class=HTMLResponse, include_in_schema=False)
def link_why_page(request: Request, db_session: DbSession, viewer: CurrentViewer, mention_id: int) -> Response:
    why = link_explanation(db_session=db_session, viewer=viewer, mention_id=mention_id)
    return render(request, "_link_why.html", why=why)


@router.get("/api/v1/person-links/{mention_id}/why", tags=["linkage"], responses=_NOT_FOUND)
def link_why_json(db_session: DbSession, viewer: CurrentViewer, mention_id: int) -> LinkExplanation:
    """Splink's waterfall for the link that put this report in its offender: the prior, then
    each comparison's match weight (log2 Bayes factor), adding up to the link's score."""
    return link_explanation(db_session=db_session, viewer=viewer, mention_id=mention_id)


@router.post("/offenders/{offender_id}/decisions", include_in_schema=False)
def decide_page(
    request: Request, db_session: DbSession, viewer: CurrentViewer, offender_id: int,
    action: Annotated[str, Form()], reason: Annotated[str, Form()] = "",
    mentions: Annotated[list[int] | None, Form()] = None, other_offender_id: Annotated[int | None, Form()] = None,
) -> Response:  # fmt: skip
    error = ""
    try:
        decision = DecisionIn.model_validate(
            {"action": action, "mentions": mentions or [], "other_offender_id": other_offender_id, "reason": reason}
        )
        decide(db_session=db_session, viewer=viewer, offender_id=offender_id, decision=decision)
    except ValidationError as problem:
        error = "; ".join(_in_words(e) for e in problem.errors())
    except DecisionError as problem:
        error = str(problem)
    target = f"/offenders/{offender_id}" + (f"?error={quote(error)}" if error else "") + "#links"
    if wants_partial(request):
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _in_words(problem: Any) -> str:
    """A form field's problem as the analyst reads it."""
    field = ".".join(str(part) for part in problem["loc"])
    return "say why: the reason is kept with the decision" if field == "reason" else f"{field}: {problem['msg']}"


@router.post("/api/v1/offenders/{offender_id}/decisions", tags=["linkage"], status_code=status.HTTP_201_CREATED,
             responses=_NOT_FOUND)  # fmt: skip
def decide_json(db_session: DbSession, viewer: CurrentViewer, offender_id: int, body: DecisionIn) -> DecisionOut:
    """Confirm or reject a suggested link, split reports off an offender, or merge two offenders.

    Recorded with who, when and why; the next analysis run applies it and every later run obeys it.
    """
    return decide(db_session=db_session, viewer=viewer, offender_id=offender_id, decision=body)


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
