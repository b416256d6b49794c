"""Bulletins: for one retailer or one force, the prolific offenders and active groups affecting it.

A bulletin covers a period (both days included) and what the organisation sees: a retailer its
own reports, a force the incidents in its area and those it reported, the national unit all.
It is sanitised for its reader before anything is counted:

- an incident whose handling code keeps it from the reader's kind of organisation is left out
  and counted as withheld (``crimelink.reports.handling``; an organisation always sees its own);
- conditions that travel with a C-coded item are printed with the bulletin;
- images are never included (the bulletin says how many incidents have them, held by the
  reporting organisation);
- a retailer is not told what an organised group is called or who else is in it — only that
  people it reported offend together, and who of them it reported;
- a retailer is told each person as its own reports name them (``crimelink.access.identity``),
  never by a name, date of birth or description that only another organisation reported;
- an incident dated where no incident can be (before 1990 or later than tomorrow, stored before
  intake checked dates: ``crimelink.store.plausible``) is left out and counted.

:func:`bulletin` gives the figures with the bulletin as HTML and as text; :func:`send_bulletin`
puts it in the outbox for every address the organisation's users receive alerts at.
"""

from __future__ import annotations

import string
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Literal

from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel
from sqlalchemy import ColumnElement, func, or_, select, true
from sqlalchemy.orm import Session

from crimelink.access.identity import PersonIdentity, person_identities
from crimelink.casework.alerts_models import AlertSubscription
from crimelink.casework.mail import queue_message
from crimelink.casework.subscriptions import audience_of
from crimelink.domain.forces import FORCE_IDS, police_force
from crimelink.domain.offences import OffenceType
from crimelink.errors import InvalidValue, NotFound
from crimelink.reports.handling import Audience, decide, grading_of
from crimelink.store.models import Incident, Offender, OffenderGroup, Organisation, PersonLink, PersonMention, utcnow
from crimelink.store.plausible import incident_window

__all__ = ["Bulletin", "Period", "bulletin", "send_bulletin"]

PROLIFIC = 2  # incidents in the period, at least
SHOWN_OFFENDERS = 10
SHOWN_GROUPS = 5
DEFAULT_DAYS = 28


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date  # included

    @classmethod
    def ending(cls, end: date, days: int = DEFAULT_DAYS) -> Period:
        return cls(end - timedelta(days=min(days - 1, end.toordinal() - 1)), end)  # none before 0001-01-01

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidValue("period", f"{self.start}..{self.end}", "the period ends before it starts")


class BulletinOffender(BaseModel):
    name: str
    named: bool
    incidents: int
    violent: int
    value_gbp: float
    last_seen: datetime
    forces: list[str]


class BulletinGroup(BaseModel):
    label: str  # for a retailer: "Group A", not the group's name
    incidents: int
    value_gbp: float
    forces: list[str]
    people: list[str]  # its members seen in the bulletin's incidents
    members: int | None  # None for a retailer


class Bulletin(BaseModel):
    organisation: str
    organisation_name: str
    audience: Literal["national", "police", "retailer"]
    period_from: date
    period_to: date
    produced_at: datetime
    marking: Literal["OFFICIAL", "OFFICIAL-SENSITIVE"]
    incidents: int
    value_gbp: float
    offenders: list[BulletinOffender]
    groups: list[BulletinGroup]
    withheld: int
    images_omitted: int  # incidents with images, which the bulletin leaves out
    left_out: int  # dated before 1990 or later than tomorrow: no incident can have that time
    conditions: list[str]
    html: str
    text: str


def _force_name(force: str | None) -> str:
    return police_force(force).name if force and force in FORCE_IDS else "unknown"


def _scope(organisation: Organisation) -> ColumnElement[bool]:
    if organisation.kind == "national_unit":
        return true()
    own = Incident.submitter_id == organisation.id
    if organisation.kind == "police_force" and organisation.police_force:
        return or_(Incident.police_force == organisation.police_force, own)
    return own


@dataclass
class _Shown:
    ids: set[int]
    forces: dict[int, str | None]
    values: dict[int, float]
    violent: set[int]
    when: dict[int, datetime]
    withheld: int
    images: int
    conditions: set[str]
    left_out: int = 0


def _incidents(session: Session, organisation: Organisation, period: Period, audience: Audience) -> _Shown:
    shown = _Shown(set(), {}, {}, set(), {}, 0, 0, set())
    earliest, latest = incident_window()
    rows = session.execute(
        select(Incident).where(
            _scope(organisation),
            Incident.occurred_at >= datetime.combine(period.start, time()),
            Incident.occurred_at <= datetime.combine(period.end, time.max),  # no day after 9999-12-31
        )
    ).scalars()
    for incident in rows:
        if not earliest <= incident.occurred_at <= latest:
            shown.left_out += 1
            continue
        own = incident.submitter_id == organisation.id
        grading = grading_of(
            incident.source_evaluation,
            incident.intelligence_assessment,
            incident.handling_code,
            incident.handling_conditions,
        )
        decision = decide(grading, Audience.NATIONAL if own else audience)
        if not decision.share:
            shown.withheld += 1
            continue
        if decision.conditions and not own:
            shown.conditions.add(decision.conditions)
        shown.ids.add(incident.id)
        shown.forces[incident.id] = incident.police_force
        shown.values[incident.id] = incident.value_gbp
        shown.when[incident.id] = incident.occurred_at
        shown.images += bool(incident.images)
        if OffenceType(incident.offence).violent or incident.assault or incident.injury:
            shown.violent.add(incident.id)
    return shown


