"""The access tables of their own: recorded sharing agreements between organisations, and the
web app's login sessions (``WebSession``).

An agreement is kept after it is revoked (``revoked_at``), so that the record shows who could
see whose reports, and when; the audit log holds every creation and revocation as well.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crimelink.store.models.base import Base, BigId, Id, utcnow


class SharingAgreement(Base):
    """``provider`` lets ``recipient`` see the reports it submitted (both ways when ``mutual``),
    from ``starts`` to ``ends`` (inclusive; open-ended without one), for the offences listed in
    ``sharing_agreement_offences`` (every offence when none are listed), until revoked."""

    __tablename__ = "sharing_agreements"

    id: Mapped[Id]
    provider_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisations.id"), index=True)
    recipient_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisations.id"), index=True)
    mutual: Mapped[bool] = mapped_column(Boolean, default=False)
    reference: Mapped[str | None] = mapped_column(String(100))  # the signed agreement's own reference
    terms: Mapped[str | None] = mapped_column(Text)
    starts: Mapped[date] = mapped_column(Date)
    ends: Mapped[date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(64))
    revoke_reason: Mapped[str | None] = mapped_column(Text)


class SharingAgreementOffence(Base):
    """One offence type an agreement is limited to."""

    __tablename__ = "sharing_agreement_offences"

    agreement_id: Mapped[int] = mapped_column(BigId, ForeignKey("sharing_agreements.id"), primary_key=True)
    offence: Mapped[str] = mapped_column(String(32), primary_key=True)


class WebSession(Base):
    """One login to the web app. The browser's (signed) cookie carries a random token; the
    table keeps only its SHA-256, so reading the table gives no one a working cookie.

    A session is over when ``ended_at`` is set (logout, a password change, the user disabled:
    ``end_reason`` says which) or when it has been idle or alive too long; the row is kept
    for a while so that an administrator can see who was logged in, and from where.
    """

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 (hex) of the cookie's token
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # how the user logged in: "form", "oidc"
    address: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))
