"""Organised crime groups: communities in the network of identified offenders.

The offender graph has one node per identified offender (a name or a PNC id: nobody can act
on "unnamed male, 25-35" as a group member) and three kinds of weighted edge:

* **co-offending** — the two were named in the same incident: ``co_offending_weight`` per
  incident;
* **shared vehicle** — both were seen with the same vehicle: ``vehicle_weight`` per vehicle,
  never through a *hub* (below);
* **spree** — their incidents were linked by the series model as one spree (within
  ``spree_days`` and at ``spree_probability`` or more): ``spree_weight`` per linked pair. Off
  by default: on a million-incident scenario two gangs with the same habits working the same
  towns on the same day were tied more often than one gang's members were joined (measured:
  group ARI 0.15 with weight 0.02, against 0.16 without; series F1 0.35 against 0.35).

Groups are the communities that Leiden (Traag, Waltman & van Eck 2019) finds with the
modularity (RB configuration) quality function, with a fixed seed so that a run is
repeatable. Modularity cannot resolve communities whose internal weight is below about
√(2W), W the graph's total weight (Fortunato & Barthélemy 2007): on a national graph it would
merge small gangs. So the resolution grows as √(W / ``resolution_weight``) once W passes
``resolution_weight`` (about a 200,000-incident scenario's graph), which keeps the smallest
resolvable group the same size however much data there is (γ ≈ 3 at a million incidents).
The constant Potts model (``quality="cpm"``) has no such limit and is the alternative. Unlike
Louvain, Leiden keeps every community connected. A community of at least ``min_members``
offenders is a group. A member's *strength* is the share of its edge weight that stays inside
its group (1.0: all its ties are to fellow members); a member with less than ``min_strength``
is left out. Vehicle edges are shared out by rides: two riders of a car are tied by
``vehicle_weight`` × (rides of one × rides of the other) / all the car's rides, so a gang's
regulars are tied strongly and someone seen in it once (a misread plate, a lift home) weakly,
however many others rode in it. Where most of a gang is masked, a community may hold only two
or three named members, too few for modularity on the whole graph to tell apart from the gang
one stray ride ties them to; each community is looked inside again and a loosely tied part
(conductance under ``max_conductance``) leaves it.

Hubs must not swallow the network. A vehicle seen with many people who otherwise have nothing
to do with each other (a taxi, a hire van, a misread plate) is a hub: it builds no edge. It
is measured by the co-offending components its offenders fall into: a hub touches more than
``hub_components`` of them, and nearly as many components as offenders (``hub_share``). A
gang's own car, seen with the same few people again and again, touches few. A store never
links anyone by itself; only a spree (close in time, alike in MO) does, and weakly, so a
busy store hit by everyone merges nobody.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import igraph as ig
import leidenalg
import numpy as np
import numpy.typing as npt
import pandas as pd

from crimelink.domain.forces import police_force
from crimelink.errors import InvalidValue

__all__ = [
    "GroupDetection",
    "GroupSettings",
    "IntArray",
    "connected_components",
    "detect_groups",
    "group_affinity",
    "hub_vehicles",
    "offender_graph",
    "star_edges",
]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class GroupSettings:
    """How groups are found; stored with each analysis run."""

    method: str = "Leiden communities (modularity) of co-offending, shared vehicles and sprees"
    min_members: int = 3
    min_strength: float = 0.5  # a member with most of its ties outside the community is left out
    co_offending_weight: float = 1.0
    vehicle_weight: float = 0.5
    spree_weight: float = 0.0  # off: at national scale, gangs with the same habits in the same towns got tied
    spree_days: float = 2.0
    spree_probability: float = 0.9
    quality: str = "modularity"  # or "cpm": the constant Potts model (no resolution limit)
    resolution: float = 1.0
    resolution_weight: float = 14_000.0  # beyond this total edge weight, the resolution grows (below)
    iterations: int = 2  # Leiden passes (leidenalg's default); more change little, cost much at scale
    seed: int = 42
    hub_components: int = 4
    hub_share: float = 0.75
    spree_share: float = 0.5  # a vehicle this much seen within a day of its own other sightings is a gang's car
    spree_hours: float = 24.0
    normalise_vehicles: bool = True
    max_vehicle_offenders: int = 400  # beyond this even a gang's car is not evidence of anything
    max_members: int = 24  # a community larger than this is looked inside again (``_split_large``)
    max_splits: int = 4
    max_conductance: float = 0.2  # a part of a community this loosely tied to the rest leaves it


@dataclass(frozen=True)
class GroupDetection:
    """``members``: group_id, offender_id, strength. ``groups``: group_id, label.

    ``edges``: source, target (offender ids, source < target), weight, co_offending,
    vehicles, sprees — the offender graph the groups were found in, for centrality and charts.
    """

    members: pd.DataFrame
    groups: pd.DataFrame
    edges: pd.DataFrame


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


def _clique_pairs(frame: pd.DataFrame, by: str, node: str) -> pd.DataFrame:
    """Every pair (a < b) of distinct ``node`` values sharing a ``by`` value, once per ``by``."""
    f = frame[[by, node]].drop_duplicates()
    pairs = f.merge(f, on=by, suffixes=("_a", "_b"))
    pairs = pairs[pairs[f"{node}_a"] < pairs[f"{node}_b"]]
    return pd.DataFrame({"source": pairs[f"{node}_a"].to_numpy(), "target": pairs[f"{node}_b"].to_numpy(),
                         by: pairs[by].to_numpy()})


def _named(offenders: pd.DataFrame, appearances: pd.DataFrame) -> pd.DataFrame:
    named = offenders.loc[offenders["named"].astype(bool), "offender_id"]
    seen = appearances[appearances["offender_id"].isin(named)][["offender_id", "incident_id"]]
    return seen.drop_duplicates()


def hub_vehicles(
    *, offenders: pd.DataFrame, appearances: pd.DataFrame, sightings: pd.DataFrame,
    settings: GroupSettings | None = None, max_offenders: int | None = None, incidents: pd.DataFrame | None = None,
) -> set[int]:
    """Vehicles seen with many identified offenders who otherwise never offend together.

    Where most of a gang is masked, its members are rarely named together, and its own car
    would look like a hub by that test alone. A gang's car works in sprees: when ``incidents``
    (incident_id, occurred_at) are given, a vehicle with at least ``spree_share`` of its
    sightings within ``spree_hours`` of another sighting of it is a gang's car, not a hub
    (unless it passes ``max_vehicle_offenders``). ``max_offenders`` (old interface) overrides
    ``settings.max_vehicle_offenders``.
    """
    settings = settings or GroupSettings()
    limit = settings.max_vehicle_offenders if max_offenders is None else max_offenders
    seen = _named(offenders, appearances)
    pairs = sightings[["vehicle_id", "incident_id"]].merge(seen, on="incident_id")
    pairs = pairs[["vehicle_id", "offender_id"]].drop_duplicates()
    if pairs.empty:
        return set()
    ids = np.sort(seen["offender_id"].unique())
    node_of = pd.Series(np.arange(ids.size, dtype=np.int64), index=ids)
    co = star_edges(seen.assign(node=seen["offender_id"].map(node_of)), "incident_id", "node")
    component = pd.Series(connected_components(ids.size, co), index=ids)
    stats = pairs.assign(component=pairs["offender_id"].map(component)).groupby("vehicle_id").agg(
        offenders=("offender_id", "nunique"), components=("component", "nunique"))
    scattered = (stats["components"] > settings.hub_components) & (
        stats["components"] >= settings.hub_share * stats["offenders"])
    if incidents is not None and scattered.any():
        scattered &= ~stats.index.isin(_spree_cars(sightings[sightings["vehicle_id"].isin(stats.index[scattered])],
                                                   incidents, settings))
    hub = (stats["offenders"] > limit) | scattered
    return {int(v) for v in stats.index[hub]}


def _spree_cars(sightings: pd.DataFrame, incidents: pd.DataFrame, settings: GroupSettings) -> set[int]:
    """Vehicles mostly seen within ``spree_hours`` of another of their own sightings."""
    seen = sightings[["vehicle_id", "incident_id"]].drop_duplicates().merge(
        incidents[["incident_id", "occurred_at"]], on="incident_id")
    if seen.empty:
        return set()
    hours = pd.to_datetime(seen["occurred_at"]).astype("int64") / 3.6e12
    seen = seen.assign(hours=hours.to_numpy()).sort_values(["vehicle_id", "hours"])
    gap_before = seen.groupby("vehicle_id")["hours"].diff()
    gap_after = -seen.groupby("vehicle_id")["hours"].diff(-1)
    near = (gap_before <= settings.spree_hours) | (gap_after <= settings.spree_hours)
    share = near.groupby(seen["vehicle_id"]).mean()
    return {int(v) for v in share.index[share >= settings.spree_share]}


def offender_graph(
    *, offenders: pd.DataFrame, appearances: pd.DataFrame, sightings: pd.DataFrame,
    links: pd.DataFrame | None = None, ignore_vehicles: Collection[int] = (),
    settings: GroupSettings | None = None,
) -> pd.DataFrame:
    """The weighted offender graph: source, target, weight, co_offending, vehicles, sprees."""
    settings = settings or GroupSettings()
    seen = _named(offenders, appearances)
    parts = []
    co = _clique_pairs(seen, "incident_id", "offender_id")
    parts.append(co.groupby(["source", "target"]).size().rename("co_offending"))
    shared = sightings[~sightings["vehicle_id"].isin(list(ignore_vehicles))][["vehicle_id", "incident_id"]]
    rides = shared.merge(seen, on="incident_id").groupby(["vehicle_id", "offender_id"]).size()
    by_vehicle = rides.index.to_frame(index=False)
    veh = _clique_pairs(by_vehicle, "vehicle_id", "offender_id")
    parts.append(veh.groupby(["source", "target"]).size().rename("vehicles"))
    # two riders are tied by how often each rode in the car, out of all its rides: its regulars
    # strongly, someone seen in it once (a misread plate, a lift) weakly
    ride_a = rides.reindex(pd.MultiIndex.from_arrays([veh["vehicle_id"], veh["source"]])).to_numpy(dtype=float)
    ride_b = rides.reindex(pd.MultiIndex.from_arrays([veh["vehicle_id"], veh["target"]])).to_numpy(dtype=float)
    veh["share"] = ride_a * ride_b / veh["vehicle_id"].map(rides.groupby(level=0).sum()).to_numpy(dtype=float)
    parts.append(veh.groupby(["source", "target"])["share"].sum().rename("vehicle_share"))
    if links is not None and not links.empty:
        strong = links[(links["probability"] >= settings.spree_probability) & (links["days"] <= settings.spree_days)]
        a = strong[["incident_a", "incident_b"]].merge(seen.rename(columns={"incident_id": "incident_a"}),
                                                      on="incident_a")
        ab = a.merge(seen.rename(columns={"incident_id": "incident_b", "offender_id": "other"}), on="incident_b")
        ab = ab[ab["offender_id"] != ab["other"]]
        spree = pd.DataFrame({"source": np.minimum(ab["offender_id"], ab["other"]).to_numpy(),
                              "target": np.maximum(ab["offender_id"], ab["other"]).to_numpy()})
        parts.append(spree.groupby(["source", "target"]).size().rename("sprees"))
    edges = pd.concat(parts, axis=1).fillna(0).reset_index()
    for column in ("co_offending", "vehicles", "sprees"):
        edges[column] = edges[column].astype(np.int64) if column in edges else 0
    shares = edges["vehicle_share"] if settings.normalise_vehicles else edges["vehicles"]
    edges["weight"] = (settings.co_offending_weight * edges["co_offending"]
                       + settings.vehicle_weight * shares
                       + settings.spree_weight * np.minimum(edges["sprees"], 4))
    edges = edges[edges["weight"] > 0]  # a tie of a kind weighted 0 (sprees, by default) is no tie
    return edges[["source", "target", "weight", "co_offending", "vehicles", "sprees"]].sort_values(
        ["source", "target"], ignore_index=True)


def leiden(
    nodes: npt.NDArray[np.int64], edges: pd.DataFrame, *, resolution: float, seed: int, iterations: int = 2,
    quality: str = "modularity",
) -> IntArray:
    """Leiden community of each node (ids ``nodes``) on the weighted ``edges`` (source, target, weight)."""
    if nodes.size == 0:
        return np.zeros(0, dtype=np.int64)
    index = pd.Index(nodes)
    graph = ig.Graph(n=nodes.size, edges=np.column_stack(
        [index.get_indexer(edges["source"]), index.get_indexer(edges["target"])]).tolist())
    graph.es["weight"] = edges["weight"].astype(float).tolist()
    kind = leidenalg.CPMVertexPartition if quality == "cpm" else leidenalg.RBConfigurationVertexPartition
    partition = leidenalg.find_partition(
        graph, kind, weights="weight",
        resolution_parameter=resolution, seed=seed, n_iterations=iterations,
    )
    return np.asarray(partition.membership, dtype=np.int64)


def detect_groups(
    *, offenders: pd.DataFrame, appearances: pd.DataFrame, sightings: pd.DataFrame,
    ignore_vehicles: Collection[int] = (), settings: GroupSettings | None = None,
    links: pd.DataFrame | None = None, bounded: bool = True,
) -> GroupDetection:
    """Groups of identified offenders: Leiden communities of the offender graph.

    Args:
        offenders: offender_id, named (bool).
        appearances: offender_id, incident_id, police_force — one row per offender and incident.
        sightings: vehicle_id, incident_id — one row per vehicle and incident.
        ignore_vehicles: hubs that build no edges (``hub_vehicles``).
        links: incident_a, incident_b, probability, days — linked incident pairs (spree edges).
        bounded: look inside communities over ``max_members`` (``_split_large``); the pipeline's
            first pass, which only looks for one person's spellings among fellow members, does not.

    Group ids run from 1 in order of each group's lowest offender id, so that they stay the
    same from one run to the next while the data only grows.
    """
    settings = settings or GroupSettings()
    edges = offender_graph(offenders=offenders, appearances=appearances, sightings=sightings, links=links,
                           ignore_vehicles=ignore_vehicles, settings=settings)
    nodes = np.unique(np.concatenate([edges["source"].to_numpy(), edges["target"].to_numpy()])).astype(np.int64)
    total = float(edges["weight"].sum())
    gamma = settings.resolution * (max(1.0, np.sqrt(total / settings.resolution_weight))
                                   if settings.quality == "modularity" else 1.0)
    community = pd.Series(leiden(nodes, edges, resolution=gamma, seed=settings.seed,
                                 iterations=settings.iterations, quality=settings.quality), index=nodes)
    strength = _strength(pd.DataFrame({"group_id": community.to_numpy(), "offender_id": community.index}), edges)
    community = community[strength >= settings.min_strength]
    if bounded:
        community = _split_large(community, edges, gamma, settings)
        community = _split_loose(community, edges, settings)
    sizes = community.map(community.value_counts())
    kept = community[sizes >= settings.min_members]
    order = pd.Series(kept.index, index=kept.to_numpy()).groupby(level=0).min().sort_values()
    group_of = pd.Series(np.arange(1, len(order) + 1, dtype=np.int64), index=order.index)
    members = pd.DataFrame({"group_id": kept.map(group_of).to_numpy(dtype=np.int64),
                            "offender_id": kept.index.to_numpy(dtype=np.int64)})
    members["strength"] = _strength(members, edges)
    members = members.sort_values(["group_id", "offender_id"], ignore_index=True)
    return GroupDetection(members=members, groups=_labels(members, appearances), edges=edges)


def _split_large(community: pd.Series, edges: pd.DataFrame, gamma: float, settings: GroupSettings) -> pd.Series:
    """Communities over ``max_members`` found again inside themselves at twice the resolution,
    until each is small enough or will not split. Gangs are a handful of people; a "group" of
    forty is several gangs chained together by a shared name or car, and modularity on a
    national graph cannot see the seams (its resolution limit) where a look inside can."""
    community = community.copy()
    next_id = int(community.max()) + 1 if len(community) else 0
    for _ in range(settings.max_splits):
        sizes = community.value_counts()
        large = sizes.index[sizes > settings.max_members]
        if large.empty:
            break
        gamma *= 2.0
        for label in large:
            inside = community.index[community.to_numpy() == label].to_numpy(dtype=np.int64)
            sub = edges[edges["source"].isin(inside) & edges["target"].isin(inside)]
            parts = leiden(np.sort(inside), sub, resolution=gamma, seed=settings.seed, iterations=settings.iterations,
                           quality=settings.quality)
            if np.unique(parts).size < 2:
                continue
            community.loc[np.sort(inside)] = np.where(parts == 0, label, next_id + parts)
            next_id += int(parts.max()) + 1
    return community


def _split_loose(community: pd.Series, edges: pd.DataFrame, settings: GroupSettings) -> pd.Series:
    """Gangs that one stray tie folded together, parted again.

    Where most of two gangs is masked, each has only two or three named members, and a single
    misread plate or borrowed car ties them: on the whole graph, modularity cannot resolve a
    community that small (its resolution limit) and merges them. Inside the community alone it
    can. A part found there leaves when few of its ties cross to the rest: its conductance
    (crossing weight over the smaller side's total weight) is under ``max_conductance``.
    """
    if settings.max_conductance <= 0:
        return community
    community = community.copy()
    next_id = int(community.max()) + 1 if len(community) else 0
    sizes = community.value_counts()
    for label in sizes.index[sizes >= 2 * settings.min_members]:
        inside = np.sort(community.index[community.to_numpy() == label].to_numpy(dtype=np.int64))
        sub = edges[edges["source"].isin(inside) & edges["target"].isin(inside)]
        parts = pd.Series(leiden(inside, sub, resolution=settings.resolution, seed=settings.seed,
                                 iterations=settings.iterations, quality=settings.quality), index=inside)
        if parts.nunique() < 2:
            continue
        degree = pd.concat([sub.groupby("source")["weight"].sum(), sub.groupby("target")["weight"].sum()])
        degree = degree.groupby(level=0).sum().reindex(inside, fill_value=0.0)
        volume = float(degree.sum())
        a, b = sub["source"].map(parts).to_numpy(), sub["target"].map(parts).to_numpy()
        for part, count in parts.value_counts().items():
            if count < settings.min_members:
                continue
            crossing = float(sub["weight"].to_numpy()[(a == part) != (b == part)].sum())
            own = float(degree[parts.index[parts.to_numpy() == part]].sum())
            if own > 0 and crossing / min(own, volume - own or own) < settings.max_conductance:
                community.loc[parts.index[parts.to_numpy() == part]] = next_id
                next_id += 1
    return community


def _strength(members: pd.DataFrame, edges: pd.DataFrame) -> npt.NDArray[np.float64]:
    """Share of each member's edge weight that joins it to fellow members."""
    group = members.set_index("offender_id")["group_id"]
    both = pd.concat([edges[["source", "target", "weight"]],
                      edges.rename(columns={"source": "target", "target": "source"})[["source", "target", "weight"]]])
    both = both[both["source"].isin(group.index)]
    inside = both["target"].map(group).eq(both["source"].map(group))
    total = both.groupby("source")["weight"].sum()
    within = both[inside.to_numpy()].groupby("source")["weight"].sum()
    share = (within / total).reindex(members["offender_id"]).fillna(0.0)
    rounded: npt.NDArray[np.float64] = np.round(share.to_numpy(dtype=np.float64), 4)
    return rounded


def group_affinity(detection: GroupDetection) -> pd.Series:
    """For every offender in the graph with a tie to a group: the group holding most of its
    edge weight (its own, for most members), indexed by offender id."""
    group = detection.members.set_index("offender_id")["group_id"]
    edges = detection.edges
    both = pd.concat([edges[["source", "target", "weight"]],
                      edges.rename(columns={"source": "target", "target": "source"})[["source", "target", "weight"]]])
    both = both.assign(group=both["target"].map(group)).dropna(subset=["group"])
    if both.empty:
        return pd.Series(dtype=np.int64)
    weights = both.groupby(["source", "group"])["weight"].sum().reset_index()
    weights = weights.sort_values(["source", "weight", "group"], ascending=[True, False, True])
    best = weights.drop_duplicates("source").set_index("source")["group"].astype(np.int64)
    best.index = best.index.astype(np.int64)
    return best


def _labels(members: pd.DataFrame, appearances: pd.DataFrame) -> pd.DataFrame:
    """'Group 12 — 5 members, West Midlands/Staffordshire': its size and its busiest forces."""
    if members.empty:
        return pd.DataFrame({"group_id": pd.Series(dtype=np.int64), "label": pd.Series(dtype=str)})
    top = busiest_forces(members[["group_id", "offender_id"]].merge(appearances, on="offender_id"))
    sizes = members.groupby("group_id").size()
    labels = [
        f"Group {gid} — {int(sizes[gid])} members" + (f", {top[gid]}" if gid in top.index else "")
        for gid in sizes.index
    ]
    return pd.DataFrame({"group_id": sizes.index.to_numpy(), "label": labels})


def busiest_forces(seen: pd.DataFrame) -> pd.Series:
    """group_id -> its two busiest force areas as analysts say them ("West Midlands/Staffordshire"),
    from rows of group_id, incident_id, police_force (an incident counts once per group)."""
    seen = seen[["group_id", "incident_id", "police_force"]].drop_duplicates(["group_id", "incident_id"])
    busiest = seen.dropna(subset=["police_force"]).groupby(["group_id", "police_force"]).size().reset_index(name="n")
    busiest = busiest.sort_values(["group_id", "n", "police_force"], ascending=[True, False, True])
    return busiest.groupby("group_id")["police_force"].agg(
        lambda forces: "/".join(force_label(f) for f in list(forces)[:2]))


def force_label(force_id: str) -> str:
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
