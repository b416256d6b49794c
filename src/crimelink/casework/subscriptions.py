"""Following an offender, vehicle or group, and reading the alerts raised (``crimelink.casework.alerts``).

Who may follow what: an offender or vehicle linked to a report the follower can see (for a
retailer, its own reports; for a force, those in its area); a group only by those working an
open operation against it (the lead force; a retailer whose referral the operation adopted);
the national unit anything. A subscription keeps its target by an anchor mention, so it
survives re-runs of the analysis.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints
from sqlalchemy import ColumnElement, and_, func, literal, select, update
from sqlalchemy.orm import Session

from crimelink.access.policy import Viewer, group_filter, incident_filter, offender_filter, vehicle_filter
from crimelink.casework.alerts_models import Alert, AlertSubscription
from crimelink.casework.lifecycle import is_lead_investigator
from crimelink.casework.models import Operation, OperationLink, Referral
from crimelink.casework.subjects import visible_label
from crimelink.casework.targets import find_target, resolved_id
from crimelink.domain.forces import FORCE_IDS, police_force
from crimelink.errors import Forbidden, NotFound
from crimelink.reports.handling import Audience
from crimelink.store.models import Incident, Offender, OffenderGroup, Vehicle, utcnow

__all__ = [
    "AlertList",
    "AlertOut",
    "SubscriptionIn",
    "SubscriptionOut",
    "audience_of",
    "current_id",
    "list_alerts",
    "mark_read",
    "may_follow",
    "subscribe",
    "subscription_for",
    "unsubscribe",
]

Kind = Literal["person", "vehicle", "group"]
Email = Annotated[str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Kind
    id: int
    email: Email | None = None


class SubscriptionOut(BaseModel):
    id: int
    kind: Kind
    target_id: int  # the current offender, vehicle or group id
    label: str
    email: str | None
    created_at: datetime


class AlertOut(BaseModel):
    id: int
    kind: Kind
    target_id: int
    label: str
    reason: Literal["new_incident", "new_force_area"]
    police_force: str | None
    incident_id: int | None  # only when the follower may open the incident
    summary: str
    created_at: datetime
    read: bool


class AlertList(BaseModel):
    unread: int
    total: int  # every alert of the viewer's (``alerts`` may be one page of them)
    alerts: list[AlertOut]
    subscriptions: list[SubscriptionOut]


def audience_of(kind: str) -> Audience:
    """The handling audience of an organisation kind."""
    return {"national_unit": Audience.NATIONAL, "retailer": Audience.RETAILER}.get(kind, Audience.POLICE)


def _force_name(force: str | None) -> str:
    return police_force(force).name if force and force in FORCE_IDS else "an unknown force area"


# --- following -------------------------------------------------------------------------------


def _working_group(viewer: Viewer) -> ColumnElement[bool]:
    """Operations against a group that the viewer works: its force leads it, or it adopted their referral."""
    if viewer.force and is_lead_investigator(viewer, viewer.force):
        return Operation.lead_force == viewer.force
    referred = select(OperationLink.operation_id).join(
        Referral, and_(OperationLink.kind == "referral", OperationLink.target_id == Referral.id)
    )
    return Operation.id.in_(referred.where(Referral.referrer_id == viewer.organisation_id))


def may_follow(session: Session, viewer: Viewer, kind: str, target_id: int) -> bool:
    if kind == "person":
        return session.scalar(select(Offender.id).where(Offender.id == target_id, offender_filter(viewer))) is not None
    if kind == "vehicle":
        return session.scalar(select(Vehicle.id).where(Vehicle.id == target_id, vehicle_filter(viewer))) is not None
    if viewer.national:
        return session.get(OffenderGroup, target_id) is not None
    link = OperationLink
    against = (
        select(link.id)
        .join(Operation, Operation.id == link.operation_id)
        .where(
            link.kind == "group",
            resolved_id(link.kind, link.target_id, link.anchor_mention_id) == target_id,
            Operation.status == "open",
            _working_group(viewer),
        )
    )
    seen = (
        viewer.retailer
        or session.scalar(select(OffenderGroup.id).where(OffenderGroup.id == target_id, group_filter(viewer)))
        is not None
    )
    return seen and session.scalar(against.limit(1)) is not None


def current_id(row: AlertSubscription) -> ColumnElement[int]:
    """SQL for the current id of what a subscription follows (through its anchor mention)."""
    return resolved_id(literal(row.kind), literal(row.target_id), literal(row.anchor_mention_id))


def _out(session: Session, row: AlertSubscription) -> SubscriptionOut:
    current = session.scalar(select(current_id(row)))
    return SubscriptionOut(
        id=row.id,
        kind=row.kind,
        target_id=int(current if current is not None else row.target_id),
        label=row.label,
        email=row.email,
        created_at=row.created_at,
    )


def subscription_for(*, session: Session, viewer: Viewer, kind: str, target_id: int) -> SubscriptionOut | None:
    """The viewer's active subscription to this offender, vehicle or group, if any."""
    for row in session.scalars(
        select(AlertSubscription).where(
            AlertSubscription.user_id == viewer.user_id,
            AlertSubscription.kind == kind,
            AlertSubscription.active.is_(True),
        )
    ):
        out = _out(session, row)
        if out.target_id == target_id:
            return out
    return None


