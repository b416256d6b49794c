"""Logging in and out, and who is logged in.

Logins are throttled (per username and per address) and every login, failure, lockout and
logout is audited (``crimelink.web.security``). Each login starts a session kept on the server;
logging out ends every session of the user at once (``crimelink.web.sessions``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from crimelink.access.demo import DemoLogin, demo_logins
from crimelink.access.policy import viewer_for_user
from crimelink.access.users import authenticate
from crimelink.audit.service import Actor, record
from crimelink.audit.web import trust_store
from crimelink.web.dependencies import CurrentViewer, DbSession
from crimelink.web.rendering import render
from crimelink.web.security import TooManyLogins, login_guard
from crimelink.web.sessions import begin_session, end_sessions

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site only (never ``//elsewhere``)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _demo_logins(request: Request, db_session: Session) -> list[DemoLogin]:
    """The demo's logins, shown on the login page in demo mode only."""
    if not request.app.state.settings.demo:
        return []
    return demo_logins(session=db_session)


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(request: Request, db_session: DbSession, next: str | None = None) -> Response:
    if isinstance(request.session.get("user_id"), int):
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", next=safe_next(next), demo_logins=_demo_logins(request, db_session))


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    db_session: DbSession,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str, Form()] = "/",
) -> Response:
    guard = login_guard(request, "form")

    def refused(status: int, error: str) -> Response:
        return render(
            request,
            "login.html",
            status_code=status,
            next=safe_next(next),
            username=username,
            error=error,
            demo_logins=_demo_logins(request, db_session),
        )

    try:
        guard.check(username)
    except TooManyLogins as error:
        return refused(429, error.message)
    user = authenticate(session=db_session, username=username, password=password)
    viewer = viewer_for_user(session=db_session, user_id=user.id) if user is not None else None
    if viewer is None:
        locked = guard.failed(username)
        return refused(429 if locked else 401, locked or "Wrong username or password.")
    guard.succeeded(username, Actor.of(viewer))
    begin_session(request, user_id=viewer.user_id, channel="form")
    return RedirectResponse(safe_next(next), status_code=303)


@router.api_route("/logout", methods=["GET", "POST"], include_in_schema=False)
def logout(request: Request, db_session: DbSession) -> Response:
    user_id = request.session.get("user_id")
    viewer = viewer_for_user(session=db_session, user_id=user_id) if isinstance(user_id, int) else None
    if viewer is not None:
        ended = end_sessions(request, user_id=viewer.user_id)
        with trust_store(request.app).session() as session:
            record(session=session, actor=Actor.of(viewer), action="logout", purpose="authentication",
                   details={"sessions_ended": ended})  # fmt: skip
    request.session.clear()
    return RedirectResponse("/login", status_code=303)


class Me(BaseModel):
    username: str
    display_name: str
    role: str
    organisation: str
    organisation_name: str
    organisation_kind: str
    police_force: str | None


@router.get("/api/v1/me", tags=["access"])
def me(viewer: CurrentViewer) -> Me:
    """Who is logged in, in which organisation, with which role."""
    return Me(
        username=viewer.username,
        display_name=viewer.display_name,
        role=viewer.role.value,
        organisation=viewer.organisation_code,
        organisation_name=viewer.organisation_name,
        organisation_kind=viewer.kind.value,
        police_force=viewer.force,
    )
