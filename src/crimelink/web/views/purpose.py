"""The purpose of a user's session: the control in the page header, and its JSON twin.

The stated purpose is kept in the signed session cookie and recorded with every audit entry
of the session (``crimelink.audit.web``); stating it is itself audited (``purpose.set``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from crimelink.audit.purposes import PURPOSES, SESSION_KEY, purpose_label
from crimelink.audit.service import Actor, default_purpose, record
from crimelink.audit.web import trust_store
from crimelink.web.dependencies import CurrentViewer
from crimelink.web.views.auth import safe_next

router = APIRouter()


class PurposeIn(BaseModel):
    purpose: str = Field(description="A key of `choices` (see `GET /api/v1/purpose`)", max_length=40)


class PurposeOut(BaseModel):
    purpose: str | None = Field(description="The key stated for this session; none: the role's usual purpose")
    recorded_as: str = Field(description="What the audit records")
    choices: dict[str, str]


def current(request: Request, viewer: Any) -> PurposeOut:
    key = request.session.get(SESSION_KEY)
    key = key if isinstance(key, str) and key in PURPOSES else None
    return PurposeOut(purpose=key, recorded_as=PURPOSES[key] if key else default_purpose(viewer.role), choices=PURPOSES)


def _state(request: Request, viewer: Any, key: str) -> None:
    label = purpose_label(key)  # refuses a purpose not on the list
    request.session[SESSION_KEY] = key
    with trust_store(request.app).session() as session:
        record(session=session, actor=Actor.of(viewer), action="purpose.set", purpose=label,
               details={"purpose": key})  # fmt: skip


@router.get("/api/v1/purpose", tags=["access"])
def purpose_json(request: Request, viewer: CurrentViewer) -> PurposeOut:
    """The purpose this session's reads and changes are recorded under, and the choices."""
    return current(request, viewer)


@router.put("/api/v1/purpose", tags=["access"])
def state_purpose_json(request: Request, viewer: CurrentViewer, body: PurposeIn) -> PurposeOut:
    """State the purpose of this session (kept in the session cookie)."""
    _state(request, viewer, body.purpose)
    return current(request, viewer)


@router.post("/purpose", include_in_schema=False)
def state_purpose_form(
    request: Request,
    viewer: CurrentViewer,
    purpose: Annotated[str, Form(max_length=40)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    _state(request, viewer, purpose)
    return RedirectResponse(safe_next(next), status_code=303)
