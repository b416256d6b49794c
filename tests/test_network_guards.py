"""The guards that keep groups and series from growing by chaining (issue 10): a record that is two
people is split, a gang's own car is no hub, one shared incident does not make two groups' work
one series, and an organised series nobody named is a group of its own."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from crimelink.network import detect_groups, detect_series, hub_vehicles, split_bridges
from crimelink.network.features import incident_features
from crimelink.network.series import IncidentLinks, SeriesDetection
from crimelink.network.series_groups import one_series_per_group, series_groups


def _mentions(rows: Sequence[tuple[int, int, str, str | None]]) -> pd.DataFrame:
    """(offender, incident, name, dob) per report."""
    frame = pd.DataFrame(rows, columns=["offender_id", "incident_id", "name", "dob"])
    return frame.assign(mention_id=np.arange(1, len(frame) + 1),
                        given_names=frame["name"].str.split().str[0], family_name=frame["name"].str.split().str[-1])


def test_a_record_whose_reports_fall_in_two_circles_that_never_meet_is_two_people() -> None:
    """Offender 1 holds a "James Smith" who offends with 2 and 3 and another who offends with 4
    and 5; nobody from one circle was ever seen with the other. A report with no company goes
    where its date of birth is."""
    rows = [(1, i, "James Smith", "1989-07-12") for i in (10, 11, 12)] + [(2, 10, "Ann Lee", None),
            (3, 11, "Bob Ray", None), (2, 12, "Ann Lee", None), (3, 12, "Bob Ray", None)]
    rows += [(1, i, "James Smith", "1975-07-01") for i in (20, 21, 22)] + [(4, 20, "Cy Dee", None),
             (5, 21, "Di Eve", None), (4, 22, "Cy Dee", None), (5, 22, "Di Eve", None)]
    rows += [(1, 30, "James Smith", "1975-07-01")]  # alone: goes with the 1975 circle
    mentions = _mentions(rows)
    moved = split_bridges(mentions=mentions, named=[1, 2, 3, 4, 5], sightings=pd.DataFrame(
        {"vehicle_id": [], "incident_id": []}), first_id=100)
    incidents = set(mentions.set_index("mention_id").loc[moved["mention_id"], "incident_id"])
    assert incidents in ({10, 11, 12}, {20, 21, 22, 30})
    assert set(moved["offender_id"]) == {100}
    assert moved["reason"].str.startswith("split from offender 1: seen in company that never meets").all()


def test_a_member_seen_with_different_fellow_members_who_know_each_other_stays_one() -> None:
    rows = [(1, 10, "Jo Bell", None), (2, 10, "Ann Lee", None), (1, 11, "Jo Bell", None), (2, 11, "Ann Lee", None),
            (1, 20, "Jo Bell", None), (3, 20, "Bob Ray", None), (1, 21, "Jo Bell", None), (3, 21, "Bob Ray", None),
            (2, 30, "Ann Lee", None), (3, 30, "Bob Ray", None)]  # 2 and 3 offend together too
    moved = split_bridges(mentions=_mentions(rows), named=[1, 2, 3],
                          sightings=pd.DataFrame({"vehicle_id": [], "incident_id": []}), first_id=100)
    assert moved.empty
    decided = split_bridges(mentions=_mentions(rows[:8]), named=[1, 2, 3], decided=[1], first_id=100,
                            sightings=pd.DataFrame({"vehicle_id": [], "incident_id": []}))
    assert decided.empty  # an analyst's decision is obeyed as it stands


def test_a_gangs_car_seen_on_its_sprees_is_no_hub_though_its_members_are_never_named_together() -> None:
    offenders = pd.DataFrame({"offender_id": range(1, 8), "named": True})
    appearances = pd.DataFrame({"offender_id": range(1, 8), "incident_id": range(101, 108)})
    sightings = pd.DataFrame({"vehicle_id": 9, "incident_id": range(101, 108)})
    start = datetime(2025, 3, 1, 10)
    sprees = pd.DataFrame({"incident_id": range(101, 108),
                           "occurred_at": [start + timedelta(hours=h) for h in (0, 2, 4, 240, 242, 480, 483)]})
    scattered = sprees.assign(occurred_at=[start + timedelta(days=9 * d) for d in range(7)])
    assert hub_vehicles(offenders=offenders, appearances=appearances, sightings=sightings) == {9}
    assert hub_vehicles(offenders=offenders, appearances=appearances, sightings=sightings, incidents=scattered) == {9}
    assert hub_vehicles(offenders=offenders, appearances=appearances, sightings=sightings, incidents=sprees) == set()


def _links(n: int, pairs: Sequence[tuple[int, int, float]] = (), offenders: Sequence[tuple[int, int]] = ()
           ) -> IncidentLinks:
    """``n`` incidents a week apart; ``pairs`` (positions and probability) scored; ``offenders``
    (offender id, position) named at them."""
    incidents = pd.DataFrame({
        "incident_id": np.arange(1, n + 1), "occurred_at": pd.date_range("2025-01-01", periods=n, freq="7D"),
        "police_force": "kent", "offence": "theft_from_shop", "mo_tags": [[] for _ in range(n)],
        "lat": 51.0 + np.arange(n), "lon": 0.5, "store_id": np.arange(n), "value_gbp": 10.0, "violent": False,
    })
    features = incident_features(incidents)
    scored = np.array([(a, b) for a, b, _ in pairs], dtype=np.int64).reshape(-1, 2)
    entities = pd.DataFrame({"kind": "o", "entity": [o for o, _ in offenders], "position": [p for _, p in offenders]})
    return IncidentLinks(features, entities, scored, np.array([q for *_, q in pairs], dtype=float), {})


def test_one_incident_two_groups_met_at_does_not_make_their_work_one_series() -> None:
    """Group 1 works incidents 1-3, group 2 incidents 4-6; at incident 3 a member of each was
    named. Incident 3 goes to the group with more of its people there; two series remain."""
    links = _links(6)
    members = pd.DataFrame({"group_id": [1, 1, 2], "offender_id": [11, 12, 21], "strength": 1.0})
    found = detect_series(links=links, group_members=members, group_incidents=pd.DataFrame(
        {"group_id": [1, 1, 1, 1, 2, 2, 2, 2], "incident_id": [1, 2, 3, 3, 3, 4, 5, 6], "strength": 0.9}))
    series = found.membership.set_index("incident_id")["series_id"]
    assert series[1] == series[2] == series[3] != series[4] == series[5] == series[6]


def test_an_organised_series_nobody_named_is_a_group_and_its_car_joins_its_series() -> None:
    """Series 1 and 2: incidents with two or three suspects each, in one car; series 3: lone
    thefts. The first two are one unnamed group (one series); the third is nobody's group."""
    series = pd.DataFrame({"incident_id": range(1, 19), "series_id": [1] * 6 + [2] * 6 + [3] * 6})
    rows = [(100 + i * 3 + k, i) for i in range(1, 13) for k in range(2)] + [(500 + i, i) for i in range(13, 19)]
    appearances = pd.DataFrame(rows, columns=["offender_id", "incident_id"]).assign(police_force="kent")
    appearances.loc[appearances["offender_id"] == 104, "offender_id"] = 7  # a named one, in incidents 1 and 2
    appearances.loc[appearances["offender_id"] == 107, "offender_id"] = 7
    offenders = pd.DataFrame({"offender_id": pd.unique(appearances["offender_id"])}).assign(
        named=lambda f: f["offender_id"].eq(7))
    sightings = pd.DataFrame({"vehicle_id": 9, "incident_id": [1, 2, 7, 8]})
    found = series_groups(series=series, appearances=appearances, offenders=offenders, first_group_id=40,
                          claimed=pd.DataFrame({"incident_id": [], "offender_id": []}), sightings=sightings)
    assert found.groups["group_id"].tolist() == [40]
    assert found.groups["label"].iloc[0].startswith("Group 40 — 1 identified, ")
    assert found.members[["group_id", "offender_id"]].values.tolist() == [[40, 7]]
    assert set(found.unidentified["group_id"]) == {40} and 501 not in set(found.unidentified["offender_id"])
    detection = SeriesDetection(membership=series, links=pd.DataFrame(
        {"series_id": [], "incident_a": [], "incident_b": [], "probability": [], "reason": []}))
    merged = one_series_per_group(detection, found.series, found.groups)
    assert merged.membership.groupby("series_id").size().to_dict() == {1: 12, 3: 6}
    label = found.groups["label"].iloc[0]
    assert merged.links["reason"].tolist() == [f"same group: {label} (the group's vehicle)"]


