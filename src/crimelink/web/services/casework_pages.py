"""What the casework pages show beyond the casework API: the forms a referral's next steps need,
and the impact report's filters, chart and records, a page at a time.

The referral, operation and impact figures themselves come from ``crimelink.casework`` and
``crimelink.reports.impact`` (the JSON twins at ``/api/v1/referrals``, ``/api/v1/operations`` and
``/api/v1/impact`` call the same functions); the records behind a figure have their own twin at
``/api/v1/impact/records/{figure}``.
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crimelink.access.policy import Viewer
from crimelink.casework.lifecycle import Needs, Status, step
from crimelink.casework.models import Operation
from crimelink.casework.operations import list_operations
from crimelink.casework.schemas import FeedbackOut, ReferralDetail, ReferralRow, ReferralStatus
from crimelink.casework.service import get_referral
from crimelink.domain.forces import all_forces
from crimelink.domain.form_query import FormQuery
from crimelink.domain.organisations import OrganisationKind
from crimelink.errors import NotFound
from crimelink.reports.access import impact_scope
from crimelink.reports.impact import (
    FIGURES,
    Figure,
    ImpactReport,
    ImpactScope,
    ImpactSummary,
    impact_report,
    write_csv,
    write_records_csv,
)
from crimelink.store.models import Organisation

__all__ = [
    "Choice",
    "FigureRecords",
    "ImpactPage",
    "ImpactQuery",
    "StepForm",
    "figure_records",
    "figure_records_csv",
    "impact_csv",
    "impact_page",
    "latest_feedback",
    "step_forms",
]

RECORDS_PER_PAGE = 100
# Which figure's records are dated by which column: the impact chart counts them by month.
DATED = {
    "referrals": "received_at",
    "operations_adopted": "adopted_at",
    "arrests": "arrested_at",
    "positive_outcomes": "recorded_at",
    "court_results": "decided_at",
}
# Where a record's ids lead: its own ``id`` by figure, and columns named after what they hold.
ID_PAGES = {
    "referrals": "/referrals/",
    "offenders_identified": "/offenders/",
    "vehicles_identified": "/vehicles/",
    "operations_adopted": "/operations/",
    "crimes_covered": "/incidents/",
    "losses_attributed_gbp": "/incidents/",
}
COLUMN_PAGES = {"operation_id": "/operations/", "incident_id": "/incidents/", "group_id": "/groups/"}


class Choice(BaseModel):
    value: str
    label: str


# --- referrals -------------------------------------------------------------------------------


class StepForm(BaseModel):
    """One next step a referral may take, with the fields it needs."""

    to: Status
    label: str
    needs: list[str]  # reason, lead_force, operation, result
    suggested_force: str | None
    operations: list[Choice]  # adopting: the lead force's open operations


_STEP_WORDS = {
    Status.TRIAGED: "Triage",
    Status.ACCEPTED: "Accept",
    Status.DECLINED: "Decline",
    Status.IN_DEVELOPMENT: "Develop",
    Status.DISSEMINATED: "Send the intelligence package to a force",
    Status.ADOPTED: "Adopt into an operation",
    Status.CLOSED: "Close",
}


def step_forms(*, session: Session, detail: ReferralDetail) -> list[StepForm]:
    """The forms for the steps the asker may take now (``detail.next_steps``)."""
    forms = []
    for target in detail.next_steps:
        taken = step(detail.status, target)
        operations: list[Choice] = []
        if Needs.OPERATION in taken.needs and detail.lead_force:
            operations = [
                Choice(value=str(i), label=n)
                for i, n in session.execute(
                    select(Operation.id, Operation.name)
                    .where(Operation.lead_force == detail.lead_force, Operation.status == "open")
                    .order_by(Operation.name)
                )
            ]
        label = _STEP_WORDS.get(target, target.label)
        if detail.status is Status.DISSEMINATED and target is Status.IN_DEVELOPMENT:
            label = "Hand back to the national unit"
        forms.append(
            StepForm(
                to=target,
                label=label,
                needs=sorted(n.value for n in taken.needs),
                suggested_force=detail.suggested_force,
                operations=operations,
            )
        )
    return forms


def latest_feedback(*, session: Session, viewer: Viewer, rows: list[ReferralRow]) -> dict[int, FeedbackOut]:
    """The latest feedback meant for the referrer on each referral the viewer follows as its referrer
    (what its status view shows, ``get_referral``), so that the list says what came back."""
    found = {}
    for row in rows:
        if not row.mine or row.priority_score is not None:  # the referrer's view only
            continue
        view = get_referral(session=session, actor=viewer, referral_id=row.id)
        if isinstance(view, ReferralStatus) and view.feedback:
            found[row.id] = view.feedback[-1]
    return found


def force_choices() -> list[Choice]:
    return [Choice(value=f.id, label=f.name) for f in all_forces()]


# --- impact ----------------------------------------------------------------------------------


class ImpactQuery(FormQuery):
    """The impact report's filters, as query parameters (``from`` and ``to`` are days, both included)."""

    model_config = ConfigDict(populate_by_name=True)

    from_: date | None = Field(None, alias="from")
    to: date | None = None
    force: str | None = Field(None, description="data.police.uk force id")
    retailer: str | None = Field(None, description="A retailer's organisation code")
    operation: int | None = None

    def scope(self, viewer: Viewer) -> ImpactScope:
        return impact_scope(
            viewer, start=self.from_, end=self.to, force=self.force, retailer=self.retailer, operation=self.operation
        )

    def params(self) -> dict[str, str]:
        """The filters as query parameters, blank ones left out."""
        values = self.model_dump(mode="json", by_alias=True)
        return {k: str(v) for k, v in values.items() if v not in (None, "")}


