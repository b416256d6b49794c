"""Referrals: made by retailers and forces, worked by the national unit, adopted by a lead force.

Every function takes the session first and the ``actor`` (``crimelink.access.policy.Viewer``:
who is acting, for which organisation), keyword-only. Who sees what:

- the **national unit** sees every referral whole; its analysts and supervisors take the steps;
- the **lead force**'s investigators see a referral whole once its package was disseminated to
  them (disseminated, adopted, closed), and may adopt it, hand it back or close it;
- the **referring organisation** sees its referral's status, the dates of its statuses and the
  feedback meant for it (:class:`ReferralStatus`), never the team's reasons, notes, scores,
  other subjects or the operation.

A referral the actor may not see does not exist for them (:class:`NotFound`); one they see but
may not change answers :class:`Forbidden`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.orm import Session

from crimelink.access.policy import Viewer
from crimelink.casework.lifecycle import Needs, Status, Step, is_lead_investigator, is_manager, may, step
from crimelink.casework.models import (
    Operation,
    Referral,
    ReferralNote,
    ReferralTransition,
)
from crimelink.casework.operations import adopt_into_operation
from crimelink.casework.present import (
    detail_view,
    notes_out,
    reference,
    status_view,
    subjects_out,
    transitions_out,
)
from crimelink.casework.priority import queue_order, refresh_priority
from crimelink.casework.schemas import (
    NoteIn,
    NoteOut,
    ReferralCreate,
    ReferralDetail,
    ReferralList,
    ReferralRow,
    ReferralStatus,
    SubjectIn,
    SubjectOut,
    TransitionIn,
    TransitionOut,
)
from crimelink.casework.subjects import add_subject_row, draft_subject
from crimelink.domain.forces import police_force
from crimelink.errors import Forbidden, InvalidValue, NotFound
from crimelink.store.models import Organisation, utcnow

__all__ = [
    "add_note",
    "add_subject",
    "create_referral",
    "get_referral",
    "list_referrals",
    "reference",
    "rescore_open_referrals",
    "transition_referral",
]

Audience = Literal["full", "referrer"]
PACKAGE_STATUSES = (Status.DISSEMINATED.value, Status.ADOPTED.value, Status.CLOSED.value)


# --- who sees what ---------------------------------------------------------------------------


def _package_filter(actor: Viewer) -> ColumnElement[bool]:
    """Referrals whose package went to the actor's force."""
    if actor.retailer or actor.national or actor.force is None or not is_lead_investigator(actor, actor.force):
        return false()
    return and_(Referral.lead_force == actor.force, Referral.status.in_(PACKAGE_STATUSES))


def _full_filter(actor: Viewer) -> ColumnElement[bool]:
    return true() if actor.national else _package_filter(actor)


def _audience(actor: Viewer, referral: Referral) -> Audience | None:
    if actor.national:
        return "full"
    package = referral.status in PACKAGE_STATUSES and is_lead_investigator(actor, referral.lead_force)
    if package:
        return "full"
    return "referrer" if referral.referrer_id == actor.organisation_id else None


def _visible(session: Session, actor: Viewer, referral_id: int) -> tuple[Referral, Audience]:
    referral = session.get(Referral, referral_id)
    audience = _audience(actor, referral) if referral is not None else None
    if referral is None or audience is None:
        raise NotFound("no such referral", referral_id=referral_id)
    return referral, audience


def _may_work(actor: Viewer, referral: Referral) -> bool:
    return is_manager(actor) or is_lead_investigator(actor, referral.lead_force)


# --- making a referral -----------------------------------------------------------------------


def _referrer(session: Session, actor: Viewer, code: str | None) -> Organisation:
    if not actor.may_submit:
        raise Forbidden("auditors read; they do not refer")
    if code is None or code.strip().upper() == actor.organisation_code:
        organisation = session.get(Organisation, actor.organisation_id)
        assert organisation is not None
        return organisation
    if not is_manager(actor):
        raise Forbidden("you may refer only for your own organisation", referrer=code)
    found = session.scalar(select(Organisation).where(Organisation.code == code.strip().upper()))
    if found is None:
        raise InvalidValue("referrer", code, "no such organisation")
    return found


