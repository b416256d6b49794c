"""Why an offender's reports are linked, and analysts' decisions about it.

The offender profile lists each report (person mention) behind the offender with how it came
to be there: a link the model suggested (with its probability and the comparisons that
weighed most), one an analyst confirmed, a described-only report joined by context, or none.
"Why?" opens Splink's waterfall for the link: the prior, then each comparison's match weight,
added up to the score. The national unit's analysts and supervisors confirm or reject links,
split reports off an offender and merge two offenders; each decision is recorded with who,
when and why, shown as pending until the next analysis run applies it, and obeyed by every run
after that.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from crimelink.access.policy import Viewer, offender_filter, profile_incident_filter
from crimelink.domain.organisations import Role
from crimelink.errors import Forbidden, NotFound
from crimelink.resolve.review import DecisionError, record_decision
from crimelink.resolve.splink_engine import WaterfallStep
from crimelink.resolve.splink_engine._explain import gamma_labels, steps_from_row
from crimelink.store.models import (
    AnalysisRun,
    Incident,
    LinkageModel,
    LinkDecision,
    Offender,
    Organisation,
    PersonLink,
    PersonMention,
    User,
)

__all__ = [
    "DecisionIn",
    "DecisionOut",
    "LinkExplanation",
    "OffenderLinks",
    "decide",
    "link_explanation",
    "offender_links",
]

DECIDERS = (Role.NATIONAL_ANALYST, Role.SUPERVISOR)
STATUS_WORDS = {
    "suggested": "suggested by the model",
    "confirmed": "confirmed by an analyst",
    "context": "joined by context",
    "alone": "not linked",
    "described": "described only",
}


class LinkRow(BaseModel):
    mention_id: int
    incident_id: int
    incident_ref: str
    submitter: str
    occurred_at: datetime
    name: str | None
    dob: date | None
    status: str  # suggested, confirmed, context, alone, described
    status_label: str
    match_probability: float
    reason: str | None
    linked_to: int | None  # the mention whose comparison explains the link


class PendingDecision(BaseModel):
    id: int
    action: str
    mentions: list[int]
    reason: str
    decided_by: str
    decided_at: datetime


class OffenderLinks(BaseModel):
    offender_id: int
    links: list[LinkRow]
    pending: list[PendingDecision]  # recorded since the last analysis run
    may_decide: bool


class Step(BaseModel):
    comparison: str
    level: str
    match_weight: float
    bayes_factor: float


class LinkExplanation(BaseModel):
    mention_id: int
    linked_to: int | None
    linked_to_ref: str | None  # the other report, when the viewer may see it
    status: str
    match_probability: float
    match_weight: float | None
    reason: str | None
    steps: list[Step]


class DecisionIn(BaseModel):
    action: Literal["confirm", "reject", "split", "merge"]
    mentions: list[int] = Field(
        default_factory=list, description="confirm/reject: one mention; split: those to split off"
    )
    other_offender_id: int | None = Field(default=None, description="merge: the offender to merge with")
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] = Field(
        description="why: kept with the decision"
    )


class DecisionOut(BaseModel):
    id: int
    action: str
    side_a: list[int]
    side_b: list[int]
    note: str


def _may_decide(viewer: Viewer) -> bool:
    return viewer.national and viewer.role in DECIDERS


def _offender(db_session: Session, viewer: Viewer, offender_id: int) -> Offender:
    offender = db_session.scalar(select(Offender).where(Offender.id == offender_id, offender_filter(viewer)))
    if offender is None:
        raise NotFound("no such offender", offender_id=offender_id)
    return offender


def offender_links(*, db_session: Session, viewer: Viewer, offender_id: int) -> OffenderLinks:
    """The reports behind an offender that the viewer may see, each with how it was linked."""
    _offender(db_session, viewer, offender_id)
    rows = db_session.execute(
        select(PersonLink, PersonMention.name, PersonMention.dob, Incident.id, Incident.incident_ref,
               Incident.occurred_at, Organisation.code)
        .join(PersonMention, PersonMention.id == PersonLink.mention_id)
        .join(Incident, Incident.id == PersonMention.incident_id)
        .join(Organisation, Organisation.id == Incident.submitter_id)
        .where(PersonLink.offender_id == offender_id, profile_incident_filter(viewer))
        .order_by(Incident.occurred_at, PersonLink.mention_id)
    ).all()  # fmt: skip
    shown = {link.mention_id for link, *_ in rows}
    links = [
        LinkRow(mention_id=link.mention_id, incident_id=incident_id, incident_ref=ref, submitter=code,
                occurred_at=when, name=name, dob=dob, status=link.status,
                status_label=STATUS_WORDS.get(link.status, link.status),
                match_probability=link.match_probability, reason=_told(viewer, link, shown),
                linked_to=link.linked_to)
        for link, name, dob, incident_id, ref, when, code in rows
    ]  # fmt: skip
    mentions = {row.mention_id for row in links}
    pending = _pending(db_session, mentions) if _may_decide(viewer) else []
    return OffenderLinks(offender_id=offender_id, links=links, pending=pending, may_decide=_may_decide(viewer))


def _told(viewer: Viewer, link: PersonLink, shown: set[int]) -> str | None:
    """Why the link holds, unless it says what a report the viewer may not see holds (its date of
    birth, name or vehicle agreeing): then only that the report is linked."""
    if viewer.sees_whole_profiles or link.linked_to is None or link.linked_to in shown:
        return link.reason
    return None


def _pending(db_session: Session, mentions: set[int]) -> list[PendingDecision]:
    """Active decisions about these mentions made after the last finished analysis run began."""
    since = db_session.scalar(select(AnalysisRun.started_at).where(AnalysisRun.status == "finished")
                              .order_by(AnalysisRun.id.desc()).limit(1))  # fmt: skip
    query = (select(LinkDecision, User.display_name).join(User, User.id == LinkDecision.decided_by)
             .where(LinkDecision.active.is_(True)).order_by(LinkDecision.id))  # fmt: skip
    if since is not None:
        query = query.where(LinkDecision.decided_at >= since)
    out = []
    for decision, who in db_session.execute(query).all():
        touched = [m for m in (*decision.side_a, *decision.side_b) if m in mentions]
        if touched:
            out.append(PendingDecision(id=decision.id, action=decision.action, mentions=touched,
                                       reason=decision.reason, decided_by=who, decided_at=decision.decided_at))
    return out


def link_explanation(*, db_session: Session, viewer: Viewer, mention_id: int) -> LinkExplanation:
    """Splink's waterfall for the link that put a report in its offender."""
    row = db_session.execute(
        select(PersonLink).join(PersonMention, PersonMention.id == PersonLink.mention_id)
        .join(Incident, Incident.id == PersonMention.incident_id)
        .where(PersonLink.mention_id == mention_id, profile_incident_filter(viewer))
    ).scalar_one_or_none()  # fmt: skip
    if row is None:
        raise NotFound("no such link", mention_id=mention_id)
    _offender(db_session, viewer, row.offender_id)
    other = aliased(PersonMention)
    linked_ref = None
    if row.linked_to is not None:
        linked_ref = db_session.scalar(
            select(Incident.incident_ref).join(other, other.incident_id == Incident.id)
            .where(other.id == row.linked_to, profile_incident_filter(viewer))
        )  # fmt: skip
    hidden = row.linked_to is not None and linked_ref is None and not viewer.sees_whole_profiles
    return LinkExplanation(  # the comparisons with a report the viewer may not see are that report's to tell
        mention_id=row.mention_id, linked_to=row.linked_to, linked_to_ref=linked_ref, status=row.status,
        match_probability=row.match_probability, match_weight=None if hidden else row.match_weight,
        reason=None if hidden else row.reason, steps=[] if hidden else [_step(s) for s in _steps(db_session, row)],
    )  # fmt: skip


