"""Recorded sharing agreements: one organisation lets another see the reports it submitted.

Retailers share only what they have agreed to share, and the agreement is written down:
who provides, who receives (or both ways), from when to when, for which offences, under which
signed agreement. An administrator of the national unit records and revokes agreements
(``crimelink sharing``, the ``/sharing`` page and its JSON twin); each creation and revocation
goes into the audit log in the same transaction. What an agreement lets a user see is decided
in ``crimelink.access.policy`` only, so that pages, API, search, exports and alerts agree.

An agreement never carries conditional material: an incident graded with handling code C
reaches others only through the national unit's dissemination (``crimelink.reports.handling``).
The national unit sees everything already, so it is never party to an agreement.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from crimelink.access.models import SharingAgreement, SharingAgreementOffence
from crimelink.access.organisations import organisation_by_code
from crimelink.audit.service import Actor, record
from crimelink.domain.offences import OffenceType
from crimelink.domain.organisations import OrganisationKind
from crimelink.errors import InvalidValue, NotFound
from crimelink.store.models import Organisation, utcnow

__all__ = ["AgreementIn", "AgreementOut", "add_agreement", "list_agreements", "revoke_agreement"]


class AgreementIn(BaseModel):
    """A new agreement, as an administrator records it."""

    provider: str = Field(min_length=2, max_length=32, description="Code of the organisation whose reports are shared")
    recipient: str = Field(min_length=2, max_length=32, description="Code of the organisation that may see them")
    mutual: bool = Field(False, description="Both ways: each sees the other's reports")
    starts: date | None = Field(None, description="First day in force (default today)")
    ends: date | None = Field(None, description="Last day in force (none: until revoked)")
    offences: list[OffenceType] = Field(default_factory=list, description="Limited to these offences (none: all)")
    reference: str | None = Field(None, max_length=100, description="The signed agreement's own reference")
    terms: str | None = Field(None, max_length=2000)


class AgreementOut(BaseModel):
    id: int
    provider: str
    provider_name: str
    recipient: str
    recipient_name: str
    mutual: bool
    starts: date
    ends: date | None
    offences: list[str]
    reference: str | None
    terms: str | None
    created_by: str
    created_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None
    revoke_reason: str | None
    in_force: bool


def _party(session: Session, code: str) -> Organisation:
    organisation = organisation_by_code(session=session, code=code)
    if organisation.kind == OrganisationKind.NATIONAL_UNIT.value:
        raise InvalidValue("organisation", code, "the national unit sees every report already: no agreement needed")
    return organisation


def add_agreement(*, session: Session, actor: Actor, agreement: AgreementIn) -> AgreementOut:
    """Record an agreement (and audit it); it is in force from its first day."""
    provider = _party(session, agreement.provider)
    recipient = _party(session, agreement.recipient)
    if provider.id == recipient.id:
        raise InvalidValue("recipient", agreement.recipient, "an organisation sees its own reports already")
    starts = agreement.starts or utcnow().date()
    if agreement.ends is not None and agreement.ends < starts:
        raise InvalidValue("ends", agreement.ends, "the last day comes before the first")
    row = SharingAgreement(
        provider_id=provider.id,
        recipient_id=recipient.id,
        mutual=agreement.mutual,
        reference=(agreement.reference or "").strip() or None,
        terms=(agreement.terms or "").strip() or None,
        starts=starts,
        ends=agreement.ends,
        created_by=actor.username,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    offences = sorted({o.value for o in agreement.offences})
    session.add_all(SharingAgreementOffence(agreement_id=row.id, offence=o) for o in offences)
    session.flush()
    record(
        session=session,
        actor=actor,
        action="sharing.add",
        purpose="information sharing governance",
        subject_type="sharing_agreement",
        subject_id=row.id,
        details={
            "provider": provider.code,
            "recipient": recipient.code,
            "mutual": row.mutual,
            "starts": starts.isoformat(),
            "ends": row.ends.isoformat() if row.ends else None,
            "offences": offences,
            "reference": row.reference,
        },
    )
    return _one(session, row.id)


def revoke_agreement(*, session: Session, actor: Actor, agreement_id: int, reason: str) -> AgreementOut:
    """End an agreement now (and audit it); it stays on record as revoked."""
    if not reason.strip():
        raise InvalidValue("reason", reason, "say why: the revocation is kept for audit")
    row = session.get(SharingAgreement, agreement_id)
    if row is None:
        raise NotFound("no such sharing agreement", agreement_id=agreement_id)
    if row.revoked_at is not None:
        raise InvalidValue("agreement", agreement_id, "already revoked")
    row.revoked_at, row.revoked_by, row.revoke_reason = utcnow(), actor.username, reason.strip()
    session.flush()
    record(
        session=session,
        actor=actor,
        action="sharing.revoke",
        purpose="information sharing governance",
        subject_type="sharing_agreement",
        subject_id=row.id,
        details={"reason": reason.strip()[:500]},
    )
    return _one(session, row.id)


def list_agreements(*, session: Session, include_revoked: bool = True) -> list[AgreementOut]:
    """Every agreement, newest first."""
    ids = select(SharingAgreement.id).order_by(SharingAgreement.id.desc())
    if not include_revoked:
        ids = ids.where(SharingAgreement.revoked_at.is_(None))
    return _described(session, list(session.scalars(ids)))


def _one(session: Session, agreement_id: int) -> AgreementOut:
    return _described(session, [agreement_id])[0]


def _described(session: Session, ids: Iterable[int]) -> list[AgreementOut]:
    wanted = list(ids)
    provider, recipient = aliased(Organisation), aliased(Organisation)
    rows = session.execute(
        select(SharingAgreement, provider.code, provider.name, recipient.code, recipient.name)
        .join(provider, provider.id == SharingAgreement.provider_id)
        .join(recipient, recipient.id == SharingAgreement.recipient_id)
        .where(SharingAgreement.id.in_(wanted))
    ).all()
    offences: dict[int, list[str]] = {}
    for agreement_id, offence in session.execute(
        select(SharingAgreementOffence.agreement_id, SharingAgreementOffence.offence)
        .where(SharingAgreementOffence.agreement_id.in_(wanted))
        .order_by(SharingAgreementOffence.offence)
    ):
        offences.setdefault(agreement_id, []).append(offence)
    today = utcnow().date()
    found = {
        a.id: AgreementOut(
            id=a.id,
            provider=p_code,
            provider_name=p_name,
            recipient=r_code,
            recipient_name=r_name,
            mutual=a.mutual,
            starts=a.starts,
            ends=a.ends,
            offences=offences.get(a.id, []),
            reference=a.reference,
            terms=a.terms,
            created_by=a.created_by,
            created_at=a.created_at,
            revoked_at=a.revoked_at,
            revoked_by=a.revoked_by,
            revoke_reason=a.revoke_reason,
            in_force=a.revoked_at is None and a.starts <= today and (a.ends is None or a.ends >= today),
        )
        for a, p_code, p_name, r_code, r_name in rows
    }
    return [found[i] for i in wanted if i in found]
