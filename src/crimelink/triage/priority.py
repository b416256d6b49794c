"""Prioritisation: which offenders and groups an analyst should look at first.

First version, transparent on purpose: every score is a sum of named parts, stored with it
(``priority_parts``), so an analyst can see why one offender outranks another.

    offender score = incidents × recency weight + value_gbp / VALUE_PER_POINT_GBP
                     + VIOLENCE_BONUS × violent incidents
    group score    = sum of its members' scores

The recency weight halves every ``RECENCY_HALF_LIFE_DAYS`` days between the offender's last
incident and the newest incident in the store (not the clock: a run on last year's data ranks
the same today as it did then). Rank 1 is the highest score; ties go to the lower id.

The weights are placeholders chosen to be explainable, not validated. The casework issue
replaces them with a harm index (Cambridge Crime Harm Index, Sherman, Neyroud & Neyroud
2016) combined with recency, frequency and gravity (RFG), weights as configuration.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "RECENCY_HALF_LIFE_DAYS",
    "VALUE_PER_POINT_GBP",
    "VIOLENCE_BONUS",
    "PrioritySettings",
    "prioritise_groups",
    "prioritise_offenders",
]

RECENCY_HALF_LIFE_DAYS = 180.0
VALUE_PER_POINT_GBP = 1000.0
VIOLENCE_BONUS = 5.0


@dataclass(frozen=True)
class PrioritySettings:
    """The weights of the scores; stored with each analysis run."""

    method: str = "incidents x recency + value/1000 + violence bonus; groups: sum of members"
    recency_half_life_days: float = RECENCY_HALF_LIFE_DAYS
    value_per_point_gbp: float = VALUE_PER_POINT_GBP
    violence_bonus: float = VIOLENCE_BONUS


def prioritise_offenders(
    offenders: pd.DataFrame, *, as_of: datetime | None, settings: PrioritySettings | None = None
) -> pd.DataFrame:
    """Score and rank offenders.

    Args:
        offenders: offender_id, incidents, value_gbp, last_seen, violent_incidents.
        as_of: the moment recency is measured from (the newest incident); None when empty.

    Returns:
        offender_id, priority_score, priority_rank, priority_parts (a dict per offender).
    """
    settings = settings or PrioritySettings()
    incidents = offenders["incidents"].to_numpy(dtype=float)
    if as_of is None or offenders.empty:
        days = np.zeros(len(offenders))
    else:
        last = pd.to_datetime(offenders["last_seen"])
        days = ((pd.Timestamp(as_of) - last).dt.total_seconds() / 86400.0).fillna(0.0).to_numpy()
    days = np.clip(days, 0.0, None)
    weight = np.power(0.5, days / settings.recency_half_life_days)
    frequency = incidents * weight
    value = offenders["value_gbp"].to_numpy(dtype=float) / settings.value_per_point_gbp
    violent = offenders["violent_incidents"].to_numpy(dtype=float)
    violence = violent * settings.violence_bonus
    score = np.round(frequency + value + violence, 3)
    parts = [
        {
            "incidents": int(n), "days_since_last": round(float(d), 1),
            "recency_weight": round(float(w), 4), "frequency": round(float(f), 3),
            "value": round(float(v), 3), "violent_incidents": int(k),
            "violence": round(float(b), 3),
        }
        for n, d, w, f, v, k, b in zip(
            incidents, days, weight, frequency, value, violent, violence, strict=True
        )
    ]
    return _ranked(offenders["offender_id"].to_numpy(), score, parts, "offender_id")


def prioritise_groups(
    *, members: pd.DataFrame, offender_scores: pd.DataFrame
) -> pd.DataFrame:
    """Score and rank groups by the sum of their members' scores.

    Args:
        members: group_id, offender_id.
        offender_scores: offender_id, priority_score (from ``prioritise_offenders``).

    Returns:
        group_id, priority_score, priority_rank, priority_parts.
    """
    joined = members[["group_id", "offender_id"]].merge(
        offender_scores[["offender_id", "priority_score"]], on="offender_id"
    )
    by_group = joined.groupby("group_id").agg(
        members=("offender_id", "size"), score=("priority_score", "sum"),
        top=("priority_score", "max"),
    )
    score = np.round(by_group["score"].to_numpy(dtype=float), 3)
    parts = [
        {"members": int(n), "member_scores": round(float(s), 3), "top_member_score": float(t)}
        for n, s, t in zip(by_group["members"], score, by_group["top"], strict=True)
    ]
    return _ranked(by_group.index.to_numpy(), score, parts, "group_id")


def _ranked(
    ids: npt.NDArray[Any], score: npt.NDArray[np.float64], parts: list[dict[str, float | int]],
    id_column: str,
) -> pd.DataFrame:
    """Rank 1 for the highest score; ties go to the lower id, so ranks are unique and stable."""
    order = np.lexsort((ids, -score))
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(1, len(ids) + 1)
    return pd.DataFrame(
        {id_column: ids, "priority_score": score, "priority_rank": rank, "priority_parts": parts}
    )
