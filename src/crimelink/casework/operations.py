"""Operations and what they achieve: links, arrests, charges, crime outcomes, court results;
and the engagement (upskilling) sessions the national team holds with retailers.

The national unit sees and records everything; a force's investigators see and record the
operations their force leads; nobody else sees an operation at all (:class:`NotFound`). An
auditor sees what the national unit sees and changes nothing (:class:`Forbidden`).

This module holds the operations themselves (open, adopt, link, list, show, close); recording
results is in ``results`` and engagement in ``engagement``, both importable from here too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib import import_module
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from crimelink.access.policy import Viewer
from crimelink.casework.lifecycle import is_lead_investigator, is_manager
from crimelink.casework.models import (
    Arrest,
    Charge,
    CourtResult,
    CrimeOutcome,
    Operation,
    OperationLink,
    Referral,
    ReferralSubject,
    Sentence,
)
from crimelink.casework.outcomes import default_outcome_types
from crimelink.casework.schemas import (
    ArrestOut,
    ChargeOut,
    CloseOperationIn,
    CourtResultOut,
    LinkIn,
    LinkOut,
    OperationCreate,
    OperationDetail,
    OperationRow,
    OutcomeOut,
    SentenceOut,
)
from crimelink.casework.targets import Target, find_target, resolved_id
from crimelink.domain.forces import police_force
from crimelink.errors import Forbidden, InvalidValue, NotFound
from crimelink.store.models import utcnow

if TYPE_CHECKING:
    from crimelink.casework.engagement import list_engagement, record_engagement
    from crimelink.casework.results import record_arrest, record_charge, record_court_result, record_outcomes

__all__ = [
    "adopt_into_operation",
    "close_operation",
    "create_operation",
    "get_operation",
    "link_to_operation",
    "list_engagement",
    "list_operations",
    "record_arrest",
    "record_charge",
    "record_court_result",
    "record_engagement",
    "record_outcomes",
]


def operation_filter(actor: Viewer) -> ColumnElement[bool]:
    if actor.national:
        return true()
    if actor.force and is_lead_investigator(actor, actor.force):
        return Operation.lead_force == actor.force
    return false()


def _operation(session: Session, actor: Viewer, operation_id: int, *, write: bool) -> Operation:
    operation = session.scalar(select(Operation).where(Operation.id == operation_id, operation_filter(actor)))
    if operation is None:
        raise NotFound("no such operation", operation_id=operation_id)
    if write and not (is_manager(actor) or is_lead_investigator(actor, operation.lead_force)):
        raise Forbidden("you may read this operation, not change it", operation_id=operation_id)
    return operation


def link_target(session: Session, operation: Operation, target: Target, at: datetime) -> None:
    exists = session.scalar(
        select(OperationLink.id).where(
            OperationLink.operation_id == operation.id,
            OperationLink.kind == target.kind,
            OperationLink.target_id == target.target_id,
        )
    )
    if exists is None:
        session.add(
            OperationLink(
                operation_id=operation.id,
                kind=target.kind,
                target_id=target.target_id,
                anchor_mention_id=target.anchor_mention_id,
                label=target.label,
                linked_at=at,
            )
        )


def _new_operation(session: Session, *, name: str, lead_force: str, at: datetime, notes: str | None) -> Operation:
    if session.scalar(select(Operation.id).where(Operation.name == name)) is not None:
        raise InvalidValue("operation_name", name, "an operation of this name exists already")
    operation = Operation(name=name, lead_force=police_force(lead_force).id, adopted_at=at, status="open", notes=notes)
    session.add(operation)
    session.flush()
    return operation


def adopt_into_operation(
    session: Session, referral: Referral, *, operation_id: int | None, name: str | None, at: datetime
) -> Operation:
    """The operation a referral is adopted into (a new one, or one of the lead force's), linked
    to the referral and to every subject the referral names."""
    assert referral.lead_force is not None
    if operation_id is not None:
        operation = session.get(Operation, operation_id)
        if operation is None or operation.lead_force != referral.lead_force:
            raise InvalidValue("operation_id", operation_id, "no open operation of the lead force with this id")
    elif name:
        operation = _new_operation(session, name=name, lead_force=referral.lead_force, at=at, notes=None)
    else:
        raise InvalidValue("operation", None, "adopt into an operation: give operation_id or operation_name")
    link_target(session, operation, Target("referral", referral.id, None, f"referral {referral.id}"), at)
    subjects = session.scalars(
        select(ReferralSubject).where(
            ReferralSubject.referral_id == referral.id, ReferralSubject.target_id.is_not(None)
        )
    )
    for subject in subjects:
        assert subject.target_id is not None
        link_target(
            session, operation, Target(subject.kind, subject.target_id, subject.anchor_mention_id, subject.label), at
        )
    session.flush()
    return operation


def create_operation(*, session: Session, actor: Viewer, data: OperationCreate) -> OperationDetail:
    """An operation the national unit opens directly (most come from adopting a referral)."""
    if not is_manager(actor):
        raise Forbidden("only the national unit opens operations directly")
    operation = _new_operation(session, name=data.name, lead_force=data.lead_force, at=utcnow(), notes=data.notes)
    return get_operation(session=session, actor=actor, operation_id=operation.id)


def list_operations(*, session: Session, actor: Viewer, status: str | None = None) -> list[OperationRow]:
    query = select(Operation).where(operation_filter(actor)).order_by(Operation.adopted_at.desc(), Operation.id)
    if status:
        query = query.where(Operation.status == status)
    return [_row(o) for o in session.scalars(query)]


def _row(o: Operation) -> OperationRow:
    return OperationRow(
        id=o.id, name=o.name, lead_force=o.lead_force, status=o.status, adopted_at=o.adopted_at, closed_at=o.closed_at
    )


def get_operation(*, session: Session, actor: Viewer, operation_id: int) -> OperationDetail:
    operation = _operation(session, actor, operation_id, write=False)
    types = default_outcome_types()

    mine = operation.id
    current = resolved_id(OperationLink.kind, OperationLink.target_id, OperationLink.anchor_mention_id)
    links = session.execute(
        select(OperationLink, current).where(OperationLink.operation_id == mine).order_by(OperationLink.id)
    ).all()
    arrests = session.scalars(select(Arrest).where(Arrest.operation_id == mine).order_by(Arrest.arrested_at, Arrest.id))
    charges = session.scalars(select(Charge).where(Charge.operation_id == mine).order_by(Charge.charged_at, Charge.id))
    outcomes = list(
        session.scalars(select(CrimeOutcome).where(CrimeOutcome.operation_id == mine).order_by(CrimeOutcome.id))
    )
    results = list(
        session.scalars(select(CourtResult).where(CourtResult.operation_id == mine).order_by(CourtResult.id))
    )
    sentences: dict[int, list[Sentence]] = {}
    for sentence in session.scalars(
        select(Sentence).where(Sentence.court_result_id.in_([r.id for r in results])).order_by(Sentence.id)
    ):
        sentences.setdefault(sentence.court_result_id, []).append(sentence)
    custody = sum(s.custodial_months for group in sentences.values() for s in group if not s.suspended)
    return OperationDetail(
        **_row(operation).model_dump(),
        notes=operation.notes,
        result=operation.result,
        links=[LinkOut(kind=k.kind, target_id=int(rid), label=k.label, linked_at=k.linked_at) for k, rid in links],
        arrests=[_arrest(a) for a in arrests],
        charges=[_charge(c) for c in charges],
        outcomes=[_outcome(o) for o in outcomes],
        positive_outcomes=sum(o.outcome_type in types.positive_codes for o in outcomes),
        court_results=[_court(r, sentences.get(r.id, [])) for r in results],
        custodial_months=round(custody, 2),
    )


def link_to_operation(*, session: Session, actor: Viewer, operation_id: int, link: LinkIn) -> list[LinkOut]:
    operation = _operation(session, actor, operation_id, write=True)
    if link.kind == "referral":
        referral = session.get(Referral, link.id)
        if referral is None or not (is_manager(actor) or referral.lead_force == operation.lead_force):
            raise InvalidValue("id", link.id, "no referral with this id that you can see")
        target = Target("referral", referral.id, None, f"referral {referral.id}")
    else:
        target = find_target(session=session, kind=link.kind, target_id=link.id)
    link_target(session, operation, target, utcnow())
    session.flush()
    return get_operation(session=session, actor=actor, operation_id=operation_id).links


def _arrest(a: Arrest) -> ArrestOut:
    return ArrestOut(
        id=a.id,
        person=a.person,
        offender_id=a.offender_id,
        arrested_at=a.arrested_at,
        police_force=a.police_force,
        notes=a.notes,
    )


def _charge(c: Charge) -> ChargeOut:
    return ChargeOut(
        id=c.id, arrest_id=c.arrest_id, person=c.person, offence=c.offence, counts=c.counts, charged_at=c.charged_at
    )


def _outcome(o: CrimeOutcome) -> OutcomeOut:
    kind = default_outcome_types().types.get(o.outcome_type)
    return OutcomeOut(
        id=o.id,
        outcome_type=o.outcome_type,
        label=kind.label if kind else o.outcome_type,
        positive=bool(kind and kind.positive),
        recorded_at=o.recorded_at,
        incident_id=o.incident_id,
        crime_reference=o.crime_reference,
        charge_id=o.charge_id,
    )


def _court(r: CourtResult, sentences: list[Sentence]) -> CourtResultOut:
    return CourtResultOut(
        id=r.id,
        person=r.person,
        verdict=r.verdict,
        decided_at=r.decided_at,
        court=r.court,
        charge_id=r.charge_id,
        sentences=[
            SentenceOut(
                custodial_months=s.custodial_months,
                suspended=s.suspended,
                community_order=s.community_order,
                fine_gbp=s.fine_gbp,
                deportation=s.deportation,
                notes=s.notes,
            )
            for s in sentences
        ],
    )


def close_operation(*, session: Session, actor: Viewer, operation_id: int, close: CloseOperationIn) -> OperationRow:
    operation = _operation(session, actor, operation_id, write=True)
    if operation.status == "closed":
        raise InvalidValue("status", operation.status, "the operation is closed already")
    operation.status, operation.result = "closed", close.result
    operation.closed_at = _naive(close.closed_at) if close.closed_at else utcnow()
    session.flush()
    return _row(operation)


def _naive(moment: datetime) -> datetime:
    """The store keeps naive UTC."""
    return moment if moment.tzinfo is None else moment.astimezone(UTC).replace(tzinfo=None)


_MOVED = {
    "record_arrest": "results",
    "record_charge": "results",
    "record_court_result": "results",
    "record_outcomes": "results",
    "list_engagement": "engagement",
    "record_engagement": "engagement",
}


def __getattr__(name: str) -> Any:
    """Results and engagement live in modules of their own (which use this one); still importable from here."""
    if name in _MOVED:
        return getattr(import_module(f"crimelink.casework.{_MOVED[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
