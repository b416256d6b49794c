"""Priorities for the whole store at once: RFG for every offender, MoRiLE for every group.

The analysis pipeline scores hundreds of thousands of offenders per run, so this module does the
same arithmetic as ``crimelink.triage.harm.offender_rfg`` and ``group_morile`` (one subject at a
time, used by casework) on whole frames with numpy. Tests hold the two to the same numbers, so an
offender's stored score and the score a referral shows for them agree.

- Offender: ``recency × frequency_weight × (incidents + gravity_weight × min(incidents, harm days /
  gravity_unit_days))`` over the
  lookback; the parts ``score_from_gravity`` and ``score_from_frequency`` add up to the score.
- Group: MoRiLE ``harm level × likelihood level × capability × capacity`` over its members'
  distinct incidents; capability from the share of members named, capacity halved when an open
  operation already works the group.

Recency is measured from ``as_of`` (the newest incident in the store, not the clock). Rank 1 is
the highest score; ties go to the more harmful subject, then to the lower id, so ranks are unique
and stable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from crimelink.triage.harm import HarmWeights, default_weights

__all__ = ["PrioritySettings", "prioritise_groups", "prioritise_offenders"]

_DAY_NS = 86400 * 10**9
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True)
class PrioritySettings:
    """How the scores are made, stored with each analysis run (the weights in force included)."""

    method: str = (
        "offenders: RFG = recency x frequency weight x (incidents + gravity x min(incidents, CCHI harm days / unit)) "
        "over the lookback; "
        "groups: MoRiLE = harm level x likelihood level x capability x capacity"
    )
    weights: HarmWeights = field(default_factory=default_weights)


@dataclass(frozen=True)
class _Window:
    """Per subject: incidents and harm in the lookback, recent incidents, days since the last."""

    frequency: Floats
    harm_days: Floats
    recent: Floats
    days_since: Floats  # NaN: nothing up to as_of


def _window(
    codes: npt.NDArray[np.int64], size: int, incidents: pd.DataFrame, as_of: datetime | None, w: HarmWeights
) -> _Window:
    """Sum each subject's incidents (``codes`` numbers the subject of each row of ``incidents``)."""
    if as_of is None or not len(incidents):
        zeros = np.zeros(size)
        return _Window(zeros, zeros, zeros, np.full(size, np.nan))
    when = pd.to_datetime(incidents["occurred_at"]).to_numpy(dtype="datetime64[ns]").astype(np.int64)
    age = (pd.Timestamp(as_of).value - when) / _DAY_NS  # negative: after as_of
    seen = age >= 0
    in_lookback = seen & (age <= w.lookback_days)
    recent = seen & (age <= w.likelihood_window_days)
    harm = incidents["harm_days"].to_numpy(dtype=float)
    youngest = np.full(size, np.inf)
    np.minimum.at(youngest, codes[seen], age[seen])
    return _Window(
        frequency=_sums(codes, in_lookback.astype(float), size),
        harm_days=_sums(codes, np.where(in_lookback, harm, 0.0), size),
        recent=_sums(codes, recent.astype(float), size),
        days_since=np.where(np.isinf(youngest), np.nan, youngest),
    )


def _sums(codes: npt.NDArray[np.int64], values: Floats, size: int) -> Floats:
    return np.bincount(codes, weights=values, minlength=size).astype(np.float64)


