"""Casework pages: the referral queue and each referral, operations, and the impact report.

Making a referral is ``referral_forms``; operations and the forms recording their results are
``operation_forms`` (both served through this module's router).

Each page's JSON twin is the casework API (``crimelink.casework.views``) under ``/api/v1``,
served by the same service functions: ``/referrals`` and ``/api/v1/referrals``,
``/operations/{id}`` and ``/api/v1/operations/{id}``, ``/impact`` and ``/api/v1/impact``. The
records behind an impact figure are at ``/impact/records/{figure}`` (an htmx partial inside the
impact page, or a page of their own) and ``/api/v1/impact/records/{figure}``; both CSVs are
the CLI's (``crimelink report impact --format csv`` and ``--records FIGURE``).

A referral's next steps are forms: htmx posts them and swaps the referral in place; without
JavaScript they post and come back to the referral (303). A step that cannot be taken shows
why beside the forms.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from crimelink.access.policy import Viewer
from crimelink.casework import service
from crimelink.casework.lifecycle import Status
from crimelink.casework.schemas import NoteIn, ReferralDetail, TransitionIn
from crimelink.errors import CrimelinkError, InvalidValue
from crimelink.web.dependencies import CurrentViewer, DbSession, wants_partial
from crimelink.web.paging import Page, PageQuery
from crimelink.web.rendering import render
from crimelink.web.services.casework_pages import (
    RECORDS_PER_PAGE,
    ImpactQuery,
    figure_records,
    figure_records_csv,
    force_choices,
    impact_csv,
    impact_page,
    latest_feedback,
    step_forms,
)
from crimelink.web.services.referral_form import may_refer
from crimelink.web.views import operation_forms, referral_forms

router = APIRouter()
router.include_router(referral_forms.router)  # first: /referrals/new is not /referrals/{referral_id}
router.include_router(operation_forms.router)
Filters = Annotated[ImpactQuery, Query()]
PER_PAGE = 50
FormText = Annotated[str | None, Form()]


# --- referrals -------------------------------------------------------------------------------


@router.get("/referrals", response_class=HTMLResponse, include_in_schema=False)
def referrals_page(
    request: Request,
    db_session: DbSession,
    viewer: CurrentViewer,
    status: Annotated[Status | None, Query()] = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    found = service.list_referrals(
        session=db_session, actor=viewer, status=status, limit=PER_PAGE, offset=(page - 1) * PER_PAGE
    )
    pages = max(1, -(-found.total // PER_PAGE))
    feedback = latest_feedback(session=db_session, viewer=viewer, rows=found.rows)
    return render(request, "referrals.html", found=found, status=status, statuses=list(Status), page=page, pages=pages,
                  may_refer=may_refer(viewer), feedback=feedback)  # fmt: skip


def _referral(
    request: Request,
    db_session: DbSession,
    viewer: Viewer,
    referral_id: int,
    *,
    error: str | None = None,
    partial: bool = False,
    status_code: int = 200,
) -> Response:
    view = service.get_referral(session=db_session, actor=viewer, referral_id=referral_id)
    if not isinstance(view, ReferralDetail):
        return render(request, "referral_status.html", referral=view)
    return render(
        request,
        "_referral_main.html" if partial else "referral.html",
        status_code=status_code,
        referral=view,
        forms=step_forms(session=db_session, detail=view),
        forces=force_choices(),
        error=error,
    )


@router.get("/referrals/{referral_id}", response_class=HTMLResponse, include_in_schema=False)
def referral_page(request: Request, db_session: DbSession, viewer: CurrentViewer, referral_id: int) -> Response:
    return _referral(request, db_session, viewer, referral_id)


def _blank_is_none(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _after_change(
    request: Request, db_session: DbSession, viewer: Viewer, referral_id: int, error: CrimelinkError | None
) -> Response:
    """Swap the referral in place (htmx), or come back to it; with the reason when refused."""
    if error is not None:  # the services refuse before they change anything
        partial = wants_partial(request)
        return _referral(
            request,
            db_session,
            viewer,
            referral_id,
            error=error.message,
            partial=partial,
            status_code=200 if partial else error.status_code,
        )
    if wants_partial(request):
        return _referral(request, db_session, viewer, referral_id, partial=True)
    return RedirectResponse(f"/referrals/{referral_id}", status_code=303)


@router.post("/referrals/{referral_id}/transitions", response_class=HTMLResponse, include_in_schema=False)
def take_step(
    request: Request,
    db_session: DbSession,
    viewer: CurrentViewer,
    referral_id: int,
    to: Annotated[str, Form()],
    reason: FormText = None,
    feedback: FormText = None,
    lead_force: FormText = None,
    operation_id: FormText = None,
    operation_name: FormText = None,
    result: FormText = None,
) -> Response:
    """One step of the lifecycle from the referral page (the API's ``POST .../transitions``)."""
    problem: CrimelinkError | None = None
    try:
        fields = {
            "to": to,
            "reason": reason,
            "feedback": feedback,
            "lead_force": lead_force,
            "operation_id": operation_id,
            "operation_name": operation_name,
            "result": result,
        }
        change = TransitionIn.model_validate({k: _blank_is_none(v) for k, v in fields.items()})
        service.transition_referral(session=db_session, actor=viewer, referral_id=referral_id, change=change)
    except ValidationError as invalid:
        first = invalid.errors()[0]
        problem = InvalidValue(".".join(str(p) for p in first["loc"]), first.get("input"), first["msg"])
    except CrimelinkError as refused:
        problem = refused
    return _after_change(request, db_session, viewer, referral_id, problem)


@router.post("/referrals/{referral_id}/notes", response_class=HTMLResponse, include_in_schema=False)
def add_note(
    request: Request,
    db_session: DbSession,
    viewer: CurrentViewer,
    referral_id: int,
    text: Annotated[str, Form()],
    for_referrer: Annotated[bool, Form()] = False,
) -> Response:
    problem: CrimelinkError | None = None
    try:
        note = NoteIn(text=text, for_referrer=for_referrer)
        service.add_note(session=db_session, actor=viewer, referral_id=referral_id, note=note)
    except ValidationError:
        problem = InvalidValue("text", text[:40], "write the note first")
    except CrimelinkError as refused:
        problem = refused
    return _after_change(request, db_session, viewer, referral_id, problem)


# --- impact ----------------------------------------------------------------------------------


def _csv(text: str, filename: str) -> Response:
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/impact", response_class=HTMLResponse, include_in_schema=False)
def impact(request: Request, db_session: DbSession, viewer: CurrentViewer, query: Filters) -> Response:
    found = impact_page(session=db_session, viewer=viewer, query=query)
    return render(request, "impact.html", impact=found, query=query, params=query.params())


@router.get("/impact.csv", include_in_schema=False)
def impact_download(db_session: DbSession, viewer: CurrentViewer, query: Filters) -> Response:
    """The figures as CSV: the same bytes as ``crimelink report impact --format csv``."""
    return _csv(impact_csv(session=db_session, viewer=viewer, query=query), "impact.csv")


@router.get("/impact/records/{key}.csv", include_in_schema=False)
def records_download(db_session: DbSession, viewer: CurrentViewer, key: str, query: Filters) -> Response:
    return _csv(figure_records_csv(session=db_session, viewer=viewer, key=key, query=query), f"impact-{key}.csv")


Offset = Annotated[int, Query(ge=0)]


@router.get("/impact/records/{key}", response_class=HTMLResponse, include_in_schema=False)
def records_page(
    request: Request, db_session: DbSession, viewer: CurrentViewer, key: str, query: Filters, offset: Offset = 0
) -> Response:
    found = figure_records(session=db_session, viewer=viewer, key=key, query=query, offset=offset)
    name = "_impact_records.html" if wants_partial(request) else "impact_records.html"
    return render(request, name, records=found, params=query.params(), per_page=RECORDS_PER_PAGE)


class FigureRecordPage(Page[list[Any]]):
    """A page of the records behind one impact figure (each a row of ``columns``), with the figure."""

    key: str
    label: str
    value: float | None
    unit: str
    parts: dict[str, Any]
    note: str | None  # why a figure has no records
    columns: list[str]
    links: dict[str, str]  # column -> the page its values open (``/incidents/`` + value)


@router.get("/api/v1/impact/records/{key}", tags=["casework"], responses={400: {"description": "No such figure"}})
def records_json(
    request: Request, db_session: DbSession, viewer: CurrentViewer, key: str, query: Filters, paging: PageQuery
) -> FigureRecordPage:
    """The records one impact figure was computed from, in pages (the figures: ``/api/v1/impact``)."""
    found = figure_records(session=db_session, viewer=viewer, key=key, query=query, offset=paging.offset,
                           limit=paging.limit)
    return FigureRecordPage.of(request, paging, found.rows, found.total, key=found.key, label=found.label,
                               value=found.value, unit=found.unit, parts=found.parts, note=found.note,
                               columns=found.columns, links=found.links)
