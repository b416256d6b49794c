"""The Users page for administrators (invite, disable, enable, reset a password, set a role)
and its JSON twin.

An organisation's administrator sees and manages its own organisation's users; the national
unit's administrators every organisation's (``crimelink.access.accounts``, which also audits
each change in the same transaction; the audit middleware records the request around it).
An invitation's or a reset's one-time link is shown once, on the page that made it, for the
administrator to send to its holder; the store keeps only its digest.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access import accounts
from crimelink.access.accounts import AccountOut, Manager
from crimelink.audit.actions import ACTION_KEY
from crimelink.errors import CrimelinkError, NotFound
from crimelink.store.models import Organisation, User
from crimelink.web.dependencies import CurrentViewer, DbSession
from crimelink.web.paging import Page, PageQuery
from crimelink.web.rendering import render

router = APIRouter()
_FORBIDDEN: dict[int | str, dict[str, Any]] = {403: {"description": "Not an administrator"}}
Text = Annotated[str, Form(max_length=200)]


def _action(name: str) -> dict[str, Any]:
    return {ACTION_KEY: f"user.{name}"}


class InviteIn(BaseModel):
    username: str = Field(min_length=2, max_length=64, description="Letters, digits, '.', '_', '-' or '@'")
    display_name: str = Field(min_length=1, max_length=200, description="Their name, as colleagues know it")
    organisation: str = Field(min_length=2, max_length=32, description="Their organisation's code")
    role: str = Field(max_length=32, description="A role their organisation's users may hold")


class LinkOut(BaseModel):
    """A one-time link for the user to set their password: shown once, to be sent to them."""

    username: str
    purpose: str = Field(description="invitation (a new account) or reset")
    link: str
    expires_at: str


class DisableIn(BaseModel):
    reason: str = Field("", max_length=500, description="Why (kept in the audit)")


class ResetIn(BaseModel):
    second_factor: bool = Field(False, description="Forget their authenticator too (a lost phone)")


class RoleIn(BaseModel):
    role: str = Field(max_length=32)


def _link(request: Request, invitation: accounts.Invitation) -> LinkOut:
    return LinkOut(username=invitation.username, purpose=invitation.purpose,
                   link=str(request.base_url).rstrip("/") + invitation.path,
                   expires_at=f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC")  # fmt: skip


def _username(db_session: Session, manager: Manager, user_id: int) -> str:
    """The username of a user ``manager`` manages (another organisation's does not exist for them)."""
    query = select(User.username).where(User.id == user_id)
    if manager.organisation_id is not None:
        query = query.where(User.organisation_id == manager.organisation_id)
    username = db_session.scalar(query)
    if username is None:
        raise NotFound("no such user", user_id=user_id)
    return username


def _page(request: Request, db_session: Session, manager: Manager, *, status_code: int = 200,
          error: str | None = None, link: LinkOut | None = None) -> Response:  # fmt: skip
    query = select(Organisation).order_by(Organisation.code)
    if manager.organisation_id is not None:
        query = query.where(Organisation.id == manager.organisation_id)
    organisations = [(o.code, o.name, accounts.roles_for(o.kind)) for o in db_session.scalars(query)]
    roles = sorted({role for *_, allowed in organisations for role in allowed}, key=lambda r: r.value)
    users = accounts.list_accounts(session=db_session, manager=manager)
    return render(request, "users.html", status_code=status_code, error=error, link=link, roles=roles,
                  organisations=organisations, users=users)  # fmt: skip


def _done(request: Request, db_session: Session, manager: Manager, change: Any) -> Response:
    """Run ``change``; the page again, with its link (if it made one) or what went wrong."""
    try:
        made = change()
    except CrimelinkError as error:  # the services refuse before they write anything
        return _page(request, db_session, manager, status_code=error.status_code, error=error.message)
    link = _link(request, made) if isinstance(made, accounts.Invitation) else None
    return _page(request, db_session, manager, link=link)


@router.get("/users", response_class=HTMLResponse, include_in_schema=False, openapi_extra=_action("list"))
def users_page(request: Request, db_session: DbSession, viewer: CurrentViewer) -> Response:
    return _page(request, db_session, Manager.of(viewer))


@router.get("/api/v1/users", tags=["access"], responses=_FORBIDDEN, openapi_extra=_action("list"))
def users_json(request: Request, db_session: DbSession, viewer: CurrentViewer, paging: PageQuery) -> Page[AccountOut]:
    """The accounts you manage (your organisation's; the national unit's administrators: all)."""
    found = accounts.list_accounts(session=db_session, manager=Manager.of(viewer))
    return Page[AccountOut].window(request, paging, found)


@router.post("/users", response_class=HTMLResponse, include_in_schema=False, openapi_extra=_action("invite"))
def invite_form(
    request: Request, db_session: DbSession, viewer: CurrentViewer, username: Text, display_name: Text,
    organisation: Annotated[str, Form(max_length=32)], role: Annotated[str, Form(max_length=32)],
) -> Response:  # fmt: skip
    manager = Manager.of(viewer)
    return _done(request, db_session, manager, lambda: accounts.invite_user(
        session=db_session, manager=manager, username=username, display_name=display_name, role=role,
        organisation_code=organisation))  # fmt: skip


@router.post("/api/v1/users", tags=["access"], status_code=201, responses=_FORBIDDEN, openapi_extra=_action("invite"))
def invite_json(request: Request, db_session: DbSession, viewer: CurrentViewer, body: InviteIn) -> LinkOut:
    """Invite someone: their account, and the one-time link (72 hours) with which they set their password."""
    made = accounts.invite_user(session=db_session, manager=Manager.of(viewer), username=body.username,
                                display_name=body.display_name, role=body.role,
                                organisation_code=body.organisation)  # fmt: skip
    return _link(request, made)


@router.post("/users/{user_id}/disable", response_class=HTMLResponse, include_in_schema=False,
             openapi_extra=_action("disable"))  # fmt: skip
def disable_form(request: Request, db_session: DbSession, viewer: CurrentViewer, user_id: int,
                 reason: Annotated[str, Form(max_length=500)] = "") -> Response:  # fmt: skip
    manager = Manager.of(viewer)
    return _done(request, db_session, manager, lambda: accounts.disable_account(
        session=db_session, manager=manager, username=_username(db_session, manager, user_id),
        reason=reason))  # fmt: skip


@router.post("/api/v1/users/{user_id}/disable", tags=["access"], responses=_FORBIDDEN,
             openapi_extra=_action("disable"))  # fmt: skip
def disable_json(db_session: DbSession, viewer: CurrentViewer, user_id: int, body: DisableIn) -> dict[str, int]:
    """Stop the user logging in: their sessions end at once, and any link sent to them stops working."""
    manager = Manager.of(viewer)
    ended = accounts.disable_account(session=db_session, manager=manager,
                                     username=_username(db_session, manager, user_id), reason=body.reason)  # fmt: skip
    return {"sessions_ended": ended}


@router.post("/users/{user_id}/enable", response_class=HTMLResponse, include_in_schema=False,
             openapi_extra=_action("enable"))  # fmt: skip
def enable_form(request: Request, db_session: DbSession, viewer: CurrentViewer, user_id: int) -> Response:
    manager = Manager.of(viewer)
    return _done(request, db_session, manager, lambda: accounts.enable_account(
        session=db_session, manager=manager, username=_username(db_session, manager, user_id)))  # fmt: skip


@router.post("/api/v1/users/{user_id}/enable", tags=["access"], responses=_FORBIDDEN,
             openapi_extra=_action("enable"))  # fmt: skip
def enable_json(db_session: DbSession, viewer: CurrentViewer, user_id: int) -> dict[str, bool]:
    """Let a disabled user log in again."""
    manager = Manager.of(viewer)
    accounts.enable_account(session=db_session, manager=manager, username=_username(db_session, manager, user_id))
    return {"active": True}


@router.post("/users/{user_id}/reset-password", response_class=HTMLResponse, include_in_schema=False,
             openapi_extra=_action("reset_password"))  # fmt: skip
def reset_form(request: Request, db_session: DbSession, viewer: CurrentViewer, user_id: int,
               second_factor: Annotated[bool, Form()] = False) -> Response:  # fmt: skip
    manager = Manager.of(viewer)
    return _done(request, db_session, manager, lambda: accounts.reset_password(
        session=db_session, manager=manager, username=_username(db_session, manager, user_id),
        second_factor=second_factor))  # fmt: skip


@router.post("/api/v1/users/{user_id}/reset-password", tags=["access"], responses=_FORBIDDEN,
             openapi_extra=_action("reset_password"))  # fmt: skip
def reset_json(request: Request, db_session: DbSession, viewer: CurrentViewer, user_id: int, body: ResetIn) -> LinkOut:
    """The old password stops working and every session ends; the one-time link lets them choose another."""
    manager = Manager.of(viewer)
    made = accounts.reset_password(session=db_session, manager=manager,
                                   username=_username(db_session, manager, user_id), second_factor=body.second_factor)
    return _link(request, made)


@router.post("/users/{user_id}/role", response_class=HTMLResponse, include_in_schema=False,
             openapi_extra=_action("set_role"))  # fmt: skip
def role_form(request: Request, db_session: DbSession, viewer: CurrentViewer, user_id: int,
              role: Annotated[str, Form(max_length=32)]) -> Response:  # fmt: skip
    manager = Manager.of(viewer)
    return _done(request, db_session, manager, lambda: accounts.set_role(
        session=db_session, manager=manager, username=_username(db_session, manager, user_id), role=role))  # fmt: skip


@router.post("/api/v1/users/{user_id}/role", tags=["access"], responses=_FORBIDDEN, openapi_extra=_action("set_role"))
def role_json(db_session: DbSession, viewer: CurrentViewer, user_id: int, body: RoleIn) -> dict[str, str]:
    """Give the user another role their organisation's users may hold (from their next request)."""
    manager = Manager.of(viewer)
    before = accounts.set_role(session=db_session, manager=manager,
                               username=_username(db_session, manager, user_id), role=body.role)
    return {"from": before.value, "to": body.role}
