"""Retention of personal data, in the manner of police information management (MoPI):
review dates, a review queue, decisions (retain, anonymise, delete), subject access and erasure.

- **Review date.** An incident's personal data (the people and vehicles it mentions) comes up
  for review a clear period after the incident (``CRIMELINK_RETENTION_CLEAR_YEARS``, six by
  default, as for most offences), and again at the next review date of every "retain" decision.
- **Queue.** Incidents due for review that still hold personal data, oldest first.
- **Decisions.** *Retain* (a policing purpose remains; a next review date is set), *anonymise*
  (names, dates of birth, addresses, identifiers, descriptions and free text are removed from
  the incident, its earlier versions and its document; its vehicles and its links to offenders
  go; what happened, where and when stays for the statistics), or *delete* (the incident and
  everything under it). Each decision is kept in ``retention_reviews`` and in the audit log —
  the audit itself is never deleted.
- **Held for casework.** Anything a referral, an operation or its results point at is kept:
  anonymising or deleting it is refused until the casework lets it go.
- **Subject access.** Everything held about one person (an offender), as one JSON document:
  every mention, the incidents they are in, vehicles seen with them, groups, and who read it.
- **Erasure** (Data Protection Act 2018 s.47, for law-enforcement processing): a person's
  mentions anonymised and their resolved identity removed, on recorded grounds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from crimelink.audit.models import AuditEvent, RetentionReview
from crimelink.audit.service import Actor, record
from crimelink.errors import Forbidden, InvalidValue, NotFound
from crimelink.store.models import (
    GroupMember,
    Incident,
    IncidentSeries,
    IncidentVersion,
    Item,
    Offender,
    OffenderGroup,
    Organisation,
    PersonLink,
    PersonMention,
    Store,
    Vehicle,
    VehicleLink,
    VehicleMention,
    utcnow,
)


class Decision(StrEnum):
    RETAIN = "retain"
    ANONYMISE = "anonymise"
    DELETE = "delete"


class ErasureGrounds(StrEnum):
    """Why a person's data may be erased (DPA 2018 s.47)."""

    NO_POLICING_PURPOSE = "no_policing_purpose"
    INACCURATE = "inaccurate"
    UNLAWFULLY_PROCESSED = "unlawfully_processed"
    LEGAL_OBLIGATION = "legal_obligation"


PERSONAL_FIELDS = ("name", "given_names", "family_name", "dob", "address", "postcode", "pnc_id", "description",
                   "height_cm", "build")  # fmt: skip
_KEPT_PERSON_KEYS = ("person_ref", "role", "gender", "age_min", "age_max")  # in the anonymised document


def review_due(occurred_at: datetime, clear_years: int) -> date:
    """The first review date of an incident's personal data (29 February → 28 February)."""
    day = occurred_at.date()
    try:
        return day.replace(year=day.year + clear_years)
    except ValueError:
        return day.replace(year=day.year + clear_years, day=28)


def _has_personal_data() -> Any:
    person = exists().where(
        PersonMention.incident_id == Incident.id,
        or_(*(getattr(PersonMention, f).is_not(None) for f in PERSONAL_FIELDS)),
    )
    return or_(person, exists().where(VehicleMention.incident_id == Incident.id))


def _cutoff(as_of: date, clear_years: int) -> datetime:
    try:
        day = as_of.replace(year=as_of.year - clear_years)
    except ValueError:
        day = as_of.replace(year=as_of.year - clear_years, day=28)
    return datetime.combine(day, time.max)


@dataclass(frozen=True, slots=True)
class ReviewItem:
    incident_id: int
    submitter: str
    incident_ref: str
    occurred_at: datetime
    review_due: date
    persons: int
    last_decision: str | None


def _due(as_of: date, clear_years: int) -> ColumnElement[bool]:
    """Incidents due for review on ``as_of``: old enough, personal data held, not retained past it."""
    retained = exists().where(
        RetentionReview.incident_id == Incident.id,
        RetentionReview.decision == Decision.RETAIN.value,
        RetentionReview.next_review > as_of,
    )
    return and_(Incident.occurred_at <= _cutoff(as_of, clear_years), _has_personal_data(), ~retained)


def count_due(*, session: Session, as_of: date, clear_years: int) -> int:
    """How many incidents :func:`review_queue` lists, on every page together."""
    return int(session.scalar(select(func.count()).select_from(Incident).where(_due(as_of, clear_years))) or 0)


