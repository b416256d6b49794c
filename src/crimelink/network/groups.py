"""Organised crime groups: offenders who act together, found in the co-offending network.

First version: connected components. Two identified offenders are linked when they appear
in the same incident (co-offending) or in incidents that mention the same vehicle. A
component of at least ``min_members`` offenders is a group. The Leiden issue replaces the
components with communities (Traag et al. 2019) on a weighted graph; the inputs and the
output frame stay as they are.

Two guards keep components from swallowing the country:

* a vehicle seen with more than ``max_vehicle_offenders`` distinct identified offenders (a
  taxi, a misread plate, a shared family car) builds no edges at all (see ``hub_vehicles``);
* only identified offenders (a name or a PNC id) are nodes. A described-only offender is a
  singleton seen once: it cannot join anything beyond its own incident, and nobody can act
  on "unnamed male, 25-35" as a group member, so it is left out of groups altogether.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import igraph as ig
import numpy as np
import numpy.typing as npt
import pandas as pd

from crimelink.domain.forces import police_force
from crimelink.errors import InvalidValue

__all__ = [
    "GroupDetection",
    "GroupSettings",
    "connected_components",
    "detect_groups",
    "hub_vehicles",
    "star_edges",
]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class GroupSettings:
    """How groups are found; stored with each analysis run."""

    method: str = "connected components of co-offending and shared vehicles"
    min_members: int = 3
    max_vehicle_offenders: int = 8


@dataclass(frozen=True)
class GroupDetection:
    """``members``: group_id, offender_id, strength. ``groups``: group_id, label."""

    members: pd.DataFrame
    groups: pd.DataFrame


def connected_components(vertices: int, edges: IntArray) -> IntArray:
    """Component number of each vertex 0..vertices-1, given an (n, 2) array of edges.

    Shared by every stage that turns pairwise links into clusters (persons, groups, series),
    so that they all cluster the same way and a faster method changes them all at once.
    """
    if vertices == 0:
        return np.zeros(0, dtype=np.int64)
    graph = ig.Graph(n=vertices, edges=edges.reshape(-1, 2).tolist())
    return np.asarray(graph.connected_components().membership, dtype=np.int64)


def star_edges(frame: pd.DataFrame, by: str | list[str], node: str) -> IntArray:
    """Edges joining every ``node`` in each ``by`` group to the group's first node.

    A star has the same components as the full clique at a fraction of the edges, which is
    all connected components need (a weighted method would want the clique).
    """
    if frame.empty:
        return np.zeros((0, 2), dtype=np.int64)
    first = frame.groupby(by, sort=False)[node].transform("first")
    keep = (first != frame[node]).to_numpy()
    return np.column_stack(
        [frame[node].to_numpy()[keep], first.to_numpy()[keep]]
    ).astype(np.int64)


def hub_vehicles(
    *, offenders: pd.DataFrame, appearances: pd.DataFrame, sightings: pd.DataFrame,
    max_offenders: int,
) -> set[int]:
    """Vehicles seen with more than ``max_offenders`` distinct identified offenders.

    Such a vehicle says little about who works with whom, and linking through it would merge
    unrelated people (the hub problem of every link chart). Counting only identified
    offenders keeps a gang's own car, reported mostly with descriptions, from looking busy.
    """
    pairs = _vehicle_offenders(offenders, appearances, sightings)
    counts = pairs.groupby("vehicle_id")["offender_id"].nunique()
    return {int(v) for v in counts.index[counts > max_offenders]}


def detect_groups(
    *, offenders: pd.DataFrame, appearances: pd.DataFrame, sightings: pd.DataFrame,
    ignore_vehicles: Collection[int] = (), settings: GroupSettings | None = None,
) -> GroupDetection:
    """Groups of identified offenders linked by co-offending or a shared vehicle.

    Args:
        offenders: offender_id, named (bool).
        appearances: offender_id, incident_id, police_force — one row per offender and incident.
        sightings: vehicle_id, incident_id — one row per vehicle and incident.
        ignore_vehicles: hubs that build no edges (``hub_vehicles``).

    Group ids run from 1 in order of each group's lowest offender id, so that they are the
    same from one run to the next while the data only grows.
    """
    settings = settings or GroupSettings()
    named = offenders.loc[offenders["named"].astype(bool), "offender_id"].sort_values().to_numpy()
    node_of = pd.Series(np.arange(len(named), dtype=np.int64), index=named)
    seen = appearances[appearances["offender_id"].isin(named)][["offender_id", "incident_id"]]
    seen = seen.drop_duplicates().assign(node=lambda f: f["offender_id"].map(node_of))
    co_offending = star_edges(seen, "incident_id", "node")
    shared = _vehicle_offenders(offenders, appearances, sightings)
    shared = shared[~shared["vehicle_id"].isin(list(ignore_vehicles))]
    shared = shared.assign(node=shared["offender_id"].map(node_of))
    by_vehicle = star_edges(shared, "vehicle_id", "node")
    membership = connected_components(len(named), np.concatenate([co_offending, by_vehicle]))
    nodes = pd.DataFrame({"offender_id": named, "component": membership})
    sizes = nodes.groupby("component")["offender_id"].transform("size")
    nodes = nodes[sizes >= settings.min_members]
    order = nodes.groupby("component")["offender_id"].min().sort_values()
    group_of = pd.Series(np.arange(1, len(order) + 1, dtype=np.int64), index=order.index)
    members = pd.DataFrame(
        {"group_id": nodes["component"].map(group_of).to_numpy(),
         "offender_id": nodes["offender_id"].to_numpy(), "strength": 1.0}
    ).sort_values(["group_id", "offender_id"], ignore_index=True)
    return GroupDetection(members=members, groups=_labels(members, appearances))


def _vehicle_offenders(
    offenders: pd.DataFrame, appearances: pd.DataFrame, sightings: pd.DataFrame
) -> pd.DataFrame:
    """Distinct (vehicle, identified offender) pairs: the offender was in an incident with it."""
    named = offenders.loc[offenders["named"].astype(bool), "offender_id"]
    people = appearances[appearances["offender_id"].isin(named)][["offender_id", "incident_id"]]
    pairs = sightings[["vehicle_id", "incident_id"]].merge(people, on="incident_id")
    return pairs[["vehicle_id", "offender_id"]].drop_duplicates()


def _labels(members: pd.DataFrame, appearances: pd.DataFrame) -> pd.DataFrame:
    """'Group 12 — 5 members, West Midlands/Staffordshire': its size and its busiest forces."""
    if members.empty:
        return pd.DataFrame({"group_id": pd.Series(dtype=np.int64), "label": pd.Series(dtype=str)})
    seen = members[["group_id", "offender_id"]].merge(appearances, on="offender_id")
    seen = seen[["group_id", "incident_id", "police_force"]]
    seen = seen.drop_duplicates(["group_id", "incident_id"]).dropna(subset=["police_force"])
    busiest = seen.groupby(["group_id", "police_force"]).size().reset_index(name="n")
    busiest = busiest.sort_values(
        ["group_id", "n", "police_force"], ascending=[True, False, True]
    )
    top = busiest.groupby("group_id")["police_force"].agg(lambda forces: "/".join(
        _force_name(f) for f in list(forces)[:2]))
    sizes = members.groupby("group_id").size()
    labels = [
        f"Group {gid} — {int(sizes[gid])} members" + (f", {top[gid]}" if gid in top.index else "")
        for gid in sizes.index
    ]
    return pd.DataFrame({"group_id": sizes.index.to_numpy(), "label": labels})


def _force_name(force_id: str) -> str:
    """A force as analysts say it: 'West Midlands', not 'West Midlands Police'."""
    try:
        force = police_force(force_id)
    except InvalidValue:
        return force_id
    if not force.territorial:
        return force.name
    for suffix in (" Police Service", " Constabulary", " Police"):
        if force.name.endswith(suffix):
            return force.name.removesuffix(suffix)
    return force.name
