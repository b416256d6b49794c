"""Triage: which offenders and groups to look at first, and why.

``harm`` holds the measures one subject at a time (harm of an incident in the manner of the
Cambridge Crime Harm Index, RFG of an offender, MoRiLE of a group or referral), with weights from
``harm_weights.toml``; ``priority`` applies the same arithmetic to whole frames for the analysis
pipeline. Every score keeps its parts, so that an analyst can defend a decision.
"""

from crimelink.triage.explain import offender_priority_words
from crimelink.triage.priority import PrioritySettings, prioritise_groups, prioritise_offenders

__all__ = ["PrioritySettings", "offender_priority_words", "prioritise_groups", "prioritise_offenders"]
