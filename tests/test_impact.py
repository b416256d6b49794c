"""Impact figures: each is a number and the records behind it, for any period, force, retailer or
operation; and a generated year of the partnership's work, the same for the same seed."""

from __future__ import annotations

import csv
import io
import shutil
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crimelink.access.policy import Viewer, viewer_for_user
from crimelink.access.users import user_by_username
from crimelink.casework import operations, service
from crimelink.casework.generate import AlreadySeeded, seed_partnership_year
from crimelink.casework.lifecycle import Status
from crimelink.casework.models import Referral
from crimelink.casework.schemas import (
    ArrestIn,
    ChargeIn,
    CourtResultIn,
    EngagementIn,
    LinkIn,
    OutcomeIn,
    ReferralCreate,
    SentenceIn,
    SubjectIn,
    TransitionIn,
)
from crimelink.reports.impact import FIGURES, ImpactReport, ImpactScope, impact_report, write_csv, write_records_csv
from crimelink.store import StoreHandle, open_store
from crimelink.store.models import Incident, Offender, Organisation
from web_server import analyse, fill_store

ADOPTED = datetime(2025, 2, 17, 9, 0)
FIRST_INCIDENT = datetime(2025, 1, 10, 14, 5)
LAST_INCIDENT = datetime(2025, 3, 15, 22, 10)


def as_user(store: StoreHandle, username: str) -> Viewer:
    with store.session() as session:
        user = user_by_username(session=session, username=username)
        assert user is not None
        viewer = viewer_for_user(session=session, user_id=user.id)
    assert viewer is not None
    return viewer


def offender(store: StoreHandle, family_name: str) -> int:
    with store.session() as session:
        found = session.scalar(select(Offender.id).where(Offender.display_name.ilike(f"%{family_name}%")))
    assert found is not None
    return found


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def worked(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[StoreHandle, int]]:
    """The sample world, once per backend: one referral worked to an operation with results, one
    declined, two engagement sessions. The tests only read it."""
    folder = tmp_path_factory.mktemp("impact")
    if request.param == "sqlite":
        store = open_store(f"sqlite:///{folder / 'crimelink.sqlite'}")
    else:
        server = request.getfixturevalue("postgres_server")
        name = f"impact_{uuid.uuid4().hex[:12]}"
        server.admin(f"CREATE DATABASE {name} TEMPLATE crimelink_template")
        store = open_store(server.url(name))
    try:
        yield store, _work(store, folder)
    finally:
        store.close()


