"""The impact report's shapes: what a report covers, its figures, and how they are shown in JSON.

``FIGURES`` names every figure the partnership publishes, in its order; ``ImpactScope`` is a
period (start inclusive, end exclusive), force area, retailer or operation; a ``Figure`` keeps its
value with the SELECT of the records behind it (``crimelink.reports.impact`` builds them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Float, FunctionElement, Select, and_, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler

from crimelink.domain.forces import police_force
from crimelink.errors import InvalidValue

__all__ = [
    "COUNTS",
    "FIGURES",
    "WINDOW_DAYS",
    "AnySelect",
    "Figure",
    "FigureOut",
    "ImpactReport",
    "ImpactScope",
    "ImpactSummary",
    "days_between",
]

AnySelect = Select[*tuple[Any, ...]]  # a SELECT of any columns
WINDOW_DAYS = 90
FIGURES: dict[str, str] = {
    "referrals": "Referrals received",
    "offenders_identified": "Offenders identified",
    "vehicles_identified": "Vehicles identified",
    "operations_adopted": "Operations adopted",
    "crimes_covered": "Crimes covered by operations",
    "arrests": "Arrests",
    "positive_outcomes": "Positive outcomes",
    "court_results": "Court results",
    "custodial_years": "Custodial sentences (years)",
    "losses_attributed_gbp": "Losses attributed to offenders identified (GBP)",
    "engagement_sessions": "Engagement sessions with retailers",
    "offending_rate_change_pct": "Change in offending rate of groups under operation (%)",
}

# What each figure counts, in one line: the page shows it beside the figure and the JSON carries it
# as ``counts``, so nobody has to guess whether a period's figure reaches outside the period.
COUNTS: dict[str, str] = {
    "referrals": "Referrals received in the period.",
    "offenders_identified": "Offenders named in the period's referrals or linked to an operation in the period.",
    "vehicles_identified": "Vehicles named in the period's referrals or linked to an operation in the period.",
    "operations_adopted": "Operations adopted in the period.",
    "crimes_covered": "Crimes that happened in the period and are linked to an operation adopted in the period.",
    "arrests": "Arrests made in the period by the operations in scope.",
    "positive_outcomes": "Crime outcomes recorded in the period that count as positive (charge, caution, TIC …).",
    "court_results": "Court results decided in the period.",
    "custodial_years": "Immediate custodial sentences from court results decided in the period; suspended ones not.",
    "losses_attributed_gbp": "Value of the crimes in the period by the offenders identified in the period.",
    "engagement_sessions": "Engagement sessions with retailers held in the period.",
    "offending_rate_change_pct": (
        "For groups under operations adopted in the period: incidents a day in the window after adoption "
        "against the window before (the windows may reach outside the period)."
    ),
}


class days_between(FunctionElement[float]):  # noqa: N801 - reads as the SQL function it stands for
    """``later - earlier`` in days, on SQLite and PostgreSQL alike."""

    type = Float()
    name = "days_between"
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"(julianday({later}) - julianday({earlier}))"


@compiles(days_between)
def _days_default(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({later} - {earlier})) / 86400.0)"


@dataclass(frozen=True)
class ImpactScope:
    """What a report covers; ``None`` means no limit."""

    start: datetime | None = None
    end: datetime | None = None
    force: str | None = None
    retailer: str | None = None  # organisation code
    operation: int | None = None
    window_days: int = WINDOW_DAYS

    @classmethod
    def of(
        cls,
        *,
        start: date | None = None,
        end: date | None = None,
        force: str | None = None,
        retailer: str | None = None,
        operation: int | None = None,
    ) -> ImpactScope:
        """A scope from calendar dates: ``end`` is the last day included."""
        return cls(
            start=datetime.combine(start, time()) if start else None,
            end=datetime.combine(end + timedelta(days=1), time()) if end and end < date.max else None,  # max: no end
            force=police_force(force).id if force else None,
            retailer=retailer.strip().upper() if retailer else None,
            operation=operation,
        )

    def during(self, column: Any) -> ColumnElement[bool]:
        clauses = [column >= self.start] if self.start else []
        if self.end:
            clauses.append(column < self.end)
        return and_(true(), *clauses)

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.date().isoformat() if self.start else None,
            "to": (self.end - timedelta(days=1)).date().isoformat() if self.end else None,
            "force": self.force,
            "retailer": self.retailer,
            "operation": self.operation,
        }


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: float | None  # None: not meaningful for this scope (e.g. engagement for one operation)
    unit: str
    records: AnySelect | None
    parts: dict[str, Any] = field(default_factory=dict)

    @property
    def counts(self) -> str:
        """What the figure counts, in words (``COUNTS``)."""
        return COUNTS[self.key]


class FigureOut(BaseModel):
    key: str
    label: str
    value: float | None
    unit: str
    counts: str  # what the figure counts, in one line
    parts: dict[str, Any]


class ImpactSummary(BaseModel):
    scope: dict[str, Any]
    figures: list[FigureOut]


@dataclass(frozen=True)
class ImpactReport:
    scope: ImpactScope
    figures: list[Figure]

    def figure(self, key: str) -> Figure:
        for figure in self.figures:
            if figure.key == key:
                return figure
        raise InvalidValue("figure", key, f"one of {', '.join(FIGURES)}")

    def summary(self) -> ImpactSummary:
        return ImpactSummary(
            scope=self.scope.as_dict(),
            figures=[
                FigureOut(key=f.key, label=f.label, value=f.value, unit=f.unit, counts=f.counts, parts=f.parts)
                for f in self.figures
            ],
        )
