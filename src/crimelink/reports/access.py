"""Who may ask for which impact figures: the national unit for anything, a force for its own area."""

from __future__ import annotations

from datetime import date

from crimelink.access.policy import Viewer
from crimelink.errors import Forbidden
from crimelink.reports.impact import ImpactScope

__all__ = ["impact_scope"]


def impact_scope(
    actor: Viewer,
    *,
    start: date | None = None,
    end: date | None = None,
    force: str | None = None,
    retailer: str | None = None,
    operation: int | None = None,
) -> ImpactScope:
    """The scope ``actor`` may ask for: anything for the national unit, its own area for a force.

    Raises:
        Forbidden: a retailer, or a force asking for another area.
    """
    if not actor.national:
        if actor.force is None or actor.retailer:
            raise Forbidden("impact figures are for the national unit and the forces")
        if force not in (None, "", actor.force):
            raise Forbidden("a force sees its own area's figures", force=force)
        force = actor.force
    return ImpactScope.of(start=start, end=end, force=force or None, retailer=retailer or None, operation=operation)
