"""Patterns: groups (Leiden, hubs), series (pairwise model), key players, routes, charts, the
evaluation against a scenario's truth, and the patterns API. Store tests run on SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import httpx
import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

import crimelink.store.models.patterns  # noqa: F401  (registers the tables until store.models imports them)
from crimelink.access.organisations import add_organisation
from crimelink.evaluate.patterns import (
    adjusted_rand,
    evaluate_patterns,
    groups_recovered,
    normalised_mutual_information,
)
from crimelink.intake import import_files
from crimelink.network import key_players, routes
from crimelink.network.charts import Chart, ChartEdge, ChartNode, to_anx, to_csv, to_graphml
from crimelink.network.linkage import FEATURES, PairModel, fit_pair_model
from crimelink.network.series import _Clusters
from crimelink.pipeline import run_analysis
from crimelink.scenario import generate_scenario
from crimelink.store import StoreHandle
from crimelink.store.models import Incident, IncidentSeries, Offender, PersonLink, PersonMention
from crimelink.store.models.patterns import Hotspot, KeyPlayer, Route, SeriesLink
from web_server import Site, site

KENT = {"store_ref": "K1", "name": "Northmart Maidstone", "lat": 51.2724, "lon": 0.5229}
KENT_2 = {"store_ref": "K2", "name": "Northmart Ashford", "lat": 51.1465, "lon": 0.8750}
CUMBRIA = {"store_ref": "C1", "name": "Northmart Carlisle", "lat": 54.8925, "lon": -2.9329}
ESSEX = {"store_ref": "E1", "name": "Northmart Chelmsford", "lat": 51.7356, "lon": 0.4685}


def incident(ref: str, when: str, store: dict[str, Any], *, persons: list[dict[str, Any]] = (),  # type: ignore[assignment]
             vehicles: list[dict[str, Any]] = (), tags: list[str] = (), **extra: Any) -> dict[str, Any]:  # type: ignore[assignment]
    return {"schema": "crimelink.incident/1", "submitter": "NORTHMART", "incident_ref": ref, "occurred_at": when,
            "offence": "theft_from_shop", "store": store, "value_gbp": 100.0, "persons": list(persons),
            "vehicles": list(vehicles), **({"mo": {"tags": list(tags)}} if tags else {}), **extra}


def named(*names: str, born: str = "1990-01") -> list[dict[str, Any]]:
    return [{"person_ref": f"P{k}", "name": n, "dob": f"{born}-{k + 1:02d}"} for k, n in enumerate(names)]


def load(store: StoreHandle, tmp_path: Path, reports: list[dict[str, Any]]) -> None:
    with store.session() as session:
        add_organisation(session=session, code="NORTHMART", kind="retailer")
    path = tmp_path / "reports.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in reports))
    assert import_files(store=store, paths=[path]).created == len(reports)


def by_ref(store: StoreHandle) -> dict[tuple[str, str], int]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(Incident.incident_ref, PersonMention.person_ref, PersonLink.offender_id)
                            .join(PersonMention, PersonMention.incident_id == Incident.id)
                            .join(PersonLink, PersonLink.mention_id == PersonMention.id)).all()
    return {(ref, p): o for ref, p, o in rows}


# Crews of people with nothing in common but the crew: linkage must keep every one apart.
ALPHA = named("Adam Alpha", "Noel Fairbairn", "Priya Castellano")
BRAVO = named("Ben Bravo", "Wilf Ostrowski", "Bea Montgomery", born="1986-07")
RIDERS = ("Tomasz Nowak", "Grace Adeyemi", "Rhys Llewellyn", "Sana Mirza", "Owen Callaghan", "Freya Lund")


def test_a_shared_car_and_a_taxi_merge_no_groups(store: StoreHandle, tmp_path: Path) -> None:
    shared, taxi = {"vrm": "SH12 ARE"}, {"vrm": "TX70 AXI"}
    load(store, tmp_path, [
        incident("A1", "2025-01-06T10:00:00Z", KENT, persons=ALPHA, tags=["lookout"]),
        incident("A2", "2025-02-03T11:00:00Z", KENT_2, persons=ALPHA[:2], vehicles=[shared]),
        incident("B1", "2025-01-20T15:00:00Z", CUMBRIA, persons=BRAVO, tags=["fire_exit"]),
        incident("B2", "2025-03-10T12:00:00Z", CUMBRIA, persons=BRAVO[1:], vehicles=[shared]),
        *[incident(f"T{k}", f"2025-0{k + 1}-1{k}T09:00:00Z", ESSEX, vehicles=[taxi],
                   persons=[{"person_ref": "P1", "name": RIDERS[k], "dob": f"198{k}-02-02"}])
          for k in range(6)],
    ])
    result = run_analysis(store=store)
    links = by_ref(store)
    with store.engine.connect() as conn:
        group_of = dict(conn.execute(select(Offender.id, Offender.group_id)).all())
    alpha = {group_of[links[("A1", f"P{k}")]] for k in range(3)}
    bravo = {group_of[links[("B1", f"P{k}")]] for k in range(3)}
    assert len(alpha) == len(bravo) == 1
    assert alpha != bravo
    assert None not in alpha | bravo
    assert all(group_of[links[(f"T{k}", "P1")]] is None for k in range(6))
    assert result.figures["groups"] == 2
    assert result.figures["hub_vehicles"] == 1  # the taxi: six riders who never offend together


def test_a_series_takes_in_a_spree_incident_where_nobody_is_named(store: StoreHandle, tmp_path: Path) -> None:
    van = {"vrm": "VA55 NNN", "make": "Ford", "model": "Transit"}
    described = [{"person_ref": "P1", "gender": "male", "age_min": 25, "age_max": 35},
                 {"person_ref": "P2", "gender": "male", "age_min": 20, "age_max": 30}]
    tags = ["sweeping_shelves", "lookout", "multiple_offenders"]
    load(store, tmp_path, [
        incident("S1", "2025-04-02T09:30:00Z", KENT, persons=ALPHA[:2], vehicles=[van], tags=tags),
        incident("S2", "2025-04-02T11:10:00Z", KENT_2, persons=described, tags=tags),
        incident("S3", "2025-04-02T13:00:00Z", ESSEX, persons=ALPHA[1:], vehicles=[van], tags=tags),
        incident("S4", "2025-04-20T10:00:00Z", KENT, persons=ALPHA, tags=tags),
        incident("X1", "2025-04-02T12:00:00Z", CUMBRIA, persons=[{"person_ref": "P1", "name": "Zed Lone"}],
                 tags=["concealment_in_clothing"]),
    ])
    run_analysis(store=store)
    with store.session() as session:
        series = dict(session.execute(select(Incident.incident_ref, IncidentSeries.series_id)
                                      .join(IncidentSeries, IncidentSeries.incident_id == Incident.id)).all())
        reasons = session.scalars(select(SeriesLink.reason)).all()
        route = session.scalars(select(Route).where(Route.kind == "series")).one()
    assert set(series) == {"S1", "S2", "S3", "S4"}
    assert len(set(series.values())) == 1
    assert any("km apart" in r or "same group" in r or "same vehicle" in r for r in reasons)
    assert route.cross_force
    assert [leg["force"] for leg in route.route] == ["kent", "essex", "kent"]


def test_the_analysis_saves_key_players_routes_and_hotspots(store: StoreHandle, tmp_path: Path) -> None:
    bridge = {"person_ref": "P9", "name": "Carl Bridge", "dob": "1985-05-05"}
    load(store, tmp_path, [
        incident("A1", "2025-01-06T10:00:00Z", KENT, persons=[*ALPHA, bridge]),
        incident("A2", "2025-01-08T10:00:00Z", ESSEX, persons=ALPHA),
        incident("B1", "2025-01-20T15:00:00Z", KENT, persons=[*BRAVO, bridge]),
        incident("B2", "2025-01-22T15:00:00Z", KENT_2, persons=BRAVO),
    ])
    result = run_analysis(store=store)
    with store.session() as session:
        players = session.scalars(select(KeyPlayer).order_by(KeyPlayer.key_player_rank)).all()
        names = dict(session.execute(select(Offender.id, Offender.display_name)).all())
        groups = session.scalars(select(Route).where(Route.kind == "group")).all()
        cells = session.scalars(select(Hotspot).where(Hotspot.scope == "national")).all()
    top = players[0]
    assert names[top.offender_id] == "Carl BRIDGE"
    assert top.broker
    assert top.groups_linked == 2
    assert result.figures["brokers"] >= 1
    assert {tuple(g.force_list) for g in groups} == {("essex", "kent"), ("kent",)}
    assert sum(c.incidents for c in cells) == 4


def test_detection_beats_the_baseline_on_a_generated_scenario(sqlite_store: StoreHandle, tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    generate_scenario(incidents=3000, seed=5, out=out)
    truth = tmp_path / "s.jsonl.truth"
    with sqlite_store.session() as session:
        for row in csv.DictReader((truth / "organisations.csv").open()):
            add_organisation(session=session, code=row["code"], kind=row["kind"], name=row["name"],
                             force=row["police_force"] or None)
    import_files(store=sqlite_store, paths=[out])
    run_analysis(store=sqlite_store)
    report = evaluate_patterns(store=sqlite_store, truth=truth)
    groups, series = report["groups"], report["series"]
    assert groups["detected"]["ari"] >= max(0.8, groups["baseline"]["ari"])
    assert series["detected"]["f1"] >= max(0.7, series["baseline"]["f1"] + 0.2)
    assert report["linkage_auc"]["distance_days_mo"] > 0.9
    assert report["priority"]["found"] == 20


@pytest.mark.parametrize(("predicted", "true", "ari"), [
    ([1, 1, 2, 2], ["a", "a", "b", "b"], 1.0),
    ([1, 1, 1, 1], ["a", "a", "b", "b"], 0.0),
    ([1, 2, 3, 4], ["a", "a", "b", "b"], 0.0),
])  # fmt: skip
def test_adjusted_rand_on_small_cases(predicted: list[int], true: list[str], ari: float) -> None:
    assert adjusted_rand(predicted, true) == pytest.approx(ari)


def test_ari_and_nmi_agree_with_scikit_learn() -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(3)
    true = rng.integers(0, 12, 500)
    predicted = np.where(rng.random(500) < 0.8, true, rng.integers(0, 15, 500))
    assert adjusted_rand(predicted, true) == pytest.approx(metrics.adjusted_rand_score(true, predicted))
    assert normalised_mutual_information(predicted, true) == pytest.approx(
        metrics.normalized_mutual_info_score(true, predicted))


def test_a_group_is_recovered_only_by_a_detected_group_that_is_mostly_its_own() -> None:
    predicted = pd.Series([1, 1, 1, 1, 2, 2, np.nan, 3, 3, 3, 3, 3])
    true = pd.Series(["a", "a", "a", "a", "b", "b", "b", "c", "c", "d", "d", "d"])
    assert groups_recovered(predicted, true) == (1, 4)


def test_the_shipped_model_is_complete_and_weighs_evidence_the_right_way() -> None:
    model = PairModel.load()
    assert set(model.coefficients) == set(FEATURES)
    assert model.coefficients["same_vehicle"] > 0
    assert model.coefficients["same_offender"] > 0
    assert model.coefficients["mo_jaccard"] > 0
    assert model.coefficients["log_km"] < 0
    assert model.coefficients["log_days"] < 0
    assert "seed 11" in model.source


def test_fitting_recovers_the_direction_of_the_evidence() -> None:
    rng = np.random.default_rng(1)
    n = 4000
    values = {name: rng.random(n) for name in FEATURES}
    z = -1 + 4 * values["mo_jaccard"] - 3 * values["log_km"]
    labels = rng.random(n) < 1 / (1 + np.exp(-z))
    fitted = fit_pair_model(values, labels)
    assert fitted.coefficients["mo_jaccard"] == pytest.approx(4, abs=0.6)
    assert fitted.coefficients["log_km"] == pytest.approx(-3, abs=0.6)


def test_clusters_anchored_to_different_groups_never_merge() -> None:
    clusters = _Clusters(4, {0: {"g1"}, 1: {"g2"}, 2: {"o7"}})
    assert not clusters.join(0, 1, strong=True)
    assert not clusters.join(0, 2, strong=False)  # an offender's cluster needs a strong link
    assert clusters.join(0, 2, strong=True)
    assert clusters.join(3, 1)
    assert clusters.find(3) == clusters.find(1) != clusters.find(0)


def test_a_broker_between_two_groups_is_the_key_player() -> None:
    edges = pd.DataFrame([(1, 2), (1, 3), (2, 3), (4, 5), (4, 6), (5, 6), (3, 9), (4, 9)],
                         columns=["source", "target"]).assign(weight=1.0)
    members = pd.DataFrame({"group_id": [1, 1, 1, 2, 2, 2], "offender_id": [1, 2, 3, 4, 5, 6]})
    ranked = key_players(edges=edges, members=members).set_index("offender_id")
    assert ranked["betweenness"].idxmax() == 9
    assert ranked.loc[9, "broker"]
    assert ranked.loc[9, "groups_linked"] == 2
    assert not ranked.loc[[1, 3, 4], "broker"].any()
    assert ranked.loc[9, "key_player_rank"] < ranked.loc[1, "key_player_rank"]


def test_a_route_folds_consecutive_incidents_in_one_force() -> None:
    incidents = pd.DataFrame({"incident_id": range(1, 6), "police_force": ["kent", "kent", "essex", "kent", None],
                              "occurred_at": pd.date_range("2025-01-01", periods=5, freq="D")})
    pairs = pd.DataFrame({"offender_id": [7] * 5 + [8], "incident_id": [1, 2, 3, 4, 5, 1]})
    found = routes(kind="offender", pairs=pairs, key="offender_id", incidents=incidents).set_index("entity_id")
    assert list(found.index) == [7]  # offender 8 stays in one force: not kept
    assert [(leg["force"], leg["incidents"]) for leg in found.loc[7, "route"]] == [
        ("kent", 2), ("essex", 1), ("kent", 1)]
    assert found.loc[7, "cross_force"]


def _chart() -> Chart:
    chart = Chart(title="test")
    chart.node(ChartNode("o:1", "offender", "Jason SMITH"))
    chart.node(ChartNode("i:2", "incident", "NORTHMART/NM-1 <&>", pd.Timestamp("2025-01-10").to_pydatetime()))
    chart.node(ChartNode("v:3", "vehicle", "AB12CDE"))
    chart.edge(ChartEdge("o:1", "i:2", "named in", "named in NORTHMART/NM-1"))
    chart.edge(ChartEdge("v:3", "i:2", "seen at", "AB12 CDE noted"))
    chart.edge(ChartEdge("v:3", "x:9", "seen at", "dangling: dropped"))
    return chart


def test_charts_export_as_csv_graphml_and_anx() -> None:
    chart = _chart()
    rows = list(csv.DictReader(io.StringIO(to_csv(chart))))
    assert [(r["source_id"], r["target_id"], r["why"]) for r in rows] == [
        ("o:1", "i:2", "named in NORTHMART/NM-1"), ("v:3", "i:2", "AB12 CDE noted")]
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    graph = ET.fromstring(to_graphml(chart).split("?>", 1)[1])
    assert len(graph.findall(".//g:node", ns)) == 3
    assert len(graph.findall(".//g:edge", ns)) == 2
    anx = ET.fromstring(to_anx(chart))  # UTF-16, as Analyst's Notebook reads it (tests/test_anx.py: the rest)
    entities = {e.get("Identity"): e.find("Icon/IconStyle").get("Type")  # type: ignore[union-attr]
                for e in anx.iter("Entity") if e.find("Icon") is not None}
    assert entities == {"o:1": "Person", "i:2": "Event", "v:3": "Car"}
    identity = {e.get("EntityId"): e.get("Identity") for e in anx.iter("Entity")}
    assert {(identity[link.get("End1Id")], identity[link.get("End2Id")]) for link in anx.iter("Link")} == {
        ("o:1", "i:2"), ("v:3", "i:2")}
    assert any(item.get("Label") == "NORTHMART/NM-1 <&>" for item in anx.iter("ChartItem"))


def test_a_date_window_drops_incidents_outside_it() -> None:
    kept = _chart().between(pd.Timestamp("2025-02-01").to_pydatetime(), None)
    assert set(kept.nodes) == {"o:1"}
    assert not kept.edges


@pytest.fixture
def web(sqlite_store: StoreHandle, tmp_path: Path) -> Iterator[Site]:
    with site(sqlite_store, tmp_path) as served:
        yield served


def test_the_patterns_api(web: Site) -> None:
    with httpx.Client(base_url=web.url, auth=web.auth("analyst"), timeout=30) as api:
        groups = api.get("/api/v1/groups").json()["items"]
        gid = groups[0]["id"]
        chart = api.get("/api/v1/chart", params={"node": f"g:{gid}"}).json()
        kinds = {n["kind"] for n in chart["nodes"]}
        assert {"group", "offender", "incident", "vehicle"} <= kinds
        assert all(e["why"] for e in chart["edges"])
        offender = next(n["id"] for n in chart["nodes"] if n["kind"] == "offender")
        more = api.get("/api/v1/chart", params={"node": offender, "expand": "true"}).json()
        assert more["root"] == offender
        narrow = api.get("/api/v1/chart", params={"node": f"g:{gid}", "from": "2025-03-01"}).json()
        assert all(n["when"] >= "2025-03-01" for n in narrow["nodes"] if n["kind"] == "incident")
        for fmt, marker in (("csv", "source_id"), ("graphml", "<graphml"), ("anx", "<Chart")):
            got = api.get("/api/v1/chart/export", params={"node": f"g:{gid}", "format": fmt})
            assert got.status_code == 200
            assert marker in got.text
            assert "attachment" in got.headers["content-disposition"]
        shown = api.get("/api/v1/map", params={"kind": "group", "id": gid}).json()
        assert "Open Government Licence v3.0" in shown["attribution"]
        assert "Contains OS data © Crown copyright and database right 2023" in shown["attribution"]
        assert shown["tiles"] is None
        profile = api.get(f"/api/v1/groups/{gid}/profile").json()
        assert profile["incidents"] >= 3
        assert profile["route"]["cross_force"]
        assert api.get("/api/v1/series").status_code == 200
        assert api.get("/api/v1/key-players").json()["items"]
        assert api.get("/api/v1/context").json()["months"] == []
        assert api.get("/api/v1/chart", params={"node": "q:1"}).status_code == 422
        for page in (f"/chart?node=g:{gid}", f"/map?kind=group&id={gid}", "/series", "/key-players", "/hotspots",
                     "/context", f"/groups/{gid}/profile", "/map"):
            assert api.get(page).status_code == 200, page
    with httpx.Client(base_url=web.url, auth=web.auth("northmart"), timeout=30) as retailer:
        assert retailer.get("/api/v1/chart", params={"node": f"g:{gid}"}).status_code == 404
        assert retailer.get("/api/v1/series").json()["items"] == []
        assert retailer.get("/api/v1/key-players").json()["items"] == []
