"""Incident features for linking incidents: where, when, how (MO), what (items), who (descriptions).

The pairwise series model (``network.linkage``) compares two incidents on these features, as
behavioural case linkage does (Tonkin & Woodhams 2015: distance, days apart and MO
similarity). Everything is a numpy array indexed by incident *position* (incidents sorted by
time), so that a million incidents cost a few hundred megabytes, not a million objects.

Sets (MO tags, item categories, genders, builds) are bit masks in an ``uint64``: the Jaccard
similarity of two sets is then ``popcount(a & b) / popcount(a | b)``. A vocabulary larger than
64 words folds the rarest words onto shared bits (a small loss of precision, never an error).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "INCIDENT_COLUMNS",
    "IncidentFeatures",
    "as_tag_list",
    "incident_features",
    "jaccard",
    "set_masks",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
MaskArray = npt.NDArray[np.uint64]

INCIDENT_COLUMNS = (
    "incident_id", "occurred_at", "police_force", "lat", "lon", "offence", "mo_tags",
)  # fmt: skip
KM_PER_DEGREE = 111.2
REFERENCE_LATITUDE = 52.5  # middle of England and Wales: the projection's scale is right there
_GENDERS = {"male": 1, "female": 2}
_BUILDS = {"slim": 1, "medium": 2, "heavy": 4, "muscular": 8}


@dataclass(frozen=True)
class IncidentFeatures:
    """One entry per incident position; ``incident_id[k]`` is the incident at position ``k``."""

    incident_id: IntArray
    hours: FloatArray  # hours since 1970-01-01 00:00 UTC (the store keeps UTC)
    x_km: FloatArray  # projected east, km (NaN: no location)
    y_km: FloatArray  # projected north, km
    force: IntArray  # code into ``forces`` (-1: unknown)
    forces: tuple[str, ...]
    offence: IntArray
    mo: MaskArray
    items: MaskArray
    people: IntArray  # persons mentioned
    genders: MaskArray
    builds: MaskArray
    age_lo: FloatArray  # NaN: no age given
    age_hi: FloatArray

    def __len__(self) -> int:
        return int(self.incident_id.size)

    @property
    def located(self) -> npt.NDArray[np.bool_]:
        return ~np.isnan(self.x_km)

    def position_of(self, incident_ids: Iterable[int] | pd.Series) -> IntArray:
        """Positions of incident ids; -1 for an id not among the incidents."""
        ids = np.asarray(incident_ids if isinstance(incident_ids, pd.Series) else list(incident_ids), dtype=np.int64)
        return np.asarray(pd.Index(self.incident_id).get_indexer(ids), dtype=np.int64)


def as_tag_list(value: Any) -> list[str]:
    """MO tags as stored: a list (PostgreSQL JSON), JSON text (SQLite) or nothing."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str):
        if not value or value == "[]":
            return []
        parsed = json.loads(value)
        return [str(v) for v in parsed] if isinstance(parsed, list) else []
    return []


def set_masks(sets: Sequence[Sequence[str]] | pd.Series, vocabulary: Sequence[str] | None = None) -> MaskArray:
    """A bit mask per set of words; words beyond the 64 commonest share bits by rank."""
    series = pd.Series(list(sets), dtype=object) if not isinstance(sets, pd.Series) else sets
    exploded = series.explode().dropna()
    if exploded.empty:
        return np.zeros(len(series), dtype=np.uint64)
    if vocabulary is None:
        vocabulary = exploded.value_counts().index.tolist()
    bit = {word: np.uint64(1) << np.uint64(rank % 64) for rank, word in enumerate(vocabulary)}
    bits = exploded.map(bit).dropna().astype(np.uint64)
    masks = np.zeros(len(series), dtype=np.uint64)
    np.bitwise_or.at(masks, bits.index.to_numpy(dtype=np.int64), bits.to_numpy(dtype=np.uint64))
    return masks


def jaccard(a: MaskArray, b: MaskArray) -> FloatArray:
    """Jaccard similarity of bit-mask sets, 0 where both are empty."""
    union = np.bitwise_count(a | b).astype(np.float64)
    inter = np.bitwise_count(a & b).astype(np.float64)
    out: FloatArray = np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)
    return out


