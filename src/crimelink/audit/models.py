"""The trust tables: the hash-chained audit log, login throttling, and retention reviews.

``audit_events`` is append-only: rows are inserted by :func:`crimelink.audit.service.record`
and never updated or deleted (database triggers refuse both, see the migration). Each row's
``hash`` is SHA-256 over its canonical serialisation, which includes ``prev_hash``, the hash of
the row before it; ``audit_head`` (one row) holds the last ``seq`` and ``hash``, and is the lock
that serialises writers. The audit outlives what it describes: no foreign keys, names copied.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from crimelink.store.models.base import Base, BigId, Id

GENESIS_HASH = "0" * 64  # the "previous hash" of the first entry


class AuditEvent(Base):
    """One thing that happened: who (user, organisation, role), what, why, to what, when."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_subject", "subject_type", "subject_id"),)

    seq: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    user_id: Mapped[int | None] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"))
    username: Mapped[str] = mapped_column(String(64), index=True)
    organisation: Mapped[str] = mapped_column(String(32), index=True)
    role: Mapped[str] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64), index=True)
    purpose: Mapped[str] = mapped_column(String(200))
    subject_type: Mapped[str | None] = mapped_column(String(32))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The chain's head (always ``id`` 1): the last entry's ``seq`` and ``hash``.

    Every writer updates this row first, so writers queue on its lock (PostgreSQL's row lock,
    SQLite's database write lock) and each entry links to the one committed before it.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigId)
    hash: Mapped[str] = mapped_column(String(64))


class LoginThrottle(Base):
    """Failed logins counted per key (``user:NAME`` or ``ip:ADDRESS``) within a window."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(DateTime)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)


class RetentionReview(Base):
    """A review decision on an incident's personal data: retain (until the next review),
    anonymise, or delete. Kept after the incident itself is deleted (ids and refs copied)."""

    __tablename__ = "retention_reviews"

    id: Mapped[Id]
    incident_id: Mapped[int] = mapped_column(BigId, index=True)
    submitter: Mapped[str] = mapped_column(String(32))
    incident_ref: Mapped[str] = mapped_column(String(64))
    review_due: Mapped[date] = mapped_column(Date)
    decision: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(DateTime)
    next_review: Mapped[date | None] = mapped_column(Date, index=True)


class RunningProcess(Base):
    """A crimelink process that may start analysis or import runs, while it lives.

    A process registers itself when it starts (host, process id and the process's own start
    time, so that a recycled process id is not mistaken for it) and removes itself when it
    ends. A run still "running" with no live process that could own it was interrupted
    (``crimelink.audit.runs``).
    """

    __tablename__ = "running_processes"

    id: Mapped[Id]
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    process_started: Mapped[float] = mapped_column(Float)  # seconds since boot, from /proc (0.0: unknown)
    kinds: Mapped[str] = mapped_column(String(100))  # run kinds it may start: "analysis", "import:file", "import:api"
    command: Mapped[str] = mapped_column(String(200))
    started_at: Mapped[datetime] = mapped_column(DateTime)