def review_queue(
    *, session: Session, as_of: date, clear_years: int, limit: int = 100, offset: int = 0
) -> list[ReviewItem]:
    """Incidents whose personal data is due for review on ``as_of``, oldest first."""
    persons = select(func.count()).where(PersonMention.incident_id == Incident.id).scalar_subquery()
    last = (
        select(RetentionReview.decision)
        .where(RetentionReview.incident_id == Incident.id)
        .order_by(RetentionReview.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Incident.id, Organisation.code, Incident.incident_ref, Incident.occurred_at, persons, last)
        .join(Organisation, Organisation.id == Incident.submitter_id)
        .where(_due(as_of, clear_years))
        .order_by(Incident.occurred_at, Incident.id)
        .offset(offset)
        .limit(limit)
    ).all()
    items = []
    for incident_id, code, ref, occurred, count, decision in rows:
        next_reviews = session.scalars(
            select(RetentionReview.next_review).where(
                RetentionReview.incident_id == incident_id, RetentionReview.next_review.is_not(None)
            )
        ).all()
        due = max([review_due(occurred, clear_years), *(d for d in next_reviews if d is not None)])
        items.append(ReviewItem(incident_id, code, ref, occurred, due, int(count or 0), decision))
    return items


def casework_holds(*, session: Session, incident_ids: list[int], mention_ids: list[int]) -> list[str]:
    """What in casework points at these incidents or mentions (empty: nothing holds them)."""
    from crimelink.casework.models import Arrest, CrimeOutcome, OperationLink, ReferralSubject

    found: list[str] = []
    checks = [
        ("a crime outcome", select(CrimeOutcome.id).where(CrimeOutcome.incident_id.in_(incident_ids))),
        ("a referral", select(ReferralSubject.referral_id).where(or_(
            and_(ReferralSubject.kind == "incident", ReferralSubject.target_id.in_(incident_ids)),
            ReferralSubject.anchor_mention_id.in_(mention_ids)))),
        ("an operation", select(OperationLink.operation_id).where(or_(
            and_(OperationLink.kind == "incident", OperationLink.target_id.in_(incident_ids)),
            OperationLink.anchor_mention_id.in_(mention_ids)))),
        ("an arrest", select(Arrest.id).where(Arrest.anchor_mention_id.in_(mention_ids))),
    ]  # fmt: skip
    for what, stmt in checks:
        held = session.scalars(stmt.limit(1)).first()
        if held is not None:
            found.append(f"{what} ({held})")
    return found


def _anonymised_document(text: str) -> str:
    try:
        doc = json.loads(text)
    except ValueError:
        return json.dumps({"anonymised": True})
    if isinstance(doc, dict):
        doc["persons"] = [{k: p.get(k) for k in _KEPT_PERSON_KEYS if p.get(k) is not None}
                          for p in doc.get("persons") or [] if isinstance(p, dict)]  # fmt: skip
        doc.pop("vehicles", None)
        if isinstance(doc.get("mo"), dict):
            doc["mo"].pop("text", None)
        doc["anonymised"] = True
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


def _forget_mentions(session: Session, mention_ids: list[int]) -> None:
    if not mention_ids:
        return
    session.execute(delete(PersonLink).where(PersonLink.mention_id.in_(mention_ids)))
    session.execute(
        update(PersonMention)
        .where(PersonMention.id.in_(mention_ids))
        .values(aliases=[], **dict.fromkeys(PERSONAL_FIELDS))
        .execution_options(synchronize_session=False)
    )


def anonymise_incident(*, session: Session, incident_id: int) -> None:
    """Remove the personal data of one incident (see the module's docstring)."""
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound("no such incident", incident_id=incident_id)
    mentions = list(session.scalars(select(PersonMention.id).where(PersonMention.incident_id == incident_id)))
    _forget_mentions(session, mentions)
    vehicles = select(VehicleMention.id).where(VehicleMention.incident_id == incident_id)
    session.execute(delete(VehicleLink).where(VehicleLink.mention_id.in_(vehicles)))
    session.execute(delete(VehicleMention).where(VehicleMention.incident_id == incident_id))
    incident.mo_text = None
    incident.document = _anonymised_document(incident.document)
    for version in session.scalars(select(IncidentVersion).where(IncidentVersion.incident_id == incident_id)):
        version.document = _anonymised_document(version.document)