def _work(store: StoreHandle, folder: Path) -> int:
    fill_store(store, folder)
    analyse(store)
    northmart, southco = as_user(store, "northmart"), as_user(store, "southco")
    analyst, wmp = as_user(store, "analyst"), as_user(store, "wmp")
    smith, brown = offender(store, "smith"), offender(store, "brown")
    with store.session() as s:
        first = service.create_referral(session=s, actor=northmart, at=datetime(2025, 2, 1), data=ReferralCreate(
            summary="Smith and a car", request="Develop", subjects=[
                SubjectIn(kind="incident", incident_ref="NM-1"), SubjectIn(kind="person", id=smith),
                SubjectIn(kind="vehicle", vrm="AB12CDE")]))  # fmt: skip
        second = service.create_referral(session=s, actor=southco, at=datetime(2025, 3, 10), data=ReferralCreate(
            summary="Robbery", request="Develop", subjects=[
                SubjectIn(kind="incident", incident_ref="SC-1", crime_reference="01/2222/25")]))  # fmt: skip

        def step(actor: Viewer, referral: int, to: Status, when: datetime, **change: str) -> None:
            change_in = TransitionIn.model_validate({"to": to, **change})
            service.transition_referral(session=s, actor=actor, referral_id=referral, at=when, change=change_in)

        step(analyst, first, Status.TRIAGED, datetime(2025, 2, 3))
        step(analyst, first, Status.ACCEPTED, datetime(2025, 2, 4))
        step(analyst, first, Status.IN_DEVELOPMENT, datetime(2025, 2, 4))
        service.add_subject(session=s, actor=analyst, referral_id=first, subject=SubjectIn(kind="group", id=1))
        step(analyst, first, Status.DISSEMINATED, datetime(2025, 2, 10), lead_force="west-midlands")
        step(wmp, first, Status.ADOPTED, ADOPTED, operation_name="Operation Kestrel")
        step(analyst, second, Status.TRIAGED, datetime(2025, 3, 11))
        step(analyst, second, Status.DECLINED, datetime(2025, 3, 12), reason="Met already on it")
        op = operations.list_operations(session=s, actor=wmp)[0].id
        operations.link_to_operation(session=s, actor=wmp, operation_id=op, link=LinkIn(kind="person", id=brown))
        arrest = operations.record_arrest(session=s, actor=wmp, operation_id=op, arrest=ArrestIn(
            person="Jason Smith", offender_id=smith, arrested_at=datetime(2025, 3, 1, 6)))  # fmt: skip
        charge = operations.record_charge(session=s, actor=wmp, operation_id=op, charge=ChargeIn(
            person="Jason Smith", offence="theft_from_shop", counts=2, charged_at=datetime(2025, 3, 2),
            arrest_id=arrest.id))  # fmt: skip
        nm1, nm2 = (s.scalar(select(Incident.id).where(Incident.incident_ref == r)) for r in ("NM-1", "NM-2"))
        operations.record_outcomes(session=s, actor=wmp, operation_id=op, outcomes=[
            OutcomeIn(outcome_type="1", incident_id=nm1, charge_id=charge.id, recorded_at=datetime(2025, 3, 2)),
            OutcomeIn(outcome_type="4", incident_id=nm2, charge_id=charge.id, recorded_at=datetime(2025, 3, 2)),
            OutcomeIn(outcome_type="18", crime_reference="X/1/25", recorded_at=datetime(2025, 3, 2)),
        ])  # fmt: skip
        operations.record_court_result(session=s, actor=wmp, operation_id=op, result=CourtResultIn(
            person="Jason Smith", verdict="guilty_plea", decided_at=datetime(2025, 3, 14), charge_id=charge.id,
            sentences=[SentenceIn(custodial_months=18), SentenceIn(custodial_months=6, suspended=True)]))  # fmt: skip
        for held, org, force in ((date(2025, 3, 4), "NORTHMART", "west-midlands"),
                                 (date(2024, 12, 1), "SOUTHCO", "metropolitan")):  # fmt: skip
            operations.record_engagement(session=s, actor=analyst, data=EngagementIn(
                held_on=held, title="Evidence", organisations=[org], attendees=10, police_force=force))  # fmt: skip
    return op


def figures(store: StoreHandle, scope: ImpactScope) -> dict[str, float | None]:
    with store.session() as session:
        report = impact_report(session=session, scope=scope)
        return {f.key: f.value for f in report.figures}


def test_every_figure_for_all_time(worked: tuple[StoreHandle, int]) -> None:
    store, _ = worked
    got = figures(store, ImpactScope())
    before = 2 / (ADOPTED - FIRST_INCIDENT).total_seconds()  # NM-1, NM-2 before adoption
    after = 2 / (LAST_INCIDENT - ADOPTED).total_seconds()  # SC-1, WMP-1 after
    assert got == {
        "referrals": 2,
        "offenders_identified": 2,  # Smith (referred), Brown (linked to the operation)
        "vehicles_identified": 1,
        "operations_adopted": 1,
        "crimes_covered": 4,  # the group's, Smith's, Brown's and the car's crimes, once each
        "arrests": 1,
        "positive_outcomes": 2,  # a charge and a TIC; 'no suspect' does not count
        "court_results": 1,
        "custodial_years": 1.5,  # the suspended sentence does not count
        "losses_attributed_gbp": 420.5 + 150.0 + 1200.0 + 2000.0,
        "engagement_sessions": 2,
        "offending_rate_change_pct": round((after / before - 1) * 100, 1),
    }
    assert list(got) == list(FIGURES)


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        (ImpactScope.of(retailer="northmart"), {"referrals": 1, "operations_adopted": 1, "engagement_sessions": 1}),
        (ImpactScope.of(retailer="SOUTHCO"), {"referrals": 1, "operations_adopted": 0, "engagement_sessions": 1}),
        (ImpactScope.of(force="west-midlands"), {"referrals": 1, "arrests": 1, "engagement_sessions": 1}),
        (ImpactScope.of(force="metropolitan"), {"referrals": 1, "arrests": 0, "engagement_sessions": 1}),
        (ImpactScope.of(start=date(2025, 3, 1)), {"referrals": 1, "operations_adopted": 0, "arrests": 1,
                                                  "engagement_sessions": 1, "offenders_identified": 1}),
        (ImpactScope.of(end=date(2025, 2, 28)), {"referrals": 1, "operations_adopted": 1, "arrests": 0,
                                                 "custodial_years": 0, "offenders_identified": 1}),
    ],
)  # fmt: skip
def test_figures_follow_the_scope(  # Brown was linked to the operation today, Smith in February
    worked: tuple[StoreHandle, int], scope: ImpactScope, expected: dict[str, float]
) -> None:
    got = figures(worked[0], scope)
    assert {k: got[k] for k in expected} == expected


