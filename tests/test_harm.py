"""Harm (Cambridge Crime Harm Index manner), RFG and MoRiLE: every score is its parts, the weights
are configuration with their sources, and a bad weights file is refused with a clear reason."""

from __future__ import annotations

import itertools
import tomllib
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crimelink.domain.offences import OffenceType
from crimelink.errors import InvalidValue
from crimelink.triage.harm import (
    DEFAULT_WEIGHTS_PATH,
    IncidentFacts,
    default_weights,
    group_morile,
    harm_by_force,
    incident_harm,
    incident_harm_days,
    load_weights,
    morile,
    offender_rfg,
)
from crimelink.triage.priority import prioritise_groups, prioritise_offenders

NOW = datetime(2025, 4, 30, 12, 0)


def facts(
    offence: str = "theft_from_shop", days_ago: float = 1.0, value: float = 0.0, force: str | None = "kent", *,
    threats: bool | None = None, assault: bool | None = None, injury: bool | None = None, weapon: str | None = None,
) -> IncidentFacts:  # fmt: skip
    return IncidentFacts(
        incident_id=1, occurred_at=NOW - timedelta(days=days_ago), offence=offence, value_gbp=value,
        police_force=force, threats=threats, assault=assault, injury=injury, weapon=weapon,
    )  # fmt: skip


def test_the_shipped_weights_cover_every_offence_and_name_their_sources() -> None:
    weights = default_weights()
    assert set(weights.offence_days) == {o.value for o in OffenceType}
    assert "Sherman, Neyroud & Neyroud 2016" in weights.source["method"]
    assert "check" in weights.source["status"].lower()
    raw = DEFAULT_WEIGHTS_PATH.read_text()
    for offence in OffenceType:  # every default has its reason beside it
        line = next(line for line in raw.splitlines() if line.startswith(f"{offence.value} "))
        assert "#" in line, line


@pytest.mark.parametrize(
    ("incident", "expected"),
    [
        (facts(value=91.58), 2.5 + 1.0),  # shop theft: Band A fine, plus a day's minimum wage taken
        (facts("robbery"), 365.0),
        (facts("robbery", threats=True, weapon="knife"), 365.0 + 5.0 + 182.0),
        (facts(assault=True, injury=True), 2.5 + 2.5 + 36.5),
        (facts(weapon="none"), 2.5),
        (facts(weapon="firearm"), 2.5 + 1825.0),
        (facts("unheard_of"), 1.0),  # unknown offence: the 'other' weight
    ],
)
def test_incident_harm_is_the_sum_of_its_parts(incident: IncidentFacts, expected: float) -> None:
    score = incident_harm(incident)
    assert score.value == pytest.approx(expected, abs=1e-3)
    assert score.value == pytest.approx(sum(v for k, v in score.parts.items() if k.endswith("_days")), abs=1e-3)


@pytest.mark.parametrize("violent", [facts(threats=True), facts(assault=True), facts(injury=True)])
def test_violence_raises_harm(violent: IncidentFacts) -> None:
    assert incident_harm(violent).value > incident_harm(facts()).value


def test_value_raises_harm() -> None:
    assert incident_harm(facts(value=500)).value > incident_harm(facts(value=50)).value


def test_vectorised_harm_agrees_with_the_scalar_one() -> None:
    combos = list(itertools.product([o.value for o in OffenceType], [0.0, 250.0], [None, True], [None, "knife"]))
    frame = pd.DataFrame(combos, columns=["offence", "value_gbp", "threats", "weapon"])
    scalar = [incident_harm(facts(o, value=v, threats=t, weapon=w)).value for o, v, t, w in combos]
    assert incident_harm_days(frame).tolist() == pytest.approx(scalar, abs=1e-3)


def test_rfg_recency_halves_its_way_to_the_floor_with_each_half_life_and_counts_only_the_lookback() -> None:
    weights = replace(default_weights(), recency_floor=0.5)  # decay is configuration, off as shipped
    half_life, floor = weights.recency_half_life_days, weights.recency_floor
    fresh = offender_rfg([facts(days_ago=0)], as_of=NOW, weights=weights)
    older = offender_rfg([facts(days_ago=half_life)], as_of=NOW, weights=weights)
    oldest = offender_rfg([facts(days_ago=364)], as_of=NOW, weights=weights)
    assert older.parts["recency"] == pytest.approx(floor + (1 - floor) / 2, abs=1e-4)
    assert older.value == pytest.approx(fresh.value * (floor + (1 - floor) / 2), rel=1e-3)
    assert oldest.parts["recency"] >= floor
    assert offender_rfg([facts(days_ago=300)], as_of=NOW).parts["recency"] == 1.0  # as shipped: no decay
    out_of_window = offender_rfg([facts(days_ago=10), facts(days_ago=400)], as_of=NOW, weights=weights)
    assert out_of_window.parts["frequency"] == 1
    p = out_of_window.parts
    assert out_of_window.value == pytest.approx(
        p["recency"] * p["frequency_weight"] * (
            p["frequency"] + p["gravity_weight"] * min(p["frequency"], p["gravity_days"] / p["gravity_unit_days"])),
        rel=1e-3)
    assert offender_rfg([], as_of=NOW).value == 0.0


