"""Operations in the web app: the list (with the packages waiting to be adopted), each operation,
and the forms that record what it achieves.

Each form posts to the path of its API twin less ``/api/v1`` (``/operations/{id}/arrests`` and
``POST /api/v1/operations/{id}/arrests``) and is recorded by the same service function and audited
under the same action (``operation.record_arrest``). htmx posts a form and swaps the operation in
place; without JavaScript the post comes back to the operation (303). A refusal shows its reason
in the form that was refused, with what was typed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from crimelink.access.policy import Viewer
from crimelink.audit.actions import ACTION_KEY
from crimelink.casework import operations
from crimelink.casework.lifecycle import is_manager
from crimelink.errors import InvalidValue
from crimelink.web.dependencies import CurrentViewer, DbSession, wants_partial
from crimelink.web.rendering import render
from crimelink.web.services import operation_forms as forms
from crimelink.web.services.casework_pages import force_choices
from crimelink.web.views.referral_forms import Posted

router = APIRouter()
Problem = tuple[str, str]  # (the form refused, why)
ACTIONS = {"arrest": "operation.record_arrest", "charge": "operation.record_charge",
           "outcome": "operation.record_outcomes", "court_result": "operation.record_court_result",
           "close": "operation.close"}  # fmt: skip


def _fields(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


def _list(
    request: Request,
    db_session: DbSession,
    viewer: Viewer,
    status: str | None,
    *,
    problem: str | None = None,
    given: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    rows = operations.list_operations(session=db_session, actor=viewer, status=status or None)
    return render(request, "operations.html", status_code=status_code, operations=rows, status=status,
                  waiting=forms.packages_waiting(session=db_session, viewer=viewer), may_open=is_manager(viewer),
                  forces=force_choices(), problem=problem, given=given or {})  # fmt: skip


@router.get("/operations", response_class=HTMLResponse, include_in_schema=False)
def operations_page(
    request: Request, db_session: DbSession, viewer: CurrentViewer, status: Annotated[str | None, Query()] = None
) -> Response:
    return _list(request, db_session, viewer, status)


@router.post("/operations", response_class=HTMLResponse, include_in_schema=False,
             openapi_extra={ACTION_KEY: "operation.create"})  # fmt: skip
def open_operation_form(request: Request, db_session: DbSession, viewer: CurrentViewer, form: Posted) -> Response:
    """The national unit opens an operation directly (``POST /api/v1/operations``)."""
    fields = _fields(form)
    try:
        operation_id = forms.open_operation(session=db_session, viewer=viewer, fields=fields)
    except InvalidValue as refused:
        return _list(request, db_session, viewer, None, problem=_words(refused), given=fields, status_code=400)
    return RedirectResponse(f"/operations/{operation_id}", status_code=303)


def _words(error: InvalidValue) -> str:
    return f"{error.details.get('field', '')}: {error.reason}"


def _operation(
    request: Request,
    db_session: DbSession,
    viewer: Viewer,
    operation_id: int,
    *,
    problem: Problem | None = None,
    given: dict[str, str] | None = None,
    partial: bool = False,
    status_code: int = 200,
) -> Response:
    page = forms.operation_page(session=db_session, viewer=viewer, operation_id=operation_id)
    return render(request, "_operation_main.html" if partial else "operation.html", status_code=status_code,
                  operation=page.operation, page=page, problem=problem, given=given or {})  # fmt: skip


@router.get("/operations/{operation_id}", response_class=HTMLResponse, include_in_schema=False)
def operation_page(request: Request, db_session: DbSession, viewer: CurrentViewer, operation_id: int) -> Response:
    return _operation(request, db_session, viewer, operation_id)


def _record(request: Request, db_session: DbSession, viewer: Viewer, operation_id: int, name: str,
            form: FormData) -> Response:  # fmt: skip
    """Record one form (the API's service function); the operation again, in place or by redirect."""
    fields = _fields(form)
    detail = operations.get_operation(session=db_session, actor=viewer, operation_id=operation_id)  # NotFound first
    try:
        forms.FORMS[name](db_session, viewer, detail, fields)
    except InvalidValue as refused:  # the services refuse before they record anything
        partial = wants_partial(request)
        return _operation(request, db_session, viewer, operation_id, problem=(name, _words(refused)), given=fields,
                          partial=partial, status_code=200 if partial else refused.status_code)  # fmt: skip
    if wants_partial(request):
        return _operation(request, db_session, viewer, operation_id, partial=True)
    return RedirectResponse(f"/operations/{operation_id}", status_code=303)


@router.post("/operations/{operation_id}/arrests", response_class=HTMLResponse, include_in_schema=False,
             openapi_extra={ACTION_KEY: ACTIONS["arrest"]})  # fmt: skip
def arrest_form(request: Request, db_session: DbSession, viewer: CurrentViewer, operation_id: int,
                form: Posted) -> Response:  # fmt: skip
    return _record(request, db_session, viewer, operation_id, "arrest", form)


@router.post("/operations/{operation_id}/charges", response_class=HTMLResponse, include_in_schema=False,
             openapi_extra={ACTION_KEY: ACTIONS["charge"]})  # fmt: skip
def charge_form(request: Request, db_session: DbSession, viewer: CurrentViewer, operation_id: int,
                form: Posted) -> Response:  # fmt: skip
    return _record(request, db_session, viewer, operation_id, "charge", form)


@router.post("/operations/{operation_id}/outcomes", response_class=HTMLResponse, include_in_schema=False,
             openapi_extra={ACTION_KEY: ACTIONS["outcome"]})  # fmt: skip
def outcome_form(request: Request, db_session: DbSession, viewer: CurrentViewer, operation_id: int,
                 form: Posted) -> Response:  # fmt: skip
    return _record(request, db_session, viewer, operation_id, "outcome", form)


@router.post("/operations/{operation_id}/court-results", response_class=HTMLResponse, include_in_schema=False,
             openapi_extra={ACTION_KEY: ACTIONS["court_result"]})  # fmt: skip
def court_result_form(request: Request, db_session: DbSession, viewer: CurrentViewer, operation_id: int,
                      form: Posted) -> Response:  # fmt: skip
    return _record(request, db_session, viewer, operation_id, "court_result", form)


@router.post("/operations/{operation_id}/close", response_class=HTMLResponse, include_in_schema=False,
             openapi_extra={ACTION_KEY: ACTIONS["close"]})  # fmt: skip
def close_form(request: Request, db_session: DbSession, viewer: CurrentViewer, operation_id: int,
               form: Posted) -> Response:  # fmt: skip
    return _record(request, db_session, viewer, operation_id, "close", form)