def test_one_operations_figures(worked: tuple[StoreHandle, int]) -> None:
    store, op = worked
    got = figures(store, ImpactScope.of(operation=op))
    assert (got["referrals"], got["arrests"], got["positive_outcomes"], got["engagement_sessions"]) == (1, 1, 2, None)
    assert figures(store, ImpactScope.of(operation=op + 1))["arrests"] == 0


def test_every_number_has_the_records_behind_it(worked: tuple[StoreHandle, int]) -> None:
    store, _ = worked
    with store.session() as session:
        report: ImpactReport = impact_report(session=session, scope=ImpactScope())
        for figure in report.figures:
            out = io.StringIO()
            rows = write_records_csv(session=session, figure=figure, out=out)
            table = list(csv.DictReader(io.StringIO(out.getvalue())))
            assert len(table) == rows
            if figure.unit == "count":
                assert rows == figure.value, figure.key
        custody = list(csv.DictReader(io.StringIO(_records(session, report, "custodial_years"))))
        assert sum(float(r["custodial_months"]) for r in custody) / 12 == 1.5
        losses = list(csv.DictReader(io.StringIO(_records(session, report, "losses_attributed_gbp"))))
        assert {r["incident_ref"] for r in losses} == {"NM-1", "NM-2", "SC-1", "WMP-1"}
        phases = list(csv.DictReader(io.StringIO(_records(session, report, "offending_rate_change_pct"))))
        assert [r["phase"] for r in phases] == ["before", "before", "after", "after"]


def test_a_period_counts_only_its_own_crimes_and_says_what_each_figure_counts(
    worked: tuple[StoreHandle, int],
) -> None:
    """February 2025: Smith referred, Operation Kestrel adopted. His January theft (NM-1, £420.50) and
    March's burglary (WMP-1, £2,000) are the whole year's, not February's."""
    store, _ = worked
    with store.session() as session:
        february = impact_report(session=session, scope=ImpactScope.of(start=date(2025, 2, 1), end=date(2025, 2, 28)))
        for key in ("crimes_covered", "losses_attributed_gbp"):
            rows = list(csv.DictReader(io.StringIO(_records(session, february, key))))
            assert {r["incident_ref"] for r in rows} == {"NM-2", "SC-1"}, key  # 14 and 20 February
        march = impact_report(session=session, scope=ImpactScope.of(start=date(2025, 3, 1), end=date(2025, 3, 31)))
        outcomes = list(csv.DictReader(io.StringIO(_records(session, march, "positive_outcomes"))))
    got = {f.key: f.value for f in february.figures}
    assert got["crimes_covered"] == 2  # of 4 all time
    assert got["losses_attributed_gbp"] == 150.0 + 1200.0
    assert {f.key: f.value for f in march.figures}["losses_attributed_gbp"] == 0  # nobody identified in March

    assert [r["outcome"] for r in outcomes] == ["Charged/summonsed", "Taken into consideration"]
    positive = march.figure("positive_outcomes").parts["positive_types"]
    assert "Community resolution" in positive and not any(t.isdigit() for t in positive)

    summary = february.summary().model_dump(mode="json")
    counts = {f["key"]: f["counts"] for f in summary["figures"]}
    assert list(counts) == list(FIGURES) and len(set(counts.values())) == len(FIGURES)
    assert "happened in the period" in counts["crimes_covered"] and "in the period" in counts["losses_attributed_gbp"]


