"""Alerts: a followed offender, vehicle or group turned up again — a new report, a new force area.

Retailers and forces follow what matters to them (``crimelink.casework.subscriptions``: who may
follow what). After an analysis run, :func:`check_alerts` looks at every incident received since
an earlier run (and since the subscription) that the followed offender, vehicle or group is now
linked to, leaving out the follower's own reports. Each raises one alert, ``new_force_area``
when it is in a force area the target had not been seen in before, else ``new_incident``:

- **in the web app** (``/alerts``, and ``/api/v1/alerts``);
- **by email** when the subscription has an address: into the outbox, sent by SMTP when
  ``CRIMELINK_SMTP_URL`` is set (``crimelink.casework.mail``).

An alert says only what the follower may be told. An incident whose handling code keeps it from
the follower's kind of organisation (``crimelink.reports.handling``) raises nothing; a retailer
hears the offence, the date and the force area, never the store or who reported it; conditions
that travel with a C-coded item travel with the alert.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, func, literal, select
from sqlalchemy.orm import Session

from crimelink.access.policy import Viewer, viewer_for_user
from crimelink.casework.alerts_models import Alert, AlertSubscription
from crimelink.casework.mail import deliver_outbox, queue_message
from crimelink.casework.subscriptions import (
    AlertList,
    AlertOut,
    SubscriptionIn,
    SubscriptionOut,
    audience_of,
    current_id,
    list_alerts,
    mark_read,
    subscribe,
    subscription_for,
    unsubscribe,
)
from crimelink.casework.targets import covered_incidents
from crimelink.domain.forces import FORCE_IDS, police_force
from crimelink.domain.offences import OffenceType
from crimelink.errors import InvalidValue
from crimelink.reports.handling import Audience, decide, grading_of
from crimelink.store import StoreHandle
from crimelink.store.models import AnalysisRun, Incident, Organisation, Store

__all__ = [
    "AlertList",
    "AlertOut",
    "SubscriptionIn",
    "SubscriptionOut",
    "alerts_after_run",
    "check_alerts",
    "list_alerts",
    "mark_read",
    "subscribe",
    "subscription_for",
    "unsubscribe",
]


def _force_name(force: str | None) -> str:
    return police_force(force).name if force and force in FORCE_IDS else "an unknown force area"


def _summary(
    label: str,
    incident: Incident,
    store: str | None,
    submitter: str,
    audience: Audience,
    new_area: bool,
    conditions: str | None,
) -> str:
    what = OffenceType(incident.offence).label.lower()
    where = _force_name(incident.police_force)
    if audience is Audience.RETAILER:
        text = f"{label} turned up again: {what} on {incident.occurred_at:%d %b %Y} in {where}."
    else:
        text = (
            f"{label} turned up again: {what} at {store or 'a store'} on {incident.occurred_at:%d %b %Y} "
            f"in {where} (reported by {submitter}, reference {incident.incident_ref})."
        )
    if new_area:
        text += " It is a force area they had not been seen in before."
    if conditions:
        text += f" Handling conditions: {conditions}."
    return text


def _mail(session: Session, subscription: AlertSubscription, alert: Alert, new_area: bool) -> None:
    if not subscription.email:
        return
    marking = "OFFICIAL-SENSITIVE" if subscription.kind == "person" else "OFFICIAL"
    what = "a new force area" if new_area else "a new incident"
    text = (
        f"{marking}\n\n{alert.summary}\n\nSee your alerts in crimelink: /alerts\n"
        f"You follow {subscription.label}; stop following it on the alerts page.\n\n{marking}\n"
    )
    queue_message(
        session=session,
        kind="alert",
        to=subscription.email,
        text=text,
        alert_id=alert.id,
        subject=f"{marking}: crimelink alert: {subscription.label}, {what}",
    )


def check_alerts(*, session: Session, since_run_id: int | None, run_id: int | None = None) -> list[int]:
    """Raise the alerts for incidents received since analysis run ``since_run_id`` started (and
    since each subscription was made); returns the new alerts' ids. ``run_id`` is the run whose
    links found them (default: the latest finished run). Each incident alerts a subscription once.

    Raises:
        InvalidValue: no analysis run ``since_run_id``.
    """
    since: datetime | None = None
    if since_run_id is not None:
        run = session.get(AnalysisRun, since_run_id)
        if run is None:
            raise InvalidValue("since_run_id", since_run_id, "no such analysis run")
        since = run.started_at
    if run_id is None:
        run_id = session.scalar(select(func.max(AnalysisRun.id)).where(AnalysisRun.status == "finished"))
    viewers: dict[int, Viewer | None] = {}
    created: list[int] = []
    subscriptions = session.scalars(
        select(AlertSubscription).where(AlertSubscription.active.is_(True)).order_by(AlertSubscription.id)
    ).all()
    for subscription in subscriptions:
        if subscription.user_id not in viewers:
            viewers[subscription.user_id] = viewer_for_user(session=session, user_id=subscription.user_id)
        viewer = viewers[subscription.user_id]
        if viewer is None:  # the user has gone
            continue
        audience = audience_of(viewer.kind.value)
        rid = session.scalar(select(current_id(subscription)))
        target = select(literal(subscription.kind).label("kind"), literal(rid).label("rid")).subquery()
        covered = covered_incidents(target)
        threshold = max(since, subscription.created_at) if since else subscription.created_at
        known = set(
            session.scalars(
                select(Incident.police_force).where(Incident.id.in_(covered), Incident.received_at <= threshold)
            )
        )
        alerted = exists().where(Alert.subscription_id == subscription.id, Alert.incident_id == Incident.id)
        rows = session.execute(
            select(Incident, Store.name, Organisation.code)
            .join(Store, Store.id == Incident.store_id)
            .join(Organisation, Organisation.id == Incident.submitter_id)
            .where(
                Incident.id.in_(covered),
                Incident.received_at > threshold,
                Incident.submitter_id != subscription.organisation_id,
                ~alerted,
            )
            .order_by(Incident.received_at, Incident.id)
        ).all()
        for incident, store, submitter in rows:
            grading = grading_of(
                incident.source_evaluation,
                incident.intelligence_assessment,
                incident.handling_code,
                incident.handling_conditions,
            )
            decision = decide(grading, audience)
            if not decision.share:
                continue
            new_area = incident.police_force is not None and incident.police_force not in known
            known.add(incident.police_force)
            alert = Alert(
                subscription_id=subscription.id,
                user_id=subscription.user_id,
                incident_id=incident.id,
                run_id=run_id,
                reason="new_force_area" if new_area else "new_incident",
                police_force=incident.police_force,
                summary=_summary(
                    subscription.label, incident, store, submitter, audience, new_area, decision.conditions
                ),
            )
            session.add(alert)
            session.flush()
            _mail(session, subscription, alert, new_area)
            created.append(alert.id)
    session.flush()
    return created


def alerts_after_run(*, store: StoreHandle, run_id: int, smtp_url: str | None = None) -> int:
    """After analysis run ``run_id``: alerts for what arrived since the run before it, and the mail
    sent (when SMTP is configured). Returns how many alerts were raised."""
    with store.session() as session:
        previous = session.scalar(
            select(func.max(AnalysisRun.id)).where(AnalysisRun.id < run_id, AnalysisRun.status == "finished")
        )
        created = check_alerts(session=session, since_run_id=previous, run_id=run_id)
    with store.session() as session:
        deliver_outbox(session=session, smtp_url=smtp_url)
    return len(created)
