"""The purposes a user may state for their session, in their own words.

Data protection law asks why personal data is processed, not only by whom. A user states the
purpose of their session from this fixed list (the control in the page header, or
``PUT /api/v1/purpose``); every audit entry of the session records it. A script may state one
per request instead (header ``X-Purpose``). Until a purpose is stated, the role's usual
purpose is recorded (``crimelink.audit.service.DEFAULT_PURPOSES``).
"""

from __future__ import annotations

from crimelink.errors import InvalidValue

__all__ = ["PURPOSES", "purpose_label"]

PURPOSES: dict[str, str] = {
    "investigation": "criminal investigation",
    "intelligence": "intelligence analysis",
    "referral": "referral assessment",
    "operation": "operational planning",
    "loss_prevention": "loss prevention",
    "safeguarding": "safeguarding staff and the public",
    "supervision": "supervision and quality assurance",
    "records": "records management",
    "audit": "audit of access and use",
    "administration": "system administration",
}
SESSION_KEY = "purpose"


def purpose_label(key: str) -> str:
    """The words recorded for a purpose key; refuses a key not on the list."""
    try:
        return PURPOSES[key]
    except KeyError:
        raise InvalidValue("purpose", key, f"one of: {', '.join(PURPOSES)}") from None
