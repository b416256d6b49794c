"""Engagement: upskilling sessions the national team holds with retailers (date, organisations, attendees).

Recorded by the national unit; a retailer sees the sessions it attended, everyone else all of them.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from crimelink.access.policy import Viewer
from crimelink.casework.lifecycle import is_manager
from crimelink.casework.models import (
    EngagementAttendance,
    EngagementSession,
)
from crimelink.casework.schemas import (
    EngagementIn,
    EngagementOut,
)
from crimelink.domain.forces import police_force
from crimelink.errors import Forbidden, InvalidValue
from crimelink.store.models import Organisation

__all__ = ["list_engagement", "record_engagement"]


def _engagement(session: Session, sessions: list[EngagementSession]) -> list[EngagementOut]:
    codes: dict[int, list[str]] = {}
    if sessions:
        for session_id, code in session.execute(
            select(EngagementAttendance.session_id, Organisation.code)
            .join(Organisation, Organisation.id == EngagementAttendance.organisation_id)
            .where(EngagementAttendance.session_id.in_([s.id for s in sessions]))
            .order_by(Organisation.code)
        ):
            codes.setdefault(session_id, []).append(code)
    return [
        EngagementOut(
            id=s.id,
            held_on=s.held_on,
            title=s.title,
            organisations=codes.get(s.id, []),
            attendees=s.attendees,
            police_force=s.police_force,
            notes=s.notes,
        )
        for s in sessions
    ]


def record_engagement(*, session: Session, actor: Viewer, data: EngagementIn) -> EngagementOut:
    if not is_manager(actor):
        raise Forbidden("only the national unit records engagement sessions")
    wanted = {c.strip().upper() for c in data.organisations}
    rows = session.execute(select(Organisation.code, Organisation.id).where(Organisation.code.in_(wanted)))
    found = dict(rows.all())
    if missing := sorted(wanted - set(found)):
        raise InvalidValue("organisations", missing, "no such organisations")
    row = EngagementSession(
        held_on=data.held_on,
        title=data.title,
        attendees=data.attendees,
        notes=data.notes,
        police_force=police_force(data.police_force).id if data.police_force else None,
        created_by_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    session.add_all(EngagementAttendance(session_id=row.id, organisation_id=i) for i in found.values())
    session.flush()
    return _engagement(session, [row])[0]


def list_engagement(*, session: Session, actor: Viewer) -> list[EngagementOut]:
    """Sessions: all for the national unit; those it attended for a retailer; in its area for a force."""
    query = select(EngagementSession).order_by(EngagementSession.held_on.desc(), EngagementSession.id)
    if not actor.national:
        attended = select(EngagementAttendance.session_id).where(
            EngagementAttendance.organisation_id == actor.organisation_id
        )
        rule: ColumnElement[bool] = EngagementSession.id.in_(attended)
        if actor.force:
            rule = or_(rule, EngagementSession.police_force == actor.force)
        query = query.where(rule)
    return _engagement(session, list(session.scalars(query)))
