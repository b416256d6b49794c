"""Reports: the platform's conclusions in forms that other tools and people can read."""

from crimelink.reports.export import EXPORT_COLUMNS, export_analysis

__all__ = ["EXPORT_COLUMNS", "export_analysis"]
