"""Logging in and out, and who is logged in.

Logins are throttled (per username and per address) and every login, failure, lockout and
logout is audited (``crimelink.web.security``). Each login starts a session kept on the server;
logging out ends every session of the user at once (``crimelink.web.sessions``).

**A second factor** (``crimelink.access.enrolment``): after a right password, a user with an
authenticator is asked for its code (``/login/code``; a recovery code does too), and an
administered user of the national unit or a police force without one sets it up first
(``/login/enrol``). Until then the browser holds only a note, for five minutes, of whose
password was right; no session starts. A wrong code counts as a failed login for the
username, so guessing codes meets the same lockout as guessing passwords. The demo, whose
logins are published anyway, asks for no second factor.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from crimelink.access import totp
from crimelink.access.demo import DemoLogin, demo_logins
from crimelink.access.enrolment import (
    check_code,
    enrol_at_login,
    enrolment_secret,
    recovery_codes_left,
    second_factor_step,
)
from crimelink.access.policy import Viewer, viewer_for_user
from crimelink.access.users import authenticate
from crimelink.audit.actions import ACTION_KEY
from crimelink.audit.service import Actor, record
from crimelink.audit.web import trust_store
from crimelink.web.dependencies import CurrentViewer, DbSession
from crimelink.web.rendering import render
from crimelink.web.security import LoginGuard, TooManyLogins, client_address, login_guard
from crimelink.web.sessions import begin_session, end_sessions

router = APIRouter()
PENDING_KEY = "pending_login"  # whose password was right, awaiting their second factor
PENDING_SECONDS = 300
CodeField = Annotated[str, Form(max_length=64)]


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
    step = None if request.app.state.settings.demo else second_factor_step(session=db_session, user_id=viewer.user_id)
    if step is not None:
        return _ask_second_factor(request, viewer, step, safe_next(next))
    guard.succeeded(username, Actor.of(viewer))
    begin_session(request, user_id=viewer.user_id, channel="form")
    return RedirectResponse(safe_next(next), status_code=303)


def _ask_second_factor(request: Request, viewer: Viewer, step: str, next_path: str) -> Response:
    """The password was right: note whose, for a few minutes, and ask for the second factor."""
    request.session.clear()
    request.session[PENDING_KEY] = {"user": viewer.user_id, "step": step, "next": next_path,
                                    "until": time.time() + PENDING_SECONDS}  # fmt: skip
    with trust_store(request.app).session() as session:
        record(session=session, actor=Actor.of(viewer), action="login.second_factor_asked", purpose="authentication",
               details={"channel": "form", "ip": client_address(request), "step": step})  # fmt: skip
    return RedirectResponse("/login/code" if step == "code" else "/login/enrol", status_code=303)


def _pending(request: Request, db_session: Session, step: str) -> Viewer | None:
    """Whose password was right (in the last few minutes, at ``step``), if still an active user."""
    pending: Any = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or pending.get("step") != step or not isinstance(pending.get("user"), int):
        return None
    if float(pending.get("until") or 0) < time.time():
        request.session.pop(PENDING_KEY, None)
        return None
    return viewer_for_user(session=db_session, user_id=pending["user"])


def _start_again() -> Response:
    return RedirectResponse("/login", status_code=303)


def _locked_out(request: Request, viewer: Viewer, message: str) -> Response:
    """The username is locked out: the pending login is forgotten and the login page says so."""
    request.session.pop(PENDING_KEY, None)
    return render(request, "login.html", status_code=429, next="/", username=viewer.username, error=message,
                  demo_logins=[])  # fmt: skip


def _wrong_code(request: Request, guard: LoginGuard, viewer: Viewer, step: str) -> Response | None:
    """A wrong code counts as a failed login; past the limit the username is locked out (the
    page saying so), else ``None``: the caller asks again."""
    locked = guard.failed(viewer.username, step=step)
    return _locked_out(request, viewer, locked) if locked else None


def _code_attempt(request: Request, db_session: Session, step: str) -> tuple[Viewer, LoginGuard] | Response:
    """Whose pending login a typed code is for, and the guard counting it; or the answer when
    there is none (start again) or the username is locked out."""
    viewer = _pending(request, db_session, step)
    if viewer is None:
        return _start_again()
    guard = login_guard(request, "form")
    try:
        guard.check(viewer.username)
    except TooManyLogins as error:
        return _locked_out(request, viewer, error.message)
    return viewer, guard


def _logged_in(request: Request, guard: LoginGuard, viewer: Viewer, **details: Any) -> str:
    """Complete the login: audited, counted, a session begun; where to go next."""
    pending: Any = request.session.get(PENDING_KEY) or {}
    guard.succeeded(viewer.username, Actor.of(viewer), **details)
    begin_session(request, user_id=viewer.user_id, channel="form")
    return safe_next(pending.get("next"))


@router.get("/login/code", response_class=HTMLResponse, include_in_schema=False,
            openapi_extra={ACTION_KEY: "login.code_form"})  # fmt: skip
def login_code_page(request: Request, db_session: DbSession) -> Response:
    viewer = _pending(request, db_session, "code")
    if viewer is None:
        return _start_again()
    return render(request, "login_code.html", username=viewer.username)


@router.post("/login/code", include_in_schema=False, openapi_extra={ACTION_KEY: "login.code"})
def login_code(request: Request, db_session: DbSession, code: CodeField = "") -> Response:
    attempt = _code_attempt(request, db_session, "code")
    if isinstance(attempt, Response):
        return attempt
    viewer, guard = attempt
    with trust_store(request.app).session() as session:
        used = check_code(session=session, user_id=viewer.user_id, code=code)
        left = recovery_codes_left(session=session, user_id=viewer.user_id) if used == "recovery code" else None
    if used is None:
        return _wrong_code(request, guard, viewer, "second factor") or render(
            request, "login_code.html", status_code=401, username=viewer.username,
            error="That code is not right: type the newest one your authenticator shows, or a recovery code.")
    details: dict[str, Any] = {"second_factor": used}
    if left is not None:
        details["recovery_codes_left"] = left
    return RedirectResponse(_logged_in(request, guard, viewer, **details), status_code=303)


def _enrol_page(request: Request, viewer: Viewer, status_code: int = 200, error: str | None = None) -> Response:
    with trust_store(request.app).session() as session:
        secret = enrolment_secret(session=session, user_id=viewer.user_id)
    return render(request, "login_enrol.html", status_code=status_code, error=error, username=viewer.username,
                  secret=totp.grouped(secret), uri=totp.provisioning_uri(secret, username=viewer.username))  # fmt: skip


@router.get("/login/enrol", response_class=HTMLResponse, include_in_schema=False,
            openapi_extra={ACTION_KEY: "login.enrol_form"})  # fmt: skip
def login_enrol_page(request: Request, db_session: DbSession) -> Response:
    viewer = _pending(request, db_session, "enrol")
    return _start_again() if viewer is None else _enrol_page(request, viewer)


@router.post("/login/enrol", include_in_schema=False, openapi_extra={ACTION_KEY: "login.enrol"})
def login_enrol(request: Request, db_session: DbSession, code: CodeField = "") -> Response:
    attempt = _code_attempt(request, db_session, "enrol")
    if isinstance(attempt, Response):
        return attempt
    viewer, guard = attempt
    with trust_store(request.app).session() as session:
        codes = enrol_at_login(session=session, user_id=viewer.user_id, code=code)
    if codes is None:
        return _wrong_code(request, guard, viewer, "second factor enrolment") or _enrol_page(
            request, viewer, 401, "That code is not right: check the secret you typed and that your phone's "
            "clock is right, then type the newest code.")
    next_path = _logged_in(request, guard, viewer, second_factor="enrolled")
    return render(request, "recovery_codes.html", codes=codes, next=next_path)


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
