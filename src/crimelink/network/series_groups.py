"""Groups nobody has named: an organised series with no identified group behind it.

Where most of a group is masked or unknown to staff, its identified members are too few, or too
rarely named together, for the offender network to show it: a group needs three identified
members who offend together. Its activity still shows. The series linker joins its incidents
by place, time, MO, goods and its car; and, unlike a lone thief's, its incidents have several
suspects at once. Such a series is the work of a group, whether or not anyone in it is named.

So a series of at least ``min_incidents`` incidents, at least ``organised_share`` of them with
two or more suspects, and no more than ``claimed_share`` of them already a detected group's, is
a group of its own. Its identified members are the identified offenders with at least
``member_incidents`` incidents in it, making up at least ``member_share`` of their own incidents
(someone mostly seen elsewhere only passed through); every unidentified suspect seen in its
incidents is its unidentified member, with the series as the evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crimelink.network.groups import force_label

__all__ = ["SeriesGroupSettings", "SeriesGroups", "series_groups"]


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
    first_group_id: int, settings: SeriesGroupSettings | None = None,
) -> SeriesGroups:
    """The groups behind organised series that no detected group holds.

    Args:
        series: incident_id, series_id.
        appearances: offender_id, incident_id, police_force.
        offenders: offender_id, named.
        claimed: incident_id, offender_id — incidents (and records) already a detected group's,
            identified or unidentified members alike.
        first_group_id: the id the first new group gets.
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
    group_of = pd.Series(np.arange(first_group_id, first_group_id + len(chosen), dtype=np.int64), index=chosen.index)
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
    busiest = (seen.drop_duplicates(["group_id", "incident_id"]).dropna(subset=["police_force"])
               .groupby(["group_id", "police_force"]).size().rename("n").reset_index()
               .sort_values(["group_id", "n", "police_force"], ascending=[True, False, True]))
    forces = busiest.groupby("group_id")["police_force"].agg(lambda f: "/".join(force_label(x) for x in list(f)[:2]))
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
