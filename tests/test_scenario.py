"""The scenario generator: valid exchange-format records, reproducible, with consistent truth.

One small scenario (3,000 incidents) is generated once per module; each test reads it.
"""

from __future__ import annotations

import csv
import json
import re
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from crimelink.geography import forces_for_points
from crimelink.scenario import ScenarioSummary, generate_scenario
from crimelink.scenario._places import STATIONS, TOWNS

SPEC = Path(__file__).resolve().parents[2] / "shared" / "spec"
N = 3000
SEED = 7
_PLATE = re.compile(r"^([A-HJ-PR-Y]{2}[0-9]{2}[A-HJ-PR-Z]{3}|[A-HJ-NP-Y][0-9]{1,3}[A-HJ-PR-Y]{3})$")


class Scenario:
    def __init__(self, out: Path, summary: ScenarioSummary, progress: list[int]) -> None:
        self.out = out
        self.truth = out.parent / (out.name + ".truth")
        self.summary = summary
        self.progress = progress
        self.records: list[dict[str, Any]] = [json.loads(line) for line in out.read_text().splitlines()]

    def table(self, name: str) -> list[dict[str, str]]:
        with (self.truth / name).open(newline="") as fh:
            return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    out = tmp_path_factory.mktemp("scenario") / "incidents.jsonl"
    seen: list[int] = []
    summary = generate_scenario(incidents=N, seed=SEED, out=out, progress=seen.append)
    return Scenario(out, summary, seen)


def _files(out: Path) -> dict[str, bytes]:
    truth = out.parent / (out.name + ".truth")
    return {"out": out.read_bytes(), **{p.name: p.read_bytes() for p in sorted(truth.iterdir())}}


