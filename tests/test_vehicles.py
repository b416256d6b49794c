"""Vehicles: misread and partial plates resolved to the vehicle they are, with the reason kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from sqlalchemy import select

from crimelink.access.organisations import add_organisation
from crimelink.domain.registration import RegistrationMark
from crimelink.evaluate.linkage import score_clusters
from crimelink.intake import import_documents, import_files
from crimelink.resolve import resolve_vehicles
from crimelink.resolve.vehicle_evidence import Description
from crimelink.resolve.vehicles import VEHICLE_MENTION_COLUMNS
from crimelink.scenario import generate_scenario
from crimelink.store import StoreHandle, open_store
from crimelink.store.models import Incident, Organisation, VehicleMention
from web_server import Site, site
from web_server import incident as site_incident


def mentions(*reads: str | tuple[str, dict[str, str]]) -> pd.DataFrame:
    """Vehicle mentions as intake stores them, one per read, each in its own incident."""
    rows = []
    for number, read in enumerate(reads, start=1):
        text, described = read if isinstance(read, tuple) else (read, {})
        mark = RegistrationMark.parse(text)
        rows.append({
            "mention_id": number, "incident_id": number, "vrm": text, "vrm_normalised": mark.key or None,
            "vrm_pattern": mark.pattern, "partial": mark.partial, "make": described.get("make"),
            "model": described.get("model"), "colour": described.get("colour"),
        })  # fmt: skip
    return pd.DataFrame(rows, columns=list(VEHICLE_MENTION_COLUMNS))


def vehicle_of(frame: pd.DataFrame) -> dict[str, int]:
    links = resolve_vehicles(frame).links.merge(frame[["mention_id", "vrm"]], on="mention_id")
    return dict(zip(links["vrm"], links["vehicle_id"], strict=True))


def reasons(frame: pd.DataFrame) -> dict[str, str]:
    links = resolve_vehicles(frame).links.merge(frame[["mention_id", "vrm"]], on="mention_id")
    return dict(zip(links["vrm"], links["reason"], strict=True))


@pytest.mark.parametrize("misread", ["4B12 CDE", "AB1Z CDE", "AB12 C0E", "ABI2 CDE"])
def test_a_misread_plate_joins_its_vehicle_and_says_why(misread: str) -> None:
    frame = mentions("AB12 CDE", "ab12cde", misread)
    seen = vehicle_of(frame)
    assert seen[misread] == seen["AB12 CDE"] == seen["ab12cde"]
    assert (
        reasons(frame)[misread]
        == f"misread of AB12CDE: {misread.replace(' ', '')} differs only in characters readers confuse"
    )
    assert reasons(frame)["AB12 CDE"] == "same registration mark"


@pytest.mark.parametrize(
    ("one", "other"), [("AB12 CDE", "AB12 CDF"), ("AB12 CDE", "AB13 CDE"), ("AB12 CDE", "AC12 CDE")]
)
def test_plates_that_differ_by_a_character_nobody_confuses_stay_apart(one: str, other: str) -> None:
    seen = vehicle_of(mentions((one, {"make": "Ford", "colour": "blue"}), (other, {"make": "Ford", "colour": "blue"})))
    assert seen[one] != seen[other]


def test_two_valid_plates_a_misread_apart_stay_apart_unless_the_description_agrees() -> None:
    # "AB12 CDE" and "AB12 COE" are both real-looking marks with the same fuzzy key.
    apart = vehicle_of(mentions(("AB12 CDE", {"make": "Ford"}), ("AB12 COE", {"make": "Audi"})))
    assert apart["AB12 CDE"] != apart["AB12 COE"]
    # A current mark misread as a valid prefix mark, on the same Nissan Qashqai, is one vehicle.
    same = {"make": "Nissan", "model": "Qashqai"}
    together = vehicle_of(mentions(("MD20 OFR", same), ("MD20OFR", same), ("M020 OFR", same)))
    assert together["MD20 OFR"] == together["M020 OFR"]


def test_a_misread_with_another_make_stays_apart() -> None:
    seen = vehicle_of(mentions(("AB12 CDE", {"make": "Ford"}), ("AB12 C0E", {"make": "BMW"})))
    assert seen["AB12 CDE"] != seen["AB12 C0E"]


def test_a_partial_read_joins_the_one_vehicle_it_fits_even_through_a_misread() -> None:
    frame = mentions("AB12 CDE", "AB12 C0E", "AB12 C?E", "AB?? ?DE")
    seen = vehicle_of(frame)
    assert seen["AB12 C?E"] == seen["AB12 CDE"] == seen["AB?? ?DE"]
    assert reasons(frame)["AB12 C?E"] == "partial read AB12C?E fits AB12CDE, the only known vehicle it could be"


def test_a_partial_read_that_fits_two_vehicles_needs_the_description_to_choose() -> None:
    ford, vauxhall = {"make": "Ford", "model": "Focus"}, {"make": "Vauxhall", "colour": "red"}
    frame = mentions(("XY61 ZZZ", ford), ("XY61 ZZA", vauxhall), "XY61 ZZ?", ("XY61 Z?Z", {}),
                     ("xy61 zz?", {"make": "ford", "colour": "silver"}))  # fmt: skip
    seen = vehicle_of(frame)
    assert seen["XY61 ZZ?"] not in (seen["XY61 ZZZ"], seen["XY61 ZZA"])  # no evidence: apart
    assert seen["xy61 zz?"] == seen["XY61 ZZZ"]
    assert reasons(frame)["xy61 zz?"] == (
        "partial read XY61ZZ? fits XY61ZZZ: of the 2 known vehicles it could be, only this one's make agree"
    )
    assert seen["XY61 Z?Z"] == seen["XY61 ZZZ"]  # only one fits


def test_a_partial_read_contradicted_by_the_make_stays_apart() -> None:
    seen = vehicle_of(mentions(("AB12 CDE", {"make": "Ford"}), ("AB12 C?E", {"make": "Toyota"})))
    assert seen["AB12 CDE"] != seen["AB12 C?E"]


@pytest.mark.parametrize(
    ("one", "other", "contradicts"),
    [
        (("Ford", "Focus", "silver"), ("FORD", "focus", "grey"), False),
        (("VW", "Golf", "navy"), ("Volkswagen", None, "blue"), False),
        (("Ford", None, "red"), ("Ford", None, "white"), True),
        (("Ford", "Focus", None), ("Ford", "Fiesta", None), True),
        ((None, None, "dark"), (None, None, "white"), False),
    ],
)
def test_descriptions_compare_the_way_witnesses_describe(
    one: tuple[Any, Any, Any], other: tuple[Any, Any, Any], contradicts: bool
) -> None:
    assert Description.of(*one).contradicts(Description.of(*other)) is contradicts


def test_vehicle_linkage_on_a_generated_scenario_scores_at_least_098(sqlite_store: StoreHandle, tmp_path: Path) -> None:
    reports = tmp_path / "s.jsonl"
    generate_scenario(incidents=4000, seed=5, out=reports, truth_dir=tmp_path / "truth")
    organisations = pd.read_csv(tmp_path / "truth" / "organisations.csv", dtype=str, keep_default_na=False)
    with sqlite_store.session() as session:
        for row in organisations.to_dict("records"):
            add_organisation(session=session, code=row["code"], kind=row["kind"], force=row["police_force"] or None)
    import_files(store=sqlite_store, paths=[reports])
    with sqlite_store.engine.connect() as conn:
        rows = conn.execute(
            select(Organisation.code, Incident.incident_ref, VehicleMention.position,
                   *(getattr(VehicleMention, c if c != "mention_id" else "id") for c in VEHICLE_MENTION_COLUMNS))
            .join(Incident, Incident.id == VehicleMention.incident_id)
            .join(Organisation, Organisation.id == Incident.submitter_id)
        ).all()  # fmt: skip
    frame = pd.DataFrame(rows, columns=["submitter", "incident_ref", "position", *VEHICLE_MENTION_COLUMNS])
    links = resolve_vehicles(frame).links
    truth = pd.read_csv(tmp_path / "truth" / "vehicle_mentions.csv", dtype=str, keep_default_na=False)
    truth["position"] = truth.groupby(["submitter", "incident_ref"], sort=False).cumcount()
    scored = frame.merge(links, on="mention_id").merge(truth, on=["submitter", "incident_ref", "position"])
    assert len(scored) == len(frame) > 300
    scores = score_clusters(scored["vehicle_id_x"], scored["vehicle_id_y"])
    assert scores.pairwise.f1 >= 0.98, scores
    assert scored["reason"].notna().all()


# Plate search, over real HTTP. The sample world (tests/web_server.py) has AB12CDE (Northmart,
# twice) and XY70ZZZ (Southco); a misread of AB12CDE and a second car are added here.
EXTRA = [
    site_incident("SOUTHCO", "SC-9", "2025-03-20T12:00:00Z", police_force="metropolitan",
                  vehicles=[{"vrm": "AB12 C0E", "make": "Ford"}, {"vrm": "FD51 XYZ", "make": "Audi"}]),
    site_incident("NORTHMART", "NM-9", "2025-03-21T12:00:00Z", vehicles=[{"vrm": "AB13 CDE", "make": "Kia"}]),
]  # fmt: skip


@pytest.fixture(scope="module")
def plates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("plates")
    with site(open_store(f"sqlite:///{folder / 'plates.sqlite'}"), folder, more=EXTRA) as served:
        yield served


def found(web: Site, username: str, plate: str, **params: str) -> list[str]:
    with httpx.Client(base_url=web.url, auth=web.auth(username), timeout=30) as client:
        response = client.get("/api/v1/vehicles/search", params={"plate": plate, **params})
    assert response.status_code == 200, response.text
    return [hit["vrm"] for hit in response.json()["items"]]


@pytest.mark.parametrize(
    ("plate", "vrms"),
    [
        ("AB12CDE", ["AB12CDE"]),
        ("ab12 cde", ["AB12CDE"]),
        ("AB1?CDE", ["AB12CDE", "AB13CDE"]),
        ("AB12?DE", ["AB12CDE"]),  # the misread AB12C0E is AB12CDE's read: found once
        ("*ZZZ", ["XY70ZZZ"]),
        ("FD5*", ["FD51XYZ"]),
        ("*XY*", ["FD51XYZ", "XY70ZZZ"]),
        ("AB12COE", []),
    ],
)
def test_plate_search_takes_wildcards_as_anpr_tools_do(plates: Site, plate: str, vrms: list[str]) -> None:
    assert sorted(found(plates, "analyst", plate)) == vrms


def test_plate_search_forgives_misreads_on_request(plates: Site) -> None:
    assert found(plates, "analyst", "AB12COE", misreads="true") == ["AB12CDE"]
    assert found(plates, "analyst", "A8I2?DE", misreads="true") == ["AB12CDE"]
    with httpx.Client(base_url=plates.url, auth=plates.auth("analyst"), timeout=30) as client:
        hit = client.get("/api/v1/vehicles/search", params={"plate": "AB12C?E"}).json()["items"][0]
    assert hit["read_as"] == ["AB12C0E", "AB12CDE"] and hit["incidents"] == 3 and hit["forces"] == 2


def test_plate_search_shows_a_retailer_only_its_own_vehicles_and_counts(plates: Site) -> None:
    assert sorted(found(plates, "northmart", "AB1?CDE")) == ["AB12CDE", "AB13CDE"]
    assert found(plates, "southco", "AB1?CDE") == []  # Southco read it as AB12C0E
    assert found(plates, "southco", "AB12C?E") == ["AB12C0E"]  # the car as Southco's own report reads it
    assert found(plates, "northmart", "*ZZZ") == []  # Southco's car
    with httpx.Client(base_url=plates.url, auth=plates.auth("northmart"), timeout=30) as client:
        hit = client.get("/api/v1/vehicles/search", params={"plate": "AB12CDE"}).json()["items"][0]
    assert (hit["incidents"], hit["read_as"]) == (2, ["AB12CDE"])  # not Southco's report or read


def test_plate_search_refuses_what_is_not_a_plate(plates: Site) -> None:
    with httpx.Client(base_url=plates.url, auth=plates.auth("analyst"), timeout=30) as client:
        response = client.get("/api/v1/vehicles/search", params={"plate": "*?"})
        assert response.status_code == 400 and "at least two" in response.json()["message"]
        page = client.get("/vehicles/search", params={"plate": "A#"})
        assert page.status_code == 200 and 'data-testid="plate-problem"' in page.text


def test_the_plate_search_page_answers_htmx_with_the_results_only(plates: Site) -> None:
    with httpx.Client(base_url=plates.url, auth=plates.auth("wmp"), timeout=30) as client:
        whole = client.get("/vehicles/search", params={"plate": "AB12*"})
        partial = client.get("/vehicles/search", params={"plate": "AB12*"}, headers={"HX-Request": "true"})
    assert whole.status_code == partial.status_code == 200
    assert "<form" in whole.text and "<form" not in partial.text
    assert 'href="/vehicles/' in partial.text and "AB12CDE" in partial.text


def test_plate_search_runs_the_same_on_sqlite_and_postgresql(store: StoreHandle, tmp_path: Path) -> None:
    from crimelink.access.policy import Viewer
    from crimelink.domain.organisations import OrganisationKind, Role
    from crimelink.pipeline import run_analysis
    from crimelink.web.services.vehicles import search_plates

    with store.session() as session:
        unit, _ = add_organisation(session=session, code="NATIONAL-UNIT", kind="national_unit")
        add_organisation(session=session, code="SOUTHCO", kind="retailer")
        add_organisation(session=session, code="NORTHMART", kind="retailer")
        session.flush()
        viewer = Viewer(1, "analyst", "Analyst", Role.NATIONAL_ANALYST, unit.id, unit.code, "National Unit",
                        OrganisationKind.NATIONAL_UNIT, None)  # fmt: skip
    assert import_documents(store=store, documents=EXTRA).created == len(EXTRA)
    run_analysis(store=store)
    with store.session() as session:

        def vrms(plate: str, misreads: bool = False) -> list[str | None]:
            return [
                hit.vrm
                for hit in search_plates(db_session=session, viewer=viewer, plate=plate, misreads=misreads).vehicles
            ]

        assert vrms("AB1?C*") == ["AB12C0E", "AB13CDE"]
        assert vrms("AB12CDE", misreads=True) == ["AB12C0E"]
        assert vrms("*1XY?") == ["FD51XYZ"]
