"""One root for every error crimelink raises on purpose, each carrying structured details.

The web layer maps these to HTTP once; the CLI prints them without a traceback.
"""

from __future__ import annotations

from typing import Any


class CrimelinkError(Exception):
    """Root of crimelink's own errors. ``details`` is safe to show to the user who caused it."""

    status_code = 400

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        return {"error": type(self).__name__, "message": self.message, **self.details}


class InvalidValue(CrimelinkError, ValueError):
    """A value (a plate, a postcode, a grading) that cannot be what it claims to be.

    Subclasses ValueError so that pydantic turns it into a field error with the reason.
    """

    def __init__(self, field: str, value: object, reason: str) -> None:
        super().__init__(f"{field}: {reason} ({value!r})", field=field, value=str(value)[:100])
        self.reason = reason


class NotFound(CrimelinkError):
    """The thing asked for does not exist, or the asker may not know that it does."""

    status_code = 404


class Forbidden(CrimelinkError):
    """The asker is known but may not do this."""

    status_code = 403


class UnknownSubmitter(CrimelinkError):
    """An incident names an organisation that has not been registered."""

    status_code = 422


class StoreError(CrimelinkError):
    """The store cannot be opened or is not at the schema this code expects."""

    status_code = 500
