"""Sharing agreements for administrators: the page (record, revoke) and its JSON twin.

Only administrators of the national unit manage agreements: an agreement widens what an
organisation sees, so it is a decision for the partnership, not for either party alone. The
service (``crimelink.access.sharing``) audits each creation and revocation in the same
transaction; the audit middleware records the request around it as well.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, ValidationError
from sqlalchemy import select

from crimelink.access import sharing
from crimelink.access.policy import Viewer
from crimelink.audit.service import Actor
from crimelink.domain.offences import OffenceType
from crimelink.domain.organisations import Role
from crimelink.errors import CrimelinkError, Forbidden
from crimelink.store.models import Organisation
from crimelink.web.dependencies import CurrentViewer, DbSession
from crimelink.web.paging import Page, PageQuery
from crimelink.web.rendering import render

router = APIRouter()
_FORBIDDEN: dict[int | str, dict[str, Any]] = {403: {"description": "Not an administrator of the national unit"}}
FormText = Annotated[str | None, Form(max_length=2000)]


def _administrator(viewer: Viewer) -> Actor:
    if not (viewer.national and viewer.role is Role.ADMINISTRATOR):
        raise Forbidden("only the national unit's administrators manage sharing agreements")
    return Actor.of(viewer)


class RevokeIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="Why (kept in the audit)")


def _page(request: Request, db_session: DbSession, *, error: str | None = None, status_code: int = 200) -> Response:
    organisations = db_session.execute(
        select(Organisation.code, Organisation.name, Organisation.kind)
        .where(Organisation.kind != "national_unit")
        .order_by(Organisation.code)
    ).all()
    return render(request, "sharing.html", status_code=status_code, error=error, offences=list(OffenceType),
                  agreements=sharing.list_agreements(session=db_session), organisations=organisations)  # fmt: skip


@router.get("/sharing", response_class=HTMLResponse, include_in_schema=False)
def sharing_page(request: Request, db_session: DbSession, viewer: CurrentViewer) -> Response:
    _administrator(viewer)
    return _page(request, db_session)


@router.get("/api/v1/sharing", tags=["access"], responses=_FORBIDDEN)
def sharing_json(
    request: Request, db_session: DbSession, viewer: CurrentViewer, paging: PageQuery
) -> Page[sharing.AgreementOut]:
    """Every sharing agreement, newest first, revoked ones included (administrators only)."""
    _administrator(viewer)
    return Page[sharing.AgreementOut].window(request, paging, sharing.list_agreements(session=db_session))


@router.post("/api/v1/sharing", tags=["access"], status_code=201, responses=_FORBIDDEN)
def add_json(db_session: DbSession, viewer: CurrentViewer, body: sharing.AgreementIn) -> sharing.AgreementOut:
    """Record an agreement: the recipient may see the provider's reports (both ways if mutual)."""
    return sharing.add_agreement(session=db_session, actor=_administrator(viewer), agreement=body)


@router.post("/api/v1/sharing/{agreement_id}/revoke", tags=["access"], responses=_FORBIDDEN)
def revoke_json(
    db_session: DbSession, viewer: CurrentViewer, agreement_id: int, body: RevokeIn
) -> sharing.AgreementOut:
    """Revoke an agreement now; it stays on record as revoked."""
    actor = _administrator(viewer)
    return sharing.revoke_agreement(session=db_session, actor=actor, agreement_id=agreement_id, reason=body.reason)


@router.post("/sharing", response_class=HTMLResponse, include_in_schema=False)
def add_form(
    request: Request,
    db_session: DbSession,
    viewer: CurrentViewer,
    provider: Annotated[str, Form(max_length=32)],
    recipient: Annotated[str, Form(max_length=32)],
    mutual: Annotated[bool, Form()] = False,
    starts: FormText = None,
    ends: FormText = None,
    offences: Annotated[list[str] | None, Form()] = None,
    reference: FormText = None,
    terms: FormText = None,
) -> Response:
    actor = _administrator(viewer)
    try:
        wanted = sharing.AgreementIn.model_validate({
            "provider": provider, "recipient": recipient, "mutual": mutual, "offences": offences or [],
            "starts": date.fromisoformat(starts) if starts else None,
            "ends": date.fromisoformat(ends) if ends else None, "reference": reference, "terms": terms,
        })  # fmt: skip
        sharing.add_agreement(session=db_session, actor=actor, agreement=wanted)
    except (CrimelinkError, ValidationError, ValueError) as error:
        message = error.message if isinstance(error, CrimelinkError) else str(error).splitlines()[0]
        status = error.status_code if isinstance(error, CrimelinkError) else 422
        return _page(request, db_session, error=message, status_code=status)
    return RedirectResponse("/sharing", status_code=303)


@router.post("/sharing/{agreement_id}/revoke", response_class=HTMLResponse, include_in_schema=False)
def revoke_form(
    request: Request,
    db_session: DbSession,
    viewer: CurrentViewer,
    agreement_id: int,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    actor = _administrator(viewer)
    try:
        sharing.revoke_agreement(session=db_session, actor=actor, agreement_id=agreement_id, reason=reason)
    except CrimelinkError as error:
        return _page(request, db_session, error=error.message, status_code=error.status_code)
    return RedirectResponse("/sharing", status_code=303)
