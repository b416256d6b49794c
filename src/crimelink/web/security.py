"""The web app's defences: security headers, CSRF protection, login throttling and lockout,
and which proxies to believe.

**Headers.** Every response says: no sniffing, no framing, same-origin referrers and
openers, no camera or location, a Content-Security-Policy without inline scripts, no caching
of intelligence, and (when served over HTTPS, i.e. with secure cookies) HSTS.

**CSRF.** Two layers. (1) A state-changing request that a browser says comes from another
site (``Sec-Fetch-Site``, else ``Origin`` against ``Host``) is refused, whoever sends it —
this also covers the login form against login CSRF. (2) A state-changing request that
rides on the session cookie must carry the session's token: the ``X-CSRF-Token`` header
(htmx sends it, from ``hx-headers`` on ``<body>``) or a ``csrf_token`` form field (every
form includes it). Requests with HTTP Basic credentials and no session need no token: a
browser does not attach them to another site's forms without the same-origin check seeing
it. Logging out needs no token (it only takes privileges away).

**Inputs.** No identifier, page number or JSON value may be a whole number beyond 64 bits,
and no JSON text may hold a NUL character: neither database can store them, so they are
refused at the door (404 for an id in the path, 422 otherwise) for every route at once.

**Logins.** Failed logins are counted per username and per client address in a window;
past the limit that username (or address) is locked out for a while, with a message saying
until when. Unknown usernames are counted the same way, so a lockout tells nothing about
which usernames exist. Both the login form and HTTP Basic are throttled.

Sessions kept on the server, so that logging out ends them: ``crimelink.web.sessions``.

**Proxies.** The client's address (lockouts, the audit) is the connection's own, unless
``CRIMELINK_TRUSTED_PROXIES`` names the proxy it comes from: only then are
``X-Forwarded-For`` and ``X-Forwarded-Proto`` believed (:func:`proxy_options`, given to uvicorn).
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import orjson
from fastapi import Request
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crimelink.audit.models import LoginThrottle
from crimelink.audit.service import Actor, record
from crimelink.audit.web import trust_store
from crimelink.errors import CrimelinkError, NotFound
from crimelink.settings import Settings
from crimelink.store import StoreHandle
from crimelink.store.models import utcnow
from crimelink.web.limits import read_up_to, replay_body

# --- headers --------------------------------------------------------------------------------

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; "
    "base-uri 'self'; object-src 'none'"
)
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeadersMiddleware:
    """Adds the headers above to every response; no caching of anything but static files."""

    def __init__(self, app: ASGIApp, *, https: bool = False) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.update(SECURITY_HEADERS)
                if path.startswith("/static/"):
                    headers.setdefault("Cache-Control", "public, max-age=3600")
                else:
                    headers["Cache-Control"] = "no-store"
                if path != "/docs":  # Swagger UI starts itself with an inline script
                    headers.setdefault("Content-Security-Policy", CSP)
                if self.https:
                    headers["Strict-Transport-Security"] = HSTS
            await send(message)

        await self.app(scope, receive, with_headers)


# --- CSRF -----------------------------------------------------------------------------------

CSRF_SESSION_KEY = "csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
CSRF_EXEMPT = frozenset({"/logout", "/login"})  # the login form: cross-site check only (see above)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
MAX_FORM_BYTES = 1_000_000


def csrf_token(request: Request) -> str:
    """The session's CSRF token (created on first use); templates put it in forms and headers."""
    token = request.session.get(CSRF_SESSION_KEY)
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session[CSRF_SESSION_KEY] = token
    return token


def cross_site(headers: dict[str, str]) -> bool:
    """Whether a browser says this request comes from another site (Fetch Metadata, Origin)."""
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    origin = headers.get("origin")
    if origin is None:
        return False  # not a browser, or an old one on a same-origin form
    return origin == "null" or urlsplit(origin).netloc.lower() != headers.get("host", "").lower()


