"""Unidentified members: suspects seen only as a description, attributed to the group they work with.

In organised shop theft most of a group's members are never named: they are masked, or unknown
to the staff who report them. Each such mention is an offender record of its own ("unnamed male,
25-35"), and merging it into a named person on looks would be guesswork. But *who it offends
with* is evidence: an unidentified suspect in the same incident as two of a group's members, in
the group's car, or in an incident of the group's series, is very likely one of the group. Such
a record is attributed to the group as an **unidentified member** — never merged into a named
person — with the evidence in words and a strength.

Each piece of evidence is an independent chance that the attribution is right, and they combine
as ``1 - Π(1 - p)`` per group (noisy-OR):

* **co-offending** — an incident shared with members of the group: ``co_offending`` with one
  member present, ``co_offending_several`` with two or more;
* **vehicle** — the incident's vehicle is the group's (seen with its members in at least
  ``vehicle_incidents`` incidents, and with nobody else's members more): ``vehicle``;
* **series** — the incident belongs to the series the group's own incidents make: ``series``.

A record is attributed to the group with the highest strength, when that is at least
``min_strength`` and at least ``margin`` times the strength of the runner-up (an unidentified
suspect seen with two groups equally is left unattributed, and says so nowhere: nobody can act
on a coin toss). Hub vehicles (``network.groups.hub_vehicles``) are nobody's car.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["UnidentifiedSettings", "attribute_unidentified", "group_vehicles"]

COLUMNS = ("group_id", "offender_id", "strength", "incidents", "evidence")


@dataclass(frozen=True)
class UnidentifiedSettings:
    """How unidentified suspects are attributed to groups; stored with each analysis run."""

    co_offending: float = 0.8
    co_offending_several: float = 0.95
    vehicle: float = 0.7
    vehicle_incidents: int = 2  # a car is a group's when seen with its members this often
    series: float = 0.5
    min_strength: float = 0.5
    margin: float = 2.0


def group_vehicles(
    *, members: pd.DataFrame, appearances: pd.DataFrame, sightings: pd.DataFrame,
    ignore_vehicles: Collection[int] = (), settings: UnidentifiedSettings | None = None,
) -> pd.DataFrame:
    """vehicle_id, group_id: each vehicle seen with a group's members in at least
    ``vehicle_incidents`` incidents, more often than with any other group's."""
    settings = settings or UnidentifiedSettings()
    cars = sightings[~sightings["vehicle_id"].isin(list(ignore_vehicles))][["vehicle_id", "incident_id"]]
    seen = members[["group_id", "offender_id"]].merge(appearances[["offender_id", "incident_id"]], on="offender_id")
    counts = (cars.merge(seen[["group_id", "incident_id"]].drop_duplicates(), on="incident_id")
              .groupby(["vehicle_id", "group_id"])["incident_id"].nunique().rename("n").reset_index())
    counts = counts[counts["n"] >= settings.vehicle_incidents]
    counts = counts.sort_values(["vehicle_id", "n", "group_id"], ascending=[True, False, True])
    best = counts[counts["n"] == counts.groupby("vehicle_id")["n"].transform("max")]
    owned = best[best.groupby("vehicle_id")["group_id"].transform("size") == 1]  # a tie: nobody's car
    return owned[["vehicle_id", "group_id"]].reset_index(drop=True)


def attribute_unidentified(
    *, offenders: pd.DataFrame, appearances: pd.DataFrame, members: pd.DataFrame,
    sightings: pd.DataFrame, series: pd.DataFrame | None = None, ignore_vehicles: Collection[int] = (),
    group_labels: dict[int, str] | None = None, settings: UnidentifiedSettings | None = None,
) -> pd.DataFrame:
    """The unidentified members of each group: group_id, offender_id, strength, incidents, evidence.

    Args:
        offenders: offender_id, named — only records that are not ``named`` are attributed.
        appearances: offender_id, incident_id.
        members: group_id, offender_id — the groups' identified members.
        sightings: vehicle_id, incident_id.
        series: incident_id, series_id — when given, an incident in the series holding most
            of a group's incidents counts for that group.
        group_labels: group id -> label, for the evidence in words.
    """
    settings = settings or UnidentifiedSettings()
    if members.empty:
        return _empty()
    unnamed = offenders.loc[~offenders["named"].astype(bool), "offender_id"]
    mine = appearances[appearances["offender_id"].isin(unnamed)][["offender_id", "incident_id"]].drop_duplicates()
    if mine.empty:
        return _empty()
    seen = members[["group_id", "offender_id"]].merge(appearances[["offender_id", "incident_id"]], on="offender_id")
    present = seen.groupby(["incident_id", "group_id"])["offender_id"].nunique().rename("present").reset_index()
    co = mine.merge(present, on="incident_id")
    co = co.assign(kind="co", p=np.where(co["present"] >= 2, settings.co_offending_several, settings.co_offending))
    owned = group_vehicles(members=members, appearances=appearances, sightings=sightings,
                           ignore_vehicles=ignore_vehicles, settings=settings)
    car = mine.merge(sightings[["vehicle_id", "incident_id"]], on="incident_id").merge(owned, on="vehicle_id")
    car = car.drop_duplicates(["offender_id", "incident_id", "group_id"]).assign(kind="vehicle", p=settings.vehicle)
    parts = [co[["offender_id", "incident_id", "group_id", "kind", "p"]],
             car[["offender_id", "incident_id", "group_id", "kind", "p"]]]
    if series is not None and not series.empty:
        parts.append(_series_evidence(mine, seen, series, settings))
    evidence = pd.concat(parts, ignore_index=True)
    # one piece of evidence per incident and kind: an incident counts once however it is seen
    evidence = evidence.sort_values("p", ascending=False).drop_duplicates(["offender_id", "incident_id", "group_id",
                                                                           "kind"])
    return _choose(evidence, settings, group_labels or {})