def incident_features(
    incidents: pd.DataFrame, *, items: pd.DataFrame | None = None, mentions: pd.DataFrame | None = None,
) -> IncidentFeatures:
    """Features of every incident, positions in order of time (then id).

    Args:
        incidents: ``INCIDENT_COLUMNS`` (lat/lon may be missing; mo_tags a list or JSON text).
        items: incident_id, category — one row per item line (optional).
        mentions: incident_id, gender, age_min, age_max, build — one row per person (optional).
    """
    frame = incidents.sort_values(["occurred_at", "incident_id"], ignore_index=True)
    n = len(frame)
    when = pd.to_datetime(frame["occurred_at"]).to_numpy(dtype="datetime64[s]").astype(np.int64)
    hours = when / 3600.0
    lat = pd.to_numeric(frame.get("lat"), errors="coerce").to_numpy(dtype=float) if n else np.zeros(0)
    lon = pd.to_numeric(frame.get("lon"), errors="coerce").to_numpy(dtype=float) if n else np.zeros(0)
    scale = np.cos(np.radians(REFERENCE_LATITUDE))
    force_codes, forces = pd.factorize(frame["police_force"], sort=True)
    offence_codes, _ = pd.factorize(frame["offence"], sort=True)
    mo = set_masks(frame["mo_tags"].map(as_tag_list))
    position = pd.Series(np.arange(n, dtype=np.int64), index=frame["incident_id"].to_numpy())
    item_masks = np.zeros(n, dtype=np.uint64)
    if items is not None and not items.empty:
        lines = items[["incident_id", "category"]].dropna()
        where = position.reindex(lines["incident_id"].to_numpy()).to_numpy()
        inside = ~np.isnan(where)
        rank = {c: np.uint64(1) << np.uint64(k % 64)
                for k, c in enumerate(lines["category"].value_counts().index)}
        bits = lines["category"].map(rank).to_numpy(dtype=np.uint64)
        np.bitwise_or.at(item_masks, where[inside].astype(np.int64), bits[inside])
    people, genders, builds, age_lo, age_hi = _people(n, position, mentions)
    return IncidentFeatures(
        incident_id=frame["incident_id"].to_numpy(dtype=np.int64),
        hours=hours.astype(np.float64),
        x_km=(lon * KM_PER_DEGREE * scale).astype(np.float64),
        y_km=(lat * KM_PER_DEGREE).astype(np.float64),
        force=force_codes.astype(np.int64),
        forces=tuple(str(f) for f in forces),
        offence=offence_codes.astype(np.int64),
        mo=mo,
        items=item_masks,
        people=people,
        genders=genders,
        builds=builds,
        age_lo=age_lo,
        age_hi=age_hi,
    )


def _people(
    n: int, position: pd.Series, mentions: pd.DataFrame | None
) -> tuple[IntArray, MaskArray, MaskArray, FloatArray, FloatArray]:
    """Per incident: how many people, which genders and builds, the span of ages given."""
    people = np.zeros(n, dtype=np.int64)
    genders = np.zeros(n, dtype=np.uint64)
    builds = np.zeros(n, dtype=np.uint64)
    age_lo = np.full(n, np.nan)
    age_hi = np.full(n, np.nan)
    if mentions is None or mentions.empty:
        return people, genders, builds, age_lo, age_hi
    m = mentions[mentions["incident_id"].isin(position.index)]
    pos = position[m["incident_id"].to_numpy()].to_numpy()
    np.add.at(people, pos, 1)
    g = m["gender"].map(_GENDERS).fillna(0).to_numpy(dtype=np.uint64)
    np.bitwise_or.at(genders, pos, g)
    b = m["build"].map(_BUILDS).fillna(0).to_numpy(dtype=np.uint64)
    np.bitwise_or.at(builds, pos, b)
    lo = pd.to_numeric(m["age_min"], errors="coerce").to_numpy(dtype=float)
    hi = pd.to_numeric(m["age_max"], errors="coerce").to_numpy(dtype=float)
    known = ~np.isnan(lo) & ~np.isnan(hi)
    np.fmin.at(age_lo, pos[known], lo[known])
    np.fmax.at(age_hi, pos[known], hi[known])
    return people, genders, builds, age_lo, age_hi
