"""Losses held for review: a value that stood out at intake counts once an analyst confirms it.

Intake stores a loss above ``CRIMELINK_VALUE_REVIEW_GBP`` (or far beyond the items listed) apart,
in ``value_held_gbp``, with nothing in ``value_gbp``, which is what every figure sums: the
dashboard, the impact report, groups, series and hotspots. One retailer's £9,999,999 typed for
£99.99 once moved the national "Value lost" from £3.8m to £13.8m; held, it moves nothing until
a national analyst (or supervisor) has looked and confirmed it. A corrected resubmission is
judged afresh by intake.
"""

from __future__ import annotations

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access.policy import Viewer, incident_filter
from crimelink.domain.organisations import Role
from crimelink.errors import CrimelinkError, Forbidden, NotFound
from crimelink.store.models import Incident

REVIEWERS = frozenset({Role.NATIONAL_ANALYST, Role.SUPERVISOR})


class NothingHeld(CrimelinkError):
    """The incident's value is not held for review (never was, or already confirmed)."""

    status_code = 409


class ValueConfirmed(BaseModel):
    incident_id: int
    value_gbp: float  # now counted in every figure


def may_review_values(viewer: Viewer) -> bool:
    """National analysts and supervisors confirm held values (they see every report)."""
    return viewer.national and viewer.role in REVIEWERS


def confirm_value(*, db_session: Session, viewer: Viewer, incident_id: int) -> ValueConfirmed:
    """Count a held value from now on.

    Raises:
        Forbidden: the viewer does not review values. NotFound: no such incident for the
        viewer. NothingHeld: its value is not held.
    """
    if not may_review_values(viewer):
        raise Forbidden("only a national analyst or supervisor confirms a value held for review",
                        role=viewer.role.value)  # fmt: skip
    incident = db_session.scalar(select(Incident).where(Incident.id == incident_id, incident_filter(viewer)))
    if incident is None:
        raise NotFound("no such incident", incident_id=incident_id)
    if incident.value_held_gbp is None:
        raise NothingHeld("this incident's value is not held for review", incident_id=incident_id)
    incident.value_gbp, incident.value_held_gbp = incident.value_held_gbp, None
    db_session.flush()
    return ValueConfirmed(incident_id=incident.id, value_gbp=incident.value_gbp)
