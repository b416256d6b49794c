"""Recording analysts' decisions on person links, and reading the ones in force.

A decision is kept forever (who, when, why). The newest word stands: a decision that
contradicts an older one (a merge of two mentions an analyst once kept apart, or a rejection
of a link an analyst once confirmed) retires the older one, which stays on record with the
decision that replaced it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, insert, select, update

from crimelink.errors import CrimelinkError
from crimelink.resolve.decisions import ACTIONS, AnalystDecision
from crimelink.store.models import LinkDecision, Organisation, User, utcnow

__all__ = ["DecisionError", "active_decisions", "record_decision"]

_VERBS = {"confirm": "confirmed", "reject": "rejected", "split": "split off", "merge": "merged"}


class DecisionError(CrimelinkError):
    """A decision that cannot be recorded as asked (unknown action, empty or overlapping sides)."""

    status_code = 422


def record_decision(
    conn: Connection, *, action: str, side_a: Sequence[int], side_b: Sequence[int], reason: str,
    user_id: int, organisation_id: int, offender_id: int | None = None,
) -> int:  # fmt: skip
    """Record a decision inside the caller's transaction; retire those it contradicts.

    Returns the new decision's id. The next analysis run applies it.
    """
    a, b = sorted({int(m) for m in side_a}), sorted({int(m) for m in side_b})
    if action not in ACTIONS:
        raise DecisionError(f"unknown action {action!r}: choose one of {', '.join(ACTIONS)}")
    if not a or not b:
        raise DecisionError("a decision needs mentions on both sides")
    if set(a) & set(b):
        raise DecisionError("the same mention cannot be on both sides of a decision")
    if not reason.strip():
        raise DecisionError("say why: the reason is kept with the decision")
    decision_id = int(conn.execute(
        insert(LinkDecision).returning(LinkDecision.id),
        {"action": action, "side_a": a, "side_b": b, "reason": reason.strip()[:2000], "offender_id": offender_id,
         "decided_by": user_id, "organisation_id": organisation_id, "decided_at": utcnow(), "active": True},
    ).scalar_one())  # fmt: skip
    new = AnalystDecision(decision_id, action, tuple(a), tuple(b), "")
    for old in _active(conn):
        if old.decision_id != decision_id and _contradicts(new, old):
            conn.execute(update(LinkDecision).where(LinkDecision.id == old.decision_id)
                         .values(active=False, superseded_by=decision_id))  # fmt: skip
    return decision_id


def _contradicts(new: AnalystDecision, old: AnalystDecision) -> bool:
    """Whether one keeps together what the other keeps apart."""
    for together, apart in ((new, old), (old, new)):
        sides = apart.apart()
        kept = {m for pair in together.together() for m in pair}
        if sides is not None and kept & set(sides[0]) and kept & set(sides[1]):
            return True
    return False


def active_decisions(conn: Connection) -> tuple[AnalystDecision, ...]:
    """The decisions in force, oldest first, each with a note saying who made it and why."""
    return tuple(_active(conn))


def _active(conn: Connection) -> list[AnalystDecision]:
    rows = conn.execute(
        select(LinkDecision.id, LinkDecision.action, LinkDecision.side_a, LinkDecision.side_b,
               LinkDecision.reason, LinkDecision.decided_at, User.display_name, Organisation.name)
        .join(User, User.id == LinkDecision.decided_by)
        .join(Organisation, Organisation.id == LinkDecision.organisation_id)
        .where(LinkDecision.active.is_(True)).order_by(LinkDecision.id)
    ).all()  # fmt: skip
    return [
        AnalystDecision(
            decision_id=int(row.id), action=row.action, side_a=tuple(int(m) for m in row.side_a),
            side_b=tuple(int(m) for m in row.side_b),
            note=f"{_VERBS.get(row.action, row.action)} by {row.display_name} ({row.name}) "
                 f"on {row.decided_at:%Y-%m-%d}: {row.reason}",
        )
        for row in rows
    ]
