"""The referral form: what a referrer may name as a subject, and the form read into the API's
``ReferralCreate`` so that ``crimelink.casework.service.create_referral`` checks it exactly as it
checks ``POST /api/v1/referrals``.

Subjects are found by a search (reports, people, groups) within what the referrer may see, and
chosen by ticking them; a chosen subject is sent as ``kind:id`` and kept ticked while the search
changes. A person is labelled as the referrer's own reports tell it (``crimelink.access.identity``),
never by a name only another organisation reported.

Among retailers it is the retail manager who refers (the reporter reports incidents); the
national unit and forces refer as they may submit. The API still takes a referral from anyone who
may submit (its rule lives in the service).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from pydantic import BaseModel, ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crimelink.access.identity import person_identities, reports_shown
from crimelink.access.policy import Viewer, group_filter, incident_filter
from crimelink.casework.schemas import ReferralCreate, SubjectIn, SubjectKind
from crimelink.domain.offences import OffenceType
from crimelink.domain.organisations import Role
from crimelink.errors import Forbidden, InvalidValue
from crimelink.store.models import Incident, OffenderGroup, PersonLink, PersonMention, Store

__all__ = [
    "Candidate",
    "ReferralForm",
    "SubjectChoices",
    "check_may_refer",
    "find_subjects",
    "may_refer",
    "problem_words",
    "referral_from_form",
]

SHOWN = 8  # candidates of each kind a search shows
DESCRIBED_KINDS: tuple[SubjectKind, ...] = ("person", "vehicle", "group", "incident")
FIELD_WORDS = {
    "summary": "Summary",
    "request": "What you ask the national unit",
    "crime_references": "Crime references",
    "subjects": "Who or what the referral is about",
    "subject": "Who or what the referral is about",
}


def may_refer(viewer: Viewer) -> bool:
    """Whether the referral form is the viewer's work: a retailer's retail manager, or anyone of
    the national unit or a force who may submit."""
    if viewer.retailer:
        return viewer.role is Role.RETAIL_MANAGER
    return viewer.may_submit


def check_may_refer(viewer: Viewer) -> None:
    if not may_refer(viewer):
        raise Forbidden("your organisation's retail manager makes its referrals")


class Candidate(BaseModel):
    """One record a referrer may name: ``value`` is what the form sends (``kind:id``)."""

    value: str
    kind: SubjectKind
    label: str
    hint: str
    crime_reference: str | None = None  # an incident's own; without one the form asks for it


class SubjectChoices(BaseModel):
    q: str
    chosen: list[Candidate]
    found: list[Candidate]  # matches of the search not already chosen


def _incident_rows(session: Session, viewer: Viewer, wanted: list[int] | None, q: str | None) -> list[Candidate]:
    if wanted == []:
        return []
    query = (
        select(Incident.id, Incident.incident_ref, Incident.occurred_at, Incident.offence, Incident.crime_reference,
               Store.name)
        .join(Store, Store.id == Incident.store_id)
        .where(incident_filter(viewer))
        .order_by(Incident.occurred_at.desc(), Incident.id.desc())
    )  # fmt: skip
    if wanted is not None:
        query = query.where(Incident.id.in_(wanted))
    if q:
        like = _like(q)
        query = query.where(
            Incident.incident_ref.ilike(like, escape="\\")
            | Incident.crime_reference.ilike(like, escape="\\")
            | Store.name.ilike(like, escape="\\")
        )
    return [
        Candidate(
            value=f"incident:{i}",
            kind="incident",
            label=ref,
            hint=f"{at:%d %b %Y} · {OffenceType(offence).label} · {store or 'store not given'}",
            crime_reference=crime_ref,
        )
        for i, ref, at, offence, crime_ref, store in session.execute(query.limit(SHOWN if wanted is None else None))
    ]


def _people(session: Session, viewer: Viewer, ids: list[int]) -> list[Candidate]:
    """People by offender id, labelled from the viewer's reports, with how many of them name each."""
    if not ids:
        return []
    counts: dict[int, int] = dict(
        session.execute(
            select(PersonLink.offender_id, func.count(func.distinct(PersonMention.incident_id)))
            .join(PersonMention, PersonMention.id == PersonLink.mention_id)
            .join(Incident, Incident.id == PersonMention.incident_id)
            .where(PersonLink.offender_id.in_(ids), incident_filter(viewer))
            .group_by(PersonLink.offender_id)
        ).all()
    )
    identities = person_identities(session=session, offender_ids=list(counts), shown=reports_shown(viewer))
    return [
        Candidate(
            value=f"person:{i}",
            kind="person",
            label=identities[i].label,
            hint=f"in {counts[i]} report{'' if counts[i] == 1 else 's'} you can see",
        )
        for i in ids
        if i in counts and i in identities
    ]


def _people_named(session: Session, viewer: Viewer, q: str | None, incidents: list[Candidate]) -> list[int]:
    """Offenders named like ``q`` in reports the viewer sees (or, with no search, in the reports shown)."""
    query = (
        select(PersonLink.offender_id)
        .join(PersonMention, PersonMention.id == PersonLink.mention_id)
        .join(Incident, Incident.id == PersonMention.incident_id)
        .where(incident_filter(viewer))
        .distinct()
    )
    if q:
        query = query.where(PersonMention.name.ilike(_like(q), escape="\\"))
    else:
        query = query.where(Incident.id.in_([_id(c.value) for c in incidents]))
    return list(session.scalars(query.order_by(PersonLink.offender_id).limit(SHOWN)))