def delete_incident(*, session: Session, incident_id: int) -> None:
    """Delete one incident and everything under it."""
    persons = select(PersonMention.id).where(PersonMention.incident_id == incident_id)
    vehicles = select(VehicleMention.id).where(VehicleMention.incident_id == incident_id)
    session.execute(delete(PersonLink).where(PersonLink.mention_id.in_(persons)))
    session.execute(delete(VehicleLink).where(VehicleLink.mention_id.in_(vehicles)))
    for table in (Item, PersonMention, VehicleMention, IncidentSeries, IncidentVersion):
        session.execute(delete(table).where(table.incident_id == incident_id))
    session.execute(delete(Incident).where(Incident.id == incident_id))


def decide(
    *,
    session: Session,
    actor: Actor,
    incident_id: int,
    decision: Decision | str,
    reason: str,
    clear_years: int,
    next_review: date | None = None,
) -> RetentionReview:
    """Record a review decision on an incident's personal data and carry it out."""
    decision = Decision(decision)
    if not reason.strip():
        raise InvalidValue("reason", reason, "say why: the decision is kept for audit")
    row = session.execute(
        select(Incident.occurred_at, Incident.incident_ref, Organisation.code)
        .join(Organisation, Organisation.id == Incident.submitter_id)
        .where(Incident.id == incident_id)
    ).one_or_none()
    if row is None:
        raise NotFound("no such incident", incident_id=incident_id)
    occurred, ref, submitter = row
    today = utcnow().date()
    if decision is Decision.RETAIN:
        if next_review is None or next_review <= today:
            raise InvalidValue("next_review", next_review, "a retained record needs a later review date")
    else:
        next_review = None
        mentions = list(session.scalars(select(PersonMention.id).where(PersonMention.incident_id == incident_id)))
        if holds := casework_holds(session=session, incident_ids=[incident_id], mention_ids=mentions):
            raise Forbidden(f"held for casework by {', '.join(holds)}: retain it until the casework lets it go",
                            incident_id=incident_id)  # fmt: skip
    review = RetentionReview(
        incident_id=incident_id, submitter=submitter, incident_ref=ref,
        review_due=review_due(occurred, clear_years), decision=decision.value, reason=reason.strip(),
        decided_by=actor.username, decided_at=utcnow(), next_review=next_review,
    )  # fmt: skip
    session.add(review)
    if decision is Decision.ANONYMISE:
        anonymise_incident(session=session, incident_id=incident_id)
    elif decision is Decision.DELETE:
        delete_incident(session=session, incident_id=incident_id)
    session.flush()
    record(session=session, actor=actor, action=f"retention.{decision.value}", purpose="records management",
           subject_type="incident", subject_id=incident_id,
           details={"submitter": submitter, "incident_ref": ref, "reason": reason.strip()[:500],
                    "next_review": next_review.isoformat() if next_review else None})  # fmt: skip
    return review


# --- subject access and erasure ---------------------------------------------------------------


def _mentions_of(session: Session, offender_id: int) -> list[int]:
    return list(session.scalars(select(PersonLink.mention_id).where(PersonLink.offender_id == offender_id)))


