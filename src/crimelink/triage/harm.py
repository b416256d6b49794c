"""Harm, RFG and MoRiLE: how much harm an incident did, and which people and groups to work first.

Three transparent measures, each a ``Score`` whose ``parts`` show every number it was built from:

- **Harm of an incident**, in the manner of the Cambridge Crime Harm Index (Sherman, Neyroud &
  Neyroud 2016): days of custody at the sentencing starting point for the offence type, plus
  days for threats, assault, injury and a weapon, plus the value taken as days of minimum-wage
  work. ``harm = offence + threats + assault + injury + weapon + value_gbp / gbp_per_day``.
- **RFG of an offender** (recency, frequency, gravity), over a lookback window:
  ``recency × frequency_weight × (incidents + gravity_weight × min(incidents, harm days / gravity_unit_days))``,
  recency falling from 1 towards ``recency_floor``, halving the distance every ``recency_half_life_days``
  since the last incident. How often someone offends leads; harm can at most double it (a year in
  custody's worth of harm days is one more incident's worth, never more than one per incident).
  An evaluation on unseen scenarios found raw harm days letting single armed robberies fill
  half of the top 50, and any recency decay burying prolific offenders who had gone quiet, so
  decay is off by default (the lookback window is what makes the score "now").
- **MoRiLE** for a group (or any set of incidents): harm level × likelihood level (each 1-5,
  from thresholds) × the partnership's position (capability: share of people named; capacity:
  whether an open operation already works it). Confidence is reported beside it, not multiplied.

The weights are configuration (``harm_weights.toml`` beside this module, with its sources);
``load_weights(path)`` reads another file, and ``default_weights()`` the file named by
``CRIMELINK_HARM_WEIGHTS_FILE`` when it is set. Times are the store's naive UTC; ``as_of`` is the
moment recency is measured from (the newest incident, so that old data ranks as it did then).
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from crimelink.domain.offences import OffenceType
from crimelink.errors import InvalidValue

__all__ = [
    "DEFAULT_WEIGHTS_PATH",
    "ForceHarm",
    "HarmWeights",
    "IncidentFacts",
    "Score",
    "default_weights",
    "group_morile",
    "harm_by_force",
    "incident_harm",
    "incident_harm_days",
    "load_weights",
    "morile",
    "offender_rfg",
]

DEFAULT_WEIGHTS_PATH = Path(__file__).with_name("harm_weights.toml")
_DAY = 86400.0


@dataclass(frozen=True)
class HarmWeights:
    """Every weight of the three measures (see ``harm_weights.toml`` for what each means)."""

    offence_days: Mapping[str, float]
    threats_days: float
    assault_days: float
    injury_days: float
    weapon_days: Mapping[str, float]
    gbp_per_day: float
    recency_half_life_days: float
    recency_floor: float
    lookback_days: float
    gravity_unit_days: float
    frequency_weight: float
    gravity_weight: float
    harm_thresholds: tuple[float, ...]
    likelihood_thresholds: tuple[float, ...]
    likelihood_window_days: float
    capability_floor: float
    under_operation: float
    source: Mapping[str, str] = field(default_factory=dict)

    def offence(self, offence: str) -> float:
        return self.offence_days.get(offence, self.offence_days.get(OffenceType.OTHER.value, 1.0))


@dataclass(frozen=True, slots=True)
class Score:
    """A score and the parts it was computed from (plain JSON values, for storing and showing)."""

    value: float
    parts: dict[str, Any]


@dataclass(frozen=True, slots=True)
class IncidentFacts:
    """What the measures need to know about one incident."""

    incident_id: int
    occurred_at: datetime
    offence: str
    value_gbp: float = 0.0
    police_force: str | None = None
    threats: bool | None = None
    assault: bool | None = None
    injury: bool | None = None
    weapon: str | None = None


@dataclass(frozen=True, slots=True)
class ForceHarm:
    """Where harm falls: one force area's share of a set of incidents."""

    force: str
    incidents: int
    value_gbp: float
    violent: int
    harm_days: float


def _number(table: Mapping[str, Any], key: str, where: str) -> float:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0 or math.isnan(value):
        raise InvalidValue(f"{where}.{key}", value, "must be a number of at least 0")
    return float(value)


