"""A retailer's reports looked up against the known offenders: told to the national unit, and
held back when they look like fishing.

Each person named in a report is looked up at once against the offenders the last analysis
knows (:mod:`crimelink.resolve.realtime`). A made-up report naming someone would otherwise let
a retailer find out whether a person is known, how widely, and (after the next analysis) follow
them. So a retailer is told only that a person or vehicle is known and that the national unit
has been told, never figures or identities it did not already hold; every such answer is
written into the audit log (``incident.known_match``: who asked, about which reports, which
offenders and vehicles it found), where the national unit reads it. A retailer's user who looks
up more than :data:`MAX_LOOKUPS` named people within :data:`WINDOW` is told nothing more until
the window has passed, and the attempt is flagged for supervisors in the audit log
(``incident.lookups_paused``). The reports themselves are stored all the same and linked at the
next analysis.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access.policy import Viewer
from crimelink.audit.models import AuditEvent
from crimelink.audit.service import Actor, record
from crimelink.resolve.realtime import IncidentMatches
from crimelink.store.models import PersonMention, utcnow

__all__ = ["KNOWN", "MAX_LOOKUPS", "PAUSED", "WINDOW", "flag_fishing", "named_people", "note_told", "used_lookups"]

WINDOW = timedelta(hours=1)
MAX_LOOKUPS = 20  # named people a retailer's user may look up within WINDOW
TOLD = "incident.known_match"
FLAGGED = "incident.lookups_paused"
KNOWN = "known: the national unit has been told"
PAUSED = (
    "not checked now: too many people looked up by name in the last hour. The report is stored and is "
    "linked at the next analysis; the national unit has been told."
)
_PURPOSE = "known offender check"
_SHOWN_REFS = 50  # incident references kept in one entry


def named_people(session: Session, incident_ids: Sequence[int]) -> int:
    """How many people the incidents name: each is a lookup by name."""
    names = session.scalars(
        select(PersonMention.id).where(PersonMention.incident_id.in_(incident_ids), PersonMention.name.is_not(None))
    )
    return len(names.all())


def used_lookups(session: Session, viewer: Viewer) -> int:
    """Named people the viewer's user looked up within the last :data:`WINDOW`."""
    since = utcnow() - WINDOW
    details = session.scalars(
        select(AuditEvent.details).where(
            AuditEvent.user_id == viewer.user_id, AuditEvent.action == TOLD, AuditEvent.at >= since
        )
    )
    return sum(int(d.get("lookups", 0)) for d in details if isinstance(d, dict))


def note_told(
    session: Session, viewer: Viewer, refs: Sequence[str], lookups: int, found: Sequence[IncidentMatches]
) -> None:
    """Record what the retailer was told (and that the national unit may now see it)."""
    offenders = sorted({o.offender_id for m in found for o in m.offenders})
    vehicles = sorted({v.vehicle_id for m in found for v in m.vehicles})
    record(
        session=session,
        actor=Actor.of(viewer),
        action=TOLD,
        purpose=_PURPOSE,
        details={
            "lookups": lookups,
            "hits": sum(len(m.offenders) + len(m.vehicles) for m in found),
            "incidents": list(refs[:_SHOWN_REFS]),
            "offenders": offenders,
            "vehicles": vehicles,
            "for": "the national unit",
        },
    )


def flag_fishing(session: Session, viewer: Viewer, refs: Sequence[str], asked: int, used: int) -> None:
    """Flag for supervisors a user who looks up more people by name than :data:`MAX_LOOKUPS` allows."""
    record(
        session=session,
        actor=Actor.of(viewer),
        action=FLAGGED,
        purpose=_PURPOSE,
        details={
            "flag": "possible fishing: many people looked up by name in a short time",
            "for": "supervisors",
            "asked": asked,
            "looked_up_in_window": used,
            "limit": MAX_LOOKUPS,
            "window_minutes": int(WINDOW.total_seconds() // 60),
            "incidents": list(refs[:_SHOWN_REFS]),
        },
    )