def create_referral(*, session: Session, actor: Viewer, data: ReferralCreate, at: datetime | None = None) -> int:
    """Record a new referral (status ``received``) and score it; returns its id.

    Raises:
        Forbidden: an auditor, or a referral for another organisation by someone outside the national unit.
        InvalidValue: a subject the actor cannot see, an incident reported to police without its crime
            reference, or no crime reference at all.
    """
    at = at or utcnow()
    referrer = _referrer(session, actor, data.referrer)
    subjects = [draft_subject(session, actor, referrer, s, f"subjects[{i}]") for i, s in enumerate(data.subjects)]
    references = list(
        dict.fromkeys([*data.crime_references, *(s.crime_reference for s in subjects if s.crime_reference)])
    )
    if not references:
        raise InvalidValue("crime_references", [], "a referral needs at least one police crime reference number")
    referral = Referral(
        referrer_id=referrer.id,
        created_by_id=actor.user_id,
        received_at=at,
        summary=data.summary,
        request=data.request,
        crime_references=references,
        status=Status.RECEIVED.value,
        status_at=at,
    )
    session.add(referral)
    session.flush()
    for subject in subjects:
        add_subject_row(session, referral, subject, from_referrer=True, at=at)
    session.add(
        ReferralTransition(
            referral_id=referral.id,
            from_status=None,
            to_status=Status.RECEIVED.value,
            at=at,
            by_user_id=actor.user_id,
            by_organisation_id=actor.organisation_id,
            details={},
        )
    )
    session.flush()
    refresh_priority(session, referral)
    return referral.id


def add_subject(*, session: Session, actor: Viewer, referral_id: int, subject: SubjectIn) -> SubjectOut:
    """The national unit adds a subject it found (the referrer does not see it); rescored."""
    referral, _ = _visible(session, actor, referral_id)
    if not is_manager(actor):
        raise Forbidden("only the national unit adds subjects to a referral")
    referrer = session.get(Organisation, referral.referrer_id)
    assert referrer is not None
    found = draft_subject(session, actor, referrer, subject, "subject")
    add_subject_row(session, referral, found, from_referrer=False, at=utcnow())
    session.flush()
    refresh_priority(session, referral)
    return subjects_out(session, referral)[-1]


# --- the lifecycle ---------------------------------------------------------------------------


def apply_step(
    session: Session,
    referral: Referral,
    change: TransitionIn,
    *,
    by_user_id: int | None,
    by_organisation_id: int | None,
    at: datetime,
) -> ReferralTransition:
    """Take one lifecycle step (checks what it needs; not who may: the caller has)."""
    taken: Step = step(Status(referral.status), change.to)
    details: dict[str, str | int] = {}
    if Needs.REASON in taken.needs and not change.reason:
        raise InvalidValue("reason", None, f"say why the referral goes to {change.to.value}")
    if Needs.RESULT in taken.needs and not change.result:
        raise InvalidValue("result", None, "a referral closes with its result")
    if Needs.LEAD_FORCE in taken.needs:
        if not change.lead_force:
            raise InvalidValue("lead_force", None, "disseminate to a lead force (its data.police.uk id)")
        referral.lead_force = police_force(change.lead_force).id
        details["lead_force"] = referral.lead_force
    if Needs.OPERATION in taken.needs:
        assert referral.lead_force is not None
        operation = adopt_into_operation(
            session, referral, operation_id=change.operation_id, name=change.operation_name, at=at
        )
        details["operation_id"] = operation.id
    if taken.source is Status.DISSEMINATED and taken.target is Status.IN_DEVELOPMENT:
        details["handed_back_by"] = referral.lead_force or ""
        referral.lead_force = None
    if Needs.RESULT in taken.needs:
        referral.result = change.result
    transition = ReferralTransition(
        referral_id=referral.id,
        from_status=referral.status,
        to_status=change.to.value,
        at=at,
        by_user_id=by_user_id,
        by_organisation_id=by_organisation_id,
        reason=change.reason,
        details=details,
    )
    session.add(transition)
    referral.status, referral.status_at = change.to.value, at
    if change.feedback:
        session.add(
            ReferralNote(
                referral_id=referral.id,
                at=at,
                by_user_id=by_user_id,
                by_organisation_id=by_organisation_id,
                text=change.feedback,
                for_referrer=True,
            )
        )
    session.flush()
    return transition


