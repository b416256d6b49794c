"""Where things are: the police force area of a point, from the real force boundaries.

The boundaries (ONS, December 2023, generalised to 200 m, OGL v3) ship in ``data/`` with
their provenance. Because they are generalised and clipped to the coastline, a seafront
store can fall just outside every polygon: such points fall back to the nearest force
within ``NEAREST_FORCE_KM``.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.strtree import STRtree

ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right 2023."
)
NEAREST_FORCE_KM = 3.0
_KM_PER_DEGREE_LAT = 111.2


@dataclass(frozen=True)
class ForceArea:
    """A territorial force's area on the map."""

    force_id: str
    name: str
    geometry: Any  # shapely MultiPolygon
    label_point: tuple[float, float]  # (lat, lon)


def boundaries_geojson_text() -> str:
    """The boundary file as shipped, for the web map."""
    return (resources.files(__package__) / "data" / "police_force_areas_dec2023_ew_bsc.geojson").read_text()


@cache
def force_areas() -> tuple[ForceArea, ...]:
    """The 43 territorial force areas, loaded once."""
    doc = json.loads(boundaries_geojson_text())
    areas = []
    for feature in doc["features"]:
        props = feature["properties"]
        areas.append(
            ForceArea(
                force_id=props["force_id"],
                name=props["PFA23NM"],
                geometry=shape(feature["geometry"]),
                label_point=(props["LAT"], props["LONG"]),
            )
        )
    return tuple(areas)


@cache
def _index() -> tuple[STRtree, tuple[str, ...]]:
    areas = force_areas()
    return STRtree([a.geometry for a in areas]), tuple(a.force_id for a in areas)


def force_codes() -> dict[str, str]:
    """ONS PFA23CD code to data.police.uk force id, from the file shipped with the boundaries."""
    path = resources.files(__package__) / "data" / "pfa23_force_id.csv"
    with path.open() as fh:
        return {row["PFA23CD"]: row["force_id"] for row in csv.DictReader(fh)}


def forces_for_points(lats: Sequence[float], lons: Sequence[float]) -> list[str | None]:
    """The force area of each point (vectorised); ``None`` where no force is near enough."""
    if len(lats) == 0:
        return []
    tree, ids = _index()
    points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
    result: list[str | None] = [None] * len(points)
    point_idx, area_idx = tree.query(points, predicate="within")
    for p, a in zip(point_idx.tolist(), area_idx.tolist(), strict=True):
        if result[p] is None:
            result[p] = ids[a]
    missing = [i for i, r in enumerate(result) if r is None]
    if missing:
        # Seafront and dockside stores: the nearest force, if close. Degrees are scaled to km
        # at the point's latitude, good enough at a few kilometres.
        nearest_idx = tree.query_nearest(points[missing], max_distance=NEAREST_FORCE_KM / 60.0, return_distance=True)
        (pairs, distances) = nearest_idx
        for (m, a), dist_deg in zip(pairs.T.tolist(), distances.tolist(), strict=True):
            i = missing[m]
            if result[i] is not None:
                continue
            lat = lats[i]
            km = dist_deg * _KM_PER_DEGREE_LAT * max(math.cos(math.radians(lat)), 0.5)
            if km <= NEAREST_FORCE_KM:
                result[i] = ids[a]
    return result


def force_for_point(lat: float, lon: float) -> str | None:
    """The force area that holds this point, or ``None`` (at sea, or outside England and Wales)."""
    return forces_for_points([lat], [lon])[0]
