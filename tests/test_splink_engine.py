"""The Splink person engine on a small hand-made set of mentions, and its parts.

Twenty-odd mentions are far too few to train on, so these tests also pin the fallback: the
engine scores them with its written priors (``diagnostics["trained"]["skipped"]``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd
import pytest

from crimelink.resolve.splink_engine import INPUT_COLUMNS, LinkageSettings, PersonLinkage, link_person_mentions
from crimelink.resolve.splink_engine._cluster import compatible_dobs
from crimelink.resolve.splink_engine._features import name_groups, prepare_features

DAY = datetime(2024, 6, 1, 14, 30)


def _mention(mention_id: int, incident_id: int, **fields: Any) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(INPUT_COLUMNS)
    row.update(mention_id=mention_id, incident_id=incident_id, aliases=[], vehicle_keys=[], co_mentions=[],
               occurred_at=DAY, store_id=incident_id, police_force="west-midlands")  # fmt: skip
    row.update(fields)
    return row


# Incidents 20-22: Dean Walker and Tracey Hill offend together with the Corsa AB12CDE; in 22
# Tracey is only described. In 23 a woman who looks the same is described, with no context.
ROWS = [
    _mention(1, 1, name="John Smith", dob=date(1990, 5, 4), gender="male"),
    _mention(2, 2, name="SMITH, John", dob=date(1990, 5, 4), gender="male", police_force="staffordshire"),
    _mention(3, 3, name="Robert Jones", dob=date(1985, 2, 3), gender="male", height_cm=180),
    _mention(4, 4, name="Bob JONES", dob=date(1985, 2, 3), gender="male", height_cm=182),
    _mention(5, 5, name="John Smith", dob=date(1972, 11, 30), gender="male"),
    _mention(6, 6, name="Jon Smyth", dob=date(1972, 11, 30), gender="male"),
    _mention(7, 7, name="Aisha Khan", dob=date(1999, 1, 9), gender="female"),
    _mention(8, 8, name="Khan Aisha", dob=date(1999, 9, 1), gender="female"),
    _mention(9, 9, name="Mohammed Ali", dob=date(1988, 7, 21), gender="male", pnc_id="05/123456A"),
    _mention(10, 10, name="Mo Ali", gender="male", pnc_id="05/123456A", age_min=30, age_max=40),
    _mention(11, 11, name="J", gender="male"),
    _mention(12, 12, name="unknown", gender="male"),
    *[
        row
        for incident, dean, tracey in ((20, 20, 21), (21, 22, 23))
        for row in (
            _mention(
                dean,
                incident,
                name="Dean Walker",
                gender="male",
                age_min=30,
                age_max=35,
                vehicle_keys=["AB12CDE"],
                co_mentions=[tracey],
            ),
            _mention(
                tracey,
                incident,
                name="Tracey Hill",
                gender="female",
                age_min=25,
                age_max=30,
                build="slim",
                vehicle_keys=["AB12CDE"],
                co_mentions=[dean],
            ),
        )
    ],
    _mention(
        24, 22, name="Dean Walker", gender="male", age_min=30, age_max=35, vehicle_keys=["AB12CDE"], co_mentions=[25]
    ),
    _mention(
        25,
        22,
        gender="female",
        age_min=24,
        age_max=30,
        build="slim",
        description="grey hoodie",
        vehicle_keys=["AB12CDE"],
        co_mentions=[24],
    ),
    _mention(26, 23, gender="female", age_min=24, age_max=30, build="slim", description="grey hoodie"),
]


@pytest.fixture(scope="module")
def linked() -> PersonLinkage:
    return link_person_mentions(pd.DataFrame(ROWS))


def _cluster(linked: PersonLinkage, mention_id: int) -> int:
    clusters = linked.clusters.set_index("mention_id")["cluster_id"]
    return int(clusters[mention_id])


def _together(linked: PersonLinkage, a: int, b: int) -> bool:
    return _cluster(linked, a) == _cluster(linked, b)


def test_every_mention_gets_one_cluster_numbered_from_its_first_mention(linked: PersonLinkage) -> None:
    clusters = linked.clusters
    assert sorted(clusters["mention_id"]) == sorted(r["mention_id"] for r in ROWS)
    assert clusters.loc[clusters["mention_id"] == 1, "cluster_id"].item() == 1
    assert clusters["match_probability"].between(0, 1).all()


def test_too_few_mentions_to_train_on_are_scored_with_the_written_priors(linked: PersonLinkage) -> None:
    assert "priors" in str(linked.diagnostics["trained"]["skipped"])


@pytest.mark.parametrize(
    ("a", "b", "why"),
    [
        (1, 2, "names in either order"),
        (3, 4, "Bob is Robert"),
        (5, 6, "nickname and a typo, same date of birth"),
        (7, 8, "names swapped, day and month swapped"),
        (9, 10, "same PNC id"),
        (20, 22, "same name, age, vehicle and co-offender"),
    ],
)
def test_reports_of_one_person_link(linked: PersonLinkage, a: int, b: int, why: str) -> None:
    assert _together(linked, a, b), why


def test_a_common_name_with_another_date_of_birth_stays_apart(linked: PersonLinkage) -> None:
    assert not _together(linked, 1, 5)
    assert not _together(linked, 2, 6)


def test_a_lone_initial_or_unknown_links_nothing(linked: PersonLinkage) -> None:
    alone = linked.clusters["cluster_id"].value_counts()
    assert alone[_cluster(linked, 11)] == 1
    assert alone[_cluster(linked, 12)] == 1


def test_a_description_joins_only_through_a_shared_vehicle_and_a_named_co_offender(linked: PersonLinkage) -> None:
    assert _together(linked, 25, 21), "described woman with Dean and the Corsa is Tracey"
    edge = linked.edges[(linked.edges["source"] == "context")]
    assert "AB12CDE" in " ".join(edge["reason"])
    assert linked.clusters["cluster_id"].value_counts()[_cluster(linked, 26)] == 1, "looks alone join nothing"
    steps = linked.explain(21, 25)
    assert [s.comparison for s in steps] == ["context"]
    assert "AB12CDE" in steps[0].level_label


def test_the_explanation_lists_each_comparison_with_its_weight(linked: PersonLinkage) -> None:
    steps = linked.explain(1, 2)
    assert steps[0].comparison == "prior"
    found = {s.comparison: s for s in steps}
    assert {"given_name", "family_name", "dob"} <= set(found)
    assert found["dob"].level_label == "same date of birth"
    assert found["dob"].match_weight > 5
    assert found["dob"].bayes_factor == pytest.approx(2 ** found["dob"].match_weight)
    edge = linked.edges[(linked.edges["mention_id_l"] == 1) & (linked.edges["mention_id_r"] == 2)]
    assert sum(s.match_weight for s in steps) == pytest.approx(float(edge["match_weight"].item()), abs=1e-3)


def test_a_pair_never_scored_is_explained_afresh(linked: PersonLinkage) -> None:
    steps = {s.comparison: s for s in linked.explain(5, 1)}
    assert steps["dob"].level_label == "All other comparisons"
    assert steps["dob"].match_weight < -5, "a different date of birth counts strongly against"


def test_a_described_only_mention_was_never_compared(linked: PersonLinkage) -> None:
    assert [s.comparison for s in linked.explain(26, 1)] == ["eligibility"]


def test_the_cluster_size_distribution_is_reported(linked: PersonLinkage) -> None:
    sizes = linked.diagnostics["cluster_sizes"]
    assert sum(sizes.values()) == linked.clusters["cluster_id"].nunique()


def test_missing_input_columns_are_named() -> None:
    with pytest.raises(ValueError, match="vehicle_keys"):
        link_person_mentions(pd.DataFrame(ROWS).drop(columns="vehicle_keys"))


def test_without_the_context_pass_descriptions_stay_alone() -> None:
    result = link_person_mentions(pd.DataFrame(ROWS), settings=LinkageSettings(context_pass=False))
    assert result.clusters["cluster_id"].value_counts()[_cluster(result, 25)] == 1


@pytest.mark.parametrize(
    ("text", "given", "family", "key"),
    [
        ("SMITH, John", "john", "smith", "john smith"),
        ("Bob O'Brien", "bob", "obrien", "obrien robert"),
        ("O'Brien Bob", "obrien", "bob", "obrien robert"),
        ("Smithy", None, "smithy", None),
        ("J", None, None, None),
        ("unknown", None, None, None),
    ],
)
def test_names_are_parsed_order_insensitively_with_nicknames(
    text: str, given: str | None, family: str | None, key: str | None
) -> None:
    row = prepare_features(pd.DataFrame([_mention(1, 1, name=text)])).iloc[0]
    assert (row["given"], row["family"], row["name_key"]) == (given, family, key)


def test_a_one_word_name_links_only_with_another_identifier() -> None:
    rows = [_mention(1, 1, name="Smithy"), _mention(2, 2, name="Smithy", dob=date(1990, 1, 1))]
    assert prepare_features(pd.DataFrame(rows))["linkable"].tolist() == [False, True]


def test_the_nickname_table_knows_the_usual_forms() -> None:
    groups = name_groups()
    assert "robert" in groups["bob"]
    assert {"samuel", "samantha"} <= set(groups["sam"])
    assert "mohammed" in groups["muhammad"]


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (date(1990, 5, 4), date(1990, 4, 5), True),
        (date(1990, 5, 4), date(1991, 5, 4), True),
        (date(1990, 5, 4), date(1990, 5, 20), True),
        (date(1990, 5, 4), date(1980, 5, 4), True),  # one digit
        (date(1990, 5, 4), date(1972, 11, 30), False),
        (date(1990, 5, 4), date(1992, 5, 4), True),  # one digit: 1990 → 1992
        (date(1990, 5, 4), date(1993, 8, 4), False),
    ],
)
def test_dates_of_birth_are_compatible_within_reporting_slips(a: date, b: date, same: bool) -> None:
    assert compatible_dobs(a, b) is same