def test_every_line_validates_against_the_schema(scenario: Scenario) -> None:
    schema = json.loads((SPEC / "incident-v1.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    assert len(scenario.records) == N == scenario.summary.incidents
    for number, record in enumerate(scenario.records, start=1):
        errors = list(validator.iter_errors(record))
        assert not errors, f"line {number}: {errors[0].message}"


def test_times_are_zoned_in_the_period_and_reported_after_they_occurred(scenario: Scenario) -> None:
    first, last = (
        datetime.fromisoformat("2024-04-30T00:00:00+00:00"),
        datetime.fromisoformat("2025-05-02T00:00:00+00:00"),
    )
    for record in scenario.records:
        occurred = datetime.fromisoformat(record["occurred_at"])
        assert occurred.tzinfo is not None
        assert first <= occurred <= last
        if "reported_at" in record:
            assert datetime.fromisoformat(record["reported_at"]) > occurred
        for person in record.get("persons", []):
            if "dob" in person:
                date.fromisoformat(person["dob"])
            if "age_min" in person:
                assert person["age_min"] <= person["age_max"]


def test_same_seed_gives_identical_bytes_and_another_seed_differs(scenario: Scenario, tmp_path: Path) -> None:
    again = tmp_path / "again" / "incidents.jsonl"
    generate_scenario(incidents=N, seed=SEED, out=again)
    assert _files(again) == _files(scenario.out)
    other = tmp_path / "other.jsonl"
    generate_scenario(incidents=N, seed=SEED + 1, out=other, truth_dir=tmp_path / "other-truth")
    assert other.read_bytes() != scenario.out.read_bytes()
    assert (tmp_path / "other-truth" / "persons.csv").exists()


def test_progress_reports_counts_written_up_to_the_total(scenario: Scenario) -> None:
    assert scenario.progress
    assert scenario.progress == sorted(scenario.progress)
    assert scenario.progress[-1] == N


def test_incident_refs_are_unique_per_submitter_and_every_submitter_is_an_organisation(
    scenario: Scenario,
) -> None:
    keys = [(r["submitter"], r["incident_ref"]) for r in scenario.records]
    assert len(set(keys)) == len(keys)
    organisations = {row["code"]: row for row in scenario.table("organisations.csv")}
    assert {r["submitter"] for r in scenario.records} <= set(organisations)
    assert Counter(row["kind"] for row in organisations.values()).keys() == {
        "retailer",
        "police_force",
    }
    assert sum(row["kind"] == "retailer" for row in organisations.values()) >= 20
    assert len(organisations) == scenario.summary.organisations


def test_police_reports_carry_force_and_crime_reference(scenario: Scenario) -> None:
    police = [r for r in scenario.records if r["submitter"].startswith("POLICE-")]
    assert police
    assert all("police_force" in r and "crime_reference" in r for r in police)
    assert any(r.get("police_force") == "btp" for r in scenario.records)
    retail = [r for r in scenario.records if not r["submitter"].startswith("POLICE-")]
    assert sum("police_force" in r for r in retail) < 0.3 * len(retail)


def test_incident_truth_covers_every_record_with_the_true_force(scenario: Scenario) -> None:
    truth = {(row["submitter"], row["incident_ref"]): row for row in scenario.table("incidents.csv")}
    assert len(truth) == N
    for record in scenario.records:
        row = truth[(record["submitter"], record["incident_ref"])]
        if "police_force" in record:
            assert record["police_force"] == row["police_force"]


def test_every_person_mention_is_in_the_truth_exactly_once(scenario: Scenario) -> None:
    rows = scenario.table("person_mentions.csv")
    keys = Counter((row["submitter"], row["incident_ref"], row["person_ref"]) for row in rows)
    mentions = [
        (r["submitter"], r["incident_ref"], p["person_ref"]) for r in scenario.records for p in r.get("persons", [])
    ]
    assert Counter(mentions) == keys
    assert set(keys.values()) == {1}
    persons = {row["person_id"]: row for row in scenario.table("persons.csv")}
    assert {row["person_id"] for row in rows} <= set(persons)
    for row in rows:
        assert row["group_id"] == persons[row["person_id"]]["group_id"]


def test_vehicle_mentions_match_the_truth(scenario: Scenario) -> None:
    rows = scenario.table("vehicle_mentions.csv")
    mentions = [(r["submitter"], r["incident_ref"], v["vrm"]) for r in scenario.records for v in r.get("vehicles", [])]
    assert Counter(mentions) == Counter((row["submitter"], row["incident_ref"], row["vrm"]) for row in rows)
    vehicles = {row["vehicle_id"]: row for row in scenario.table("vehicles.csv")}
    assert len(vehicles) == scenario.summary.vehicles
    for row in rows:
        assert vehicles[row["vehicle_id"]]["vrm"] == row["true_vrm"]
    assert all(_PLATE.match(v["vrm"]) for v in vehicles.values())


def test_there_are_partial_and_misread_plates(scenario: Scenario) -> None:
    reads = [v for r in scenario.records for v in r.get("vehicles", [])]
    partial = [v for v in reads if v.get("partial")]
    assert partial
    assert all("?" in v["vrm"] for v in partial)
    truth = scenario.table("vehicle_mentions.csv")
    differ = [row for row in truth if "?" not in row["vrm"] and row["vrm"].replace(" ", "").upper() != row["true_vrm"]]
    assert differ  # misreads such as 0/O or 8/B


def test_most_mentions_are_descriptions_and_names_are_noisy(scenario: Scenario) -> None:
    mentions = [p for r in scenario.records for p in r.get("persons", [])]
    unnamed = [p for p in mentions if "name" not in p]
    assert 0.5 <= len(unnamed) / len(mentions) <= 0.7
    assert all("description" in p or "age_min" in p or "gender" in p for p in unnamed)
    names = [p["name"] for p in mentions if "name" in p]
    assert any("," in n for n in names)  # "SMITH, John"
    assert any(n.isupper() for n in names)
    assert any("aliases" in p for p in mentions)
    named = [p for p in mentions if "name" in p]
    assert 0.25 <= sum("dob" in p for p in named) / len(named) <= 0.6


def test_common_names_belong_to_different_people_with_different_dobs(scenario: Scenario) -> None:
    by_name: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for row in scenario.table("persons.csv"):
        by_name[row["full_name"]].add((row["person_id"], row["dob"]))
    shared = {name: people for name, people in by_name.items() if len(people) >= 3}
    assert any(name in shared for name in ("John Smith", "Mohammed Khan", "David Jones"))
    for people in shared.values():
        assert len({dob for _, dob in people}) >= 2


def test_groups_travel_across_forces_and_commit_a_fifth_of_incidents(scenario: Scenario) -> None:
    incidents = scenario.table("incidents.csv")
    groups = scenario.table("groups.csv")
    assert len(groups) == scenario.summary.groups >= 3
    forces: dict[str, set[str]] = defaultdict(set)
    for row in incidents:
        if row["group_id"]:
            forces[row["group_id"]].add(row["police_force"])
            assert row["series_id"] == f"S-{row['group_id']}"
    assert sum(len(f) >= 2 for f in forces.values()) >= 2
    share = sum(1 for row in incidents if row["group_id"]) / len(incidents)
    assert 0.15 <= share <= 0.25
    for group in groups:
        assert 3 <= len(group["members"].split(";")) <= 8
        assert 1 <= len(group["vehicles"].split(";")) <= 3
        assert 2 <= len(group["mo_tags"].split(";")) <= 4


def test_prolific_lone_offenders_form_series(scenario: Scenario) -> None:
    persons = {row["person_id"]: row for row in scenario.table("persons.csv")}
    counts = sorted((int(p["incidents"]) for p in persons.values() if not p["group_id"]), reverse=True)
    assert counts[0] >= 20
    assert sum(c <= 2 for c in counts) / len(counts) > 0.75
    series = {row["series_id"] for row in scenario.table("incidents.csv") if row["series_id"].startswith("S-P")}
    assert all(int(persons[s[2:]]["incidents"]) >= 3 for s in series)


def test_stores_lie_inside_their_force(scenario: Scenario) -> None:
    stores = [row for row in scenario.table("stores.csv") if row["lat"] and row["police_force"] != "btp"]
    found = forces_for_points([float(s["lat"]) for s in stores], [float(s["lon"]) for s in stores])
    assert found == [s["police_force"] for s in stores]
    assert len(scenario.table("stores.csv")) == scenario.summary.stores
    with_point = [r for r in scenario.records if "lat" in r["store"]]
    assert 0.9 < len(with_point) / N < 1.0


def test_reference_places_are_inside_their_force() -> None:
    found = forces_for_points([t.lat for t in TOWNS], [t.lon for t in TOWNS])
    assert found == [t.force_id for t in TOWNS]
    assert None not in forces_for_points([s[1] for s in STATIONS], [s[2] for s in STATIONS])


def test_every_group_member_and_vehicle_is_in_the_truth(scenario: Scenario) -> None:
    persons = {row["person_id"]: row for row in scenario.table("persons.csv")}
    vehicles = {row["vehicle_id"]: row for row in scenario.table("vehicles.csv")}
    assert len(persons) == scenario.summary.persons
    for group in scenario.table("groups.csv"):
        for member in group["members"].split(";"):
            assert persons[member]["group_id"] == group["group_id"]
        for vehicle in group["vehicles"].split(";"):
            assert vehicles[vehicle]["group_id"] == group["group_id"]


@pytest.mark.parametrize("incidents", [1, 7, 40])
def test_tiny_scenarios_are_complete(tmp_path: Path, incidents: int) -> None:
    out = tmp_path / "tiny.jsonl"
    summary = generate_scenario(incidents=incidents, seed=1, out=out, start=date(2023, 1, 1), days=10)
    lines = out.read_bytes().splitlines()
    assert len(lines) == summary.incidents == incidents
    truth = tmp_path / "tiny.jsonl.truth"
    with (truth / "incidents.csv").open() as fh:
        assert len(list(csv.DictReader(fh))) == incidents
    for line in lines:
        occurred = datetime.fromisoformat(json.loads(line)["occurred_at"])
        assert datetime(2022, 12, 31, tzinfo=occurred.tzinfo) <= occurred
        assert occurred < datetime(2023, 1, 12, tzinfo=occurred.tzinfo)