def _groups(session: Session, viewer: Viewer, wanted: list[int] | None, q: str | None) -> list[Candidate]:
    if not viewer.sees_groups or wanted == [] or (wanted is None and not q):
        return []
    query = select(OffenderGroup).where(group_filter(viewer)).order_by(OffenderGroup.priority_rank, OffenderGroup.id)
    if wanted is not None:
        query = query.where(OffenderGroup.id.in_(wanted))
    if q:
        query = query.where(OffenderGroup.label.ilike(_like(q), escape="\\"))
    return [
        Candidate(value=f"group:{g.id}", kind="group", label=g.label,
                  hint=f"{g.members} members · {g.incidents} incidents")
        for g in session.scalars(query.limit(SHOWN if wanted is None else None))
    ]  # fmt: skip


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _id(value: str) -> int:
    return int(value.partition(":")[2])


def _parse_chosen(values: list[str]) -> dict[str, list[int]]:
    chosen: dict[str, list[int]] = {}
    for value in values:
        kind, _, number = value.partition(":")
        if kind in ("incident", "person", "group") and number.isdigit() and len(number) < 19:
            chosen.setdefault(kind, []).append(int(number))
    return chosen


def find_subjects(*, session: Session, viewer: Viewer, q: str | None, chosen: list[str]) -> SubjectChoices:
    """The subjects already ticked (those the viewer may see) and the search's matches."""
    text = (q or "").strip()[:100]
    ticked = _parse_chosen(chosen)
    kept = [
        *_incident_rows(session, viewer, ticked.get("incident", []), None),
        *_people(session, viewer, ticked.get("person", [])),
        *_groups(session, viewer, ticked.get("group", []), None),
    ]
    incidents = _incident_rows(session, viewer, None, text or None)
    found = [*incidents, *_people(session, viewer, _people_named(session, viewer, text or None, incidents)),
             *_groups(session, viewer, None, text or None)]  # fmt: skip
    values = {c.value for c in kept}
    return SubjectChoices(q=text, chosen=kept, found=[c for c in found if c.value not in values])


@dataclass
class ReferralForm:
    """The form as posted: every field as typed (blank is absent)."""

    summary: str = ""
    request: str = ""
    crime_references: str = ""
    subjects: list[str] = field(default_factory=list)  # "kind:id"
    crime_reference_of: dict[int, str] = field(default_factory=dict)  # incident id -> typed crime reference
    described_kind: str = "person"
    described: str = ""
    vrm: str = ""


def referral_from_form(form: ReferralForm) -> ReferralCreate:
    """The form as the API's body; :class:`InvalidValue` naming the field in the form's words."""
    subjects: list[dict[str, object]] = []
    for value in dict.fromkeys(form.subjects):
        kind, _, number = value.partition(":")
        if kind not in ("incident", "person", "group") or not number.isdigit() or len(number) > 18:
            raise InvalidValue("subject", value[:40], "not something you can refer")
        subject: dict[str, object] = {"kind": kind, "id": int(number)}
        if kind == "incident" and (typed := form.crime_reference_of.get(int(number), "").strip()):
            subject["crime_reference"] = typed
        subjects.append(subject)
    if form.vrm.strip():
        subjects.append({"kind": "vehicle", "vrm": form.vrm.strip()})
    if form.described.strip():
        kind = form.described_kind if form.described_kind in DESCRIBED_KINDS else "person"
        subjects.append({"kind": kind, "details": form.described.strip()})
    references = [r.strip() for r in re.split(r"[,;\n]", form.crime_references) if r.strip()]
    body = {"summary": form.summary, "request": form.request, "crime_references": references, "subjects": subjects}
    try:
        return ReferralCreate.model_validate(body)
    except ValidationError as invalid:
        raise _invalid(invalid) from None


def _invalid(invalid: ValidationError) -> InvalidValue:
    first = invalid.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    reason = str(first["msg"])
    if first["type"] in ("string_too_short", "missing"):
        reason = "write it first" if where in ("summary", "request") else reason
    if where == "subjects" and first["type"] == "too_short":
        reason = "tick at least one report, person or group, or describe who or what"
    return InvalidValue(where, str(first.get("input", ""))[:40], reason)


Problem = tuple[str, str]  # (field, words)


def problem_words(error: InvalidValue, subjects: list[SubjectIn] | None = None,
                  labels: dict[str, str] | None = None) -> Problem:  # fmt: skip
    """The field a refusal is about (top level) and what to tell the user, naming the subject it concerns."""
    raw = str(error.details.get("field", ""))
    top = raw.split("[", 1)[0].split(".", 1)[0]
    match = re.match(r"subjects\[(\d+)\]", raw)
    if match and subjects is not None and int(match[1]) < len(subjects):
        subject = subjects[int(match[1])]
        name = (labels or {}).get(f"{subject.kind}:{subject.id}") or subject.vrm or subject.details or subject.kind
        return "subjects", f"{name}: {error.reason}"
    words = FIELD_WORDS.get(top, top.replace("_", " ").capitalize())
    return ("subjects" if top == "subject" else top), f"{words}: {error.reason}"