def transition_referral(
    *, session: Session, actor: Viewer, referral_id: int, change: TransitionIn, at: datetime | None = None
) -> TransitionOut:
    """Move a referral on one step, recording who, when and why.

    Raises:
        NotFound: the actor cannot see the referral.
        Forbidden: the actor sees it but may not take this step.
        InvalidTransition: the step does not exist from the referral's status.
    """
    referral, _ = _visible(session, actor, referral_id)
    if not _may_work(actor, referral):
        raise Forbidden("you may follow this referral, not move it on", referral_id=referral_id)
    if not may(actor, step(Status(referral.status), change.to), referral.lead_force):
        raise Forbidden(f"you may not move a referral to {change.to.value}", referral_id=referral_id)
    if change.operation_id is not None and not is_manager(actor):
        operation = session.get(Operation, change.operation_id)
        if operation is None or operation.lead_force != actor.force:
            raise InvalidValue("operation_id", change.operation_id, "no operation of your force with this id")
    taken = apply_step(
        session, referral, change, by_user_id=actor.user_id, by_organisation_id=actor.organisation_id, at=at or utcnow()
    )
    return transitions_out(session, [taken])[0]


def add_note(*, session: Session, actor: Viewer, referral_id: int, note: NoteIn) -> NoteOut:
    """A note for the team, or (``for_referrer``) feedback the referrer will see."""
    referral, _ = _visible(session, actor, referral_id)
    if not _may_work(actor, referral):
        raise Forbidden("you may not add notes to this referral", referral_id=referral_id)
    added = ReferralNote(
        referral_id=referral.id,
        at=utcnow(),
        by_user_id=actor.user_id,
        by_organisation_id=actor.organisation_id,
        text=note.text,
        for_referrer=note.for_referrer,
    )
    session.add(added)
    session.flush()
    return notes_out(session, [added])[0]


def rescore_open_referrals(*, session: Session) -> int:
    """Score every referral not yet declined or closed again (after an analysis run); returns how many."""
    open_ = session.scalars(
        select(Referral).where(Referral.status.not_in((Status.DECLINED.value, Status.CLOSED.value)))
    )
    count = 0
    for referral in open_:
        refresh_priority(session, referral)
        count += 1
    return count


# --- reading ---------------------------------------------------------------------------------


def get_referral(*, session: Session, actor: Viewer, referral_id: int) -> ReferralDetail | ReferralStatus:
    """The referral as the actor may see it: whole, or the referrer's status view."""
    referral, audience = _visible(session, actor, referral_id)
    referrer = session.get(Organisation, referral.referrer_id)
    assert referrer is not None
    if audience == "full":
        return detail_view(session, actor, referral, referrer)
    return status_view(session, referral, referrer)


def list_referrals(
    *, session: Session, actor: Viewer, status: Status | None = None, limit: int = 100, offset: int = 0
) -> ReferralList:
    """The referrals the actor may see. The national unit gets the queue (highest priority first);
    a force its packages and its own referrals; a retailer its own referrals, newest first."""
    own = Referral.referrer_id == actor.organisation_id
    where = or_(_full_filter(actor), own)
    if status is not None:
        where = and_(where, Referral.status == status.value)
    order = queue_order() if actor.national else (Referral.received_at.desc(), Referral.id.desc())
    total = session.scalar(select(func.count()).select_from(Referral).where(where)) or 0
    rows = session.execute(
        select(Referral, Organisation.code)
        .join(Organisation, Organisation.id == Referral.referrer_id)
        .where(where)
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    )
    out = []
    for referral, code in rows:
        full = _audience(actor, referral) == "full"
        out.append(
            ReferralRow(
                id=referral.id,
                reference=reference(referral),
                referrer=code,
                received_at=referral.received_at,
                summary=referral.summary,
                status=Status(referral.status),
                status_at=referral.status_at,
                mine=referral.referrer_id == actor.organisation_id,
                priority_score=referral.priority_score if full else None,
                priority_parts=_queue_parts(referral.priority_parts) if full else None,
                lead_force=referral.lead_force if full else None,
            )
        )
    return ReferralList(total=total, rows=out)


def _queue_parts(parts: dict[str, Any]) -> dict[str, Any]:
    """The referral's score parts without the per-subject and per-force breakdowns (in the detail)."""
    return {k: v for k, v in parts.items() if k not in ("subjects", "forces")}