def _records(session: object, report: ImpactReport, key: str) -> str:
    out = io.StringIO()
    write_records_csv(session=session, figure=report.figure(key), out=out)  # type: ignore[arg-type]
    return out.getvalue()


def test_the_figures_as_csv(worked: tuple[StoreHandle, int]) -> None:
    store, _ = worked
    with store.session() as session:
        report = impact_report(session=session, scope=ImpactScope.of(start=date(2025, 1, 1), end=date(2025, 12, 31)))
    out = io.StringIO()
    assert write_csv(report, out) == len(FIGURES)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert [r["figure"] for r in rows] == list(FIGURES)
    assert rows[0]["value"] == "2.0" and rows[0]["scope_from"] == "2025-01-01" and rows[0]["scope_to"] == "2025-12-31"


def test_an_unknown_retailer_or_force_is_refused(worked: tuple[StoreHandle, int]) -> None:
    from crimelink.errors import InvalidValue

    with pytest.raises(InvalidValue):
        figures(worked[0], ImpactScope.of(retailer="NOBODY"))
    with pytest.raises(InvalidValue):
        ImpactScope.of(force="gotham")


def _scenario_store(path: Path, tmp_path: Path) -> StoreHandle:
    from crimelink.access.organisations import add_organisation
    from crimelink.intake import import_files
    from crimelink.pipeline import run_analysis
    from crimelink.scenario import generate_scenario

    reports = tmp_path / "scenario.jsonl"
    generate_scenario(incidents=3000, seed=11, out=reports)
    store = open_store(f"sqlite:///{path}")
    with store.session() as session, (tmp_path / "scenario.jsonl.truth" / "organisations.csv").open() as fh:
        for row in csv.DictReader(fh):
            add_organisation(session=session, code=row["code"], kind=row["kind"], name=row["name"],
                             force=row.get("police_force") or None)  # fmt: skip
    import_files(store=store, paths=[reports])
    run_analysis(store=store)
    return store


def test_a_generated_year_is_realistic_and_the_same_for_the_same_seed(tmp_path: Path) -> None:
    store = _scenario_store(tmp_path / "a.sqlite", tmp_path)
    store.close()
    shutil.copy(tmp_path / "a.sqlite", tmp_path / "b.sqlite")
    years = []
    for name in ("a", "b"):
        handle = open_store(f"sqlite:///{tmp_path / name}.sqlite")
        counts = seed_partnership_year(store=handle, seed=5, referrals=30, operations=4, engagement=12)
        with handle.session() as session:
            summaries = list(session.scalars(select(Referral.summary).order_by(Referral.id)))
            report = impact_report(session=session, scope=ImpactScope())
            supermarket = session.scalar(
                select(func.count()).select_from(Referral).join(Organisation, Organisation.id == Referral.referrer_id)
                .where(Organisation.code.in_(("NORTHMART", "VALUEWAYS", "FRESHFIELD", "BRIDGEWELL", "KINGSBURYS",
                                              "GREENLEAF")))
            )  # fmt: skip
        years.append((counts, summaries, {f.key: f.value for f in report.figures}))
        if name == "a":
            with pytest.raises(AlreadySeeded):
                seed_partnership_year(store=handle, seed=5)
        handle.close()
    assert years[0] == years[1]
    counts, _, got = years[0]
    assert counts["referrals"] == got["referrals"] == 30
    assert supermarket == 10  # a third from supermarkets
    assert counts["operations"] == got["operations_adopted"]
    assert 1 <= counts["operations"] <= 4
    assert counts["arrests"] == got["arrests"]
    assert counts["arrests"] > 0
    assert counts["positive_outcomes"] == got["positive_outcomes"]
    assert counts["positive_outcomes"] > 0
    assert counts["engagement_sessions"] == got["engagement_sessions"] == 12
    assert got["offenders_identified"] and got["crimes_covered"] and got["losses_attributed_gbp"]
