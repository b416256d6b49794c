"""Sessions kept on the server: logging out, a password change or disabling a user ends them.

The signed cookie carries the user and a random session token; a request is logged in only
while that session is open in the store (``crimelink.access.sessions``): not ended (logging
out ends every session of the user at once, as do a password change and disabling the user),
not idle for longer than ``CRIMELINK_SESSION_IDLE_MINUTES``, and not older than the session's
lifetime (a working shift) however busy. A copied cookie dies with the session it was copied
from; a cookie without a session token (or forged with a leaked key) logs no one in.
"""

from __future__ import annotations

from datetime import timedelta

import anyio
from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from crimelink.access.sessions import SessionLimits, end_user_sessions, session_user, start_session
from crimelink.audit.web import trust_store
from crimelink.settings import Settings
from crimelink.web.security import client_address

SESSION_USER_KEY = "user_id"
SESSION_TOKEN_KEY = "session"


def begin_session(request: Request, *, user_id: int, channel: str) -> None:
    """Log ``user_id`` in on this browser: a fresh cookie (and CSRF token) for a new session.

    The row is written and committed at once, through the app's own pool for trust records
    (a request's session would hold SQLite's write lock until its response).
    """
    with trust_store(request.app).session() as db_session:
        token = start_session(session=db_session, user_id=user_id, channel=channel, address=client_address(request))
    request.session.clear()
    request.session[SESSION_USER_KEY] = user_id
    request.session[SESSION_TOKEN_KEY] = token


def end_sessions(request: Request, *, user_id: int, reason: str = "logout") -> int:
    """End every session ``user_id`` has (this browser's and any other), and clear this cookie."""
    with trust_store(request.app).session() as db_session:
        ended = end_user_sessions(session=db_session, user_id=user_id, reason=reason)
    request.session.clear()
    return ended


class ServerSessionMiddleware:
    """Forgets the cookie's login unless its session is still open in the store (see above).

    Sits inside Starlette's ``SessionMiddleware``: emptying ``scope["session"]`` here makes
    the request anonymous and the response delete the cookie.
    """

    def __init__(self, app: ASGIApp, *, lifetime: timedelta) -> None:
        self.app = app
        self.lifetime = lifetime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        session = scope.get("session")
        if (
            scope["type"] == "http"
            and isinstance(session, dict)
            and session.get(SESSION_USER_KEY) is not None
            and not scope["path"].startswith("/static/")
        ):
            token = session.get(SESSION_TOKEN_KEY)
            user_id = await anyio.to_thread.run_sync(self._user, scope, token) if isinstance(token, str) else None
            if user_id is None or user_id != session.get(SESSION_USER_KEY):
                session.clear()
        await self.app(scope, receive, send)

    def _user(self, scope: Scope, token: str) -> int | None:
        app = scope["app"]
        settings: Settings = app.state.settings
        limits = SessionLimits(idle=timedelta(minutes=settings.session_idle_minutes), lifetime=self.lifetime)
        with trust_store(app).session() as db_session:
            return session_user(session=db_session, token=token, limits=limits)


__all__ = ["ServerSessionMiddleware", "begin_session", "end_sessions"]
