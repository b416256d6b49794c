"""The protective marking each page carries (Government Security Classifications).

Every page is OFFICIAL. A page that shows intelligence or personal data (an incident, a profile,
a group, a series, referrals, alerts, the audit log, the retention queue...) is
OFFICIAL-SENSITIVE: need to know, and it says so in the banner at its top and foot. Only the
pages listed in :data:`OFFICIAL_PAGES` (figures and forms, no one named) carry plain OFFICIAL.
A page whose document sets its own marking (an intelligence package) passes ``marking``.
"""

from __future__ import annotations

from fastapi import Request

__all__ = ["OFFICIAL", "OFFICIAL_PAGES", "OFFICIAL_SENSITIVE", "page_marking"]

OFFICIAL = "OFFICIAL"
OFFICIAL_SENSITIVE = "OFFICIAL-SENSITIVE"
OFFICIAL_PAGES = frozenset({"/", "/login", "/impact", "/sharing", "/audit/verify", "/docs"})


def page_marking(request: Request, viewer: object = None) -> str:
    """The marking of the page being rendered: OFFICIAL-SENSITIVE unless it names no one."""
    if viewer is None or request.url.path in OFFICIAL_PAGES:
        return OFFICIAL
    return OFFICIAL_SENSITIVE