def subject_access_export(*, session: Session, actor: Actor, offender_id: int) -> dict[str, Any]:
    """Everything held about one person, as a JSON-ready document (and the export audited)."""
    offender = session.get(Offender, offender_id)
    if offender is None:
        raise NotFound("no such offender", offender_id=offender_id)
    mentions = []
    for mention, incident, store, code in session.execute(
        select(PersonMention, Incident, Store.name, Organisation.code)
        .join(PersonLink, PersonLink.mention_id == PersonMention.id)
        .join(Incident, Incident.id == PersonMention.incident_id)
        .join(Store, Store.id == Incident.store_id)
        .join(Organisation, Organisation.id == Incident.submitter_id)
        .where(PersonLink.offender_id == offender_id)
        .order_by(Incident.occurred_at)
    ):
        mentions.append({
            "incident": {"id": incident.id, "submitter": code, "incident_ref": incident.incident_ref,
                         "occurred_at": incident.occurred_at.isoformat(), "offence": incident.offence,
                         "store": store, "police_force": incident.police_force,
                         "crime_reference": incident.crime_reference},
            "as_described": {"person_ref": mention.person_ref, "role": mention.role, "aliases": mention.aliases,
                             "gender": mention.gender, "age_min": mention.age_min, "age_max": mention.age_max,
                             "identified_by": mention.identified_by,
                             **{f: _plain(getattr(mention, f)) for f in PERSONAL_FIELDS}},
        })  # fmt: skip
    mention_ids = _mentions_of(session, offender_id)
    vehicles = session.execute(
        select(Vehicle.vrm, Vehicle.make, Vehicle.model, Vehicle.colour).distinct()
        .join(VehicleLink, VehicleLink.vehicle_id == Vehicle.id)
        .join(VehicleMention, VehicleMention.id == VehicleLink.mention_id)
        .join(PersonMention, PersonMention.incident_id == VehicleMention.incident_id)
        .where(PersonMention.id.in_(mention_ids))
    ).all()
    groups = session.execute(
        select(OffenderGroup.id, OffenderGroup.label)
        .join(GroupMember, GroupMember.group_id == OffenderGroup.id)
        .where(GroupMember.offender_id == offender_id)
    ).all()
    reads = session.execute(
        select(AuditEvent.at, AuditEvent.organisation, AuditEvent.action, AuditEvent.purpose)
        .where(AuditEvent.subject_type == "offender", AuditEvent.subject_id == str(offender_id))
        .order_by(AuditEvent.seq)
    ).all()
    export = {
        "schema": "crimelink.subject-access/1",
        "generated_at": utcnow().isoformat(), "generated_by": actor.username,
        "subject": {"offender_id": offender.id, "display_name": offender.display_name, "dob": _plain(offender.dob),
                    "gender": offender.gender, "incidents": offender.incidents},
        "mentions": mentions,
        "vehicles_seen_with": [dict(zip(("vrm", "make", "model", "colour"), v, strict=True)) for v in vehicles],
        "groups": [{"id": g, "label": label} for g, label in groups],
        "disclosures": [{"at": at.isoformat(), "organisation": org, "action": action, "purpose": purpose}
                        for at, org, action, purpose in reads],
    }  # fmt: skip
    record(session=session, actor=actor, action="subject.access_export", purpose="subject access request",
           subject_type="offender", subject_id=offender_id, details={"mentions": len(mentions)})  # fmt: skip
    return export


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def erase_subject(
    *, session: Session, actor: Actor, offender_id: int, grounds: ErasureGrounds | str, reason: str
) -> int:
    """Erase one person: their mentions anonymised, their identity and group memberships removed.

    Refused while casework holds any of their mentions. Returns how many mentions were erased.
    """
    grounds = ErasureGrounds(grounds)
    if not reason.strip():
        raise InvalidValue("reason", reason, "say why: the erasure is kept for audit")
    if session.get(Offender, offender_id) is None:
        raise NotFound("no such offender", offender_id=offender_id)
    mentions = _mentions_of(session, offender_id)
    incidents = list(session.scalars(select(PersonMention.incident_id).where(PersonMention.id.in_(mentions))))
    if holds := casework_holds(session=session, incident_ids=[], mention_ids=mentions):
        raise Forbidden(f"held for casework by {', '.join(holds)}: not erased", offender_id=offender_id)
    _forget_mentions(session, mentions)
    for incident in session.scalars(select(Incident).where(Incident.id.in_(incidents))):
        incident.document = _erased_from_document(incident.document, session, incident.id, mentions)
    session.execute(delete(GroupMember).where(GroupMember.offender_id == offender_id))
    session.execute(delete(Offender).where(Offender.id == offender_id))
    details = {"grounds": grounds.value, "reason": reason.strip()[:500], "mentions": len(mentions),
               "incidents": sorted(set(incidents))}  # fmt: skip
    record(session=session, actor=actor, action="subject.erase", purpose="erasure", subject_type="offender",
           subject_id=offender_id, details=details)  # fmt: skip
    return len(mentions)


def _erased_from_document(text: str, session: Session, incident_id: int, mentions: list[int]) -> str:
    """The incident's document with the erased people's entries reduced to what anonymity allows."""
    refs = set(session.scalars(select(PersonMention.person_ref).where(
        PersonMention.incident_id == incident_id, PersonMention.id.in_(mentions))))  # fmt: skip
    try:
        doc = json.loads(text)
    except ValueError:
        return text
    if isinstance(doc, dict):
        doc["persons"] = [
            {k: p.get(k) for k in _KEPT_PERSON_KEYS if p.get(k) is not None}
            if isinstance(p, dict) and p.get("person_ref") in refs else p
            for p in doc.get("persons") or []
        ]
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
