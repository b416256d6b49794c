"""A referral's lifecycle: the statuses, the steps between them, and who may take each step.

::

    received ──► triaged ──► accepted ──► in development ──► disseminated ──► adopted ──► closed
                    │                          ▲                  │
                    └──► declined              └──── returned ────┘
    (accepted, in development and disseminated may also close: no further action)

The national unit's analysts and supervisors take every step. The lead force a package was
disseminated to may adopt it (opening an operation) or hand it back, and may close it once
adopted. Each step names what it needs: a reason to decline, hand back or close, a force to
disseminate to, an operation to adopt into, a result to close with.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from crimelink.access.policy import Viewer
from crimelink.domain.organisations import Role
from crimelink.errors import CrimelinkError

__all__ = [
    "MANAGER_ROLES",
    "STEPS",
    "InvalidTransition",
    "Status",
    "Step",
    "Who",
    "is_manager",
    "next_steps",
    "step",
]


class Status(StrEnum):
    RECEIVED = "received"
    TRIAGED = "triaged"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    IN_DEVELOPMENT = "in_development"
    DISSEMINATED = "disseminated"
    ADOPTED = "adopted"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def final(self) -> bool:
        return self in (Status.DECLINED, Status.CLOSED)


class Who(StrEnum):
    NATIONAL = "national"  # the national unit's analysts and supervisors
    LEAD_FORCE = "lead_force"  # investigators of the force the package was disseminated to


class Needs(StrEnum):
    REASON = "reason"
    LEAD_FORCE = "lead_force"
    OPERATION = "operation"
    RESULT = "result"


MANAGER_ROLES = frozenset({Role.NATIONAL_ANALYST, Role.SUPERVISOR})
INVESTIGATOR_ROLES = frozenset({Role.FORCE_INVESTIGATOR})


@dataclass(frozen=True, slots=True)
class Step:
    source: Status
    target: Status
    who: frozenset[Who]
    needs: frozenset[Needs] = frozenset()


def _step(source: Status, target: Status, *who: Who, needs: tuple[Needs, ...] = ()) -> Step:
    return Step(source, target, frozenset(who), frozenset(needs))


S, N, F = Status, Who.NATIONAL, Who.LEAD_FORCE
STEPS: tuple[Step, ...] = (
    _step(S.RECEIVED, S.TRIAGED, N),
    _step(S.TRIAGED, S.ACCEPTED, N),
    _step(S.TRIAGED, S.DECLINED, N, needs=(Needs.REASON,)),
    _step(S.ACCEPTED, S.IN_DEVELOPMENT, N),
    _step(S.IN_DEVELOPMENT, S.DISSEMINATED, N, needs=(Needs.LEAD_FORCE,)),
    _step(S.DISSEMINATED, S.ADOPTED, N, F, needs=(Needs.OPERATION,)),
    _step(S.DISSEMINATED, S.IN_DEVELOPMENT, N, F, needs=(Needs.REASON,)),  # handed back by the force
    _step(S.ADOPTED, S.CLOSED, N, F, needs=(Needs.RESULT,)),
    _step(S.ACCEPTED, S.CLOSED, N, needs=(Needs.RESULT,)),
    _step(S.IN_DEVELOPMENT, S.CLOSED, N, needs=(Needs.RESULT,)),
    _step(S.DISSEMINATED, S.CLOSED, N, needs=(Needs.RESULT,)),
)
_BY_PAIR = {(s.source, s.target): s for s in STEPS}
del S, N, F


class InvalidTransition(CrimelinkError):
    """The referral cannot go from its status to the one asked for (the state changed, or never can)."""

    status_code = 409


def is_manager(actor: Viewer) -> bool:
    """Whether the actor manages casework: a national unit analyst or supervisor."""
    return actor.national and actor.role in MANAGER_ROLES


def is_lead_investigator(actor: Viewer, lead_force: str | None) -> bool:
    """Whether the actor investigates for the force a package went to."""
    return (
        lead_force is not None
        and actor.role in INVESTIGATOR_ROLES
        and actor.force == lead_force
        and not actor.national
        and not actor.retailer
    )


def may(actor: Viewer, transition: Step, lead_force: str | None) -> bool:
    return (Who.NATIONAL in transition.who and is_manager(actor)) or (
        Who.LEAD_FORCE in transition.who and is_lead_investigator(actor, lead_force)
    )


def step(source: Status, target: Status) -> Step:
    """The step from ``source`` to ``target``; :class:`InvalidTransition` if there is none."""
    found = _BY_PAIR.get((source, target))
    if found is None:
        allowed = sorted(s.target.value for s in STEPS if s.source is source)
        raise InvalidTransition(
            f"a referral cannot go from {source.value} to {target.value}",
            status=source.value,
            requested=target.value,
            allowed=allowed,
        )
    return found


def next_steps(actor: Viewer, source: Status, lead_force: str | None) -> list[Step]:
    """The steps ``actor`` may take from ``source`` (for showing the buttons that work)."""
    return [s for s in STEPS if s.source is source and may(actor, s, lead_force)]