def _people(session: Session, ids: set[int]) -> dict[int, set[int]]:
    """Offender id → the shown incidents they are linked to."""
    seen: dict[int, set[int]] = defaultdict(set)
    for offender_id, incident_id in session.execute(
        select(PersonLink.offender_id, PersonMention.incident_id)
        .join(PersonMention, PersonMention.id == PersonLink.mention_id)
        .where(PersonMention.incident_id.in_(ids))
    ):
        seen[offender_id].add(incident_id)
    return seen


def _identities(
    session: Session, organisation: Organisation, audience: Audience, ids: list[int]
) -> dict[int, PersonIdentity]:
    """Each offender as the bulletin's reader may be told of them: a retailer from its own
    reports alone, police and the national unit (who see whole profiles) as the analysis named them."""
    shown = _scope(organisation) if audience is Audience.RETAILER else None
    return person_identities(session=session, offender_ids=ids, shown=shown)


def _offender(offender: PersonIdentity, incidents: set[int], shown: _Shown) -> BulletinOffender:
    return BulletinOffender(
        name=offender.display_name,
        named=offender.named,
        incidents=len(incidents),
        violent=len(incidents & shown.violent),
        value_gbp=round(sum(shown.values[i] for i in incidents), 2),
        last_seen=max(shown.when[i] for i in incidents),
        forces=sorted({_force_name(shown.forces[i]) for i in incidents}),
    )


def _groups(
    session: Session, people: dict[int, set[int]], shown: _Shown, audience: Audience,
    identities: dict[int, PersonIdentity],
) -> list[BulletinGroup]:
    members: dict[int, list[int]] = defaultdict(list)
    for offender_id, group_id in session.execute(
        select(Offender.id, Offender.group_id).where(Offender.id.in_(list(people)))
    ):
        if group_id is not None:
            members[group_id].append(offender_id)
    ranked = sorted(members, key=lambda g: (-len(set().union(*(people[o] for o in members[g]))), g))
    ranked = [g for g in ranked if len(set().union(*(people[o] for o in members[g]))) >= PROLIFIC][:SHOWN_GROUPS]
    groups = {g.id: g for g in session.scalars(select(OffenderGroup).where(OffenderGroup.id.in_(ranked)))}
    out = []
    for n, group_id in enumerate(ranked):
        incidents: set[int] = set().union(*(people[o] for o in members[group_id]))
        group = groups[group_id]
        retailer = audience is Audience.RETAILER
        out.append(
            BulletinGroup(
                label=f"Group {string.ascii_uppercase[n]}" if retailer else group.label,
                incidents=len(incidents),
                value_gbp=round(sum(shown.values[i] for i in incidents), 2),
                forces=sorted({_force_name(shown.forces[i]) for i in incidents}),
                people=sorted(identities[o].display_name for o in members[group_id] if o in identities),
                members=None if retailer else group.members,
            )
        )
    return out


_templates = Environment(
    loader=PackageLoader("crimelink.casework", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.filters.update(
    gbp=lambda v: f"£{v:,.0f}",
    day=lambda v: v.strftime("%d %b %Y"),
)


def bulletin(*, session: Session, organisation_code: str, period: Period) -> Bulletin:
    """The bulletin for one organisation and period, sanitised for it (figures, HTML and text).

    Raises:
        NotFound: no such organisation.
    """
    organisation = session.scalar(select(Organisation).where(Organisation.code == organisation_code.strip().upper()))
    if organisation is None:
        raise NotFound("no such organisation", organisation=organisation_code)
    audience = audience_of(organisation.kind)
    shown = _incidents(session, organisation, period, audience)
    people = _people(session, shown.ids)
    prolific = sorted(
        (o for o, incidents in people.items() if len(incidents) >= PROLIFIC),
        key=lambda o: (-len(people[o]), -sum(shown.values[i] for i in people[o]), o),
    )[:SHOWN_OFFENDERS]
    identities = _identities(session, organisation, audience, list(people))
    offenders = [_offender(identities[o], people[o], shown) for o in prolific if o in identities]
    groups = _groups(session, people, shown, audience, identities)
    named = any(o.named for o in offenders) or any(g.people for g in groups)
    context = {
        "organisation": organisation,
        "audience": audience.value,
        "period": period,
        "produced_at": utcnow(),
        "marking": "OFFICIAL-SENSITIVE" if named else "OFFICIAL",
        "incidents": len(shown.ids),
        "value_gbp": round(sum(shown.values.values()), 2),
        "offenders": offenders,
        "groups": groups,
        "withheld": shown.withheld,
        "images_omitted": shown.images,
        "left_out": shown.left_out,
        "conditions": sorted(shown.conditions),
    }
    return Bulletin(
        organisation=organisation.code,
        organisation_name=organisation.name,
        period_from=period.start,
        period_to=period.end,
        html=_templates.get_template("bulletin.html").render(**context),
        text=_templates.get_template("bulletin.txt").render(**context),
        **{k: v for k, v in context.items() if k not in ("organisation", "period")},
    )


def send_bulletin(*, session: Session, organisation_code: str, period: Period) -> int:
    """Put the bulletin in the outbox for each address the organisation's users take alerts at."""
    made = bulletin(session=session, organisation_code=organisation_code, period=period)
    organisation_id = session.scalar(select(Organisation.id).where(Organisation.code == made.organisation))
    addresses = session.scalars(
        select(func.distinct(AlertSubscription.email)).where(
            AlertSubscription.organisation_id == organisation_id,
            AlertSubscription.active.is_(True),
            AlertSubscription.email.is_not(None),
        )
    ).all()
    subject = (
        f"{made.marking}: crimelink bulletin for {made.organisation_name}, {period.start:%d %b} – {period.end:%d %b %Y}"
    )
    for address in sorted(a for a in addresses if a):
        queue_message(session=session, kind="bulletin", to=address, subject=subject, text=made.text, html=made.html)
    session.flush()
    return len([a for a in addresses if a])
