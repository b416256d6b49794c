"""The optional parts of crimelink: each an extra of the package, imported only where it is used.

``pip install crimelink`` runs the whole journey: import, analyse, export, report, serve. Parts that
not every deployment needs, and that weigh (system libraries, a JVM), are extras; without one, the
feature that needs it says which to install instead of failing with ``ModuleNotFoundError``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from crimelink.errors import CrimelinkError

EXTRAS: dict[str, str] = {
    "pdf": "intelligence packages as PDF",
    "oidc": "single sign-on through an OpenID Connect provider",
    "spark": "linkage on Spark",
}


class MissingExtra(CrimelinkError):
    """A feature needs an optional part of crimelink that is not installed."""

    status_code = 501  # this installation does not do it; the request itself is fine


def require(extra: str, module: str) -> ModuleType:
    """``module`` imported, or :class:`MissingExtra` naming the extra that brings it.

    Example: ``weasyprint = require("pdf", "weasyprint")``.
    """
    try:
        return importlib.import_module(module)
    except ImportError as missing:
        raise MissingExtra(
            f"{EXTRAS[extra]} needs crimelink's {extra!r} extra: pip install 'crimelink[{extra}]'",
            extra=extra, module=module,
        ) from missing  # fmt: skip


__all__ = ["EXTRAS", "MissingExtra", "require"]
