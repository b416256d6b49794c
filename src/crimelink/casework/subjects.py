"""The subjects of a referral: the persons, groups, vehicles and incidents it is about.

A referrer names a subject by the platform's id, by its own incident reference, by a
registration mark, or in words; each is checked against what the referrer may see, so that a
referral can never be used to learn of records the referrer could not open. A person or a
vehicle is labelled as the referrer's own reports (and those shared with it) tell it
(:func:`visible_label`), never by a name or a plate that only another organisation reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from crimelink.access.identity import person_identity, reports_shown, vehicle_identity
from crimelink.access.policy import Viewer, group_filter, incident_filter, offender_filter, vehicle_filter
from crimelink.casework.models import Referral, ReferralSubject
from crimelink.casework.schemas import SubjectIn
from crimelink.casework.targets import Target, find_target
from crimelink.domain.registration import RegistrationMark
from crimelink.errors import InvalidValue
from crimelink.store.models import Incident, Offender, OffenderGroup, Organisation, Vehicle

__all__ = ["SubjectDraft", "add_subject_row", "draft_subject", "visible_label"]


@dataclass(frozen=True, slots=True)
class SubjectDraft:
    """A subject of a referral before it is stored: what it is, the record it points to (if any)."""

    kind: str
    target: Target | None
    label: str
    details: str | None
    crime_reference: str | None


def _visible_id(session: Session, kind: str, target_id: int, actor: Viewer) -> bool:
    rules: dict[str, tuple[InstrumentedAttribute[int], Callable[[Viewer], ColumnElement[bool]]]] = {
        "incident": (Incident.id, incident_filter),
        "person": (Offender.id, offender_filter),
        "group": (OffenderGroup.id, group_filter),
        "vehicle": (Vehicle.id, vehicle_filter),
    }
    column, rule = rules[kind]
    return session.scalar(select(column).where(column == target_id, rule(actor))) is not None


def visible_label(session: Session, viewer: Viewer, target: Target) -> str:
    """A person's or vehicle's label as ``viewer`` may be told it: from the reports it may see
    (``crimelink.access.identity``); other targets, and those who see whole profiles, as found."""
    shown = reports_shown(viewer)
    if shown is None:
        return target.label
    if target.kind == "person":
        return person_identity(session=session, offender_id=target.target_id, shown=shown).display_name
    if target.kind == "vehicle":
        car = vehicle_identity(session=session, vehicle_id=target.target_id, shown=shown)
        return " ".join(w for w in (car.vrm or "partial plate", car.colour, car.make, car.model) if w)
    return target.label


def draft_subject(
    session: Session, actor: Viewer, referrer: Organisation, given: SubjectIn, where: str
) -> SubjectDraft:
    """A referral's subject as the referrer named it (by id, incident ref, plate, or in words),
    checked against what the referrer may see; a plate the analysis has not seen is kept as described."""
    target_id = given.id
    if given.kind == "incident" and target_id is None and given.incident_ref:
        target_id = session.scalar(
            select(Incident.id).where(Incident.submitter_id == referrer.id, Incident.incident_ref == given.incident_ref)
        )
        if target_id is None:
            raise InvalidValue(f"{where}.incident_ref", given.incident_ref, f"not an incident {referrer.code} reported")
    if given.kind == "vehicle" and target_id is None and given.vrm:
        key = RegistrationMark.parse(given.vrm).key
        target_id = session.scalar(select(Vehicle.id).where(Vehicle.vrm == key, vehicle_filter(actor)).limit(1))
        if target_id is None:  # not seen by the analysis (or not by this actor): kept as described
            return SubjectDraft("vehicle", None, RegistrationMark.parse(given.vrm).display, given.details, None)
    if target_id is None:
        if not given.details:
            raise InvalidValue(where, given.kind, "name the subject by id, incident_ref or vrm, or describe it")
        return SubjectDraft(given.kind, None, given.details[:80], given.details, given.crime_reference)
    if not _visible_id(session, given.kind, target_id, actor):
        raise InvalidValue(f"{where}.id", target_id, f"no {given.kind} with this id that you can see")
    target = find_target(session=session, kind=given.kind, target_id=target_id)
    crime_reference = given.crime_reference
    if given.kind == "incident":
        crime_reference = crime_reference or session.scalar(
            select(Incident.crime_reference).where(Incident.id == target_id)
        )
        if given.reported_to_police and not crime_reference:
            raise InvalidValue(
                f"{where}.crime_reference",
                target.label,
                "an incident reported to police needs its crime reference number",
            )
    label = visible_label(session, actor, target)
    return SubjectDraft(given.kind, replace(target, label=label), label, given.details, crime_reference)


def add_subject_row(
    session: Session, referral: Referral, subject: SubjectDraft, *, from_referrer: bool, at: datetime
) -> None:
    """Store a drafted subject on a referral (in the caller's transaction)."""
    target = subject.target
    session.add(
        ReferralSubject(
            referral_id=referral.id,
            kind=subject.kind,
            target_id=target.target_id if target else None,
            anchor_mention_id=target.anchor_mention_id if target else None,
            label=subject.label,
            details=subject.details,
            crime_reference=subject.crime_reference,
            from_referrer=from_referrer,
            added_at=at,
        )
    )
