"""A priority in words: the sentence an analyst reads out when asked "why is this one first?".

The stored parts of a score (``priority.prioritise_offenders``) hold every number; this turns
them into plain English that names what drives the rank — how many incidents, how much harm,
how recently, and what held the score back — so that a rank can be defended without reading
the formula.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["offender_priority_words"]


def _plural(n: float, word: str) -> str:
    count = round(n)
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def offender_priority_words(parts: Mapping[str, Any], *, rank: int | None = None, of: int | None = None) -> str:
    """Why an offender stands where it does, from its RFG parts; empty for parts of another kind."""
    if "score_from_gravity" not in parts:
        return ""
    frequency = float(parts.get("frequency") or 0)
    if frequency == 0:
        return "Not seen in the lookback window, so the score is 0."
    gravity, from_frequency = float(parts["score_from_gravity"]), float(parts["score_from_frequency"])
    total = gravity + from_frequency
    place = f"Ranked {rank:,}" + (f" of {of:,}" if of else "") if rank else "Scored"
    driver = "how often they offend" if from_frequency >= gravity else "how much harm their incidents did"
    sentences = [
        f"{place}: {_plural(frequency, 'incident')} in the last {float(parts.get('lookback_days') or 0):.0f} days"
        f" doing {float(parts.get('gravity_days') or 0):,.0f} days of harm (CCHI);"
        f" {driver} gives most of the score ({max(gravity, from_frequency) / total:.0%})." if total else
        f"{place}: {_plural(frequency, 'incident')} in the lookback.",
    ]
    days_since = parts.get("days_since_last")
    recency = float(parts.get("recency") or 0)
    if days_since is not None:
        kept = "" if recency >= 0.995 else f", so the score keeps {recency:.0%} of it"
        sentences.append(f"Last seen {float(days_since):.0f} days before the newest report{kept}.")
    if gravity and from_frequency:
        sentences.append(f"The harm adds {gravity / from_frequency:.0%} to what the number of incidents alone gives"
                         " (it can at most double it).")
    return " ".join(sentences)
