"""What routes depend on: the store, a database session, and who is asking.

A request is authenticated by the signed session cookie that ``/login`` sets, or, for
scripts, by HTTP Basic. Argon2 makes each password check cost ~0.1 s on purpose; a script
calling the API a thousand times should not pay that each time, so a successful Basic check
is remembered for a few minutes, keyed by an HMAC (with a per-process random key) of the
stored hash and the password: a changed password or a deactivated user takes effect at once.

Password checks (those not remembered) are throttled and failures audited like the login
form's (``crimelink.web.security``). An account that logs in with a second factor
(``crimelink.access.enrolment``) is refused HTTP Basic, which carries a password only. Once
the user is known, a request that changes something is put on the audit record before its
route runs (``crimelink.audit.web``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from crimelink.access.enrolment import second_factor_step
from crimelink.access.policy import Viewer, viewer_for_user
from crimelink.access.users import authenticate, user_by_username, verify_password
from crimelink.audit.service import Actor
from crimelink.audit.web import audit_change_requested
from crimelink.store import StoreHandle
from crimelink.web.errors import NotAuthenticated
from crimelink.web.security import LoginGuard, login_guard

BASIC_CACHE_SECONDS = 300.0
_BASIC_CACHE_SIZE = 1024
_PROCESS_KEY = secrets.token_bytes(32)
_verified: dict[str, float] = {}  # HMAC of (stored hash, password) -> expiry (monotonic)
_verified_lock = threading.Lock()


def get_store(request: Request) -> StoreHandle:
    store: StoreHandle = request.app.state.store
    return store


StoreDep = Annotated[StoreHandle, Depends(get_store)]


def get_db(store: StoreDep) -> Iterator[Session]:
    """A session for the request, committed when the route returns (before the response is
    sent: a client that writes and at once reads must see its own write)."""
    with store.session() as session:
        yield session


DbSession = Annotated[Session, Depends(get_db, scope="function")]


def _basic_credentials(header: str) -> tuple[str, str] | None:
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, colon, password = decoded.partition(":")
    return (username, password) if colon else None


def _cache_key(password_hash: str, password: str) -> str:
    return hmac.new(_PROCESS_KEY, f"{password_hash}\0{password}".encode(), hashlib.sha256).hexdigest()


def basic_login(*, db_session: Session, username: str, password: str, guard: LoginGuard | None = None) -> int | None:
    """The id of the active user these Basic credentials belong to, or ``None``.

    ``guard`` refuses a locked-out username or address (even with a remembered password) and
    throttles and audits the password checks.
    """
    if guard is not None:
        guard.check(username, reading=db_session)
    user = user_by_username(session=db_session, username=username)
    if user is not None and user.active and second_factor_step(session=db_session, user_id=user.id) is None:
        key = _cache_key(user.password_hash, password)  # a factor set up since: the check below refuses
        with _verified_lock:
            if _verified.get(key, 0.0) > time.monotonic():
                return user.id
    if user is None or not user.active:
        authenticate(session=db_session, username=username, password=password)  # same cost as a real check
        if guard is not None:
            guard.failed(username)
        return None
    if not verify_password(password, user.password_hash):
        if guard is not None:
            guard.failed(username)
        return None
    if second_factor_step(session=db_session, user_id=user.id) is not None:  # a password alone is not enough
        raise NotAuthenticated("this account logs in with a second factor: HTTP Basic carries only a password, "
                               "log in through /login")  # fmt: skip
    if guard is not None:
        guard.succeeded(username, Actor(user.username, "", user.role, user.id))
    key = _cache_key(user.password_hash, password)
    now = time.monotonic()
    with _verified_lock:
        if len(_verified) >= _BASIC_CACHE_SIZE:
            for stale in [k for k, expiry in _verified.items() if expiry <= now] or list(_verified)[:64]:
                del _verified[stale]
        _verified[key] = now + BASIC_CACHE_SECONDS
    return user.id


def _known(request: Request, viewer: Viewer) -> Viewer:
    request.state.viewer = viewer
    audit_change_requested(request, viewer)
    return viewer


def current_viewer(request: Request, db_session: DbSession) -> Viewer:
    """Who is asking: the session cookie, else HTTP Basic; :class:`NotAuthenticated` if neither."""
    user_id = request.session.get("user_id")
    if isinstance(user_id, int):
        viewer = viewer_for_user(session=db_session, user_id=user_id)
        if viewer is None:
            request.session.clear()  # the user was deactivated or removed since logging in
        else:
            return _known(request, viewer)
    header = request.headers.get("authorization")
    credentials = _basic_credentials(header) if header else None
    if credentials is not None:
        found = basic_login(
            db_session=db_session,
            username=credentials[0],
            password=credentials[1],
            guard=login_guard(request, "basic"),
        )
        viewer = viewer_for_user(session=db_session, user_id=found) if found is not None else None
        if viewer is None:
            raise NotAuthenticated("wrong username or password")
        return _known(request, viewer)
    raise NotAuthenticated("log in first: a session cookie from /login, or HTTP Basic credentials")


CurrentViewer = Annotated[Viewer, Depends(current_viewer)]


def wants_partial(request: Request) -> bool:
    """An htmx request swapping part of a page (not a history restore, which wants it whole)."""
    return request.headers.get("hx-request") == "true" and "hx-history-restore-request" not in request.headers