class MonthCounts(BaseModel):
    month: str  # YYYY-MM
    counts: dict[str, int]  # figure key -> records dated in that month


class ImpactPage(BaseModel):
    summary: ImpactSummary
    months: list[MonthCounts]
    series: dict[str, str]  # figure key -> label, for the chart's legend
    forces: list[Choice]
    retailers: list[Choice]
    operations: list[Choice]
    force_fixed: str | None  # a force sees its own area only


def _months(session: Session, report: ImpactReport) -> list[MonthCounts]:
    counts: dict[str, Counter[str]] = {}
    for key, column in DATED.items():
        figure = report.figure(key)
        if figure.records is None:
            continue
        records = figure.records.subquery()
        for moment in session.scalars(select(records.c[column])):
            if isinstance(moment, datetime | date):
                counts.setdefault(f"{moment:%Y-%m}", Counter())[key] += 1
    return [MonthCounts(month=m, counts={k: c.get(k, 0) for k in DATED}) for m, c in sorted(counts.items())]


def impact_page(*, session: Session, viewer: Viewer, query: ImpactQuery) -> ImpactPage:
    """The figures for the filters, their records counted by month, and the filters' choices.

    Raises:
        Forbidden: a retailer, or a force asking for another area (``crimelink.reports.access.impact_scope``).
    """
    scope = query.scope(viewer)
    report = impact_report(session=session, scope=scope)
    retailers: list[Choice] = []
    if viewer.national:
        retailers = [
            Choice(value=code, label=name)
            for code, name in session.execute(
                select(Organisation.code, Organisation.name)
                .where(Organisation.kind == OrganisationKind.RETAILER.value)
                .order_by(Organisation.name)
            )
        ]
    operations = [Choice(value=str(o.id), label=o.name) for o in list_operations(session=session, actor=viewer)]
    return ImpactPage(
        summary=report.summary(),
        months=_months(session, report),
        series={k: FIGURES[k] for k in DATED},
        forces=force_choices(),
        retailers=retailers,
        operations=sorted(operations, key=lambda c: c.label),
        force_fixed=None if viewer.national else viewer.force,
    )


def impact_csv(*, session: Session, viewer: Viewer, query: ImpactQuery) -> str:
    """The figures as CSV, exactly as ``crimelink report impact --format csv`` writes them."""
    out = io.StringIO()
    write_csv(impact_report(session=session, scope=query.scope(viewer)), out)
    return out.getvalue()


class FigureRecords(BaseModel):
    key: str
    label: str
    value: float | None
    unit: str
    parts: dict[str, Any]
    note: str | None  # why a figure has no records
    columns: list[str]
    rows: list[list[Any]]
    links: dict[str, str]  # column -> the page its values open (``/incidents/`` + value)
    total: int
    offset: int
    limit: int


def _figure(session: Session, viewer: Viewer, key: str, query: ImpactQuery) -> Figure:
    scope = query.scope(viewer)  # Forbidden first: a refusal says nothing about which figures exist
    if key not in FIGURES:
        raise NotFound("no such figure", figure=key, figures=list(FIGURES))
    return impact_report(session=session, scope=scope).figure(key)


def figure_records(
    *, session: Session, viewer: Viewer, key: str, query: ImpactQuery, offset: int = 0, limit: int = RECORDS_PER_PAGE
) -> FigureRecords:
    """The records one figure was computed from, a page at a time, in the report's order.

    Raises:
        NotFound: no such figure. Forbidden: as :func:`impact_page`.
    """
    figure = _figure(session, viewer, key, query)
    columns: list[str] = []
    rows: list[list[Any]] = []
    total = 0
    if figure.records is not None:
        total = session.scalar(select(func.count()).select_from(figure.records.subquery())) or 0
        result = session.execute(figure.records.limit(limit).offset(offset))
        columns = list(result.keys())
        rows = [list(row) for row in result]
    links = {c: page for c, page in COLUMN_PAGES.items() if c in columns}
    if key in ID_PAGES and "id" in columns:
        links["id"] = ID_PAGES[key]
    return FigureRecords(
        key=figure.key,
        label=figure.label,
        value=figure.value,
        unit=figure.unit,
        parts=figure.parts,
        note=None if figure.records is not None else str(figure.parts.get("note", "no records behind this figure")),
        columns=columns,
        rows=rows,
        links=links,
        total=total,
        offset=offset,
        limit=limit,
    )


def figure_records_csv(*, session: Session, viewer: Viewer, key: str, query: ImpactQuery) -> str:
    """Every record behind one figure as CSV (``crimelink report impact --records KEY``)."""
    out = io.StringIO()
    write_records_csv(session=session, figure=_figure(session, viewer, key, query), out=out)
    return out.getvalue()