def _steps(db_session: Session, link: PersonLink) -> list[WaterfallStep]:
    if not link.evidence:
        return []
    model = db_session.scalar(
        select(LinkageModel.model).join(AnalysisRun, AnalysisRun.id == LinkageModel.run_id)
        .where(AnalysisRun.status == "finished").order_by(AnalysisRun.id.desc()).limit(1)
    )  # fmt: skip
    if not model:
        return []
    known = gamma_labels(model)
    scored: dict[str, Any] = {}
    for name, (level, weight, adjustment) in link.evidence.items():
        if name in known:
            scored |= {f"gamma_{name}": level, f"mw_{name}": weight, f"mw_tf_adj_{name}": adjustment}
    return steps_from_row(scored, model)


def _step(step: WaterfallStep) -> Step:
    factor = step.bayes_factor if math.isfinite(step.bayes_factor) else 1e300
    return Step(comparison=step.comparison.replace("_", " "), level=step.level_label,
                match_weight=round(step.match_weight, 3), bayes_factor=factor)  # fmt: skip


def decide(*, db_session: Session, viewer: Viewer, offender_id: int, decision: DecisionIn) -> DecisionOut:
    """Record an analyst's decision about an offender's links; the next run applies it."""
    if not _may_decide(viewer):
        raise Forbidden("only the national unit's analysts and supervisors decide who is who")
    _offender(db_session, viewer, offender_id)
    own = list(db_session.scalars(select(PersonLink.mention_id).where(PersonLink.offender_id == offender_id)))
    chosen = [m for m in decision.mentions if m in own]
    if len(chosen) != len(decision.mentions):
        raise DecisionError("every mention must be one of this offender's reports")
    side_a, side_b = _sides(db_session, decision, chosen, own, offender_id)
    conn = db_session.connection()
    decision_id = record_decision(conn, action=decision.action, side_a=side_a, side_b=side_b,
                                  reason=decision.reason, user_id=viewer.user_id,
                                  organisation_id=viewer.organisation_id, offender_id=offender_id)  # fmt: skip
    verb = {"confirm": "Confirmed", "reject": "Rejected", "split": "Split off", "merge": "Merged"}[decision.action]
    return DecisionOut(id=decision_id, action=decision.action, side_a=side_a, side_b=side_b,
                       note=f"{verb}; the next analysis run applies it.")  # fmt: skip


