"""Unidentified suspects belong to groups; one person is one member (issue 10)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from crimelink.network import attribute_unidentified, member_aliases


def _frames() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Group 1 is offenders 1, 2 and 3 (named). Offender 10 (a description) is seen with two of
    them; offender 11 arrives in their car; offender 12 is seen with nobody of theirs."""
    offenders = pd.DataFrame({"offender_id": [1, 2, 3, 10, 11, 12, 20],
                              "named": [True, True, True, False, False, False, True]})
    appearances = pd.DataFrame({
        "offender_id": [1, 2, 10, 1, 3, 11, 12, 20, 2, 3],
        "incident_id": [100, 100, 100, 101, 101, 102, 103, 103, 104, 104],
    })
    members = pd.DataFrame({"group_id": [1, 1, 1], "offender_id": [1, 2, 3], "strength": [1.0, 1.0, 1.0]})
    return offenders, appearances, members


def test_an_unidentified_suspect_seen_beside_two_members_of_a_group_is_its_unidentified_member() -> None:
    offenders, appearances, members = _frames()
    sightings = pd.DataFrame({"vehicle_id": [7, 7, 7], "incident_id": [101, 104, 102]})
    found = attribute_unidentified(offenders=offenders, appearances=appearances, members=members,
                                   sightings=sightings, group_labels={1: "Group 1 — 3 members"})
    by = found.set_index("offender_id")
    assert by.loc[10, "group_id"] == 1
    assert by.loc[10, "strength"] >= 0.9
    assert by.loc[10, "evidence"] == "Group 1: seen with its members once"
    assert by.loc[11, "group_id"] == 1  # the group's car, seen with its members twice
    assert "in its vehicle once" in by.loc[11, "evidence"]
    assert 12 not in by.index  # seen with nobody of the group's
    assert not set(by.index) & {1, 2, 3, 20}  # named records are members or not, never attributed


def test_a_suspect_seen_equally_with_two_groups_is_left_unattributed() -> None:
    offenders = pd.DataFrame({"offender_id": [1, 2, 3, 4, 9], "named": [True, True, True, True, False]})
    appearances = pd.DataFrame({"offender_id": [1, 9, 3, 9], "incident_id": [1, 1, 2, 2]})
    members = pd.DataFrame({"group_id": [1, 1, 2, 2], "offender_id": [1, 2, 3, 4]})
    found = attribute_unidentified(offenders=offenders, appearances=appearances, members=members,
                                   sightings=pd.DataFrame({"vehicle_id": [], "incident_id": []}))
    assert found.empty


def test_an_unidentified_suspect_in_the_groups_series_is_attributed_weakly() -> None:
    offenders, appearances, members = _frames()
    series = pd.DataFrame({"incident_id": [100, 101, 104, 103], "series_id": [5, 5, 5, 5]})
    found = attribute_unidentified(offenders=offenders, appearances=appearances, members=members,
                                   sightings=pd.DataFrame({"vehicle_id": [], "incident_id": []}), series=series)
    by = found.set_index("offender_id")
    assert by.loc[12, "group_id"] == 1
    assert by.loc[12, "strength"] < by.loc[10, "strength"]
    assert "in its crime series once" in by.loc[12, "evidence"]


def _names(rows: list[tuple[int, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["offender_id", "given_names", "family_name"])


def test_spellings_of_one_members_name_in_one_group_are_one_person() -> None:
    members = pd.DataFrame({"group_id": [3, 3, 3, 3], "offender_id": [1, 2, 3, 4]})
    offenders = pd.DataFrame({"offender_id": [1, 2, 3, 4], "gender": ["male"] * 4,
                              "dob": [date(1990, 4, 2), date(1990, 2, 4), None, date(1971, 8, 8)]})
    names = _names([(1, "Owen", "MILLER"), (2, "Oeen", "MILLER"), (3, "Miller", "OWEN"), (4, "Owen", "MILLER")])
    appearances = pd.DataFrame({"offender_id": [1, 2, 3, 4], "incident_id": [10, 11, 12, 13]})
    merged = member_aliases(members=members, offenders=offenders, names=names, appearances=appearances)
    into = dict(zip(merged["offender_id"], merged["into"], strict=True))
    assert into == {2: 1, 3: 1}  # 4 has the name but another date of birth: another man
    assert all(r.startswith("same group, same person: ") for r in merged["reason"])


def test_two_similar_names_seen_in_the_same_incident_are_two_people() -> None:
    members = pd.DataFrame({"group_id": [1, 1], "offender_id": [1, 2]})
    offenders = pd.DataFrame({"offender_id": [1, 2], "gender": [None, None], "dob": [None, None]})
    names = _names([(1, "Daniel", "JONES"), (2, "Daniel", "JONES")])
    appearances = pd.DataFrame({"offender_id": [1, 2], "incident_id": [5, 5]})
    assert member_aliases(members=members, offenders=offenders, names=names, appearances=appearances).empty
    assert len(member_aliases(members=members, offenders=offenders, names=names, appearances=appearances,
                              decided={2}).index) == 0
