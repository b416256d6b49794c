"""The access tables of their own: recorded sharing agreements between organisations, the
web app's login sessions (``WebSession``), and account administration's records of users:
``UserAccount`` (how the account was made, its second factor), ``AccountInvitation`` (the
one-time links with which people set their own passwords) and ``RecoveryCode``.

An agreement is kept after it is revoked (``revoked_at``), so that the record shows who could
see whose reports, and when; the audit log holds every creation and revocation as well.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Boolean, Date, DateTime, ForeignKey, String, Text
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


class UserAccount(Base):
    """A user as account administration keeps them (``crimelink.access.accounts``).

    A user with this row is *administered*: made by an administrator's invitation, by single
    sign-on, or already there when account administration arrived (``origin``). Only such a
    user is held to the second factor that their organisation's kind requires; the TOTP
    secret (base32) is kept so that codes can be checked, ``totp_confirmed_at`` is set once
    the user has typed a code from it, and ``totp_last_step`` is the last 30-second step a
    code was accepted for, so that no code is accepted twice.
    """

    __tablename__ = "user_accounts"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), primary_key=True)
    origin: Mapped[str] = mapped_column(String(16))  # "invitation", "oidc", "existing"
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    password_set_at: Mapped[datetime | None] = mapped_column(DateTime)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)


class AccountInvitation(Base):
    """A one-time link with which a user sets their own password (a new account, or a reset).

    The link carries a random token; the table keeps only its SHA-256 (``id``). It works once
    (``used_at``), until ``expires_at``, and not after a newer link for the same user, or the
    user being disabled, has ended it (``ended_at``, ``end_reason``).
    """

    __tablename__ = "account_invitations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # SHA-256 (hex) of the link's token
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    purpose: Mapped[str] = mapped_column(String(16))  # "invitation" or "reset"
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))


class RecoveryCode(Base):
    """One of the codes a user may type instead of a TOTP code (a lost phone), each once.
    Only the code's SHA-256 is kept: the codes are random, so a fast hash is enough."""

    __tablename__ = "recovery_codes"

    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), primary_key=True)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)
