"""Analysis: who is who, which vehicle is which, groups, series, priorities — and runs that
replace their results whole or not at all. Every test runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, update

import crimelink.pipeline
from crimelink.access.organisations import add_organisation
from crimelink.casework.models import Operation, OperationLink
from crimelink.intake import import_files
from crimelink.pipeline import PEAK_MB, SECONDS, AnalysisError, run_analysis
from crimelink.reports.export import export_analysis
from crimelink.resolve import VehicleResolution, resolve_vehicles
from crimelink.store import StoreHandle
from crimelink.store.models import (
    AnalysisRun,
    GroupMember,
    Incident,
    IncidentSeries,
    Offender,
    OffenderGroup,
    PersonLink,
    PersonMention,
    Series,
    Vehicle,
    VehicleLink,
    VehicleMention,
)
from crimelink.store.models.patterns import UnidentifiedMember

RESULT_TABLES = (Offender, PersonLink, Vehicle, VehicleLink, OffenderGroup, GroupMember, Series,
                 IncidentSeries)


def incident(ref: str, *, persons: Iterable[dict[str, Any]] = (),
             vehicles: Iterable[dict[str, Any]] = (), submitter: str = "NORTHMART",
             when: str = "2025-03-01T10:00:00Z", force: str = "west-midlands",
             value: float = 100.0, **extra: Any) -> dict[str, Any]:
    """An incident in the exchange format, with only what a test cares about."""
    return {"schema": "crimelink.incident/1", "submitter": submitter, "incident_ref": ref,
            "occurred_at": when, "offence": "theft_from_shop", "store": {"store_ref": "S1"},
            "police_force": force, "value_gbp": value, "persons": list(persons),
            "vehicles": list(vehicles), **extra}


def person(ref: str = "P1", name: str | None = None, **fields: Any) -> dict[str, Any]:
    return {"person_ref": ref, **({"name": name} if name else {}), **fields}


def load(store: StoreHandle, tmp_path: Path, incidents: list[dict[str, Any]],
         name: str = "reports.jsonl") -> None:
    """Register the submitters and import the incidents, as a retailer's file would arrive."""
    with store.session() as session:
        for code in sorted({i["submitter"] for i in incidents}):
            add_organisation(session=session, code=code, kind="retailer")
    path = tmp_path / name
    path.write_text("".join(json.dumps(i) + "\n" for i in incidents))
    summary = import_files(store=store, paths=[path])
    assert summary.rejected == 0, summary.rejections


