"""The page behind a one-time link: a new user (or one whose password was reset) chooses their
own password and, in the national unit and police forces, sets up their authenticator.

Nobody is logged in here: the link is the proof (``crimelink.access.enrolment`` checks it,
sets the password and audits it as the user). The user then logs in as anyone does.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from crimelink.access import totp
from crimelink.access.enrolment import Welcome, accept_invitation, open_invitation
from crimelink.access.users import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, MIN_SINGLE_FACTOR_LENGTH
from crimelink.audit.actions import ACTION_KEY
from crimelink.errors import CrimelinkError, InvalidValue
from crimelink.web.dependencies import DbSession
from crimelink.web.rendering import render

router = APIRouter()
Password = Annotated[str, Form(max_length=MAX_PASSWORD_LENGTH)]
_LABELS = {"password": "Password", "code": "Code"}


def _page(request: Request, token: str, welcome: Welcome, *, status_code: int = 200, error: str | None = None,
          field: str | None = None) -> Response:  # fmt: skip
    secret = welcome.secret
    return render(
        request, "welcome.html", status_code=status_code, error=error, field=field, welcome=welcome, token=token,
        shortest=MIN_SINGLE_FACTOR_LENGTH if welcome.single_factor else MIN_PASSWORD_LENGTH,
        secret=totp.grouped(secret) if secret else None,
        uri=totp.provisioning_uri(secret, username=welcome.username) if secret else None,
    )  # fmt: skip


@router.get("/welcome/{token}", response_class=HTMLResponse, include_in_schema=False,
            openapi_extra={ACTION_KEY: "account.welcome_form"})  # fmt: skip
def welcome_page(request: Request, db_session: DbSession, token: str) -> Response:
    try:
        welcome = open_invitation(session=db_session, token=token)
    except CrimelinkError as error:
        return render(request, "error.html", status_code=error.status_code, error=error)
    return _page(request, token, welcome)


@router.post("/welcome/{token}", response_class=HTMLResponse, include_in_schema=False,
             openapi_extra={ACTION_KEY: "account.welcome"})  # fmt: skip
def welcome(
    request: Request, db_session: DbSession, token: str, password: Password = "", password_again: Password = "",
    code: Annotated[str, Form(max_length=64)] = "",
) -> Response:  # fmt: skip
    try:
        found = open_invitation(session=db_session, token=token)
    except CrimelinkError as error:
        return render(request, "error.html", status_code=error.status_code, error=error)
    if password != password_again:
        return _page(request, token, found, status_code=422, field="password_again",
                     error="The two passwords differ: type the same one twice.")  # fmt: skip
    try:
        codes = accept_invitation(session=db_session, token=token, password=password, code=code)
    except InvalidValue as error:  # refused before anything was written (the secret being enrolled stays)
        field = str(error.details.get("field") or "")
        return _page(request, token, open_invitation(session=db_session, token=token), status_code=422,
                     error=f"{_LABELS.get(field, field)}: {error.reason}.", field=field)  # fmt: skip
    with_code = " and a code from your authenticator" if not found.single_factor else ""
    return render(request, "recovery_codes.html", heading="Your password is set", codes=codes, next="/login",
                  continue_label="Log in", message=f"Log in as {found.username} with your new password{with_code}.")
