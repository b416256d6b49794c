"""Operations and what they achieve: links, arrests, charges, crime outcomes, court results;
and the engagement (upskilling) sessions the national team holds with retailers.

The national unit sees and records everything; a force's investigators see and record the
operations their force leads; nobody else sees an operation at all (:class:`NotFound`). An
auditor sees what the national unit sees and changes nothing (:class:`Forbidden`).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.orm import Session

from crimelink.access.policy import Viewer
from crimelink.casework.lifecycle import is_lead_investigator, is_manager
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
    ReferralSubject,
    Sentence,
)
from crimelink.casework.outcomes import default_outcome_types
from crimelink.casework.schemas import (
    ArrestIn,
    ArrestOut,
    ChargeIn,
    ChargeOut,
    CloseOperationIn,
    CourtResultIn,
    CourtResultOut,
    EngagementIn,
    EngagementOut,
    LinkIn,
    LinkOut,
    OperationCreate,
    OperationDetail,
    OperationRow,
    OutcomeIn,
    OutcomeOut,
    SentenceOut,
)
from crimelink.casework.targets import Target, find_target, resolved_id
from crimelink.domain.forces import police_force
from crimelink.domain.offences import OffenceType
from crimelink.errors import Forbidden, InvalidValue, NotFound
from crimelink.store.models import Organisation, utcnow

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


def _charge(c: Charge) -> ChargeOut:
    return ChargeOut(
        id=c.id, arrest_id=c.arrest_id, person=c.person, offence=c.offence, counts=c.counts, charged_at=c.charged_at
    )


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


# --- engagement ------------------------------------------------------------------------------


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
