"""The generated year's results: arrests, charges, crime outcomes, court results, sentences, engagement.

Part of ``crimelink casework seed`` (``casework.generate``). Each operation arrests some of the
people it works, charges most of those arrested with the crimes they were seen in (each such
crime a positive outcome, or a charge not pursued), and takes some charges to court, where most
end in a custodial sentence; operations close five to nine months after adoption. Only what falls
inside the year is recorded.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from crimelink.casework.lifecycle import Status
from crimelink.casework.models import (
    Arrest,
    Charge,
    CourtResult,
    CrimeOutcome,
    EngagementAttendance,
    EngagementSession,
    Operation,
    OperationLink,
    Referral,
    Sentence,
)
from crimelink.casework.seed_world import ENGAGEMENT_TITLES, Subject, Year
from crimelink.store.models import Offender, Organisation

__all__ = ["close", "engagement", "sentence", "work"]

ARRESTED_SHARE = (0.5, 0.85)  # of the people an operation works
CHARGED = 0.85  # of those arrested (the rest: outcome 15 or 16, evidential difficulties)
TO_COURT = 0.55  # charges decided in court within the year, when time allows
COURT_AFTER_DAYS = (30, 150)


def work(year: Year, operation: Operation, subject: Subject) -> None:
    """Arrests, charges, outcomes, court results and sentences of one operation within the year."""
    rng, session = year.rng, year.session
    core = year.world.core(subject)
    if not core:  # a group nobody has named yet: an operation works it, but nobody can be arrested
        return
    arrested = rng.sample(core, max(1, min(len(core), round(len(core) * rng.uniform(*ARRESTED_SHARE)))))
    for offender in arrested:
        at = operation.adopted_at + year.days(10, 70)
        if at > year.end:
            continue
        name = session.scalar(select(Offender.display_name).where(Offender.id == offender)) or "unknown"
        arrest = Arrest(
            operation_id=operation.id,
            offender_id=offender,
            person=name,
            arrested_at=at,
            police_force=operation.lead_force,
        )
        session.add(arrest)
        session.flush()
        year.counts["arrests"] += 1
        crimes = [s for s in year.world.seen.get(offender, []) if s[2] <= at]
        if rng.random() > CHARGED or not crimes:
            for incident_id, _, _, ref in crimes[:2]:
                session.add(
                    CrimeOutcome(
                        operation_id=operation.id,
                        incident_id=incident_id,
                        crime_reference=ref,
                        outcome_type=rng.choice(("15", "16")),
                        recorded_at=at,
                    )
                )
            continue
        charged_at = at + year.days(0, 2)
        charge = Charge(
            operation_id=operation.id,
            arrest_id=arrest.id,
            person=name,
            offence="theft_from_shop",
            counts=len(crimes),
            charged_at=charged_at,
        )
        session.add(charge)
        session.flush()
        year.counts["charges"] += 1
        for incident_id, _, _, ref in crimes:
            outcome = "1" if rng.random() < 0.8 else "4"
            session.add(
                CrimeOutcome(
                    operation_id=operation.id,
                    incident_id=incident_id,
                    crime_reference=ref,
                    charge_id=charge.id,
                    outcome_type=outcome,
                    recorded_at=charged_at,
                )
            )
            year.counts["positive_outcomes"] += 1
        decided = charged_at + year.days(*COURT_AFTER_DAYS)
        if decided <= year.end and rng.random() < TO_COURT:
            sentence(year, operation, charge, decided)
    session.flush()


def sentence(year: Year, operation: Operation, charge: Charge, decided: datetime) -> None:
    """The court's result on one charge and, unless acquitted, its sentence."""
    rng = year.rng
    verdict = rng.choices(("guilty_plea", "convicted", "acquitted"), weights=(6, 3, 1))[0]
    result = CourtResult(
        operation_id=operation.id,
        charge_id=charge.id,
        person=charge.person,
        verdict=verdict,
        court=f"{operation.lead_force.replace('-', ' ').title()} Crown Court",
        decided_at=decided,
    )
    year.session.add(result)
    year.session.flush()
    year.counts["court_results"] += 1
    if verdict == "acquitted":
        return
    months = round(min(max(rng.lognormvariate(2.5, 0.6), 2.0), 72.0))
    suspended = months <= 18 and rng.random() < 0.2
    year.session.add(
        Sentence(
            court_result_id=result.id,
            custodial_months=months,
            suspended=suspended,
            deportation=rng.random() < 0.1,
            fine_gbp=0.0,
        )
    )
    year.counts["sentences"] += 1


def close(year: Year, operation: Operation) -> None:
    """Close the operation (and its adopted referrals) five to nine months after adoption, within the year."""
    closed = operation.adopted_at + year.days(150, 270)
    if closed > year.end:
        return
    operation.status, operation.closed_at = "closed", closed
    operation.result = "Core members arrested and charged; operation closed."
    linked = select(OperationLink.target_id).where(
        OperationLink.operation_id == operation.id, OperationLink.kind == "referral"
    )
    for referral in year.session.scalars(
        select(Referral).where(Referral.id.in_(linked), Referral.status == Status.ADOPTED.value).order_by(Referral.id)
    ):
        year.step(
            referral,
            Status.CLOSED,
            max(closed, referral.status_at + timedelta(days=1)),
            result=operation.result,
            feedback="The operation has closed: offenders arrested and charged.",
        )


def engagement(year: Year, retailers: list[Organisation], count: int, forces: list[str]) -> None:
    """``count`` upskilling sessions on weekdays through the year, each with one to four retailers."""
    span = (year.end - year.start).days
    for _ in range(count):
        held = (year.start + timedelta(days=year.rng.randrange(span))).date()
        held += timedelta(days=(7 - held.weekday()) % 7 if held.weekday() > 4 else 0)
        row = EngagementSession(
            held_on=min(held, year.end.date()),
            title=year.rng.choice(ENGAGEMENT_TITLES),
            police_force=year.rng.choice(forces) if forces else None,
            attendees=year.rng.randint(6, 60),
        )
        year.session.add(row)
        year.session.flush()
        for organisation in year.rng.sample(retailers, min(len(retailers), year.rng.randint(1, 4))):
            year.session.add(EngagementAttendance(session_id=row.id, organisation_id=organisation.id))
        year.counts["engagement_sessions"] += 1