def _codes(keys: pd.Series, ids: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """Position of each key among ``ids``."""
    return np.asarray(pd.Index(ids).get_indexer(keys), dtype=np.int64)


def prioritise_offenders(
    *,
    offender_ids: npt.NDArray[Any] | pd.Series,
    appearances: pd.DataFrame,
    incidents: pd.DataFrame,
    as_of: datetime | None,
    settings: PrioritySettings | None = None,
) -> pd.DataFrame:
    """RFG of every offender, with its parts.

    Args:
        offender_ids: every offender to score (one with no incidents scores 0).
        appearances: offender_id, incident_id (each pair once).
        incidents: incident_id, occurred_at, harm_days.
        as_of: the moment recency is measured from (the newest incident); None when empty.

    Returns:
        offender_id, priority_score, priority_rank, priority_parts (a dict per offender).
    """
    w = (settings or PrioritySettings()).weights
    ids = np.asarray(offender_ids)
    seen = appearances[["offender_id", "incident_id"]].merge(
        incidents[["incident_id", "occurred_at", "harm_days"]], on="incident_id"
    )
    window = _window(_codes(seen["offender_id"], ids), len(ids), seen, as_of, w)
    known = ~np.isnan(window.days_since)
    recency = np.where(known, w.recency_floor + (1.0 - w.recency_floor)
                       * np.power(0.5, np.nan_to_num(window.days_since) / w.recency_half_life_days), 0.0)
    severity = np.minimum(window.frequency, window.harm_days / w.gravity_unit_days)
    gravity = recency * w.frequency_weight * w.gravity_weight * severity
    frequency = recency * w.frequency_weight * window.frequency
    score = np.round(gravity + frequency, 3)
    parts = [
        {
            "lookback_days": w.lookback_days,
            "days_since_last": round(float(d), 1) if k else None,
            "recency": round(float(r), 4),
            "frequency": int(n),
            "frequency_weight": w.frequency_weight,
            "gravity_days": round(float(h), 3),
            "gravity_weight": w.gravity_weight,
            "gravity_unit_days": w.gravity_unit_days,
            "score_from_gravity": round(float(g), 3),
            "score_from_frequency": round(float(f), 3),
        }
        for d, k, r, n, h, g, f in zip(
            window.days_since, known, recency, window.frequency, window.harm_days, gravity, frequency, strict=True,
        )
    ]
    return _ranked(ids, score, window.harm_days, parts, "offender_id")


def _level(values: Floats, thresholds: tuple[float, ...]) -> npt.NDArray[np.int64]:
    """1 + the number of thresholds each value reaches (as ``harm._level``)."""
    reached = values[:, None] >= np.asarray(thresholds, dtype=float)[None, :]
    return np.asarray(1 + reached.sum(axis=1), dtype=np.int64)


def prioritise_groups(
    *,
    members: pd.DataFrame,
    appearances: pd.DataFrame,
    incidents: pd.DataFrame,
    named: pd.Series,
    under_operation: pd.Series,
    as_of: datetime | None,
    settings: PrioritySettings | None = None,
) -> pd.DataFrame:
    """MoRiLE score of every group, with its parts.

    Args:
        members: group_id, offender_id.
        appearances: offender_id, incident_id.
        incidents: incident_id, occurred_at, harm_days.
        named: offender ids of the named offenders.
        under_operation: group ids an open operation works.
        as_of: the moment the windows end (the newest incident); None when empty.

    Returns:
        group_id, priority_score, priority_rank, priority_parts.
    """
    w = (settings or PrioritySettings()).weights
    ids = np.asarray(pd.unique(members["group_id"]))
    ids.sort()
    size = len(ids)
    member_codes = _codes(members["group_id"], ids)
    head = np.bincount(member_codes, minlength=size)
    is_named = members["offender_id"].isin(named).to_numpy()
    named_count = np.bincount(member_codes, weights=is_named.astype(float), minlength=size)
    seen = (
        members[["group_id", "offender_id"]]
        .merge(appearances[["offender_id", "incident_id"]], on="offender_id")[["group_id", "incident_id"]]
        .drop_duplicates()
        .merge(incidents[["incident_id", "occurred_at", "harm_days"]], on="incident_id")
    )
    window = _window(_codes(seen["group_id"], ids), size, seen, as_of, w)
    harm_days = np.round(window.harm_days, 3)
    harm_level = _level(harm_days, w.harm_thresholds)
    likelihood = _level(window.recent, w.likelihood_thresholds)
    share = np.where(head > 0, named_count / np.maximum(head, 1), 0.0)
    capability = w.capability_floor + (1.0 - w.capability_floor) * share
    worked = pd.Index(ids).isin(under_operation)
    capacity = np.where(worked, w.under_operation, 1.0)
    score = np.round(harm_level * likelihood * capability * capacity, 3)
    parts = [
        {
            "members": int(m), "named_members": int(k), "harm_days": float(h), "harm_level": int(hl),
            "incidents": int(n), "recent_incidents": int(r), "likelihood_window_days": w.likelihood_window_days,
            "likelihood_level": int(ll), "risk": int(hl * ll), "named_share": round(float(s), 3),
            "capability": round(float(c), 3), "under_operation": bool(u), "capacity": float(p), "confidence": None,
        }
        for m, k, h, hl, n, r, ll, s, c, u, p in zip(
            head, named_count, harm_days, harm_level, window.frequency, window.recent, likelihood, share,
            capability, worked, capacity, strict=True,
        )
    ]  # fmt: skip
    return _ranked(ids, score, harm_days, parts, "group_id")


def _ranked(
    ids: npt.NDArray[Any], score: Floats, harm: Floats, parts: list[dict[str, Any]], id_column: str
) -> pd.DataFrame:
    """Rank 1 for the highest score; ties to the more harmful, then the lower id (unique, stable)."""
    order = np.lexsort((ids, -harm, -score))
    rank = np.empty(len(ids), dtype=np.int64)
    rank[order] = np.arange(1, len(ids) + 1)
    return pd.DataFrame({id_column: ids, "priority_score": score, "priority_rank": rank, "priority_parts": parts})
