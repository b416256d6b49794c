"""Making a referral from the web app: the form, its subject search, and the post.

The post is the API's ``POST /api/v1/referrals`` in a form: read into ``ReferralCreate`` and
recorded by ``crimelink.casework.service.create_referral``, audited under the same action
(``referral.create``). The subject search swaps its results in place with htmx and keeps what
is ticked; without JavaScript its button reloads the form with what the search found (a form of
its own, so that the referral form's token never travels in a URL).
A refusal comes back as the form, as typed, with the reason beside the field it concerns.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from crimelink.access.policy import Viewer
from crimelink.audit.actions import ACTION_KEY
from crimelink.casework import service
from crimelink.casework.schemas import ReferralCreate
from crimelink.errors import InvalidValue
from crimelink.web.dependencies import CurrentViewer, DbSession
from crimelink.web.rendering import render
from crimelink.web.services.referral_form import (
    DESCRIBED_KINDS,
    ReferralForm,
    check_may_refer,
    find_subjects,
    problem_words,
    referral_from_form,
)

router = APIRouter()
CRIME_REFERENCE_OF = "crime_reference-"  # + an incident id: the crime reference typed for it


async def posted(request: Request) -> FormData:
    """The posted form, every field (the incidents' crime references are named by their ids)."""
    return await request.form()


Posted = Annotated[FormData, Depends(posted)]


def _form(fields: Any) -> ReferralForm:
    """The form's fields from a posted form or a query string (a multi-dict either way)."""

    def one(name: str) -> str:
        value = fields.get(name)
        return value if isinstance(value, str) else ""

    typed = {}
    for key in fields:
        number = key.removeprefix(CRIME_REFERENCE_OF)
        if key.startswith(CRIME_REFERENCE_OF) and number.isdigit() and len(number) < 19 and one(key).strip():
            typed[int(number)] = one(key)
    return ReferralForm(
        summary=one("summary"),
        request=one("request"),
        crime_references=one("crime_references"),
        subjects=[s for s in fields.getlist("subject") if isinstance(s, str)],
        crime_reference_of=typed,
        described_kind=one("described_kind") or "person",
        described=one("described"),
        vrm=one("vrm"),
    )


def _page(
    request: Request,
    db_session: DbSession,
    viewer: Viewer,
    form: ReferralForm,
    *,
    q: str | None = None,
    problem: tuple[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    choices = find_subjects(session=db_session, viewer=viewer, q=q, chosen=form.subjects)
    return render(request, "referral_new.html", status_code=status_code, form=form, choices=choices,
                  problem=problem, described_kinds=DESCRIBED_KINDS)  # fmt: skip


@router.get("/referrals/new", response_class=HTMLResponse, include_in_schema=False,
            openapi_extra={ACTION_KEY: "referral.new_form"})  # fmt: skip
def refer_form(request: Request, db_session: DbSession, viewer: CurrentViewer,
               q: Annotated[str | None, Query(max_length=100)] = None) -> Response:  # fmt: skip
    """The form, with what the search (``q``) finds; ``subject=kind:id`` comes ticked (a profile may link here)."""
    check_may_refer(viewer)
    return _page(request, db_session, viewer, _form(request.query_params), q=q)


@router.get("/referrals/new/subjects", response_class=HTMLResponse, include_in_schema=False,
            openapi_extra={ACTION_KEY: "referral.find_subjects"})  # fmt: skip
def refer_subjects(
    request: Request,
    db_session: DbSession,
    viewer: CurrentViewer,
    q: Annotated[str | None, Query(max_length=100)] = None,
    subject: Annotated[list[str] | None, Query()] = None,
) -> Response:
    """What the search finds, below what is ticked (the htmx partial the form swaps in)."""
    check_may_refer(viewer)
    form = _form(request.query_params)
    choices = find_subjects(session=db_session, viewer=viewer, q=q, chosen=subject or [])
    return render(request, "_referral_subjects.html", form=form, choices=choices, problem=None)


@router.post("/referrals", response_class=HTMLResponse, include_in_schema=False,
             openapi_extra={ACTION_KEY: "referral.create"})  # fmt: skip
def refer(request: Request, db_session: DbSession, viewer: CurrentViewer, fields: Posted) -> Response:
    """Record the referral (``create_referral``, as the API does) and open it; or the form with the reason."""
    form = _form(fields)
    body: ReferralCreate | None = None
    try:
        check_may_refer(viewer)
        body = referral_from_form(form)
        referral_id = service.create_referral(session=db_session, actor=viewer, data=body)
    except InvalidValue as refused:  # the service refuses before it records anything
        ticked = find_subjects(session=db_session, viewer=viewer, q=None, chosen=form.subjects).chosen
        problem = problem_words(refused, body.subjects if body else None, {c.value: c.label for c in ticked})
        return _page(request, db_session, viewer, form, problem=problem, status_code=refused.status_code)
    return RedirectResponse(f"/referrals/{referral_id}", status_code=303)
