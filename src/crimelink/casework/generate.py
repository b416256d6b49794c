"""A realistic year of the partnership's work, drawn on an analysed store, for the demo.

Shaped on the partnership's published first year (``shared/FIELD-NOTES.md``): 153 referrals, a
third from supermarkets; 37 operations, against the highest-priority groups and, where there are
fewer groups than that, the most prolific offenders outside them, each led by the force where the
harm falls; arrests, charges, crime outcomes, court results and sentences; ~120 engagement
sessions. The year is the 365 days up to the newest incident.

Referrals name real offenders, incidents and vehicles of the store, seen in the referrer's own
incidents where it has any, and walk the real lifecycle (``casework.service.apply_step``), so
the demo's queue, scores, suggested forces and impact figures are computed, not invented.
What is invented (dates of steps, arrests, outcomes, sentences) is drawn from ``seed``: the same
store and seed give the same year. The store's incidents are never changed, so the offending
rate of groups under operation changes only as the scenario has it.

The steps live beside this module: ``seed_world`` (the store read once, the year's state),
``seed_referrals`` (referrals through the lifecycle to an operation) and ``seed_results``
(arrests to sentences, closing, engagement).
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from crimelink.access.organisations import add_organisation
from crimelink.casework.lifecycle import Status
from crimelink.casework.models import Referral, ReferralNote
from crimelink.casework.seed_referrals import adopt, develop, pick_referrer, refer, referrers
from crimelink.casework.seed_results import close, work
from crimelink.casework.seed_results import engagement as hold_engagement
from crimelink.casework.seed_world import CODENAMES, NATIONAL_UNIT, Subject, World, Year, read_world
from crimelink.errors import CrimelinkError
from crimelink.store import StoreHandle
from crimelink.store.models import Incident

__all__ = ["AlreadySeeded", "seed_partnership_year"]

GROUP_SHARE = 0.45  # of referrals, about an organised group


class AlreadySeeded(CrimelinkError):
    """The store holds casework already: seeding again would double the year."""

    status_code = 409


def _plans(world: World, referrals: int, operations: int, rng: random.Random) -> list[Subject | None]:
    """What each referral will be taken to: a group's operation, a prolific offender's, or neither.

    Every operation has at least one referral; the groups with the highest priority come first,
    then (when there are fewer groups than operations) the most prolific offenders in no group.
    """
    groups: list[Subject] = [("group", g) for g in world.groups[:operations]]
    grouped = {o for g in world.groups for o in world.members.get(g, [])}
    loners = sorted((o for o in world.seen if o not in grouped), key=lambda o: (-len(world.seen[o]), o))
    people: list[Subject] = [("person", o) for o in loners[: max(operations - len(groups), 0)]]
    plans: list[Subject | None] = list(people)
    if groups:
        plans += [groups[i % len(groups)] for i in range(max(round(referrals * GROUP_SHARE), len(groups)))]
    plans = plans[:referrals]
    plans += [None] * (referrals - len(plans))
    rng.shuffle(plans)
    return plans


def seed_partnership_year(
    *, store: StoreHandle, seed: int = 1, referrals: int = 153, operations: int = 37, engagement: int = 120
) -> dict[str, int]:
    """Create a year of referrals, operations, results and engagement; returns what was created.

    Raises:
        CrimelinkError: the store has no analysed groups (run ``crimelink analyse``), or holds
            casework already (:class:`AlreadySeeded`).
    """
    with store.session() as session:
        if session.scalar(select(func.count()).select_from(Referral)):
            raise AlreadySeeded("the store holds referrals already; seed a year only once")
        end = session.scalar(select(func.max(Incident.occurred_at)))
        world = read_world(session)
        if end is None or not world.groups:
            raise CrimelinkError("no analysed groups in the store: import incidents and run `crimelink analyse`")
        national, _ = add_organisation(session=session, code=NATIONAL_UNIT, kind="national_unit", name="National Unit")
        rng = random.Random(seed)
        year = Year(
            session,
            world,
            rng,
            end - timedelta(days=365),
            end,
            national.id,
            codenames=rng.sample(CODENAMES, len(CODENAMES)) + [f"Sentinel {n}" for n in range(1, 500)],
        )
        supermarkets, others, forces = referrers(session)
        plans = _plans(world, referrals, operations, rng)
        prolific = sorted(world.seen, key=lambda o: (-len(world.seen[o]), o))[:500]
        span = max((end - year.start).days - 45, 1)
        moments = sorted(year.start + timedelta(days=rng.uniform(0, span)) for _ in plans)
        for n, (subject, at) in enumerate(zip(plans, moments, strict=True)):
            pool = supermarkets if n % 3 == 0 else forces if n % 6 == 1 else others  # a third, a sixth, a half
            if subject is None:
                offenders = [rng.choice(prolific)]
            else:
                offenders = world.core(subject) if subject[0] == "person" else world.members.get(subject[1], [])
            referrer = pick_referrer(world, pool, offenders, rng)
            about = {"group": "Organised group", "person": "Prolific offender"}[subject[0] if subject else "person"]
            referral = refer(year, referrer, offenders, at, about)
            developed = develop(year, referral, subject)
            if developed is None:
                continue
            if subject is None:
                year.step(
                    referral,
                    Status.CLOSED,
                    developed,
                    result="Intelligence shared with the local force",
                    feedback="Intelligence developed and shared with the local police.",
                )
                continue
            adopt(year, referral, subject, developed)
        for subject, operation in year.operations.items():
            work(year, operation, subject)
            close(year, operation)
        force_ids = sorted({f.police_force for f in forces if f.police_force})
        hold_engagement(year, supermarkets + others, engagement, force_ids)
        year.counts["notes"] = session.scalar(select(func.count()).select_from(ReferralNote)) or 0
        return dict(sorted(year.counts.items()))
