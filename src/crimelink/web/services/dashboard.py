"""The dashboard's headline figures, monthly trend and map, within what the viewer sees.

The trend keeps to the months an incident can have happened in (1990 to a day after today,
``crimelink.store.plausible``): an incident stored with a year 0001 or 9999 (before intake
checked dates, or written to the store directly) is counted in ``incidents_left_out``, not drawn
as the first or last of 120,000 empty months.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import ColumnElement, SQLColumnExpression, func, not_, select
from sqlalchemy.orm import Session

from crimelink.access.policy import (
    Viewer,
    group_filter,
    incident_filter,
    offender_filter,
    vehicle_filter,
)
from crimelink.domain.forces import FORCE_IDS, police_force
from crimelink.store.models import AnalysisRun, Incident, Offender, OffenderGroup, Vehicle
from crimelink.store.plausible import plausibly_dated


class Figures(BaseModel):
    incidents: int
    value_gbp: float
    named_offenders: int  # named offenders with at least one incident
    offenders: int  # every offender identified, named or only described
    vehicles: int
    groups: int | None  # None where the viewer does not see groups (retailers)
    force_areas: int


class Month(BaseModel):
    month: str  # YYYY-MM
    incidents: int
    value_gbp: float


class ForceCount(BaseModel):
    force: str
    name: str
    incidents: int
    value_gbp: float


class RunInfo(BaseModel):
    id: int
    status: str
    started_at: datetime
    finished_at: datetime | None


class Dashboard(BaseModel):
    figures: Figures
    months: list[Month]
    incidents_left_out: int  # dated outside 1990 to a day after today: in no month
    forces: list[ForceCount]
    latest_analysis: RunInfo | None


def month_of(column: SQLColumnExpression[datetime], dialect: str) -> ColumnElement[str]:
    """``YYYY-MM`` of a timestamp, in the SQL each backend speaks."""
    if dialect == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _months_between(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _count(session: Session, model: type[object], *where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def figures(*, db_session: Session, viewer: Viewer) -> Figures:
    visible = incident_filter(viewer)
    incidents, value, forces = db_session.execute(
        select(
            func.count(Incident.id),
            func.coalesce(func.sum(Incident.value_gbp), 0.0),
            func.count(func.distinct(Incident.police_force)),
        ).where(visible)
    ).one()
    offenders = offender_filter(viewer)
    return Figures(
        incidents=incidents,
        value_gbp=round(float(value), 2),
        force_areas=forces,
        named_offenders=_count(db_session, Offender, offenders, Offender.named.is_(True), Offender.incidents >= 1),
        offenders=_count(db_session, Offender, offenders),
        vehicles=_count(db_session, Vehicle, vehicle_filter(viewer)),
        groups=_count(db_session, OffenderGroup, group_filter(viewer)) if viewer.sees_groups else None,
    )


def monthly(*, db_session: Session, viewer: Viewer) -> list[Month]:
    """Incidents and value per month, every month between the first and last shown (gaps as 0),
    within the months an incident can have happened in."""
    month = month_of(Incident.occurred_at, db_session.get_bind().dialect.name).label("month")
    rows = db_session.execute(
        select(month, func.count(Incident.id), func.coalesce(func.sum(Incident.value_gbp), 0.0))
        .where(incident_filter(viewer), plausibly_dated(Incident.occurred_at))
        .group_by(month)
        .order_by(month)
    ).all()
    found = {str(m): (int(n), round(float(v), 2)) for m, n, v in rows}
    if not found:
        return []
    return [
        Month(month=m, incidents=found.get(m, (0, 0.0))[0], value_gbp=found.get(m, (0, 0.0))[1])
        for m in _months_between(min(found), max(found))
    ]


def left_out(*, db_session: Session, viewer: Viewer) -> int:
    """The incidents the viewer sees whose time no month can hold (see :func:`monthly`)."""
    return _count(db_session, Incident, incident_filter(viewer), not_(plausibly_dated(Incident.occurred_at)))


def by_force(*, db_session: Session, viewer: Viewer) -> list[ForceCount]:
    rows = db_session.execute(
        select(
            Incident.police_force,
            func.count(Incident.id),
            func.coalesce(func.sum(Incident.value_gbp), 0.0),
        )
        .where(incident_filter(viewer), Incident.police_force.is_not(None))
        .group_by(Incident.police_force)
    ).all()
    counts = [
        ForceCount(force=f, name=police_force(f).name, incidents=n, value_gbp=round(float(v), 2))
        for f, n, v in rows
        if f in FORCE_IDS
    ]
    return sorted(counts, key=lambda c: (-c.incidents, c.force))


def latest_analysis(*, db_session: Session) -> RunInfo | None:
    run = db_session.scalar(select(AnalysisRun).order_by(AnalysisRun.started_at.desc(), AnalysisRun.id.desc()))
    if run is None:
        return None
    return RunInfo(id=run.id, status=run.status, started_at=run.started_at, finished_at=run.finished_at)


def dashboard(*, db_session: Session, viewer: Viewer) -> Dashboard:
    return Dashboard(
        figures=figures(db_session=db_session, viewer=viewer),
        months=monthly(db_session=db_session, viewer=viewer),
        incidents_left_out=left_out(db_session=db_session, viewer=viewer),
        forces=by_force(db_session=db_session, viewer=viewer),
        latest_analysis=latest_analysis(db_session=db_session),
    )
