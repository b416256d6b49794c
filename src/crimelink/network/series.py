"""Crime series: incidents judged to be the work of the same offender or group.

Two steps. ``link_incidents`` scores candidate pairs of incidents with the pairwise model of
``network.linkage`` (place, time, MO, items, vehicle, offender, description), so that an
incident where nobody is named can still join a series. ``detect_series`` then clusters:

1. incidents of the same detected group (a member named, strength ≥ ``group_strength``) are
   one series — a group's series is its whole activity;
2. then pairs are joined in order of probability, from the most likely down to
   ``threshold`` — single linkage with a guard against chaining: two clusters are never
   joined when each is already tied to a *different* group or identified offender (the
   *anchors*). A busy store's unrelated thefts, or two gangs with the same habits in the same
   town, stay apart unless something stronger than resemblance joins them.

Every join made is kept (``SeriesDetection.links``): the spanning tree of each series, each
edge with its probability and a reason in words, so an analyst can see why an incident is in.
A series has at least ``min_incidents`` incidents. Vehicles that ``network.groups.hub_vehicles``
calls hubs tie nothing.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crimelink.network.features import FloatArray, IncidentFeatures, IntArray, incident_features
from crimelink.network.linkage import LinkageSettings, PairModel, candidate_pairs, score_pairs

__all__ = ["IncidentLinks", "SeriesDetection", "SeriesSettings", "detect_series", "link_incidents"]

GROUP_TIE = 2.0  # priority above any probability: same detected group
_GROUP_REASON = "same group"


@dataclass(frozen=True)
class SeriesSettings:
    """How series are found; stored with each analysis run."""

    method: str = "pairwise linkage model, then single linkage guarded by group and offender anchors"
    min_incidents: int = 3
    group_strength: float = 0.3
    group_ties: bool = True  # incidents of one detected group are one series
    offender_override: float = 0.9  # a join between two offenders' clusters needs this much
    anchor_incidents: int = 3  # an offender seen fewer times is too thin an identity to stand on
    linkage: LinkageSettings = field(default_factory=LinkageSettings)


@dataclass(frozen=True)
class IncidentLinks:
    """Scored candidate pairs of incidents (positions into ``features``)."""

    features: IncidentFeatures
    entities: pd.DataFrame  # kind ("o" offender, "v" vehicle), entity (its id), position
    pairs: IntArray
    probability: FloatArray
    values: dict[str, FloatArray]  # features of each pair: only when fitting (``keep_all``)
    candidates: int = 0  # pairs compared, before the unlikely ones were dropped

    def frame(self, min_probability: float = 0.0) -> pd.DataFrame:
        """incident_a, incident_b, probability, days — pairs at ``min_probability`` or more."""
        keep = self.probability >= min_probability
        i, j = self.pairs[keep, 0], self.pairs[keep, 1]
        ids, hours = self.features.incident_id, self.features.hours
        return pd.DataFrame({"incident_a": ids[i], "incident_b": ids[j], "probability": self.probability[keep],
                             "days": np.abs(hours[j] - hours[i]) / 24.0})


@dataclass(frozen=True)
class SeriesDetection:
    """``membership``: incident_id, series_id. ``links``: series_id, incident_a, incident_b,
    probability, reason — the joins that made each series (a spanning tree)."""

    membership: pd.DataFrame
    links: pd.DataFrame


def link_incidents(
    *, incidents: pd.DataFrame, appearances: pd.DataFrame, sightings: pd.DataFrame,
    items: pd.DataFrame | None = None, mentions: pd.DataFrame | None = None,
    named: Collection[int] | None = None, ignore_vehicles: Collection[int] = (),
    settings: SeriesSettings | None = None, model: PairModel | None = None, keep_all: bool = False,
) -> IncidentLinks:
    """Candidate pairs and their probabilities.

    Args:
        incidents: ``network.features.INCIDENT_COLUMNS``.
        appearances: offender_id, incident_id; only ``named`` offenders count (all if None).
        sightings: vehicle_id, incident_id.
        items: incident_id, category. mentions: incident_id, gender, age_min, age_max, build.
        keep_all: keep every candidate pair and its features (to fit the model), not only
            the likely ones.
    """
    settings = settings or SeriesSettings()
    model = model or PairModel.load(settings.linkage.model_file)
    features = incident_features(incidents, items=items, mentions=mentions)
    people = appearances[["offender_id", "incident_id"]].drop_duplicates()
    if named is not None:
        people = people[people["offender_id"].isin(list(named))]
    cars = sightings[~sightings["vehicle_id"].isin(list(ignore_vehicles))][["vehicle_id", "incident_id"]]
    cars = cars.drop_duplicates()
    entities = pd.concat([
        pd.DataFrame({"kind": "o", "entity": people["offender_id"].to_numpy(dtype=np.int64),
                      "position": features.position_of(people["incident_id"])}),
        pd.DataFrame({"kind": "v", "entity": cars["vehicle_id"].to_numpy(dtype=np.int64),
                      "position": features.position_of(cars["incident_id"])}),
    ], ignore_index=True)
    entities = entities[entities["position"] >= 0]
    candidates = candidate_pairs(features, entities=entities, settings=settings.linkage)
    kept, probability, values = score_pairs(
        features, candidates, model=model, keep=0.0 if keep_all else settings.linkage.keep_probability,
        chunk=settings.linkage.chunk, values=keep_all)
    return IncidentLinks(features, entities, kept, probability, values, candidates=len(candidates))


class _Clusters:
    """Union-find whose clusters carry anchors (groups, offenders) that must not conflict."""

    def __init__(self, n: int, anchors: dict[int, set[str]]) -> None:
        self.parent = list(range(n))
        self.anchors = anchors  # root -> {"g3", "o17", ...}

    def find(self, k: int) -> int:
        parent = self.parent
        root = k
        while parent[root] != root:
            root = parent[root]
        while parent[k] != root:
            parent[k], k = root, parent[k]
        return root

    def join(self, a: int, b: int, *, guarded: bool = True, strong: bool = False) -> bool:
        """Join the clusters of ``a`` and ``b`` unless (``guarded``) their anchors conflict:
        different groups always do, even where the two clusters share an offender (one bridge
        would otherwise chain gangs into one series); different offenders only when the link is
        not ``strong``."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        anchors_a, anchors_b = self.anchors.get(ra), self.anchors.get(rb)
        if guarded and anchors_a and anchors_b:
            groups_a = {x for x in anchors_a if x[0] == "g"}
            groups_b = {x for x in anchors_b if x[0] == "g"}
            if groups_a and groups_b and groups_a != groups_b:
                return False  # two groups' work, even where one offender is seen with both
            if anchors_a.isdisjoint(anchors_b) and not strong:
                return False
        self.parent[rb] = ra
        if anchors_b:
            if anchors_a:
                anchors_a |= anchors_b
            else:
                self.anchors[ra] = anchors_b
            del self.anchors[rb]
        return True


