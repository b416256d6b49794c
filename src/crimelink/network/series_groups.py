"""Groups nobody has named: an organised series with no identified group behind it.

Where most of a group is masked or unknown to staff, its identified members are too few, or too
rarely named together, for the offender network to show it: a group needs three identified
members who offend together. Its activity still shows. The series linker joins its incidents
by place, time, MO, goods and its car; and, unlike a lone thief's, its incidents have several
suspects at once. Such a series is the work of a group, whether or not anyone in it is named.

So a series of at least ``min_incidents`` incidents, at least ``organised_share`` of them with
two or more suspects, and no more than ``claimed_share`` of them already a detected group's, is
a group of its own. Such series that share a vehicle (seen in at least ``vehicle_incidents`` of
each's incidents, hubs aside) are one group's: the series linker keeps apart clusters that
different identified people anchor, but a gang's sprees months apart still come in its car.
Its identified members are the identified offenders with at least
``member_incidents`` incidents in it, making up at least ``member_share`` of their own incidents
(someone mostly seen elsewhere only passed through); every unidentified suspect seen in its
incidents is its unidentified member, with the series as the evidence.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crimelink.network.groups import busiest_forces, connected_components, star_edges
from crimelink.network.series import SeriesDetection

__all__ = ["SeriesGroupSettings", "SeriesGroups", "one_series_per_group", "series_groups"]


@dataclass(frozen=True)
class SeriesGroupSettings:
    """When a series is taken to be a group's; stored with each analysis run."""

    enabled: bool = True
    min_incidents: int = 6
    organised_share: float = 0.5
    claimed_share: float = 0.2
    member_incidents: int = 2
    member_share: float = 0.5
    strength: float = 0.6  # of an unidentified member whose only evidence is the series
    vehicle_incidents: int = 2  # a vehicle seen this often in two series makes them one group's


@dataclass(frozen=True)
class SeriesGroups:
    """``members``: group_id, offender_id, strength. ``unidentified``: group_id, offender_id,
    strength, incidents, evidence. ``groups``: group_id, label. ``series``: series_id, group_id."""

    members: pd.DataFrame
    unidentified: pd.DataFrame
    groups: pd.DataFrame
    series: pd.DataFrame


def series_groups(
    *, series: pd.DataFrame, appearances: pd.DataFrame, offenders: pd.DataFrame, claimed: pd.DataFrame,
    first_group_id: int, sightings: pd.DataFrame | None = None, ignore_vehicles: Collection[int] = (),
    settings: SeriesGroupSettings | None = None,
) -> SeriesGroups:
    """The groups behind organised series that no detected group holds.

    Args:
        series: incident_id, series_id.
        appearances: offender_id, incident_id, police_force.
        offenders: offender_id, named.
        claimed: incident_id, offender_id — incidents (and records) already a detected group's,
            identified or unidentified members alike.
        first_group_id: the id the first new group gets.
        sightings: vehicle_id, incident_id; ``ignore_vehicles``: hubs, which join nothing.
    """
    settings = settings or SeriesGroupSettings()
    if not settings.enabled or series.empty:
        return _none()
    per_incident = appearances.groupby("incident_id")["offender_id"].nunique()
    frame = series.assign(suspects=series["incident_id"].map(per_incident).fillna(0).to_numpy(),
                          claimed=series["incident_id"].isin(claimed["incident_id"]).to_numpy())
    stats = frame.groupby("series_id").agg(incidents=("incident_id", "size"),
                                           organised=("suspects", lambda s: float((s >= 2).mean())),
                                           claimed=("claimed", "mean"))
    chosen = stats[(stats["incidents"] >= settings.min_incidents) & (stats["organised"] >= settings.organised_share)
                   & (stats["claimed"] <= settings.claimed_share)]
    if chosen.empty:
        return _none()
    together = _same_car(series[series["series_id"].isin(chosen.index)], sightings, ignore_vehicles, settings)
    own = pd.Series(chosen.index, index=chosen.index)
    order = own.map(together).fillna(own).astype(np.int64)
    firsts = np.sort(order.unique())
    number = pd.Series(np.arange(first_group_id, first_group_id + len(firsts), dtype=np.int64), index=firsts)
    group_of = order.map(number).astype(np.int64)
    inside = series[series["series_id"].isin(chosen.index)].assign(
        group_id=lambda f: f["series_id"].map(group_of).astype(np.int64))
    seen = appearances[["offender_id", "incident_id", "police_force"]].merge(inside, on="incident_id")
    seen = seen[~seen["offender_id"].isin(claimed["offender_id"])]
    named = set(offenders.loc[offenders["named"].astype(bool), "offender_id"].astype(int))
    members = _members(seen[seen["offender_id"].isin(named)], appearances, settings)
    unnamed = seen[~seen["offender_id"].isin(named)]
    unidentified = (unnamed.groupby(["group_id", "offender_id"])["incident_id"].nunique().rename("incidents")
                    .reset_index())
    unidentified = unidentified.assign(
        strength=settings.strength,
        evidence=[f"seen in {n} incident{'s' if n > 1 else ''} of the group's series, whose incidents mostly have "
                  "several suspects" for n in unidentified["incidents"]])
    labels = _labels(inside, seen, members, unidentified)
    return SeriesGroups(members=members, unidentified=unidentified[["group_id", "offender_id", "strength", "incidents",
                                                                    "evidence"]],
                        groups=labels, series=pd.DataFrame({"series_id": group_of.index, "group_id": group_of.values}))