def _sides(
    db_session: Session, decision: DecisionIn, chosen: list[int], own: list[int], offender_id: int
) -> tuple[list[int], list[int]]:
    """The mentions on either side of the decision, from what the analyst chose."""
    if decision.action == "merge":
        if decision.other_offender_id is None or decision.other_offender_id == 0:
            raise DecisionError("say which offender to merge with")
        other = list(db_session.scalars(
            select(PersonLink.mention_id).where(PersonLink.offender_id == decision.other_offender_id)
        ))  # fmt: skip
        if not other or decision.other_offender_id == offender_id:
            raise DecisionError("no other offender with that number")
        return own, other
    if decision.action in ("confirm", "reject"):
        if len(chosen) != 1:
            raise DecisionError(f"{decision.action} one report's link at a time")
        mention = chosen[0]
        if decision.action == "confirm":
            anchor = db_session.scalar(select(PersonLink.linked_to).where(PersonLink.mention_id == mention))
            if anchor is None:
                raise DecisionError("that report has no suggested link to confirm")
            return [mention], [int(anchor)]
        rest = [m for m in own if m != mention]
        if not rest:
            raise DecisionError("that report is the offender's only one: nothing to reject")
        return [mention], rest
    rest = [m for m in own if m not in chosen]  # split
    if not chosen or not rest:
        raise DecisionError("choose some, but not all, of the offender's reports to split off")
    return chosen, rest