def test_an_offender_seen_with_two_groups_does_not_chain_their_series() -> None:
    """Offender 5 (named three times) is at incidents of group 1 and of group 2, and the model
    links those two incidents strongly: the two groups' series still stay apart."""
    links = _links(6, pairs=[(2, 3, 0.97)], offenders=[(5, 2), (5, 3), (5, 5)])
    members = pd.DataFrame({"group_id": [1, 2], "offender_id": [11, 21], "strength": 1.0})
    found = detect_series(links=links, group_members=members, group_incidents=pd.DataFrame(
        {"group_id": [1, 1, 1, 2, 2, 2], "incident_id": [1, 2, 3, 4, 5, 6], "strength": 0.9}))
    series = found.membership.set_index("incident_id")["series_id"]
    assert series[1] == series[2] == series[3] != series[4] == series[5] == series[6]


def test_a_masked_gang_and_the_gang_one_stray_ride_ties_it_to_stay_two_groups() -> None:
    """Three named members never named together, each seen in their car four times; another
    gang's member seen in that car once (a misread plate). Among forty other gangs the small
    gang is below what modularity on the whole graph can resolve; it must still stand alone."""
    rows: list[tuple[int, int]] = []
    sightings: list[tuple[int, int]] = []
    incident = iter(range(1000, 10_000))
    for member in (1, 2, 3):
        for _ in range(4):
            rows.append((member, i := next(incident)))
            sightings.append((50, i))
    for a, b in ((11, 12), (12, 13), (13, 14), (14, 15), (15, 11), (11, 13)):
        rows += [(a, i := next(incident)), (b, i)]
        sightings.append((60, i))
    rows.append((11, i := next(incident)))
    sightings.append((50, i))
    for gang in range(40):
        ids = [100 + 4 * gang + k for k in range(4)]
        for a in ids:
            for b in ids:
                if a < b:
                    rows += [(a, i := next(incident)), (b, i)]
    appearances = pd.DataFrame(rows, columns=["offender_id", "incident_id"]).assign(police_force="kent")
    offenders = pd.DataFrame({"offender_id": appearances["offender_id"].unique(), "named": True})
    cars = pd.DataFrame(sightings, columns=["vehicle_id", "incident_id"])
    found = detect_groups(offenders=offenders, appearances=appearances, sightings=cars)
    members = found.members[found.members["offender_id"] < 100]
    groups = sorted(map(sorted, members.groupby("group_id")["offender_id"].agg(list)))
    assert groups == [[1, 2, 3], [11, 12, 13, 14, 15]]