def detect_series(
    *, links: IncidentLinks, group_members: pd.DataFrame | None = None, settings: SeriesSettings | None = None,
    affinity: pd.Series | None = None, group_labels: dict[int, str] | None = None,
    group_incidents: pd.DataFrame | None = None,
) -> SeriesDetection:
    """Series from scored pairs and detected groups.

    Args:
        links: scored candidate pairs (``link_incidents``).
        group_members: group_id, offender_id, strength.
        affinity: offender id -> the group it is most tied to (``network.groups.group_affinity``):
            an offender outside a group but tied to one does not stand against that group.
        group_labels: group id -> label, for the reasons.
        group_incidents: group_id, incident_id, strength — incidents of a group's unidentified
            members (``network.unidentified``): at ``group_strength`` or more they are the group's.

    Series ids run from 1 in order of each series' earliest incident id.
    """
    settings = settings or SeriesSettings()
    f, n = links.features, len(links.features)
    offender_rows = links.entities[links.entities["kind"] == "o"]
    offender_ids = offender_rows["entity"].to_numpy(dtype=np.int64)
    positions = offender_rows["position"].to_numpy(dtype=np.int64)
    seen = pd.Series(offender_ids).value_counts()
    group_of: dict[int, int] = {}
    if group_members is not None and not group_members.empty:
        strong = group_members[group_members["strength"] >= settings.group_strength]
        group_of = dict(zip(strong["offender_id"].astype(int), strong["group_id"].astype(int), strict=True))
    anchors: dict[int, set[str]] = {}
    votes: dict[int, dict[int, float]] = {}  # position -> group -> how many of its members are there
    for position, offender in zip(positions.tolist(), offender_ids.tolist(), strict=True):
        group = group_of.get(offender)
        if group is not None:
            here = votes.setdefault(position, {})
            here[group] = here.get(group, 0.0) + 1.0
        elif seen[offender] >= settings.anchor_incidents:
            mine = anchors.setdefault(position, set())
            mine.add(f"o{offender}")
            if affinity is not None and offender in affinity.index:
                mine.add(f"g{int(affinity[offender])}")
    if group_incidents is not None and not group_incidents.empty:
        sure = group_incidents[group_incidents["strength"] >= settings.group_strength]
        at = f.position_of(sure["incident_id"])
        for position, group, strength in zip(at.tolist(), sure["group_id"].astype(int).tolist(),
                                             sure["strength"].astype(float).tolist(), strict=True):
            if position >= 0:
                here = votes.setdefault(position, {})
                here[group] = here.get(group, 0.0) + strength
    ties = _group_ties(votes, anchors)
    clusters = _Clusters(n, anchors)
    joined: list[tuple[int, int, float, str]] = []
    for group, members in sorted(ties.items()) if settings.group_ties else ():
        first = members[0]
        for other in members[1:]:
            if clusters.join(first, other, guarded=False):
                joined.append((first, other, GROUP_TIE, f"{_GROUP_REASON}: {(group_labels or {}).get(group, group)}"))
    order = np.argsort(-links.probability, kind="stable")
    order = order[links.probability[order] >= settings.linkage.threshold]
    for k in order.tolist():
        a, b = int(links.pairs[k, 0]), int(links.pairs[k, 1])
        if clusters.join(a, b, strong=bool(links.probability[k] >= settings.offender_override)):
            joined.append((a, b, float(links.probability[k]), ""))
    root = np.fromiter((clusters.find(k) for k in range(n)), dtype=np.int64, count=n)
    return _series(f, root, joined, links, settings)