def test_rfg_ranks_the_violent_first_of_two_equally_active_offenders() -> None:
    prolific = offender_rfg([facts(days_ago=d, value=150) for d in range(5, 60, 5)], as_of=NOW)
    violent = offender_rfg([facts("robbery", days_ago=d, weapon="knife") for d in range(5, 60, 5)], as_of=NOW)
    occasional = offender_rfg([facts(days_ago=200)], as_of=NOW)
    assert violent.value > prolific.value > occasional.value


def test_one_serious_incident_alone_does_not_outrank_a_prolific_offender() -> None:
    """How often someone offends leads: harm can at most double an offender's score, so a single
    armed robbery by someone never seen again counts as two incidents, not as a year of thefts."""
    prolific = offender_rfg([facts(days_ago=d, value=60) for d in range(3, 120, 6)], as_of=NOW)
    one_off = offender_rfg([facts("robbery", days_ago=10, weapon="firearm")], as_of=NOW)
    assert prolific.value > one_off.value > 0
    assert one_off.parts["score_from_gravity"] == pytest.approx(one_off.parts["score_from_frequency"])


def test_morile_is_harm_times_likelihood_moderated_by_position() -> None:
    incidents = [facts("robbery", days_ago=d) for d in (3, 10, 20, 40, 80)]
    score = morile(incidents, as_of=NOW, named_share=1.0, under_operation=False)
    p = score.parts
    assert (p["harm_level"], p["likelihood_level"]) == (5, 3)  # 1825 harm days; 5 in the last 90 days
    assert score.value == p["harm_level"] * p["likelihood_level"] * p["capability"] * p["capacity"] == 15
    worked = morile(incidents, as_of=NOW, named_share=1.0, under_operation=True)
    unnamed = morile(incidents, as_of=NOW, named_share=0.0, under_operation=False)
    assert worked.value == unnamed.value == 7.5  # an operation on it already; nobody named to arrest
    assert morile([], as_of=NOW, named_share=0, under_operation=False).parts["risk"] == 1


def test_group_morile_reports_its_members_and_confidence() -> None:
    score = group_morile([facts()], as_of=NOW, members=4, named_members=1, under_operation=False, confidence=0.5)
    assert score.parts["members"] == 4 and score.parts["named_share"] == 0.25
    assert score.parts["confidence"] == 0.5  # shown beside the score, not multiplied in


def test_harm_by_force_puts_the_heaviest_harm_first() -> None:
    shares = harm_by_force(
        [facts(force="kent"), facts(force="kent"), facts("robbery", force="essex"), facts(force=None)]
    )
    assert [(s.force, s.incidents, s.violent) for s in shares] == [("essex", 1, 1), ("kent", 2, 0)]


def _weights_file(tmp_path: Path, edit: str, replace: str) -> Path:
    text = DEFAULT_WEIGHTS_PATH.read_text()
    assert edit in text
    path = tmp_path / "weights.toml"
    path.write_text(text.replace(edit, replace, 1))
    tomllib.loads(path.read_text())
    return path


def test_another_weights_file_changes_the_scores(tmp_path: Path) -> None:
    weights = load_weights(_weights_file(tmp_path, "theft_from_shop = 2.5", "theft_from_shop = 10.0"))
    assert incident_harm(facts(), weights=weights).value == 10.0


@pytest.mark.parametrize(
    ("edit", "replace", "field"),
    [
        ("theft_from_shop = 2.5", "theft_from_shoop = 2.5", "offence_days"),
        ("robbery = 365.0", "robbery = -1", "offence_days.robbery"),
        ("gbp_per_day = 91.58", "gbp_per_day = 0", "value.gbp_per_day"),
        ("harm_thresholds = [30.0, 150.0, 500.0, 1500.0]", "harm_thresholds = [30.0, 15.0, 500.0, 1500.0]",
         "morile.harm_thresholds"),
        ("[rfg]", "[rfg_renamed]", "rfg"),
    ],
)  # fmt: skip
def test_a_bad_weights_file_is_refused_with_the_reason(tmp_path: Path, edit: str, replace: str, field: str) -> None:
    with pytest.raises(InvalidValue) as refused:
        load_weights(_weights_file(tmp_path, edit, replace))
    assert refused.value.details["field"] == field


