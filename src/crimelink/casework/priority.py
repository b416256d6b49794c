"""A referral's priority and the force it should go to, from the harm its subjects have done.

The referral is scored as a whole with the MoRiLE-style matrix over every incident its subjects
cover (``crimelink.triage.harm.morile``); beside that, each subject shows its own measure: the
harm of an incident, the RFG of a person, the MoRiLE score of a group, the harm a vehicle was at.
The suggested lead force is where that harm falls (``harm_by_force``). Recency is measured from
the newest incident in the store, as the analysis does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, literal, select
from sqlalchemy.orm import Session

from crimelink.casework.models import Operation, OperationLink, Referral, ReferralSubject
from crimelink.casework.targets import covered_incidents, resolved_id
from crimelink.store.models import GroupMember, Incident, Offender, PersonLink, PersonMention
from crimelink.store.plausible import plausibly_dated
from crimelink.triage.harm import (
    ForceHarm,
    IncidentFacts,
    Score,
    group_morile,
    harm_by_force,
    incident_harm,
    morile,
    offender_rfg,
)

__all__ = ["assess_incidents", "data_as_of", "incident_facts", "refresh_priority"]


def data_as_of(session: Session) -> datetime | None:
    """The newest incident's time: the moment recency is measured from (and bulletins end at).
    A time no incident can have (a year 9999 stored before intake checked dates) is not it."""
    return session.scalar(select(func.max(Incident.occurred_at)).where(plausibly_dated(Incident.occurred_at)))


def incident_facts(session: Session, incident_ids: Select[int] | Iterable[int]) -> list[IncidentFacts]:
    ids = incident_ids if isinstance(incident_ids, Select) else list(incident_ids)
    rows = session.execute(
        select(
            Incident.id,
            Incident.occurred_at,
            Incident.offence,
            Incident.value_gbp,
            Incident.police_force,
            Incident.threats,
            Incident.assault,
            Incident.injury,
            Incident.weapon,
        )
        .where(Incident.id.in_(ids))
        .order_by(Incident.id)
    )
    return [IncidentFacts(*row) for row in rows]


def _subject_targets(referral_id: int) -> Select[int, str, int]:
    s = ReferralSubject
    return select(s.id, s.kind.label("kind"), resolved_id(s.kind, s.target_id, s.anchor_mention_id).label("rid")).where(
        s.referral_id == referral_id, s.target_id.is_not(None)
    )


def _open_operation_targets(session: Session) -> set[tuple[str, int]]:
    link = OperationLink
    rows = session.execute(
        select(link.kind, resolved_id(link.kind, link.target_id, link.anchor_mention_id))
        .join(Operation, Operation.id == link.operation_id)
        .where(Operation.status == "open")
    )
    return {(kind, int(rid)) for kind, rid in rows}


def _people(session: Session, incident_ids: Select[int]) -> tuple[int, int]:
    """(people, named people) linked to these incidents."""
    offenders = (
        select(PersonLink.offender_id)
        .join(PersonMention, PersonMention.id == PersonLink.mention_id)
        .where(PersonMention.incident_id.in_(incident_ids))
        .distinct()
        .subquery()
    )
    row = session.execute(
        select(func.count(), func.count().filter(Offender.named.is_(True)))
        .select_from(offenders)
        .join(Offender, Offender.id == offenders.c.offender_id)
    ).one()
    return int(row[0]), int(row[1])


def _evidence_share(session: Session, incident_ids: Select[int]) -> float | None:
    """Share of the incidents with a crime reference, CCTV or body-worn video (MoRiLE's confidence)."""
    total, evidenced = session.execute(
        select(
            func.count(),
            func.count().filter(
                (Incident.crime_reference.is_not(None)) | Incident.cctv.is_(True) | Incident.body_worn_video.is_(True)
            ),
        ).where(Incident.id.in_(incident_ids))
    ).one()
    return evidenced / total if total else None


def _subject_score(
    session: Session, kind: str, rid: int, as_of: datetime, working: set[tuple[str, int]]
) -> dict[str, Any]:
    one = select(literal(kind).label("kind"), literal(rid).label("rid")).subquery()
    facts = incident_facts(session, covered_incidents(one))
    if kind == "incident":
        score = incident_harm(facts[0]) if facts else None
        measure = "harm (CCHI days)"
    elif kind == "person":
        score = offender_rfg(facts, as_of=as_of)
        measure = "RFG"
    elif kind == "group":
        members, named = session.execute(
            select(func.count(), func.count().filter(Offender.named.is_(True)))
            .select_from(GroupMember)
            .join(Offender, Offender.id == GroupMember.offender_id)
            .where(GroupMember.group_id == rid)
        ).one()
        score = group_morile(
            facts, as_of=as_of, members=members, named_members=named, under_operation=(kind, rid) in working
        )
        measure = "MoRiLE"
    else:
        total = sum(incident_harm(f).value for f in facts)
        return {
            "kind": kind,
            "id": rid,
            "measure": "harm at its sightings (CCHI days)",
            "score": round(total, 3),
            "parts": {"incidents": len(facts)},
        }
    return {
        "kind": kind,
        "id": rid,
        "measure": measure,
        "score": score.value if score else 0.0,
        "parts": score.parts if score else {},
    }


def assess_incidents(
    session: Session, incident_ids: Select[int], *, as_of: datetime, under_operation: bool
) -> tuple[Score, list[ForceHarm]]:
    """MoRiLE over a set of incidents, as a referral is scored, and where their harm falls."""
    facts = incident_facts(session, incident_ids)
    people, named = _people(session, incident_ids)
    score = morile(
        facts,
        as_of=as_of,
        named_share=named / people if people else 0.0,
        under_operation=under_operation,
        confidence=_evidence_share(session, incident_ids),
    )
    return Score(score.value, {**score.parts, "people": people, "named_people": named}), harm_by_force(facts)


def refresh_priority(session: Session, referral: Referral) -> None:
    """Score ``referral`` and suggest its lead force, from what its subjects cover now."""
    targets = _subject_targets(referral.id).subquery()
    pairs = [(k, int(r)) for _, k, r in session.execute(select(targets))]
    incident_ids = covered_incidents(select(targets.c.kind, targets.c.rid).subquery())
    facts = incident_facts(session, incident_ids)
    as_of = data_as_of(session) or referral.received_at
    working = _open_operation_targets(session)
    people, named = _people(session, incident_ids)
    under_operation = any(pair in working for pair in pairs)
    score = morile(
        facts,
        as_of=as_of,
        named_share=named / people if people else 0.0,
        under_operation=under_operation,
        confidence=_evidence_share(session, incident_ids),
    )
    forces = harm_by_force(facts)
    referral.priority_score = score.value
    referral.priority_parts = {
        "measure": "MoRiLE over every incident the subjects cover",
        "as_of": as_of.isoformat(),
        **score.parts,
        "people": people,
        "named_people": named,
        "subjects": [_subject_score(session, k, r, as_of, working) for k, r in pairs],
        "forces": [asdict(f) for f in forces],
    }
    referral.suggested_force = forces[0].force if forces else None


def queue_order() -> tuple[Any, ...]:
    """Highest priority first; among equals the oldest referral first."""
    return (Referral.priority_score.desc(), Referral.received_at, Referral.id)