def _group_ties(votes: dict[int, dict[int, float]], anchors: dict[int, set[str]]) -> dict[int, list[int]]:
    """Each incident a group's members were at, tied to that group's series — one group per
    incident: where two groups' members meet (a joint job, or one record that is really two
    people), the incident goes to the group with most of its people there (the lower id on a
    tie), so that one shared incident cannot make two groups' year of work one series."""
    ties: dict[int, list[int]] = {}
    for position in sorted(votes):
        here = votes[position]
        group = min(here, key=lambda g: (-here[g], g))
        anchors[position] = {a for a in anchors.get(position, set()) if a[0] != "g"} | {f"g{group}"}
        ties.setdefault(group, []).append(position)
    return ties


def _series(
    f: IncidentFeatures, root: IntArray, joined: list[tuple[int, int, float, str]], links: IncidentLinks,
    settings: SeriesSettings,
) -> SeriesDetection:
    sizes = np.bincount(root, minlength=len(f))
    keep = sizes[root] >= settings.min_incidents
    nodes = pd.DataFrame({"incident_id": f.incident_id[keep], "root": root[keep]})
    order = nodes.groupby("root")["incident_id"].min().sort_values()
    series_of = pd.Series(np.arange(1, len(order) + 1, dtype=np.int64), index=order.index)
    membership = pd.DataFrame({"incident_id": nodes["incident_id"].to_numpy(dtype=np.int64),
                               "series_id": nodes["root"].map(series_of).to_numpy(dtype=np.int64)})
    membership = membership.sort_values("incident_id", ignore_index=True)
    edges = pd.DataFrame(joined, columns=["a", "b", "probability", "reason"])
    edges = edges[keep[edges["a"].to_numpy(dtype=np.int64)]] if len(edges) else edges
    a = edges["a"].to_numpy(dtype=np.int64)
    b = edges["b"].to_numpy(dtype=np.int64)
    reasons = _reasons(links, a, b, edges["reason"].tolist())
    tree = pd.DataFrame({
        "series_id": pd.Series(root[a]).map(series_of).to_numpy(dtype=np.int64),
        "incident_a": f.incident_id[a], "incident_b": f.incident_id[b],
        "probability": np.round(np.minimum(edges["probability"].to_numpy(dtype=float), 1.0), 4),
        "reason": reasons,
    })
    return SeriesDetection(membership=membership, links=tree)


def _reasons(links: IncidentLinks, a: IntArray, b: IntArray, given: list[str]) -> list[str]:
    """Why two incidents were joined, in words: what they share and how close they are."""
    f = links.features
    km = np.hypot(f.x_km[a] - f.x_km[b], f.y_km[a] - f.y_km[b])
    hours = np.abs(f.hours[a] - f.hours[b])
    mo_shared = np.bitwise_count(f.mo[a] & f.mo[b])
    items_shared = np.bitwise_count(f.items[a] & f.items[b])
    ends = np.unique(np.concatenate([a, b]))
    rows = links.entities[links.entities["position"].isin(ends)]
    keys: dict[int, set[str]] = {}
    for kind, entity, position in zip(rows["kind"], rows["entity"], rows["position"], strict=True):
        keys.setdefault(int(position), set()).add(f"{kind}{entity}")
    out = []
    for k, reason in enumerate(given):
        if reason:
            out.append(reason)
            continue
        words = []
        shared = keys.get(int(a[k]), set()) & keys.get(int(b[k]), set())
        if any(s.startswith("o") for s in shared):
            words.append("same offender")
        if any(s.startswith("v") for s in shared):
            words.append("same vehicle")
        if not np.isnan(km[k]):
            words.append(f"{km[k]:.1f} km apart")
        h = float(hours[k])
        words.append(f"{h:.1f} hours apart" if h < 48 else f"{h / 24:.0f} days apart")
        if mo_shared[k]:
            words.append(f"{int(mo_shared[k])} MO tag{'s' if mo_shared[k] > 1 else ''} in common")
        if items_shared[k]:
            words.append("same kind of goods")
        out.append("; ".join(words))
    return out
