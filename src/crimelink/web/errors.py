"""The web layer's own errors: children of the one root, mapped to HTTP by ``app.py``."""

from __future__ import annotations

from crimelink.errors import CrimelinkError


class NotAuthenticated(CrimelinkError):
    """No valid login came with the request: API callers get 401, browsers the login page."""

    status_code = 401


class InvalidRequest(CrimelinkError):
    """The request itself is malformed (a parameter, or a body that is not what the API takes)."""

    status_code = 422


class HttpProblem(CrimelinkError):
    """An HTTP-level refusal from the framework (no such route, wrong method), in the same shape."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class MisconfiguredApp(CrimelinkError):
    """The app cannot start safely with these settings."""

    status_code = 500