def _same_car(
    series: pd.DataFrame, sightings: pd.DataFrame | None, ignore_vehicles: Collection[int],
    settings: SeriesGroupSettings,
) -> pd.Series:
    """series_id -> the lowest series id of those it shares a car with (transitively)."""
    if sightings is None or sightings.empty:
        return pd.Series(dtype=np.int64)
    cars = sightings[~sightings["vehicle_id"].isin(list(ignore_vehicles))][["vehicle_id", "incident_id"]]
    seen = cars.merge(series, on="incident_id").groupby(["vehicle_id", "series_id"])["incident_id"].nunique()
    seen = seen[seen >= settings.vehicle_incidents].reset_index()[["vehicle_id", "series_id"]]
    ids = np.sort(series["series_id"].unique())
    position = pd.Series(np.arange(ids.size), index=ids)
    component = connected_components(ids.size, star_edges(seen.assign(n=seen["series_id"].map(position)),
                                                          "vehicle_id", "n"))
    lowest = pd.Series(ids, index=ids).groupby(component).transform("min")
    return pd.Series(lowest.to_numpy(), index=ids)


def _members(seen: pd.DataFrame, appearances: pd.DataFrame, settings: SeriesGroupSettings) -> pd.DataFrame:
    """Identified offenders mostly seen in the group's series."""
    inside = seen.groupby(["group_id", "offender_id"])["incident_id"].nunique().rename("n").reset_index()
    total = appearances.groupby("offender_id")["incident_id"].nunique()
    inside["share"] = inside["n"] / inside["offender_id"].map(total).to_numpy(dtype=float)
    inside = inside[(inside["n"] >= settings.member_incidents) & (inside["share"] >= settings.member_share)]
    inside = inside.sort_values(["offender_id", "share"], ascending=[True, False]).drop_duplicates("offender_id")
    return pd.DataFrame({"group_id": inside["group_id"].to_numpy(dtype=np.int64),
                         "offender_id": inside["offender_id"].to_numpy(dtype=np.int64),
                         "strength": np.round(inside["share"].to_numpy(dtype=float), 4)})


def _labels(
    inside: pd.DataFrame, seen: pd.DataFrame, members: pd.DataFrame, unidentified: pd.DataFrame
) -> pd.DataFrame:
    """'Group 41 — 1 identified, 23 unidentified, Kent/Essex'."""
    forces = busiest_forces(seen)
    named = members.groupby("group_id").size()
    unnamed = unidentified.groupby("group_id").size()
    ids = np.sort(inside["group_id"].unique())
    labels = [f"Group {g} — {int(named.get(g, 0))} identified, {int(unnamed.get(g, 0))} unidentified"
              + (f", {forces[g]}" if g in forces.index else "") for g in ids]
    return pd.DataFrame({"group_id": ids.astype(np.int64), "label": labels})


def _none() -> SeriesGroups:
    return SeriesGroups(
        members=pd.DataFrame({"group_id": pd.Series(dtype=np.int64), "offender_id": pd.Series(dtype=np.int64),
                              "strength": pd.Series(dtype=float)}),
        unidentified=pd.DataFrame(columns=["group_id", "offender_id", "strength", "incidents", "evidence"]),
        groups=pd.DataFrame({"group_id": pd.Series(dtype=np.int64), "label": pd.Series(dtype=str)}),
        series=pd.DataFrame({"series_id": pd.Series(dtype=np.int64), "group_id": pd.Series(dtype=np.int64)}))


def one_series_per_group(found: SeriesDetection, series_group: pd.DataFrame, labels: pd.DataFrame) -> SeriesDetection:
    """A group's series is its whole activity: the series one unnamed group was found in become one
    (the lowest id), joined by an edge that names the group."""
    if series_group.empty:
        return found
    into = series_group.groupby("group_id")["series_id"].transform("min")
    target = pd.Series(into.to_numpy(), index=series_group["series_id"].to_numpy())
    merged = target[target.index != target.to_numpy()]
    if merged.empty:
        return found
    membership = found.membership.assign(series_id=found.membership["series_id"].map(
        lambda s: int(target.get(s, s))).astype(np.int64))
    first = found.membership.groupby("series_id")["incident_id"].min()
    label = labels.set_index("group_id")["label"]
    group = series_group.set_index("series_id")["group_id"]
    joins = pd.DataFrame({
        "series_id": merged.to_numpy(dtype=np.int64),
        "incident_a": first.reindex(merged.to_numpy()).to_numpy(dtype=np.int64),
        "incident_b": first.reindex(merged.index).to_numpy(dtype=np.int64),
        "probability": 1.0,
        "reason": [f"same group: {label.get(group[s], group[s])} (the group's vehicle)" for s in merged.index],
    })
    links = found.links.assign(series_id=found.links["series_id"].map(lambda s: int(target.get(s, s))).astype(np.int64))
    return SeriesDetection(membership=membership.sort_values("incident_id", ignore_index=True),
                           links=pd.concat([links, joins], ignore_index=True))