class CSRFMiddleware:
    """Refuses cross-site changes, and session-cookie changes without the session's token."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if cross_site(headers):
            await _refuse(scope, receive, send, "a request from another site may not change anything here")
            return
        session: dict[str, Any] = scope.get("session") or {}
        if scope["path"] in CSRF_EXEMPT or session.get("user_id") is None:
            await self.app(scope, receive, send)
            return
        token = headers.get(CSRF_HEADER)
        if token is None and headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            body = await read_up_to(receive, MAX_FORM_BYTES)
            if body is not None:
                fields = parse_qs(body.decode("latin-1")).get(CSRF_FIELD)
                token = fields[0] if fields else None
                receive = replay_body(body, receive)
        expected = session.get(CSRF_SESSION_KEY)
        if not (isinstance(expected, str) and token and hmac.compare_digest(token, expected)):
            await _refuse(scope, receive, send, "the form is out of date or not from this site: reload and retry")
            return
        await self.app(scope, receive, send)


class CSRFRefused(CrimelinkError):
    """A state-changing request without proof that it came from this site's own pages."""

    status_code = 403


async def _refuse(scope: Scope, receive: Receive, send: Send, message: str) -> None:
    error = CSRFRefused(message)
    if scope["path"].startswith("/api/"):
        body = orjson.dumps(error.as_dict())
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"application/json")]})  # fmt: skip
        await send({"type": "http.response.body", "body": body})
        return
    from crimelink.web.rendering import render

    await render(Request(scope, receive), "error.html", status_code=403, error=error)(scope, receive, send)


# --- inputs -------------------------------------------------------------------------------------

_INT64 = 2**63
_LONG_NUMBER = re.compile(rb"\d{19,}")


class OutOfRange(CrimelinkError):
    """A number or a character that no store can hold."""

    status_code = 422


_DIGITS = re.compile(r"[+-]?0*([0-9]+)")  # ASCII digits only: int() refuses "²", isdigit() does not


def _too_big(text: str) -> bool:
    match = _DIGITS.fullmatch(text.strip())
    return match is not None and (len(match.group(1)) > 19 or int(match.group(1)) >= _INT64)


def _check_int(text: str) -> int:
    if _too_big(text):
        raise OutOfRange("a number in the body is too large: whole numbers must fit in 64 bits")
    return int(text)


