"""What each audience is shown of a referral: the referrer's status view, the team's whole view.

``status_view`` is all a referring organisation ever gets: its referral's status, the dates of
its statuses, the subjects it named itself and the feedback meant for it. ``detail_view`` is the
whole referral, for the national unit and the lead force.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from crimelink.access.policy import Viewer
from crimelink.casework.lifecycle import Status, next_steps
from crimelink.casework.models import (
    Operation,
    OperationLink,
    Referral,
    ReferralNote,
    ReferralSubject,
    ReferralTransition,
)
from crimelink.casework.schemas import (
    FeedbackOut,
    ForceHarmOut,
    NoteOut,
    OperationRef,
    ReferralDetail,
    ReferralStatus,
    ReferrerSubject,
    StatusStep,
    SubjectOut,
    TransitionOut,
)
from crimelink.casework.targets import resolved_id
from crimelink.store.models import Organisation, User

__all__ = ["detail_view", "history", "notes_out", "reference", "status_view", "subjects_out", "transitions_out"]


def reference(referral: Referral) -> str:
    """The reference people quote: ``R`` and the year received, then the number."""
    return f"R{referral.received_at:%y}-{referral.id:05d}"


def _who(session: Session, user_ids: set[int], org_ids: set[int]) -> tuple[dict[int, str], dict[int, str]]:
    users = session.execute(select(User.id, User.username).where(User.id.in_(user_ids))).all() if user_ids else []
    orgs = session.execute(select(Organisation.id, Organisation.code).where(Organisation.id.in_(org_ids))).all()
    return dict(users), dict(orgs)


def transitions_out(session: Session, rows: list[ReferralTransition]) -> list[TransitionOut]:
    users, orgs = _who(
        session,
        {r.by_user_id for r in rows if r.by_user_id},
        {r.by_organisation_id for r in rows if r.by_organisation_id},
    )
    return [
        TransitionOut(
            from_status=Status(r.from_status) if r.from_status else None,
            to_status=Status(r.to_status),
            at=r.at,
            by=users.get(r.by_user_id or 0) or orgs.get(r.by_organisation_id or 0),
            reason=r.reason,
            details=r.details,
        )
        for r in rows
    ]


def notes_out(session: Session, rows: list[ReferralNote]) -> list[NoteOut]:
    users, orgs = _who(
        session,
        {r.by_user_id for r in rows if r.by_user_id},
        {r.by_organisation_id for r in rows if r.by_organisation_id},
    )
    return [
        NoteOut(
            id=r.id,
            at=r.at,
            by=users.get(r.by_user_id or 0) or orgs.get(r.by_organisation_id or 0),
            text=r.text,
            for_referrer=r.for_referrer,
        )
        for r in rows
    ]


def subjects_out(session: Session, referral: Referral) -> list[SubjectOut]:
    s = ReferralSubject
    current = resolved_id(s.kind, s.target_id, s.anchor_mention_id)
    rows = session.execute(select(s, current).where(s.referral_id == referral.id).order_by(s.id))
    return [
        SubjectOut(
            id=subject.id,
            kind=subject.kind,
            label=subject.label,
            target_id=rid,
            details=subject.details,
            crime_reference=subject.crime_reference,
            from_referrer=subject.from_referrer,
        )
        for subject, rid in rows
    ]


def history(session: Session, referral: Referral) -> list[ReferralTransition]:
    return list(
        session.scalars(
            select(ReferralTransition)
            .where(ReferralTransition.referral_id == referral.id)
            .order_by(ReferralTransition.id)
        )
    )


def status_view(session: Session, referral: Referral, referrer: Organisation) -> ReferralStatus:
    feedback = session.scalars(
        select(ReferralNote)
        .where(ReferralNote.referral_id == referral.id, ReferralNote.for_referrer.is_(True))
        .order_by(ReferralNote.id)
    )
    own = session.scalars(
        select(ReferralSubject)
        .where(ReferralSubject.referral_id == referral.id, ReferralSubject.from_referrer.is_(True))
        .order_by(ReferralSubject.id)
    )
    status = Status(referral.status)
    return ReferralStatus(
        id=referral.id,
        reference=reference(referral),
        referrer=referrer.code,
        received_at=referral.received_at,
        summary=referral.summary,
        request=referral.request,
        crime_references=referral.crime_references,
        subjects=[
            ReferrerSubject(
                kind=s.kind,
                label=s.label,
                details=s.details,
                crime_reference=s.crime_reference,
            )
            for s in own
        ],
        status=status,
        status_label=status.label,
        status_at=referral.status_at,
        history=[
            StatusStep(status=Status(t.to_status), label=Status(t.to_status).label, at=t.at)
            for t in history(session, referral)
        ],
        feedback=[FeedbackOut(at=n.at, text=n.text) for n in feedback],
    )


def detail_view(session: Session, actor: Viewer, referral: Referral, referrer: Organisation) -> ReferralDetail:
    status = Status(referral.status)
    operations = session.execute(
        select(Operation.id, Operation.name, Operation.lead_force, Operation.status)
        .join(OperationLink, OperationLink.operation_id == Operation.id)
        .where(OperationLink.kind == "referral", OperationLink.target_id == referral.id)
        .order_by(Operation.id)
    )
    notes = session.scalars(
        select(ReferralNote).where(ReferralNote.referral_id == referral.id).order_by(ReferralNote.id)
    )
    return ReferralDetail(
        id=referral.id,
        reference=reference(referral),
        referrer=referrer.code,
        referrer_name=referrer.name,
        received_at=referral.received_at,
        summary=referral.summary,
        request=referral.request,
        crime_references=referral.crime_references,
        status=status,
        status_label=status.label,
        status_at=referral.status_at,
        lead_force=referral.lead_force,
        suggested_force=referral.suggested_force,
        force_harm=[ForceHarmOut(**f) for f in referral.priority_parts.get("forces", [])],
        priority_score=referral.priority_score,
        priority_parts=referral.priority_parts,
        result=referral.result,
        subjects=subjects_out(session, referral),
        transitions=transitions_out(session, history(session, referral)),
        notes=notes_out(session, list(notes)),
        operations=[OperationRef(id=i, name=n, lead_force=f, status=s) for i, n, f, s in operations],
        next_steps=[s.target for s in next_steps(actor, status, referral.lead_force)],
    )
