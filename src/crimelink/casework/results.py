"""An operation's results as the lead force records them: arrests, charges, crime outcomes, court results.

Each belongs to one operation, which the actor must be able to work (``operations._operation``);
a charge names an arrest of the same operation, a court result a charge of it. Times given with an
offset are stored as naive UTC.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access.policy import Viewer
from crimelink.casework.models import (
    Arrest,
    Charge,
    CourtResult,
    CrimeOutcome,
    Operation,
    Sentence,
)
from crimelink.casework.operations import _arrest, _charge, _court, _naive, _operation, _outcome
from crimelink.casework.outcomes import default_outcome_types
from crimelink.casework.schemas import (
    ArrestIn,
    ArrestOut,
    ChargeIn,
    ChargeOut,
    CourtResultIn,
    CourtResultOut,
    OutcomeIn,
    OutcomeOut,
)
from crimelink.casework.targets import find_target
from crimelink.domain.forces import police_force
from crimelink.domain.offences import OffenceType
from crimelink.errors import InvalidValue

__all__ = ["record_arrest", "record_charge", "record_court_result", "record_outcomes"]


def record_arrest(*, session: Session, actor: Viewer, operation_id: int, arrest: ArrestIn) -> ArrestOut:
    operation = _operation(session, actor, operation_id, write=True)
    anchor = (
        find_target(session=session, kind="person", target_id=arrest.offender_id).anchor_mention_id
        if arrest.offender_id is not None
        else None
    )
    row = Arrest(
        operation_id=operation.id,
        offender_id=arrest.offender_id,
        anchor_mention_id=anchor,
        person=arrest.person,
        arrested_at=_naive(arrest.arrested_at),
        police_force=police_force(arrest.police_force).id if arrest.police_force else operation.lead_force,
        notes=arrest.notes,
    )
    session.add(row)
    session.flush()
    return _arrest(row)


def _owned(session: Session, model: type[Arrest] | type[Charge], row_id: int | None, operation: Operation) -> None:
    if (
        row_id is not None
        and session.scalar(select(model.id).where(model.id == row_id, model.operation_id == operation.id)) is None
    ):
        raise InvalidValue(f"{model.__tablename__[:-1]}_id", row_id, "not one of this operation's")


def record_charge(*, session: Session, actor: Viewer, operation_id: int, charge: ChargeIn) -> ChargeOut:
    operation = _operation(session, actor, operation_id, write=True)
    _owned(session, Arrest, charge.arrest_id, operation)
    row = Charge(
        operation_id=operation.id,
        arrest_id=charge.arrest_id,
        person=charge.person,
        offence=OffenceType(charge.offence).value,
        counts=charge.counts,
        charged_at=_naive(charge.charged_at),
    )
    session.add(row)
    session.flush()
    return _charge(row)


def record_outcomes(
    *, session: Session, actor: Viewer, operation_id: int, outcomes: list[OutcomeIn]
) -> list[OutcomeOut]:
    """The Home Office outcome of each crime the operation dealt with (one row per crime)."""
    operation = _operation(session, actor, operation_id, write=True)
    types = default_outcome_types()
    rows = []
    for i, given in enumerate(outcomes):
        if given.incident_id is None and not given.crime_reference:
            raise InvalidValue(f"[{i}]", None, "name the crime: incident_id or crime_reference")
        _owned(session, Charge, given.charge_id, operation)
        rows.append(
            CrimeOutcome(
                operation_id=operation.id,
                incident_id=given.incident_id,
                crime_reference=given.crime_reference,
                charge_id=given.charge_id,
                outcome_type=types.get(given.outcome_type).code,
                recorded_at=_naive(given.recorded_at),
            )
        )
    session.add_all(rows)
    session.flush()
    return [_outcome(o) for o in rows]


def record_court_result(*, session: Session, actor: Viewer, operation_id: int, result: CourtResultIn) -> CourtResultOut:
    operation = _operation(session, actor, operation_id, write=True)
    _owned(session, Charge, result.charge_id, operation)
    row = CourtResult(
        operation_id=operation.id,
        charge_id=result.charge_id,
        person=result.person,
        court=result.court,
        verdict=result.verdict,
        decided_at=_naive(result.decided_at),
    )
    session.add(row)
    session.flush()
    sentences = [Sentence(court_result_id=row.id, **s.model_dump()) for s in result.sentences]
    session.add_all(sentences)
    session.flush()
    return _court(row, sentences)