def _table(doc: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    table = doc.get(name)
    if not isinstance(table, dict):
        raise InvalidValue(name, table, "missing table in the harm weights file")
    return table


def _thresholds(table: Mapping[str, Any], key: str) -> tuple[float, ...]:
    raw = table.get(key)
    if not isinstance(raw, list) or len(raw) != 4:
        raise InvalidValue(f"morile.{key}", raw, "must be a list of four rising numbers (levels 2 to 5)")
    values = tuple(_number({key: v}, key, "morile") for v in raw)
    if list(values) != sorted(values):
        raise InvalidValue(f"morile.{key}", raw, "thresholds must rise")
    return values


def load_weights(path: Path | None = None) -> HarmWeights:
    """Read harm weights from a TOML file (default: the shipped ``harm_weights.toml``).

    Raises:
        InvalidValue: a table or weight is missing, negative, or names an unknown offence.
    """
    doc = tomllib.loads((path or DEFAULT_WEIGHTS_PATH).read_text(encoding="utf-8"))
    offences = _table(doc, "offence_days")
    known = {o.value for o in OffenceType}
    unknown = set(offences) - known
    if unknown:
        raise InvalidValue("offence_days", sorted(unknown), f"not offence types ({', '.join(sorted(known))})")
    uplift, weapons, value = _table(doc, "uplift_days"), _table(doc, "weapon_days"), _table(doc, "value")
    rfg, matrix = _table(doc, "rfg"), _table(doc, "morile")
    gbp_per_day = _number(value, "gbp_per_day", "value")
    if gbp_per_day == 0:
        raise InvalidValue("value.gbp_per_day", gbp_per_day, "must be more than 0")
    return HarmWeights(
        offence_days={k: _number(offences, k, "offence_days") for k in offences},
        threats_days=_number(uplift, "threats", "uplift_days"),
        assault_days=_number(uplift, "assault", "uplift_days"),
        injury_days=_number(uplift, "injury", "uplift_days"),
        weapon_days={k: _number(weapons, k, "weapon_days") for k in weapons},
        gbp_per_day=gbp_per_day,
        recency_half_life_days=_number(rfg, "recency_half_life_days", "rfg") or 1.0,
        recency_floor=min(_number(rfg, "recency_floor", "rfg"), 1.0) if "recency_floor" in rfg else 0.0,
        lookback_days=_number(rfg, "lookback_days", "rfg"),
        gravity_unit_days=_number(rfg, "gravity_unit_days", "rfg") or 365.0 if "gravity_unit_days" in rfg else 365.0,
        frequency_weight=_number(rfg, "frequency_weight", "rfg"),
        gravity_weight=_number(rfg, "gravity_weight", "rfg"),
        harm_thresholds=_thresholds(matrix, "harm_thresholds"),
        likelihood_thresholds=_thresholds(matrix, "likelihood_thresholds"),
        likelihood_window_days=_number(matrix, "likelihood_window_days", "morile"),
        capability_floor=min(1.0, _number(matrix, "capability_floor", "morile")),
        under_operation=_number(matrix, "under_operation", "morile"),
        source={k: str(v) for k, v in doc.get("source", {}).items()},
    )


@cache
def default_weights() -> HarmWeights:
    """The weights in force: ``$CRIMELINK_HARM_WEIGHTS_FILE`` if set, else the shipped file (read once)."""
    configured = os.environ.get("CRIMELINK_HARM_WEIGHTS_FILE")
    return load_weights(Path(configured) if configured else None)


def _weapon(weights: HarmWeights, weapon: str | None) -> float:
    if not weapon or weapon == "none":
        return 0.0
    return weights.weapon_days.get(weapon, weights.weapon_days.get("other", 0.0))


def incident_harm(incident: IncidentFacts, *, weights: HarmWeights | None = None) -> Score:
    """The harm of one incident in days (CCHI manner), with each part."""
    w = weights or default_weights()
    parts: dict[str, Any] = {
        "offence": incident.offence,
        "offence_days": w.offence(incident.offence),
        "threats_days": w.threats_days if incident.threats else 0.0,
        "assault_days": w.assault_days if incident.assault else 0.0,
        "injury_days": w.injury_days if incident.injury else 0.0,
        "weapon_days": _weapon(w, incident.weapon),
    }
    value_days = max(incident.value_gbp, 0.0) / w.gbp_per_day
    total = sum(v for k, v in parts.items() if k.endswith("_days")) + value_days
    parts["value_days"] = round(value_days, 3)
    return Score(round(total, 3), parts)


def violent(incident: IncidentFacts) -> bool:
    """Violence or its threat: a violent offence type, threats, assault, injury or a weapon."""
    offence_violent = incident.offence in {o.value for o in OffenceType if o.violent}
    armed = bool(incident.weapon) and incident.weapon != "none"
    return offence_violent or bool(incident.threats or incident.assault or incident.injury) or armed


def _days(later: datetime, earlier: datetime) -> float:
    return max((later - earlier).total_seconds() / _DAY, 0.0)


def _within(incidents: Iterable[IncidentFacts], as_of: datetime, days: float) -> list[IncidentFacts]:
    return [i for i in incidents if _days(as_of, i.occurred_at) <= days and i.occurred_at <= as_of]


def offender_rfg(incidents: Sequence[IncidentFacts], *, as_of: datetime, weights: HarmWeights | None = None) -> Score:
    """Recency, frequency and gravity of one offender's incidents up to ``as_of``."""
    w = weights or default_weights()
    window = _within(incidents, as_of, w.lookback_days)
    last = max((i.occurred_at for i in incidents if i.occurred_at <= as_of), default=None)
    days_since = _days(as_of, last) if last else None
    recency = (w.recency_floor + (1.0 - w.recency_floor) * 0.5 ** (days_since / w.recency_half_life_days)
               if days_since is not None else 0.0)
    gravity = sum(incident_harm(i, weights=w).value for i in window)
    from_gravity = recency * w.frequency_weight * w.gravity_weight * min(len(window), gravity / w.gravity_unit_days)
    from_frequency = recency * w.frequency_weight * len(window)
    return Score(
        round(from_gravity + from_frequency, 3),
        {
            "lookback_days": w.lookback_days,
            "days_since_last": None if days_since is None else round(days_since, 1),
            "recency": round(recency, 4),
            "frequency": len(window),
            "frequency_weight": w.frequency_weight,
            "gravity_days": round(gravity, 3),
            "gravity_weight": w.gravity_weight,
            "gravity_unit_days": w.gravity_unit_days,
            "score_from_gravity": round(from_gravity, 3),
            "score_from_frequency": round(from_frequency, 3),
        },
    )


def _level(value: float, thresholds: Sequence[float]) -> int:
    return 1 + sum(value >= t for t in thresholds)


def morile(
    incidents: Sequence[IncidentFacts],
    *,
    as_of: datetime,
    named_share: float,
    under_operation: bool,
    confidence: float | None = None,
    weights: HarmWeights | None = None,
) -> Score:
    """MoRiLE-style score of a set of incidents (a group's, a referral's) as of ``as_of``.

    Args:
        named_share: share (0-1) of the people involved who are named (capability to act).
        under_operation: whether an open operation already works this subject (capacity).
        confidence: share (0-1) of the evidence that is graded or corroborated, shown not multiplied.
    """
    w = weights or default_weights()
    window = _within(incidents, as_of, w.lookback_days)
    harm_days = sum(incident_harm(i, weights=w).value for i in window)
    recent = len(_within(incidents, as_of, w.likelihood_window_days))
    harm_level = _level(harm_days, w.harm_thresholds)
    likelihood = _level(recent, w.likelihood_thresholds)
    share = min(max(named_share, 0.0), 1.0)
    capability = w.capability_floor + (1.0 - w.capability_floor) * share
    capacity = w.under_operation if under_operation else 1.0
    score = harm_level * likelihood * capability * capacity
    return Score(
        round(score, 3),
        {
            "harm_days": round(harm_days, 3),
            "harm_level": harm_level,
            "incidents": len(window),
            "recent_incidents": recent,
            "likelihood_window_days": w.likelihood_window_days,
            "likelihood_level": likelihood,
            "risk": harm_level * likelihood,
            "named_share": round(share, 3),
            "capability": round(capability, 3),
            "under_operation": under_operation,
            "capacity": capacity,
            "confidence": None if confidence is None else round(confidence, 3),
        },
    )


def group_morile(
    incidents: Sequence[IncidentFacts],
    *,
    as_of: datetime,
    members: int,
    named_members: int,
    under_operation: bool,
    confidence: float | None = None,
    weights: HarmWeights | None = None,
) -> Score:
    """MoRiLE score of an organised group: its members' incidents, capability from who is named."""
    score = morile(
        incidents,
        as_of=as_of,
        named_share=named_members / members if members else 0.0,
        under_operation=under_operation,
        confidence=confidence,
        weights=weights,
    )
    return Score(score.value, {"members": members, "named_members": named_members, **score.parts})


def harm_by_force(incidents: Iterable[IncidentFacts], *, weights: HarmWeights | None = None) -> list[ForceHarm]:
    """Where the harm of these incidents falls, most harm first (ties: more incidents, more value, id)."""
    w = weights or default_weights()
    totals: dict[str, list[float]] = {}
    for incident in incidents:
        if not incident.police_force:
            continue
        row = totals.setdefault(incident.police_force, [0, 0.0, 0, 0.0])
        row[0] += 1
        row[1] += incident.value_gbp
        row[2] += violent(incident)
        row[3] += incident_harm(incident, weights=w).value
    shares = [ForceHarm(f, int(n), round(v, 2), int(k), round(h, 3)) for f, (n, v, k, h) in totals.items()]
    return sorted(shares, key=lambda s: (-s.harm_days, -s.incidents, -s.value_gbp, s.force))


def incident_harm_days(frame: pd.DataFrame, *, weights: HarmWeights | None = None) -> pd.Series:
    """Harm days of many incidents at once (same arithmetic as ``incident_harm``).

    Args:
        frame: offence, value_gbp, and optionally threats, assault, injury (booleans) and weapon.
    """
    w = weights or default_weights()
    default = w.offence(OffenceType.OTHER.value)
    harm = frame["offence"].map(dict(w.offence_days)).astype(float).fillna(default)
    for column, days in (("threats", w.threats_days), ("assault", w.assault_days), ("injury", w.injury_days)):
        if column in frame:
            harm += frame[column].eq(True).astype(float) * days
    if "weapon" in frame:
        weapon = frame["weapon"]
        armed = weapon.notna() & weapon.ne("none") & weapon.ne("")
        days = weapon.map(dict(w.weapon_days)).astype(float).fillna(w.weapon_days.get("other", 0.0))
        harm += days.where(armed, 0.0)
    harm += frame["value_gbp"].astype(float).fillna(0.0).clip(lower=0.0) / w.gbp_per_day
    return harm.round(3)
