"""Triage: which offenders and groups to look at first, and why.

The scoring functions take plain frames and return scores with their parts, so that the
casework issue's harm index can replace them without touching the pipeline.
"""

from crimelink.triage.priority import PrioritySettings, prioritise_groups, prioritise_offenders

__all__ = ["PrioritySettings", "prioritise_groups", "prioritise_offenders"]