def _population(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, list[IncidentFacts]]:
    """Thirty offenders with a mix of offences, violence, values and dates over two years."""
    rng = np.random.default_rng(seed)
    offences = [o.value for o in OffenceType]
    incidents = [
        IncidentFacts(
            incident_id=i, occurred_at=NOW - timedelta(days=float(rng.uniform(0, 730))),
            offence=str(rng.choice(offences)), value_gbp=float(rng.choice([0.0, 35.5, 420.0])),
            threats=bool(rng.random() < 0.2) or None, assault=bool(rng.random() < 0.1) or None,
            injury=bool(rng.random() < 0.05) or None, weapon=str(rng.choice(["none", "knife", "firearm", "bat"])),
        )
        for i in range(300)
    ]  # fmt: skip
    appearances = pd.DataFrame({"offender_id": rng.integers(1, 31, 450), "incident_id": rng.integers(0, 300, 450)})
    frame = pd.DataFrame([{k: getattr(f, k) for k in IncidentFacts.__slots__} for f in incidents])
    frame["harm_days"] = incident_harm_days(frame)
    return appearances.drop_duplicates(), frame, incidents


@pytest.mark.parametrize("seed", [1, 2])
def test_the_pipelines_whole_store_scores_agree_with_the_one_at_a_time_scores(seed: int) -> None:
    """The offender and group pages (scored by the pipeline) and a referral (scored by casework) agree."""
    appearances, frame, incidents = _population(seed)
    ids = np.arange(1, 32)  # offender 31 has no incidents at all
    scored = prioritise_offenders(offender_ids=ids, appearances=appearances, incidents=frame, as_of=NOW)
    for row in scored.itertuples():
        own = [incidents[i] for i in appearances.loc[appearances["offender_id"] == row.offender_id, "incident_id"]]
        one = offender_rfg(own, as_of=NOW)
        assert row.priority_score == pytest.approx(one.value, abs=2e-3)
        assert row.priority_parts == pytest.approx(one.parts, abs=2e-3)
    assert sorted(scored["priority_rank"]) == list(range(1, 32))
    members = pd.DataFrame({"group_id": [7, 7, 7, 8, 8, 8, 8], "offender_id": [1, 2, 3, 4, 5, 6, 31]})
    groups = prioritise_groups(
        members=members, appearances=appearances, incidents=frame, named=pd.Series([1, 2, 4]),
        under_operation=pd.Series([8]), as_of=NOW,
    )  # fmt: skip
    for row in groups.itertuples():
        who = members.loc[members["group_id"] == row.group_id, "offender_id"]
        own_ids = sorted(set(appearances.loc[appearances["offender_id"].isin(who), "incident_id"]))
        one = group_morile(
            [incidents[i] for i in own_ids], as_of=NOW, members=len(who), named_members=int(who.isin([1, 2, 4]).sum()),
            under_operation=row.group_id == 8,
        )  # fmt: skip
        assert row.priority_score == pytest.approx(one.value, abs=1e-3)
        assert row.priority_parts == pytest.approx(one.parts, abs=1e-3)


def test_of_two_offenders_seen_as_often_the_violent_one_ranks_first_and_the_parts_add_up() -> None:
    frame = pd.DataFrame({
        "incident_id": range(24), "occurred_at": [NOW - timedelta(days=30 + d) for d in range(24)],
        "offence": ["theft_from_shop"] * 24, "value_gbp": [15.0] * 12 + [40.0] * 12,
        "assault": [None] * 12 + [True] * 12, "weapon": [None] * 12 + ["knife"] * 12,
    })  # fmt: skip
    frame["harm_days"] = incident_harm_days(frame)
    appearances = pd.DataFrame({"offender_id": [1] * 12 + [2] * 12, "incident_id": range(24)})
    ranked = prioritise_offenders(offender_ids=np.array([1, 2]), appearances=appearances, incidents=frame, as_of=NOW)
    assert ranked.sort_values("priority_rank")["offender_id"].tolist() == [2, 1]
    for row in ranked.itertuples():
        parts = row.priority_parts
        assert row.priority_score == pytest.approx(
            parts["score_from_gravity"] + parts["score_from_frequency"], abs=2e-3
        )


def test_a_prolific_offender_quiet_for_nine_months_still_outranks_an_occasional_recent_one() -> None:
    """The evaluation's complaint: a 96-incident offender last seen nine months before the data
    ended sat at rank 894. Recency may lower a score; it must not bury a prolific offender."""
    prolific = [NOW - timedelta(days=270 + d) for d in range(60)]
    occasional = [NOW - timedelta(days=d) for d in (1, 20, 40)]
    frame = pd.DataFrame({
        "incident_id": range(63), "occurred_at": prolific + occasional,
        "offence": ["theft_from_shop"] * 63, "value_gbp": [60.0] * 63,
    })
    frame["harm_days"] = incident_harm_days(frame)
    appearances = pd.DataFrame({"offender_id": [1] * 60 + [2] * 3, "incident_id": range(63)})
    ranked = prioritise_offenders(offender_ids=np.array([1, 2]), appearances=appearances, incidents=frame, as_of=NOW)
    assert ranked.sort_values("priority_rank")["offender_id"].tolist() == [1, 2]