async def input_hygiene(request: Request) -> None:
    """Refuse what the store cannot hold (an app-wide dependency; see the module's docstring)."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and _too_big(value):
            raise NotFound("no such record", **{name: value[:40]})
    for name, value in request.query_params.items():
        if _too_big(value):
            raise OutOfRange(f"{name}: number out of range", errors=[{"field": name, "reason": "out of range"}])
    if request.method in SAFE_METHODS or "json" not in request.headers.get("content-type", ""):
        return
    body = await request.body()
    if b"\\u0000" not in body and not _LONG_NUMBER.search(body):
        return  # the common case: nothing to look at closely
    try:
        parsed = json.loads(body, parse_int=_check_int)
    except ValueError:
        return  # not JSON: the route's own validation says so
    if _has_nul(parsed):
        raise OutOfRange("the body holds a NUL character (\\u0000), which cannot be stored")


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


# --- login throttling -------------------------------------------------------------------------


class TooManyLogins(CrimelinkError):
    """Too many failed logins for a username, or from an address: locked out for a while."""

    status_code = 429


@dataclass(frozen=True, slots=True)
class LoginLimits:
    per_user: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)


def _keys(username: str, address: str | None) -> list[tuple[str, str]]:
    keys = [("user", "user:" + username.strip().lower()[:100])]
    if address:
        keys.append(("address", "ip:" + address[:100]))
    return keys


def _message(kind: str, until: datetime, now: datetime) -> str:
    minutes = max(1, -(-int((until - now).total_seconds()) // 60))
    whom = "this username" if kind == "user" else "your address"
    return (
        f"Too many failed logins for {whom}: logins are refused until {until:%H:%M} UTC "
        f"(about {minutes} minute{'s' if minutes != 1 else ''}). Ask an administrator if you need access sooner."
    )


def login_refusal(*, session: Session, username: str, address: str | None, now: datetime | None = None) -> str | None:
    """Why logins for ``username`` from ``address`` are refused just now, or ``None``."""
    now = now or utcnow()
    keys = {key: kind for kind, key in _keys(username, address)}
    for key, until in session.execute(
        select(LoginThrottle.key, LoginThrottle.locked_until).where(LoginThrottle.key.in_(keys))
    ):
        if until is not None and until > now:
            return _message(keys[key], until, now)
    return None


def note_failure(
    *, session: Session, username: str, address: str | None, limits: LoginLimits, now: datetime | None = None
) -> str | None:
    """Count a failed login; the lockout message if this failure locked something out."""
    now = now or utcnow()
    dialect = session.get_bind().dialect.name
    locked: str | None = None
    for kind, key in _keys(username, address):
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        session.execute(
            insert(LoginThrottle).values(key=key, failures=0, window_start=now).on_conflict_do_nothing()
        )
        row = session.scalars(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()).one()
        if now - row.window_start > limits.window:
            row.failures, row.window_start, row.locked_until = 0, now, None
        row.failures += 1
        threshold = limits.per_user if kind == "user" else limits.per_address
        if row.failures >= threshold:
            row.locked_until = now + limits.lockout
            row.failures, row.window_start = 0, now
            locked = locked or _message(kind, row.locked_until, now)
    session.flush()
    return locked


def note_success(*, session: Session, username: str) -> None:
    """A correct password clears the username's count (not the address's)."""
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == _keys(username, None)[0][1]))


@dataclass(frozen=True)
class LoginGuard:
    """Throttling and auditing of password checks for one request (form or HTTP Basic)."""

    store: StoreHandle
    limits: LoginLimits
    address: str | None
    channel: str  # "form" or "basic"

    def check(self, username: str, *, reading: Session | None = None) -> None:
        """Raise :class:`TooManyLogins` when locked out (audited). ``reading``: a session to
        look in (the request's own), so that the common case costs no transaction of its own."""
        if reading is not None:
            refusal = login_refusal(session=reading, username=username, address=self.address)
            if refusal is None:
                return
        with self.store.session() as session:
            refusal = login_refusal(session=session, username=username, address=self.address)
            if refusal is not None:
                self._audit(session, "login.refused", username, reason=refusal)
        if refusal is not None:
            raise TooManyLogins(refusal)

    def failed(self, username: str, **details: Any) -> str | None:
        """Count a failed check (a password, or a second factor's code: ``details`` say which)."""
        with self.store.session() as session:
            locked = note_failure(session=session, username=username, address=self.address, limits=self.limits)
            self._audit(session, "login.failed", username, locked=locked is not None, **details)
        return locked

    def succeeded(self, username: str, actor: Actor, **details: Any) -> None:
        """The login is complete (password, and second factor where one is asked)."""
        with self.store.session() as session:
            note_success(session=session, username=username)
            if self.channel == "form":  # HTTP Basic checks passwords on many calls: not each one a login
                entry = {"channel": self.channel, "ip": self.address, **details}
                record(session=session, actor=actor, action="login", purpose="authentication", details=entry)

    def _audit(self, session: Session, action: str, username: str, **details: Any) -> None:
        record(
            session=session,
            actor=Actor.anonymous(),
            action=action,
            purpose="authentication",
            details={"username": username.strip()[:64], "channel": self.channel, "ip": self.address, **details},
        )


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


def login_guard(request: Request, channel: str) -> LoginGuard:
    settings = request.app.state.settings
    limits = LoginLimits(
        per_user=settings.login_max_failures,
        per_address=settings.login_address_max_failures,
        window=timedelta(minutes=settings.login_lockout_minutes),
        lockout=timedelta(minutes=settings.login_lockout_minutes),
    )
    return LoginGuard(trust_store(request.app), limits, client_address(request), channel)


# --- proxies ------------------------------------------------------------------------------------


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options for proxy headers: believed only from ``settings.trusted_proxies``.

    uvicorn on its own believes ``X-Forwarded-For`` from 127.0.0.1, so anyone on the server's
    own machine (or any local process relaying requests) could pick the address that login
    lockouts count and the audit records.
    """
    if not settings.trusted_proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": list(settings.trusted_proxies)}