def _series_evidence(
    mine: pd.DataFrame, seen: pd.DataFrame, series: pd.DataFrame, settings: UnidentifiedSettings,
) -> pd.DataFrame:
    """The series each group's own incidents mostly fall in, and the unidentified suspects in it."""
    own = seen[["group_id", "incident_id"]].drop_duplicates().merge(series, on="incident_id")
    counts = own.groupby(["series_id", "group_id"]).size().rename("n").reset_index()
    counts = counts.sort_values(["series_id", "n", "group_id"], ascending=[True, False, True])
    owner = counts.drop_duplicates("series_id")[["series_id", "group_id"]]
    found = mine.merge(series, on="incident_id").merge(owner, on="series_id")
    return found.assign(kind="series", p=settings.series)[["offender_id", "incident_id", "group_id", "kind", "p"]]


def _choose(evidence: pd.DataFrame, settings: UnidentifiedSettings, labels: dict[int, str]) -> pd.DataFrame:
    """Combine each record's evidence per group (noisy-OR) and keep the clear winner."""
    evidence = evidence.assign(log_miss=np.log1p(-np.minimum(evidence["p"].to_numpy(dtype=float), 0.999)))
    per = evidence.groupby(["offender_id", "group_id"]).agg(
        log_miss=("log_miss", "sum"), incidents=("incident_id", "nunique")).reset_index()
    per["strength"] = 1.0 - np.exp(per["log_miss"])
    per = per.sort_values(["offender_id", "strength", "group_id"], ascending=[True, False, True])
    best = per.drop_duplicates("offender_id")
    second = per[per.duplicated("offender_id")].drop_duplicates("offender_id").set_index("offender_id")["strength"]
    runner_up = best["offender_id"].map(second).fillna(0.0)
    keep = (best["strength"] >= settings.min_strength) & (best["strength"] >= settings.margin * runner_up)
    chosen = best[keep.to_numpy()][["group_id", "offender_id", "strength", "incidents"]]
    if chosen.empty:
        return _empty()
    why = evidence.merge(chosen[["group_id", "offender_id"]], on=["group_id", "offender_id"])
    kinds = why.groupby(["offender_id", "kind"])["incident_id"].nunique().unstack(fill_value=0)
    words = {int(o): _words(row, labels.get(int(g), f"group {g}"))
             for (o, row), g in zip(kinds.iterrows(), kinds.index.map(chosen.set_index("offender_id")["group_id"]),
                                    strict=True)}
    chosen = chosen.assign(
        strength=np.round(chosen["strength"].to_numpy(dtype=float), 4),
        incidents=chosen["incidents"].astype(np.int64),
        evidence=chosen["offender_id"].map(words),
    )
    return chosen.sort_values(["group_id", "offender_id"], ignore_index=True)[list(COLUMNS)]


def _words(counts: pd.Series, label: str) -> str:
    """'seen with members of Group 3 in 2 incidents; in its vehicle once' — the evidence in words."""
    said = []
    phrases = (("co", "seen with its members"), ("vehicle", "in its vehicle"), ("series", "in its crime series"))
    for kind, phrase in phrases:
        n = int(counts.get(kind, 0))
        if n:
            said.append(f"{phrase} {'once' if n == 1 else f'in {n} incidents'}")
    return f"{label.split(' — ')[0]}: " + "; ".join(said)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({
        "group_id": pd.Series(dtype=np.int64), "offender_id": pd.Series(dtype=np.int64),
        "strength": pd.Series(dtype=float), "incidents": pd.Series(dtype=np.int64),
        "evidence": pd.Series(dtype=str),
    })
