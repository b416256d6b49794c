"""When an incident can have happened: from 1990 to a day after now, the window intake keeps to.

Intake refuses any other time (``crimelink.domain.exchange``), but a store filled before it did,
or written to directly, may still hold a year 0001 or 9999. Every time axis keeps to this window
and counts what it leaves out: the dashboard's months, a bulletin's default period, the impact
report's offending rates. One such record once drew 120,000 empty months on the dashboard (61 MB,
20-37 s a page) and made every organisation's default bulletin fail.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, SQLColumnExpression

from crimelink.domain.exchange import EARLIEST_INCIDENT
from crimelink.store.models.base import utcnow

__all__ = ["incident_window", "plausibly_dated"]


def incident_window(now: datetime | None = None) -> tuple[datetime, datetime]:
    """The earliest and latest time an incident can plausibly have, naive UTC as the store keeps them."""
    return EARLIEST_INCIDENT.replace(tzinfo=None), (now or utcnow()) + timedelta(days=1)


def plausibly_dated(column: SQLColumnExpression[datetime], now: datetime | None = None) -> ColumnElement[bool]:
    """``column`` lies in :func:`incident_window` (both ends included)."""
    earliest, latest = incident_window(now)
    return column.between(earliest, latest)