def offender_of(store: StoreHandle) -> dict[tuple[str, str], int]:
    """(incident_ref, person_ref) → offender id."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(Incident.incident_ref, PersonMention.person_ref, PersonLink.offender_id)
            .join_from(PersonLink, PersonMention, PersonLink.mention_id == PersonMention.id)
            .join(Incident, PersonMention.incident_id == Incident.id)
        )
        return {(ref, person_ref): offender for ref, person_ref, offender in rows}


def count(store: StoreHandle, table: Any) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_the_same_person_named_in_any_order_and_case_is_one_offender(
    store: StoreHandle, tmp_path: Path
) -> None:
    load(store, tmp_path, [
        incident("A1", persons=[person("P1", "John SMITH", dob="1990-04-01")]),
        incident("A2", persons=[person("P1", "smith, john", dob="1990-04-01")],
                 force="staffordshire", submitter="SOUTHCO"),
    ])
    run_analysis(store=store)
    links = offender_of(store)
    assert links[("A1", "P1")] == links[("A2", "P1")]
    with store.engine.connect() as conn:
        offender = conn.execute(select(Offender)).one()
        reason = conn.execute(select(PersonLink.reason)).scalars().first()
    assert (offender.display_name, offender.incidents, offender.forces) == ("John SMITH", 2, 2)
    assert offender.mentions == 2
    assert offender.value_gbp == 200.0
    assert offender.named
    assert reason is not None and reason.startswith("model: ") and "date of birth" in reason


def test_the_same_common_name_with_different_dates_of_birth_stays_two_people(
    store: StoreHandle, tmp_path: Path
) -> None:
    load(store, tmp_path, [
        incident("A1", persons=[person("P1", "John Smith", dob="1990-04-01")]),
        incident("A2", persons=[person("P1", "John Smith", dob="1985-11-30")]),
        # Undated, same area: two dates of birth are known there, so it joins neither.
        incident("A3", persons=[person("P1", "John Smith")]),
    ])
    run_analysis(store=store)
    links = offender_of(store)
    assert len({links[("A1", "P1")], links[("A2", "P1")], links[("A3", "P1")]}) == 3


def test_different_middle_names_are_two_people_even_through_a_plain_report(
    store: StoreHandle, tmp_path: Path
) -> None:
    load(store, tmp_path, [
        incident("A1", persons=[person("P1", "David James Barnes")]),
        incident("A2", persons=[person("P1", "Barnes, David")]),  # could be either of them
        incident("A3", persons=[person("P1", "David Lawrence Barnes")]),
    ])
    run_analysis(store=store)
    links = offender_of(store)
    assert links[("A1", "P1")] != links[("A3", "P1")]


@pytest.mark.parametrize("second_force", ["west-midlands", "kent"])
def test_an_undated_name_links_within_and_across_force_areas(
    store: StoreHandle, tmp_path: Path, second_force: str
) -> None:
    # Travelling offenders are the point: the same full name, written either way round, is one
    # person whether the second report comes from the same force area or another.
    load(store, tmp_path, [
        incident("A1", persons=[person("P1", "Kayleigh Brennan-Doyle")]),
        incident("A2", persons=[person("P1", "BRENNAN-DOYLE, Kayleigh")], force=second_force),
    ])
    run_analysis(store=store)
    links = offender_of(store)
    assert links[("A1", "P1")] == links[("A2", "P1")]


def test_a_shared_pnc_id_links_whatever_the_name(store: StoreHandle, tmp_path: Path) -> None:
    load(store, tmp_path, [
        incident("A1", persons=[person("P1", "Jon Smyth", pnc_id="98/1234567X")]),
        incident("A2", persons=[person("P1", "Johnny", pnc_id="98/1234567x")], force="kent"),
    ])
    run_analysis(store=store)
    links = offender_of(store)
    assert links[("A1", "P1")] == links[("A2", "P1")]


def test_described_only_people_are_never_merged(store: StoreHandle, tmp_path: Path) -> None:
    looks: dict[str, Any] = {"gender": "male", "age_min": 25, "age_max": 35, "build": "slim"}
    load(store, tmp_path, [
        incident("A1", persons=[person("P1", **looks)]),
        incident("A2", persons=[person("P1", **looks)]),
        incident("A3", persons=[person("P1", "Smithy", **looks)]),  # a nickname says too little
    ])
    run_analysis(store=store)
    assert len(set(offender_of(store).values())) == 3
    with store.engine.connect() as conn:
        names = conn.execute(select(Offender.display_name, Offender.named).order_by(Offender.id))
        assert names.all() == [("Unnamed male, 25–35, slim", False),
                               ("Unnamed male, 25–35, slim", False), ("SMITHY", True)]


def test_a_misspaced_plate_and_a_partial_read_are_one_vehicle(
    store: StoreHandle, tmp_path: Path
) -> None:
    load(store, tmp_path, [
        incident("A1", vehicles=[{"vrm": "AB12 CDE", "make": "Ford", "colour": "blue"}]),
        incident("A2", vehicles=[{"vrm": "ab 12cde", "make": "Ford"}]),
        incident("A3", vehicles=[{"vrm": "AB1? C?E", "partial": True}]),
        incident("A4", vehicles=[{"vrm": "XY61 ZZZ"}, {"vrm": "XY61 ZZA"}]),
        incident("A5", vehicles=[{"vrm": "XY61 ZZ?", "partial": True}]),  # fits two: apart
    ])
    run_analysis(store=store)
    with store.engine.connect() as conn:
        vehicle_of = dict(conn.execute(
            select(VehicleMention.vrm, VehicleLink.vehicle_id)
            .join(VehicleLink, VehicleLink.mention_id == VehicleMention.id)).all())
        ab12 = conn.execute(select(Vehicle).where(Vehicle.vrm == "AB12CDE")).one()
    assert vehicle_of["AB12 CDE"] == vehicle_of["ab 12cde"] == vehicle_of["AB1? C?E"]
    assert (ab12.mentions, ab12.incidents, ab12.make, ab12.colour) == (3, 3, "Ford", "blue")
    assert len({vehicle_of["XY61 ZZZ"], vehicle_of["XY61 ZZA"], vehicle_of["XY61 ZZ?"]}) == 3
    assert count(store, Vehicle) == 4


CREWS = {  # people with nothing in common but the crew they are in: linkage must keep them apart
    "Alpha": ("Aaron Okafor", "Bethany Lindqvist", "Callum Fairweather"),
    "Bravo": ("Dmitri Brennan", "Eilidh Marchetti", "Faisal Quigley"),
    "Charlie": ("Gemma Achterberg", "Harvey Nakamura", "Imogen Pettigrew"),
    "Lone": ("Jasper Ogunleye", "Keira Vasquez", "Lowri Abernathy"),
}


def _named(crew: str, n: int) -> list[dict[str, Any]]:
    return [person(f"P{i}", name) for i, name in enumerate(CREWS[crew][:n])]


def test_co_offenders_form_a_group_but_a_popular_vehicle_does_not_merge_groups(
    store: StoreHandle, tmp_path: Path
) -> None:
    hub = {"vrm": "TA11 XIS"}
    reports = [
        incident("G1", persons=_named("Alpha", 3), vehicles=[hub], force="staffordshire"),
        incident("G2", persons=_named("Bravo", 3), vehicles=[hub]),
        *[incident(f"H{i}", persons=[person("P1", CREWS["Lone"][i])], vehicles=[hub]) for i in range(3)],
        # Two people in one car, a third seen later in the same (not popular) car: a group.
        incident("V1", persons=_named("Charlie", 2), vehicles=[{"vrm": "CD34 EFG"}]),
        incident("V2", persons=[person("P9", CREWS["Charlie"][2])], vehicles=[{"vrm": "CD34EFG"}]),
    ]
    load(store, tmp_path, reports)
    result = run_analysis(store=store)
    links = offender_of(store)
    with store.engine.connect() as conn:
        group_of = dict(conn.execute(select(Offender.id, Offender.group_id)).all())
        labels = list(conn.execute(select(OffenderGroup.label).order_by(OffenderGroup.id))
                      .scalars())
    alpha = {group_of[links[("G1", f"P{i}")]] for i in range(3)}
    bravo = {group_of[links[("G2", f"P{i}")]] for i in range(3)}
    charlie = {group_of[links[(ref, p)]] for ref, p in (("V1", "P0"), ("V1", "P1"), ("V2", "P9"))}
    assert len(alpha) == len(bravo) == len(charlie) == 1
    assert len(alpha | bravo | charlie) == 3
    assert None not in alpha | bravo | charlie
    # The lone riders of the shared car never offended together: no group of their own, and
    # the car does not tie them (or the gangs) to anyone.
    assert {group_of[links[(f"H{i}", "P1")]] for i in range(3)} == {None}
    assert result.figures["groups"] == 3
    assert labels[0] == "Group 1 — 3 members, Staffordshire"


def test_incidents_sharing_a_prolific_offender_are_a_series(
    store: StoreHandle, tmp_path: Path
) -> None:
    prolific = person("P1", "Dean Harlow", dob="1979-02-02")
    load(store, tmp_path, [
        incident("S1", persons=[prolific], when="2025-01-01T10:00:00Z", value=50.0),
        incident("S2", persons=[prolific], when="2025-01-08T10:00:00Z", value=70.0, force="kent"),
        incident("S3", persons=[prolific], when="2025-02-01T10:00:00Z", value=80.0),
        incident("X1", persons=[person("P1", "Other Person")]),
    ])
    result = run_analysis(store=store)
    with store.engine.connect() as conn:
        series = conn.execute(select(Series)).one()
        members = dict(conn.execute(
            select(Incident.incident_ref, IncidentSeries.series_id)
            .join(IncidentSeries, IncidentSeries.incident_id == Incident.id)).all())
    assert members == {"S1": series.id, "S2": series.id, "S3": series.id}
    assert (series.incidents, series.forces, series.value_gbp) == (3, 2, 200.0)
    assert (result.figures["series"], result.figures["incidents_in_series"]) == (1, 3)


def test_a_prolific_offender_outranks_a_one_off_violent_one_and_parts_add_up(
    store: StoreHandle, tmp_path: Path
) -> None:
    busy = person("P1", "Busy Bee", dob="1990-01-01")
    load(store, tmp_path, [
        *[incident(f"B{i}", persons=[busy], when=f"2024-05-{i + 10}T10:00:00Z", value=20.0) for i in range(10)],
        incident("V1", persons=[person("P1", "Violent Vic")], value=10.0, when="2025-03-01T10:00:00Z",
                 violence={"assault": True, "weapon": "knife"}),
        incident("Q1", persons=[person("P1", "Quiet Quentin")], when="2023-01-01T10:00:00Z"),
    ])
    result = run_analysis(store=store)
    with store.engine.connect() as conn:
        ranked = conn.execute(select(Offender.display_name, Offender.priority_rank,
                                     Offender.priority_score, Offender.priority_parts)
                              .order_by(Offender.priority_rank)).all()
        settings = conn.execute(select(AnalysisRun.settings).where(AnalysisRun.id == result.run_id)).scalar_one()
    assert [name for name, *_ in ranked] == ["Busy BEE", "Violent VIC", "Quiet QUENTIN"]
    assert [rank for _, rank, *_ in ranked] == [1, 2, 3]
    for _, _, score, parts in ranked:  # RFG: recency x frequency weight x (incidents + bounded harm), each part shown
        assert score == pytest.approx(parts["score_from_gravity"] + parts["score_from_frequency"], abs=0.002)
        harm = min(parts["frequency"], parts["gravity_days"] / parts["gravity_unit_days"])
        assert score == pytest.approx(parts["recency"] * parts["frequency_weight"] * (
            parts["frequency"] + parts["gravity_weight"] * harm), rel=1e-3)
    bee, vic, quentin = (parts for *_, parts in ranked)
    assert vic["gravity_days"] > 180  # a knife: six months' custody at the starting point
    assert vic["days_since_last"] == 0.0 and bee["days_since_last"] > 100
    assert vic["score_from_gravity"] > bee["score_from_gravity"]  # the harm counts, but it cannot outweigh ten
    assert bee["frequency"] == 10 and quentin["frequency"] == 0 and ranked[2][2] == 0.0  # outside the lookback
    assert settings["priority"]["weights"]["offence_days"]["robbery"] == 365.0  # the weights in force, kept


def test_groups_are_ranked_by_morile_and_an_open_operation_halves_the_capacity_needed(
    store: StoreHandle, tmp_path: Path
) -> None:
    people = {"Alpha": [("Marcus Okafor", "1988-02-11"), ("Jade Lindqvist", "1991-07-23"),
                        ("Tyrone Ramsbottom", "1985-12-02")],
              "Bravo": [("Kerry Featherstone", "1979-05-30"), ("Dale Achterberg", "1994-09-14"),
                        ("Nadia Szymanska", "1990-03-08")]}

    def gang(name: str) -> list[dict[str, Any]]:
        return [person(f"P{i}", who, dob=dob) for i, (who, dob) in enumerate(people[name])]

    load(store, tmp_path, [
        *[incident(f"A{i}", persons=gang("Alpha"), when=f"2025-03-0{i + 1}T10:00:00Z", offence="robbery")
          for i in range(5)],
        *[incident(f"B{i}", persons=gang("Bravo"), when=f"2025-02-0{i + 1}T10:00:00Z") for i in range(3)],
    ])

    def groups() -> list[Any]:
        with store.engine.connect() as conn:
            return list(conn.execute(
                select(OffenderGroup.label, OffenderGroup.priority_score, OffenderGroup.priority_rank,
                       OffenderGroup.priority_parts).order_by(OffenderGroup.priority_rank)))

    run_analysis(store=store)
    before = groups()
    assert [label.split(" — ")[1] for label, *_ in before] == ["3 members, West Midlands"] * 2
    (_, alpha, _, parts), (_, bravo, _, bravo_parts) = before
    assert (parts["harm_level"], parts["likelihood_level"]) == (5, 3)  # 5 robberies: 1,825 harm days
    assert (bravo_parts["harm_level"], bravo_parts["likelihood_level"]) == (1, 2)
    for _, score, _, p in before:
        assert score == pytest.approx(p["harm_level"] * p["likelihood_level"] * p["capability"] * p["capacity"])
        assert p["named_members"] == p["members"] == 3 and p["capacity"] == 1.0
    with store.session() as session:
        anchor = session.scalar(select(func.min(PersonLink.mention_id)).join(
            PersonMention, PersonMention.id == PersonLink.mention_id).join(
            Incident, Incident.id == PersonMention.incident_id).where(Incident.incident_ref == "A0"))
        operation = Operation(name="Op Alpha", lead_force="west-midlands")
        session.add(operation)
        session.flush()
        session.add(OperationLink(operation_id=operation.id, kind="group", target_id=0,
                                  anchor_mention_id=anchor, label="Alpha"))
    run_analysis(store=store)
    (_, worked, _, worked_parts), _ = groups()
    assert worked_parts["under_operation"] is True and worked_parts["capacity"] == 0.5
    assert worked == alpha / 2 and alpha / 2 > bravo


def test_running_again_replaces_the_results(store: StoreHandle, tmp_path: Path) -> None:
    load(store, tmp_path, [
        incident("A1", persons=_named("Alpha", 3), vehicles=[{"vrm": "AB12CDE"}]),
        incident("A2", persons=_named("Alpha", 3)),
        incident("A3", persons=_named("Alpha", 1)),
    ])
    first = run_analysis(store=store)
    before = {table.__tablename__: count(store, table) for table in RESULT_TABLES}
    second = run_analysis(store=store)
    after = {table.__tablename__: count(store, table) for table in RESULT_TABLES}
    assert before == after

    def found(figures: dict[str, int | float]) -> dict[str, int | float]:  # what it found, not how long it took
        return {k: v for k, v in figures.items() if not k.startswith((SECONDS, PEAK_MB))}

    assert found(first.figures) == found(second.figures)
    assert after["offenders"] == 3
    assert after["person_links"] == 7
    assert after["offender_groups"] == 1
    with store.engine.connect() as conn:
        runs = conn.execute(select(AnalysisRun).order_by(AnalysisRun.id)).all()
    assert [(r.status, r.figures["offenders"]) for r in runs] == [("finished", 3)] * 2
    assert runs[0].settings["groups"]["min_members"] == 3


def test_a_failing_stage_leaves_the_previous_results(
    store: StoreHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(store, tmp_path, [incident("A1", persons=_named("Alpha", 3))])
    run_analysis(store=store)
    before = {table.__tablename__: count(store, table) for table in RESULT_TABLES}
    load(store, tmp_path, [incident("A2", persons=_named("Bravo", 2))], name="more.jsonl")

    def broken(**_: Any) -> None:
        raise RuntimeError("series model exploded")

    monkeypatch.setattr(crimelink.pipeline, "detect_series", broken)
    stages: list[str] = []
    with pytest.raises(AnalysisError, match="detecting series"):
        run_analysis(store=store, progress=stages.append)
    assert stages[-1] == "detecting series"
    assert {table.__tablename__: count(store, table) for table in RESULT_TABLES} == before
    with store.engine.connect() as conn:
        last = conn.execute(select(AnalysisRun).order_by(AnalysisRun.id.desc())).first()
    assert last is not None
    assert last.status == "failed"
    assert "series model exploded" in (last.error or "")


def test_a_failure_while_saving_leaves_the_previous_results_whole(
    store: StoreHandle, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load(store, tmp_path, [incident("A1", persons=_named("Alpha", 3),
                                    vehicles=[{"vrm": "AB12CDE"}])])
    run_analysis(store=store)
    before = {table.__tablename__: count(store, table) for table in RESULT_TABLES}
    load(store, tmp_path, [incident("A2", persons=_named("Bravo", 3))], name="more.jsonl")
    def buggy(mentions: Any, **settings: Any) -> VehicleResolution:
        """A stage that links a mention that does not exist: the store refuses it mid-save."""
        result = resolve_vehicles(mentions, **settings)
        links = result.links.copy()
        links.loc[len(links)] = [10**9, 1, "bogus"]
        return VehicleResolution(links=links, vehicles=result.vehicles)

    monkeypatch.setattr(crimelink.pipeline, "resolve_vehicles", buggy)
    with pytest.raises(AnalysisError, match="saving results"):
        run_analysis(store=store)
    assert {table.__tablename__: count(store, table) for table in RESULT_TABLES} == before


def test_progress_names_each_stage_in_order(store: StoreHandle) -> None:
    stages: list[str] = []
    result = run_analysis(store=store, progress=stages.append)  # an empty store is fine too
    assert [s for s in stages if s not in ("loading incidents", "saving results")] == [
        "resolving persons", "resolving vehicles", "linking incidents", "detecting groups",
        "attributing unidentified suspects", "detecting series",
        "ranking key players", "tracing routes", "finding hotspots", "prioritising",
    ]
    assert result.figures["incidents"] == result.figures["offenders"] == 0


def test_a_masked_suspect_beside_two_members_is_the_groups_unidentified_member_and_exported(
    store: StoreHandle, tmp_path: Path
) -> None:
    masked = person("M1", description="Male, 20s, balaclava", gender="male")
    load(store, tmp_path, [
        incident("A1", persons=_named("Alpha", 3)),
        incident("A2", persons=_named("Alpha", 3), when="2025-03-08T10:00:00Z"),
        incident("A3", persons=[*_named("Alpha", 2), masked], when="2025-03-15T10:00:00Z"),
        incident("L1", persons=[person("L", description="Female, 40s", gender="female")]),
    ])
    result = run_analysis(store=store)
    links = offender_of(store)
    with store.engine.connect() as conn:
        attributed = conn.execute(select(UnidentifiedMember.offender_id, UnidentifiedMember.group_id,
                                         UnidentifiedMember.strength, UnidentifiedMember.evidence)).all()
        group_of = dict(conn.execute(select(Offender.id, Offender.group_id)).all())
    assert [(u.offender_id, u.group_id) for u in attributed] == [(links[("A3", "M1")], group_of[links[("A1", "P0")]])]
    assert attributed[0].strength >= 0.9
    assert attributed[0].evidence.startswith("Group 1: seen with its members once")
    assert group_of[links[("A3", "M1")]] is None  # never made a member, nor merged into one
    assert result.figures["unidentified_members"] == 1
    export_analysis(store=store, directory=tmp_path / "out")
    rows = {r["offender_id"]: r["group_id"] for r in csv.DictReader((tmp_path / "out" / "offenders.csv").open())}
    assert rows[str(links[("A3", "M1")])] == str(attributed[0].group_id)
    assert rows[str(links[("L1", "L")])] == ""


def test_one_report_dated_year_9999_does_not_stop_the_national_analysis(store: StoreHandle, tmp_path: Path) -> None:
    """Intake now refuses such dates; a store filled before it did still holds them. The analysis
    leaves that incident out, says how many it left out, and concludes on the rest."""
    pair = [person("P1", "Sam Hill", dob="1990-01-01"), person("P2", "Kim Lee", dob="1991-02-02")]
    load(store, tmp_path, [incident(f"Y{i}", persons=pair, when=f"2025-03-0{i + 1}T10:00:00Z") for i in range(3)])
    with store.engine.begin() as conn:
        conn.execute(update(Incident).where(Incident.incident_ref == "Y2").values(occurred_at=datetime(9999, 12, 31)))
        conn.execute(update(Incident).where(Incident.incident_ref == "Y1").values(occurred_at=datetime(1, 1, 1)))
    result = run_analysis(store=store)
    assert result.figures["incidents_left_out"] == 2
    assert result.figures["incidents"] == 1 and result.figures["named_offenders"] == 2
