"""The partnership's impact: the figures it publishes, each with the records behind it.

Every :class:`Figure` carries its number and ``records``, the SELECT of the rows that number
was computed from (the number is a count or a sum over exactly those rows), so any figure can
be drilled into and exported as CSV. A report covers a period (``start`` inclusive, ``end``
exclusive, on the date each record happened), and optionally one force area, one retailer, or
one operation:

- a **referral** falls in a force area by its lead force, else the force suggested for it;
- an **operation** in a force area by its lead force, to a retailer if it works one of the
  retailer's referrals; its arrests, outcomes and court results follow it;
- **offenders and vehicles identified** are those named in the period's referrals or linked to
  the operations in the period (through their anchor mention, so a re-run analysis does not
  lose them); **losses attributed** is the value of the incidents in the period linked to those
  offenders, and **crimes covered** the incidents in the period linked to the period's operations
  (a quarter's report never counts the rest of the year's crimes);
- **offending rate change** compares, for each group under an operation, its incidents per day
  in ``window_days`` before adoption with those after (up to the newest incident in the store).

The shapes (scope, figures) are in ``impact_figures`` and the SQL of every figure in
``impact_queries``; this module builds a report and writes it (CSV, the terminal's table).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, TextIO

from sqlalchemy.orm import Session

from crimelink.casework.outcomes import OutcomeTypes, default_outcome_types
from crimelink.domain.spreadsheet import safe_writer
from crimelink.reports.impact_figures import (
    COUNTS,
    FIGURES,
    WINDOW_DAYS,
    Figure,
    FigureOut,
    ImpactReport,
    ImpactScope,
    ImpactSummary,
)
from crimelink.reports.impact_queries import ImpactQueries

if TYPE_CHECKING:
    from rich.table import Table

__all__ = [
    "COUNTS",
    "FIGURES",
    "WINDOW_DAYS",
    "Figure",
    "FigureOut",
    "ImpactReport",
    "ImpactScope",
    "ImpactSummary",
    "impact_report",
    "impact_table",
    "write_csv",
    "write_records_csv",
]


def impact_report(*, session: Session, scope: ImpactScope, outcome_types: OutcomeTypes | None = None) -> ImpactReport:
    """Every impact figure for ``scope``, each with the query for its records."""
    builder = ImpactQueries(session, scope, outcome_types or default_outcome_types())
    return ImpactReport(scope=scope, figures=builder.figures())


def write_csv(report: ImpactReport, out: TextIO) -> int:
    """The figures as CSV (``figure,label,value,unit,counts`` and the scope); returns rows written."""
    writer = safe_writer(out)
    scope = report.scope.as_dict()
    writer.writerow(["figure", "label", "value", "unit", "counts", *(f"scope_{k}" for k in scope)])
    for f in report.figures:
        writer.writerow(
            [
                f.key,
                f.label,
                "" if f.value is None else f.value,
                f.unit,
                f.counts,
                *("" if v is None else v for v in scope.values()),
            ]
        )
    return len(report.figures)


def impact_table(report: ImpactReport) -> Table:
    """The figures as a rich table, for the terminal."""
    from rich.table import Table

    scope = ", ".join(f"{k} {v}" for k, v in report.scope.as_dict().items() if v is not None) or "all time"
    table = Table("figure", "value", "unit", title=f"Impact ({scope})")
    for f in report.figures:
        shown = (
            "n/a" if f.value is None else f"{f.value:,.2f}" if f.unit in ("GBP", "years", "%") else f"{f.value:,.0f}"
        )
        table.add_row(f.label, shown, f.unit)
    return table


def write_records_csv(*, session: Session, figure: Figure, out: TextIO) -> int:
    """The records behind one figure as CSV, one row each; returns rows written."""
    writer = safe_writer(out)
    if figure.records is None:
        writer.writerow(["note"])
        writer.writerow([figure.parts.get("note", "no records behind this figure")])
        return 0
    result = session.execute(figure.records)
    writer.writerow(list(result.keys()))
    count = 0
    for row in result:
        writer.writerow(["" if v is None else v.isoformat() if isinstance(v, datetime | date) else v for v in row])
        count += 1
    return count
