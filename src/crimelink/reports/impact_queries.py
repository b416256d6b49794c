"""The SQL behind every impact figure: the scope turned into queries, once, for every figure.

Each figure is a count or a sum over exactly the rows its ``records`` SELECT returns, so the
drill-down and the CSV of any figure show what it was computed from (see ``crimelink.reports.impact``
for how referrals, operations and identified offenders fall into a scope).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, select, true, union
from sqlalchemy.orm import Session

from crimelink.casework.models import (
    Arrest,
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
from crimelink.casework.outcomes import OutcomeTypes
from crimelink.casework.targets import covered_incidents, resolved_id
from crimelink.errors import InvalidValue
from crimelink.reports.impact_figures import FIGURES, AnySelect, Figure, ImpactScope, days_between
from crimelink.store.models import (
    GroupMember,
    Incident,
    Offender,
    OffenderGroup,
    Organisation,
    PersonLink,
    PersonMention,
    Vehicle,
)
from crimelink.store.plausible import plausibly_dated

__all__ = ["ImpactQueries"]


class ImpactQueries:
    """The scope turned into SQL, once, for every figure."""

    def __init__(self, session: Session, scope: ImpactScope, outcome_types: OutcomeTypes) -> None:
        self.session, self.scope, self.types = session, scope, outcome_types
        self.retailer_id: int | None = None
        if scope.retailer:
            self.retailer_id = session.scalar(select(Organisation.id).where(Organisation.code == scope.retailer))
            if self.retailer_id is None:
                raise InvalidValue("retailer", scope.retailer, "no such organisation")

    # -- scopes --

    def referral_ids(self) -> Select[int]:
        s = self.scope
        where = [s.during(Referral.received_at)]
        if self.retailer_id is not None:
            where.append(Referral.referrer_id == self.retailer_id)
        if s.force:
            where.append(func.coalesce(Referral.lead_force, Referral.suggested_force) == s.force)
        if s.operation is not None:
            where.append(
                Referral.id.in_(
                    select(OperationLink.target_id).where(
                        OperationLink.kind == "referral", OperationLink.operation_id == s.operation
                    )
                )
            )
        return select(Referral.id).where(*where)

    def operation_rule(self) -> ColumnElement[bool]:
        """Operations in the force, retailer and operation asked for, whenever adopted."""
        s = self.scope
        rules: list[ColumnElement[bool]] = [true()]
        if s.force:
            rules.append(Operation.lead_force == s.force)
        if s.operation is not None:
            rules.append(Operation.id == s.operation)
        if self.retailer_id is not None:
            rules.append(
                Operation.id.in_(
                    select(OperationLink.operation_id)
                    .join(Referral, and_(OperationLink.kind == "referral", OperationLink.target_id == Referral.id))
                    .where(Referral.referrer_id == self.retailer_id)
                )
            )
        return and_(*rules)

    def adopted(self) -> Select[int]:
        return select(Operation.id).where(self.operation_rule(), self.scope.during(Operation.adopted_at))

    def identified(self, kind: str) -> Select[int]:
        subjects = select(
            resolved_id(ReferralSubject.kind, ReferralSubject.target_id, ReferralSubject.anchor_mention_id)
        ).where(
            ReferralSubject.kind == kind,
            ReferralSubject.target_id.is_not(None),
            ReferralSubject.referral_id.in_(self.referral_ids()),
        )
        links = (
            select(resolved_id(OperationLink.kind, OperationLink.target_id, OperationLink.anchor_mention_id))
            .join(Operation, Operation.id == OperationLink.operation_id)
            .where(OperationLink.kind == kind, self.operation_rule(), self.scope.during(OperationLink.linked_at))
        )
        both = union(subjects, links).subquery()
        return select(both.c[0])

    # -- figures --

    def count(self, key: str, records: AnySelect, unit: str = "count", **parts: Any) -> Figure:
        value = self.session.scalar(select(func.count()).select_from(records.subquery())) or 0
        return Figure(key, FIGURES[key], float(value), unit, records, parts)

    def figures(self) -> list[Figure]:
        s = self.scope
        referrals = (
            select(
                Referral.id,
                Organisation.code.label("referrer"),
                Referral.received_at,
                Referral.status,
                Referral.lead_force,
                Referral.suggested_force,
                Referral.priority_score,
                Referral.summary,
            )
            .join(Organisation, Organisation.id == Referral.referrer_id)
            .where(Referral.id.in_(self.referral_ids()))
            .order_by(Referral.received_at, Referral.id)
        )
        offenders = (
            select(
                Offender.id,
                Offender.display_name,
                Offender.named,
                Offender.incidents,
                Offender.value_gbp,
                Offender.first_seen,
                Offender.last_seen,
            )
            .where(Offender.id.in_(self.identified("person")))
            .order_by(Offender.id)
        )
        vehicles = (
            select(Vehicle.id, Vehicle.vrm, Vehicle.make, Vehicle.model, Vehicle.colour, Vehicle.incidents)
            .where(Vehicle.id.in_(self.identified("vehicle")))
            .order_by(Vehicle.id)
        )
        operations = (
            select(
                Operation.id,
                Operation.name,
                Operation.lead_force,
                Operation.status,
                Operation.adopted_at,
                Operation.closed_at,
            )
            .where(Operation.id.in_(self.adopted()))
            .order_by(Operation.adopted_at, Operation.id)
        )
        arrests = self._by_operation(
            Arrest, Arrest.arrested_at, Arrest.id, Arrest.person, Arrest.arrested_at, Arrest.police_force
        )
        positive = self._by_operation(
            CrimeOutcome,
            CrimeOutcome.recorded_at,
            CrimeOutcome.id,
            self._outcome_in_words().label("outcome"),
            CrimeOutcome.outcome_type,
            CrimeOutcome.incident_id,
            CrimeOutcome.crime_reference,
            CrimeOutcome.recorded_at,
        ).where(CrimeOutcome.outcome_type.in_(sorted(self.types.positive_codes)))
        courts = self._by_operation(
            CourtResult,
            CourtResult.decided_at,
            CourtResult.id,
            CourtResult.person,
            CourtResult.verdict,
            CourtResult.court,
            CourtResult.decided_at,
        )
        custody = (
            self._by_operation(
                CourtResult,
                CourtResult.decided_at,
                Sentence.id,
                CourtResult.person,
                CourtResult.decided_at,
                Sentence.custodial_months,
            )
            .join(Sentence, Sentence.court_result_id == CourtResult.id)
            .where(Sentence.suspended.is_(False), Sentence.custodial_months > 0)
        )
        months = self.session.scalar(select(func.coalesce(func.sum(custody.subquery().c.custodial_months), 0.0)))
        losses = self._incidents(
            select(PersonMention.incident_id)
            .join(PersonLink, PersonLink.mention_id == PersonMention.id)
            .where(PersonLink.offender_id.in_(self.identified("person")))
        )
        lost = self.session.scalar(select(func.coalesce(func.sum(losses.subquery().c.value_gbp), 0.0)))
        return [
            self.count("referrals", referrals),
            self.count("offenders_identified", offenders),
            self.count("vehicles_identified", vehicles),
            self.count("operations_adopted", operations),
            self.count("crimes_covered", self._incidents(self._covered())),
            self.count("arrests", arrests),
            self.count("positive_outcomes", positive, positive_types=self._positive_in_words()),
            self.count("court_results", courts),
            Figure(
                "custodial_years",
                FIGURES["custodial_years"],
                round(float(months or 0) / 12, 2),
                "years",
                custody,
                {"months": round(float(months or 0), 1), "suspended": "not counted"},
            ),
            Figure(
                "losses_attributed_gbp", FIGURES["losses_attributed_gbp"], round(float(lost or 0), 2), "GBP", losses
            ),
            self._engagement()
            if s.operation is None
            else Figure(
                "engagement_sessions",
                FIGURES["engagement_sessions"],
                None,
                "count",
                None,
                {"note": "engagement sessions do not belong to an operation"},
            ),
            self._rate_change(),
        ]

    def _outcome_in_words(self) -> ColumnElement[str]:
        """The Home Office outcome's label in place of its code (the code itself where it has none)."""
        labels = {code: t.label for code, t in self.types.types.items()}
        return case(labels, value=CrimeOutcome.outcome_type, else_=CrimeOutcome.outcome_type)

    def _positive_in_words(self) -> list[str]:
        """The outcomes that count as positive, by name, in the Home Office's order."""
        return [t.label for code, t in self.types.types.items() if code in self.types.positive_codes]

    def _by_operation(self, model: Any, when: Any, *columns: Any) -> AnySelect:
        return (
            select(model.operation_id, Operation.name.label("operation"), *columns)
            .join(Operation, Operation.id == model.operation_id)
            .where(self.operation_rule(), self.scope.during(when))
            .order_by(when, columns[0])
        )

    def _covered(self) -> Select[int]:
        links = (
            select(
                OperationLink.kind.label("kind"),
                resolved_id(OperationLink.kind, OperationLink.target_id, OperationLink.anchor_mention_id).label("rid"),
            ).where(OperationLink.operation_id.in_(self.adopted()), OperationLink.kind != "referral")
        ).subquery()
        return covered_incidents(links)

    def _incidents(self, ids: Select[int]) -> AnySelect:
        return (
            select(
                Incident.id,
                Organisation.code.label("submitter"),
                Incident.incident_ref,
                Incident.occurred_at,
                Incident.offence,
                Incident.police_force,
                Incident.value_gbp,
                Incident.crime_reference,
            )
            .join(Organisation, Organisation.id == Incident.submitter_id)
            .where(Incident.id.in_(ids), self.scope.during(Incident.occurred_at))  # the period's crimes only
            .order_by(Incident.id)
        )

    def _engagement(self) -> Figure:
        rules: list[ColumnElement[bool]] = []
        if self.scope.start:
            rules.append(EngagementSession.held_on >= self.scope.start.date())
        if self.scope.end:
            rules.append(EngagementSession.held_on < self.scope.end.date())
        if self.scope.force:
            rules.append(EngagementSession.police_force == self.scope.force)
        if self.retailer_id is not None:
            rules.append(
                EngagementSession.id.in_(
                    select(EngagementAttendance.session_id).where(
                        EngagementAttendance.organisation_id == self.retailer_id
                    )
                )
            )
        records = (
            select(
                EngagementSession.id,
                EngagementSession.held_on,
                EngagementSession.title,
                EngagementSession.police_force,
                EngagementSession.attendees,
            )
            .where(*rules)
            .order_by(EngagementSession.held_on, EngagementSession.id)
        )
        attendees = self.session.scalar(select(func.coalesce(func.sum(records.subquery().c.attendees), 0)))
        return self.count("engagement_sessions", records, attendees=int(attendees or 0))

    def _rate_change(self) -> Figure:
        window = self.scope.window_days
        link = OperationLink
        groups = (
            select(
                link.operation_id.label("operation_id"),
                resolved_id(link.kind, link.target_id, link.anchor_mention_id).label("group_id"),
            ).where(link.kind == "group", link.operation_id.in_(self.adopted()))
        ).subquery()
        days = days_between(Incident.occurred_at, Operation.adopted_at)
        records = (
            select(
                groups.c.operation_id,
                Operation.name.label("operation"),
                Operation.adopted_at,
                groups.c.group_id,
                OffenderGroup.label.label("group"),
                Incident.id.label("incident_id"),
                Incident.occurred_at,
                case((days < 0, literal("before")), else_=literal("after")).label("phase"),
            )
            .distinct()
            .join(Operation, Operation.id == groups.c.operation_id)
            .join(GroupMember, GroupMember.group_id == groups.c.group_id)
            .outerjoin(OffenderGroup, OffenderGroup.id == groups.c.group_id)
            .join(PersonLink, PersonLink.offender_id == GroupMember.offender_id)
            .join(PersonMention, PersonMention.id == PersonLink.mention_id)
            .join(Incident, Incident.id == PersonMention.incident_id)
            .where(days >= -window, days < window)
            .order_by(groups.c.operation_id, groups.c.group_id, Incident.occurred_at, Incident.id)
        )
        observed = select(func.min(Incident.occurred_at), func.max(Incident.occurred_at))  # the time the store covers,
        first, last = self.session.execute(observed.where(plausibly_dated(Incident.occurred_at))).one()  # not year 9999
        pairs = self.session.execute(
            select(groups.c.operation_id, groups.c.group_id, Operation.adopted_at)
            .join(Operation, Operation.id == groups.c.operation_id)
            .distinct()
        ).all()
        counts: dict[tuple[int, int, str], int] = {}
        for row in self.session.execute(records):
            key = (row.operation_id, row.group_id, row.phase)
            counts[key] = counts.get(key, 0) + 1
        before = after = before_days = after_days = 0.0
        for operation_id, group_id, adopted_at in pairs:
            if first is None or last is None:
                break
            b_days = min(window, max((adopted_at - first).total_seconds() / 86400, 0.0))
            a_days = min(window, max((last - adopted_at).total_seconds() / 86400, 0.0))
            if b_days < 1 or a_days < 1:
                continue  # no time observed on one side: this group says nothing about change
            before += counts.get((operation_id, group_id, "before"), 0) / b_days
            after += counts.get((operation_id, group_id, "after"), 0) / a_days
            before_days += b_days
            after_days += a_days
        change = round((after / before - 1) * 100, 1) if before else None
        parts = {
            "groups": len(pairs),
            "window_days": window,
            "before_rate_per_day": round(before, 4),
            "after_rate_per_day": round(after, 4),
        }
        return Figure("offending_rate_change_pct", FIGURES["offending_rate_change_pct"], change, "%", records, parts)
