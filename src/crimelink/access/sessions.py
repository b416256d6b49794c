"""Login sessions kept on the server, so that ending one takes effect at once.

A signed cookie alone cannot be taken back: a copy keeps working until it expires. So each
login starts a row here and the cookie carries only that row's random token (the table keeps
the token's SHA-256, never the token). A request counts as logged in only while its row is
open, not idle for longer than the idle timeout and not older than the session's lifetime.

:func:`end_user_sessions` ends every session of one user at once: logging out does it (a
copied cookie dies with the original, and a browser left logged in elsewhere is logged out
too), and so do a password change and disabling a user (``crimelink.access.users``).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from crimelink.access.models import WebSession
from crimelink.store.models import utcnow

DEFAULT_IDLE = timedelta(minutes=30)
DEFAULT_LIFETIME = timedelta(hours=10)  # a working shift
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often: one write a minute
KEEP_ENDED = timedelta(days=30)  # how long a user's old rows stay for an administrator to see


@dataclass(frozen=True, slots=True)
class SessionLimits:
    """How long a session lasts: ``idle`` without a request, ``lifetime`` in all."""

    idle: timedelta = DEFAULT_IDLE
    lifetime: timedelta = DEFAULT_LIFETIME


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(
    *, session: Session, user_id: int, channel: str, address: str | None = None, now: datetime | None = None
) -> str:
    """Open a session for ``user_id``; returns the token for the cookie (shown only this once)."""
    now = now or utcnow()
    session.execute(delete(WebSession).where(WebSession.user_id == user_id, WebSession.created_at < now - KEEP_ENDED))
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            id=_digest(token), user_id=user_id, channel=channel[:16], address=(address or None) and address[:64],
            created_at=now, last_seen_at=now,
        )
    )  # fmt: skip
    session.flush()
    return token


def session_user(
    *, session: Session, token: str, limits: SessionLimits = SessionLimits(), now: datetime | None = None
) -> int | None:
    """The user whose session ``token`` opens, or ``None`` (unknown, ended, idle or too old).

    A session found idle or too old is ended on the way (``end_reason`` "idle" or "expired").
    """
    now = now or utcnow()
    row = session.get(WebSession, _digest(token))
    if row is None or row.ended_at is not None:
        return None
    if now - row.created_at > limits.lifetime:
        reason: str | None = "expired"
    else:
        reason = "idle" if now - row.last_seen_at > limits.idle else None
    if reason is not None:
        row.ended_at, row.end_reason = now, reason
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = now
    return row.user_id


def end_user_sessions(*, session: Session, user_id: int, reason: str, now: datetime | None = None) -> int:
    """End every open session of ``user_id`` at once; how many were open.

    For logging out, a password change, disabling a user, or an administrator who suspects a
    stolen cookie. Callers audit it (they know who asked and why).
    """
    ended = session.execute(
        update(WebSession)
        .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        .values(ended_at=now or utcnow(), end_reason=reason[:32])
    )
    return int(getattr(ended, "rowcount", 0) or 0)


def open_sessions(*, session: Session, user_id: int) -> list[WebSession]:
    """The user's sessions not ended by anyone (some may have run out of time), newest first."""
    return list(
        session.scalars(
            select(WebSession)
            .where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
            .order_by(WebSession.created_at.desc())
        )
    )


__all__ = [
    "SessionLimits",
    "end_user_sessions",
    "open_sessions",
    "session_user",
    "start_session",
]
