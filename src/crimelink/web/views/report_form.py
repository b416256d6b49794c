"""Reporting an incident through the web form, for submitters with no IT department.

``/incidents/new`` shows the form; posting it stores the incident exactly as
``POST /api/v1/incidents`` would (the API is this page's twin) and answers with a confirmation
naming the known offenders and vehicles the report hits. A report with problems comes back
with the values kept and each problem beside its field. "Add another" rows come from
``/incidents/new/row`` (htmx); without JavaScript the same button posts the form back with a
row more, and nothing is stored.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from crimelink.access.policy import Viewer
from crimelink.errors import Forbidden, NotFound
from crimelink.web.dependencies import CurrentViewer, DbSession, StoreDep
from crimelink.web.rendering import render
from crimelink.web.services import report_form as service

router = APIRouter()


async def _posted(request: Request) -> dict[str, str]:
    """The posted form's text fields (each field once: the form names none twice)."""
    form = await request.form()
    return {name: value for name, value in form.multi_items() if isinstance(value, str)}


Posted = Annotated[dict[str, str], Depends(_posted)]


def _submitter(viewer: Viewer) -> Viewer:
    if not viewer.may_submit:
        raise Forbidden("your role may read but not submit incidents", role=viewer.role.value)
    return viewer


def _form_page(request: Request, db_session: DbSession, viewer: Viewer, form: service.ReportForm,
               status_code: int = 200) -> Response:  # fmt: skip
    submitter = service.submitter_code(form, viewer)
    choices = service.choices(db_session=db_session, viewer=viewer, submitter=submitter)
    return render(request, "report_new.html", status_code=status_code, form=form, choices=choices,
                  submitter=submitter, max_rows=service.MAX_ROWS, enums=service.ENUMS)  # fmt: skip


@router.get("/incidents/new", response_class=HTMLResponse, include_in_schema=False)
def report_new(request: Request, db_session: DbSession, viewer: CurrentViewer) -> Response:
    return _form_page(request, db_session, _submitter(viewer), service.blank_form(viewer=viewer))


@router.post("/incidents/new", response_class=HTMLResponse, include_in_schema=False)
def report_submit(
    request: Request, store: StoreDep, db_session: DbSession, viewer: CurrentViewer, posted: Posted
) -> Response:
    form = service.read_form(posted)
    adding = posted.get("add", "")
    if adding in service.ROW_FIELDS:  # "add another" without JavaScript: the form again, a row more
        form.rows[adding] = min(form.rows[adding] + 1, service.MAX_ROWS[adding])
        return _form_page(request, db_session, _submitter(viewer), form)
    submitted = service.submit_report(store=store, viewer=_submitter(viewer), form=form)
    if submitted is None:
        return _form_page(request, db_session, viewer, form, status_code=422)
    done = service.confirmation(store=store, viewer=viewer, submitted=submitted)
    return render(request, "report_done.html", status_code=201 if done.outcome == "created" else 200, done=done)


@router.get("/incidents/new/row", response_class=HTMLResponse, include_in_schema=False)
def report_row(
    request: Request,
    viewer: CurrentViewer,
    kind: Annotated[str, Query(max_length=16)],
    index: Annotated[int, Query(ge=0, le=1000)],
) -> Response:
    """One more blank row (htmx), and the "add another" button moved on to the next index."""
    _submitter(viewer)
    if kind not in service.ROW_FIELDS or index >= service.MAX_ROWS[kind]:
        raise NotFound("no such row", kind=kind)
    return render(request, "_report_row.html", form=service.ReportForm(), kind=kind, index=index,
                  max_rows=service.MAX_ROWS, enums=service.ENUMS)  # fmt: skip


@router.get("/incidents/new/stores", response_class=HTMLResponse, include_in_schema=False)
def report_stores(
    request: Request, db_session: DbSession, viewer: CurrentViewer, submitter: Annotated[str, Query(max_length=32)]
) -> Response:
    """The store choice for another submitter (the national unit reporting for an organisation)."""
    _submitter(viewer)
    form = service.ReportForm(values={"submitter": submitter})
    chosen = service.submitter_code(form, viewer)
    choices = service.choices(db_session=db_session, viewer=viewer, submitter=chosen)
    return render(request, "_report_store.html", form=form, choices=choices)
