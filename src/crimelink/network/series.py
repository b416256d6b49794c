"""Crime series: incidents judged to be the work of the same offender or group.

First version: an offender (or a vehicle) with at least ``min_incidents`` incidents ties
those incidents together, and the connected components of incidents so tied are series. An
incident tied to nothing stands alone and gets no series. The series-model issue replaces
this with a pairwise model over place, time and modus operandi (behavioural case linkage,
Tonkin & Woodhams 2015); the inputs and the output frame stay as they are.

Vehicles that ``network.groups.hub_vehicles`` calls hubs tie nothing here either: a taxi seen
at twenty shops is not one series.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crimelink.network.groups import connected_components, star_edges

__all__ = ["SeriesSettings", "detect_series"]


@dataclass(frozen=True)
class SeriesSettings:
    """How series are found; stored with each analysis run."""

    method: str = "incidents sharing a prolific offender or vehicle, connected components"
    min_incidents: int = 3


def detect_series(
    *, incident_ids: pd.Series, appearances: pd.DataFrame, sightings: pd.DataFrame,
    ignore_vehicles: Collection[int] = (), settings: SeriesSettings | None = None,
) -> pd.DataFrame:
    """Series membership: a frame of incident_id, series_id for incidents in a series only.

    Args:
        incident_ids: every incident id considered.
        appearances: offender_id, incident_id — one row per offender and incident.
        sightings: vehicle_id, incident_id — one row per vehicle and incident.
        ignore_vehicles: vehicles that tie nothing (hubs).

    Series ids run from 1 in order of each series' earliest incident id.
    """
    settings = settings or SeriesSettings()
    ids = np.sort(pd.unique(incident_ids.to_numpy()))
    position = pd.Series(np.arange(len(ids), dtype=np.int64), index=ids)
    offenders = _prolific(appearances[["offender_id", "incident_id"]], "offender_id", settings)
    vehicles = sightings[~sightings["vehicle_id"].isin(list(ignore_vehicles))]
    vehicles = _prolific(vehicles[["vehicle_id", "incident_id"]], "vehicle_id", settings)
    edges = [
        star_edges(frame.assign(node=frame["incident_id"].map(position)), key, "node")
        for frame, key in ((offenders, "offender_id"), (vehicles, "vehicle_id"))
    ]
    membership = connected_components(len(ids), np.concatenate(edges))
    nodes = pd.DataFrame({"incident_id": ids, "component": membership})
    nodes = nodes[nodes.groupby("component")["incident_id"].transform("size") > 1]
    order = nodes.groupby("component")["incident_id"].min().sort_values()
    series_of = pd.Series(np.arange(1, len(order) + 1, dtype=np.int64), index=order.index)
    return pd.DataFrame(
        {"incident_id": nodes["incident_id"].to_numpy(),
         "series_id": nodes["component"].map(series_of).to_numpy(dtype=np.int64)}
    ).sort_values("incident_id", ignore_index=True)


def _prolific(pairs: pd.DataFrame, key: str, settings: SeriesSettings) -> pd.DataFrame:
    """The (key, incident) pairs of keys seen in at least ``min_incidents`` incidents."""
    pairs = pairs.drop_duplicates()
    counts = pairs.groupby(key)["incident_id"].transform("size")
    return pairs[counts >= settings.min_incidents]
