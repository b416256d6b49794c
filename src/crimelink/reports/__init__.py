"""Reports: the platform's conclusions in forms that other tools and people can read.

The names below load their module on first use, so that the ``crimelink`` command (which
registers ``crimelink.reports.cli``) starts without loading the store and the export.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crimelink.reports.export import EXPORT_COLUMNS, export_analysis

__all__ = ["EXPORT_COLUMNS", "export_analysis"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from crimelink.reports import export

        return getattr(export, name)
    raise AttributeError(f"module 'crimelink.reports' has no attribute {name!r}")
