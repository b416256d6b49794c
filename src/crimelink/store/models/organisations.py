"""Organisations, their users, and their stores."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crimelink.store.models.base import Base, BigId, Id, utcnow


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[Id]
    code: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(200))
    # For a police force: the data.police.uk id of the area it polices.
    police_force: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[Id]
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisations.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Store(Base):
    """A shop (or a station, for BTP) as its organisation names it."""

    __tablename__ = "stores"
    __table_args__ = (UniqueConstraint("organisation_id", "store_ref"),)

    id: Mapped[Id]
    organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisations.id"))
    store_ref: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(400))
    postcode: Mapped[str | None] = mapped_column(String(10))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    police_force: Mapped[str | None] = mapped_column(String(32), index=True)