def subscribe(*, session: Session, viewer: Viewer, data: SubscriptionIn) -> SubscriptionOut:
    """Follow an offender, vehicle or group (again: the address is updated).

    Raises:
        NotFound: the viewer cannot see it. Forbidden: a group the viewer works no operation against.
    """
    if not may_follow(session, viewer, data.kind, data.id):
        if data.kind == "group" and not viewer.retailer:
            raise Forbidden("you may follow a group only while you work an operation against it", group_id=data.id)
        raise NotFound(f"no such {data.kind}", id=data.id)
    existing = subscription_for(session=session, viewer=viewer, kind=data.kind, target_id=data.id)
    row = session.get(AlertSubscription, existing.id) if existing else None
    if row is None:
        target = find_target(session=session, kind=data.kind, target_id=data.id)
        label = visible_label(session, viewer, target)  # as the follower's own reports name it
        row = session.scalar(
            select(AlertSubscription).where(
                AlertSubscription.user_id == viewer.user_id,
                AlertSubscription.kind == data.kind,
                AlertSubscription.target_id == data.id,
            )
        )
        if row is None:
            row = AlertSubscription(
                user_id=viewer.user_id,
                organisation_id=viewer.organisation_id,
                kind=data.kind,
                target_id=data.id,
                created_at=utcnow(),
            )
            session.add(row)
        row.anchor_mention_id, row.label, row.active = target.anchor_mention_id, label, True
    row.email = data.email
    session.flush()
    return _out(session, row)


def unsubscribe(*, session: Session, viewer: Viewer, subscription_id: int) -> SubscriptionOut:
    row = session.get(AlertSubscription, subscription_id)
    if row is None or row.user_id != viewer.user_id or not row.active:
        raise NotFound("no such subscription", subscription_id=subscription_id)
    row.active = False
    session.flush()
    return _out(session, row)


# --- reading ---------------------------------------------------------------------------------


def list_alerts(*, session: Session, viewer: Viewer, limit: int = 200, offset: int = 0) -> AlertList:
    """The viewer's alerts, newest first (``limit`` of them from ``offset``), and what they follow."""
    rows = session.execute(
        select(Alert, AlertSubscription, incident_filter(viewer).label("openable"))
        .join(AlertSubscription, AlertSubscription.id == Alert.subscription_id)
        .join(Incident, Incident.id == Alert.incident_id)
        .where(Alert.user_id == viewer.user_id)
        .order_by(Alert.created_at.desc(), Alert.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()
    total = session.scalar(
        select(func.count()).select_from(Alert).join(AlertSubscription, AlertSubscription.id == Alert.subscription_id)
        .join(Incident, Incident.id == Alert.incident_id).where(Alert.user_id == viewer.user_id)
    )
    unread = session.scalar(
        select(func.count()).select_from(Alert).where(Alert.user_id == viewer.user_id, Alert.read_at.is_(None))
    )
    subscriptions = session.scalars(
        select(AlertSubscription)
        .where(AlertSubscription.user_id == viewer.user_id, AlertSubscription.active.is_(True))
        .order_by(AlertSubscription.created_at, AlertSubscription.id)
    )
    return AlertList(
        unread=unread or 0,
        total=total or 0,
        alerts=[
            AlertOut(
                id=a.id,
                kind=s.kind,
                target_id=_out(session, s).target_id,
                label=s.label,
                reason=a.reason,
                police_force=a.police_force,
                incident_id=a.incident_id if openable else None,
                summary=a.summary,
                created_at=a.created_at,
                read=a.read_at is not None,
            )
            for a, s, openable in rows
        ],
        subscriptions=[_out(session, s) for s in subscriptions],
    )


def mark_read(*, session: Session, viewer: Viewer, alert_id: int | None = None) -> int:
    """Mark one alert (or all of the viewer's) read; returns how many changed."""
    where = [Alert.user_id == viewer.user_id, Alert.read_at.is_(None)]
    if alert_id is not None:
        where.append(Alert.id == alert_id)
    changed = session.execute(update(Alert).where(*where).values(read_at=utcnow())).rowcount  # type: ignore[attr-defined]
    return int(changed or 0)
