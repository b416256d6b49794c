"""Two people under one record: an offender whose reports fall in two circles that never meet.

Person linkage across a nation joins some records it should not: two "James Smith"s with no
date of birth, a man and the stranger whose name he gives as an alias. Once such a record is in
the offender network it is a bridge: two gangs that never met become one "group", and their
series one series. The network itself is the evidence against the merge. A real offender's
reports overlap in *who else* is there — his co-offenders and his car turn up together, or
are known to each other. A false merge's reports fall into two circles of company with nothing
in common: nobody from one circle was ever seen with anybody from the other.

So, for each identified offender, its incidents are joined when they share company (another
identified offender or a vehicle); each set of joined incidents is a *circle*. Two circles
*meet* when their company, or the company that company keeps (one step further, not through
this offender), overlaps. When an offender has circles of at least ``min_incidents`` incidents
that do not meet, the record is split: each such circle's reports become a record of their own,
and a report with no company goes to the circle whose name and date of birth it shares most
(the largest circle, on a tie). Records an analyst's decision touches are left alone.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["BridgeSettings", "split_bridges"]

COLUMNS = ("mention_id", "offender_id", "reason")


@dataclass(frozen=True)
class BridgeSettings:
    """When one record is taken to be two people; stored with each analysis run."""

    enabled: bool = True
    min_incidents: int = 2  # a circle this size or more stands on its own


def split_bridges(
    *, mentions: pd.DataFrame, named: Collection[int], sightings: pd.DataFrame,
    ignore_vehicles: Collection[int] = (), decided: Collection[int] = (), first_id: int,
    settings: BridgeSettings | None = None,
) -> pd.DataFrame:
    """mention_id, offender_id, reason: the reports that move to a new record (ids from ``first_id``).

    Args:
        mentions: mention_id, offender_id, incident_id, given_names, family_name, dob.
        named: ids of identified offenders (the only ones that are company, or are split).
        sightings: vehicle_id, incident_id.
        decided: offender ids an analyst's decision touches (never split).
    """
    settings = settings or BridgeSettings()
    if not settings.enabled or mentions.empty:
        return pd.DataFrame(columns=list(COLUMNS))
    company = _company(mentions, set(map(int, named)), sightings, ignore_vehicles)
    by_incident: dict[int, set[int]] = defaultdict(set)
    by_key: dict[int, set[int]] = defaultdict(set)
    for incident, key in zip(company["incident_id"].tolist(), company["key"].tolist(), strict=True):
        by_incident[incident].add(key)
        by_key[key].add(incident)
    own = mentions[mentions["offender_id"].isin(set(map(int, named)) - set(map(int, decided)))]
    rows: list[tuple[int, int, str]] = []
    next_id = first_id
    for offender, reports in own.groupby("offender_id", sort=True):
        incidents = reports["incident_id"].unique().tolist()
        if len(incidents) < 2 * settings.min_incidents:
            continue
        circles = _circles(int(offender), incidents, by_incident, by_key, settings)
        if len(circles) < 2:
            continue
        moved, next_id = _split(int(offender), reports, circles, next_id)
        rows.extend(moved)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _company(
    mentions: pd.DataFrame, named: set[int], sightings: pd.DataFrame, ignore_vehicles: Collection[int],
) -> pd.DataFrame:
    """incident_id, key: who and what was there — identified offenders (their id) and vehicles
    (``-1 - vehicle_id``), hubs left out."""
    people = mentions.loc[mentions["offender_id"].isin(named), ["incident_id", "offender_id"]]
    people = people.drop_duplicates().rename(columns={"offender_id": "key"})
    cars = sightings[~sightings["vehicle_id"].isin(list(ignore_vehicles))][["incident_id", "vehicle_id"]]
    cars = pd.DataFrame({"incident_id": cars["incident_id"].to_numpy(),
                         "key": -1 - cars["vehicle_id"].to_numpy(dtype=np.int64)}).drop_duplicates()
    return pd.concat([people, cars], ignore_index=True).astype({"incident_id": np.int64, "key": np.int64})


def _circles(
    offender: int, incidents: list[int], by_incident: dict[int, set[int]], by_key: dict[int, set[int]],
    settings: BridgeSettings,
) -> list[tuple[set[int], set[int]]]:
    """The circles of one offender's incidents that meet no other: (incidents, company) each,
    largest first; fewer than two when the record holds together."""
    mine = set(incidents)
    parent = {i: i for i in incidents}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    holder: dict[int, int] = {}
    for i in incidents:
        for key in by_incident.get(i, ()):
            if key == offender:
                continue
            if key in holder:
                parent[find(i)] = find(holder[key])
            else:
                holder[key] = i
    groups: dict[int, set[int]] = defaultdict(set)
    for i in incidents:
        if by_incident.get(i, set()) - {offender}:
            groups[find(i)].add(i)
    big = [g for g in groups.values() if len(g) >= settings.min_incidents]
    if len(big) < 2:
        return []
    circles = []
    for g in sorted(big, key=len, reverse=True):
        company = set().union(*(by_incident[i] for i in g)) - {offender}
        reach = set(company)
        for key in company:  # one step further, never through this offender's own incidents
            for other in by_key.get(key, ()):
                if other not in mine:
                    reach |= by_incident[other]
        circles.append((g, reach - {offender}))
    apart = [circles[0]]
    for circle in circles[1:]:  # a circle that meets any circle kept so far stays with it
        if all(circle[1].isdisjoint(kept[1]) for kept in apart):
            apart.append(circle)
    return apart if len(apart) >= 2 else []


def _split(
    offender: int, reports: pd.DataFrame, circles: list[tuple[set[int], set[int]]], next_id: int,
) -> tuple[list[tuple[int, int, str]], int]:
    """Each circle after the first becomes a record; reports with no company follow their name."""
    circle_of = {i: k for k, (incidents, _) in enumerate(circles) for i in incidents}
    names = [_name(g, f) for g, f in zip(reports["given_names"], reports["family_name"], strict=True)]
    dobs = [str(d) if isinstance(d, str) or pd.notna(d) else "" for d in reports["dob"]]
    votes: list[Counter[str]] = [Counter() for _ in circles]
    for incident, name, dob in zip(reports["incident_id"].tolist(), names, dobs, strict=True):
        k = circle_of.get(int(incident))
        if k is not None:
            votes[k].update([f"n:{name}"] if name else [])
            votes[k].update([f"d:{dob}"] if dob else [])
    ids = [offender, *range(next_id, next_id + len(circles) - 1)]
    spoken = [votes[k].most_common(1)[0][0][2:] if votes[k] else "?" for k in range(len(circles))]
    moved: list[tuple[int, int, str]] = []
    for mention, incident, name, dob in zip(reports["mention_id"].tolist(), reports["incident_id"].tolist(), names,
                                            dobs, strict=True):
        k = circle_of.get(int(incident))
        if k is None:
            score = [votes[c][f"n:{name}"] + votes[c][f"d:{dob}"] if (name or dob) else 0 for c in range(len(circles))]
            k = int(np.argmax(score))  # ties: the largest circle, which comes first
        if k:
            moved.append((int(mention), ids[k], (
                f"split from offender {offender}: seen in company that never meets that of its other reports"
                f" (known as {spoken[k]} here, {spoken[0]} there)")[:400]))
    return moved, next_id + len(circles) - 1


def _name(given: object, family: object) -> str:
    """A report's name for voting: first given name and family name, lower case."""
    first = str(given).split()[0].lower() if isinstance(given, str) and given.strip() else ""
    last = str(family).lower() if isinstance(family, str) else ""
    return f"{first} {last}".strip()
