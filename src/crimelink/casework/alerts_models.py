"""Alert tables: who follows which offender, vehicle or group; the alerts raised; the mail outbox.

A subscription keeps its target as casework does (``crimelink.casework.targets``): the id as it
was, an anchor mention that survives re-runs of the analysis, and the label then. Alerts name
the incident that raised them, so one incident alerts one subscription once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crimelink.store.models.base import Base, BigId, Id, utcnow

__all__ = ["Alert", "AlertSubscription", "OutboxMessage"]


class AlertSubscription(Base):
    """A user's wish to hear when an offender, vehicle or group turns up again."""

    __tablename__ = "alert_subscriptions"
    __table_args__ = (UniqueConstraint("user_id", "kind", "target_id"),)

    id: Mapped[Id]
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(BigId, ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # person, vehicle, group
    target_id: Mapped[int] = mapped_column(BigId)
    anchor_mention_id: Mapped[int | None] = mapped_column(BigId)
    label: Mapped[str] = mapped_column(String(400))
    email: Mapped[str | None] = mapped_column(String(254))  # where alerts are mailed; None: in the web app only
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Alert(Base):
    """A subscribed offender, vehicle or group turned up again: a new incident, maybe a new force area."""

    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("subscription_id", "incident_id"),)

    id: Mapped[Id]
    subscription_id: Mapped[int] = mapped_column(BigId, ForeignKey("alert_subscriptions.id"), index=True)
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id"), index=True)
    incident_id: Mapped[int] = mapped_column(BigId, ForeignKey("incidents.id"))
    run_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("analysis_runs.id"))
    reason: Mapped[str] = mapped_column(String(20))  # new_incident, new_force_area
    police_force: Mapped[str | None] = mapped_column(String(32))
    summary: Mapped[str] = mapped_column(Text)  # what the subscriber may be told
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)


class OutboxMessage(Base):
    """An email to send (alerts, bulletins): sent by SMTP when configured, kept either way."""

    __tablename__ = "outbox_messages"

    id: Mapped[Id]
    kind: Mapped[str] = mapped_column(String(16))  # alert, bulletin
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(400))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    alert_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("alerts.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)
    error: Mapped[str | None] = mapped_column(Text)
