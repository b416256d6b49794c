"""Cloned plates: one registration mark seen on cars that consistently differ is two vehicles,
each flagged "possible clone", and the pages show it only from the reports the viewer may see."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from sqlalchemy import select

from crimelink.intake import import_documents
from crimelink.resolve import VehicleSettings, resolve_vehicles
from crimelink.store import StoreHandle, open_store
from crimelink.store.models import Incident, Vehicle, VehicleLink, VehicleMention
from test_vehicles import mentions
from web_server import Site, site
from web_server import incident as site_incident

FOCUS = {"make": "Ford", "model": "Focus", "colour": "red"}
GOLF = {"make": "VW", "model": "Golf", "colour": "black"}


def resolved(*reads: str | tuple[str, dict[str, str]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each read's vehicle and reason (in the order given), and the vehicles."""
    frame = mentions(*reads)
    result = resolve_vehicles(frame)
    links = frame[["mention_id", "vrm"]].merge(result.links, on="mention_id").sort_values("mention_id")
    return links.reset_index(drop=True), result.vehicles.set_index("vehicle_id")


# resolve_vehicles, on frames as intake stores them


def test_two_cars_on_one_plate_are_two_vehicles_both_flagged_possible_clone() -> None:
    links, vehicles = resolved(*[("KM19 TXA", FOCUS)] * 4, *[("km19txa", GOLF)] * 3)
    focus, golf = links["vehicle_id"].iloc[0], links["vehicle_id"].iloc[4]
    assert focus != golf
    assert links["vehicle_id"].tolist() == [focus] * 4 + [golf] * 3
    assert vehicles["possible_clone"].tolist() == [True, True]
    assert vehicles["clone_group"].tolist() == ["KM19TXA", "KM19TXA"]
    assert vehicles["vrm"].tolist() == ["KM19TXA", "KM19TXA"]  # both keep the plate they wear
    assert vehicles.loc[golf, ["make", "model", "colour"]].tolist() == ["VW", "Golf", "black"]
    assert links.at[4, "reason"] == (
        "same registration mark, but a black VW Golf: a different vehicle from the red Ford Focus on this plate "
        "(possible clone)"
    )
    assert "also seen on a black VW Golf (possible clone)" in links.at[0, "reason"]


@pytest.mark.parametrize(
    "odd", [{**FOCUS, "colour": "maroon"}, {**FOCUS, "colour": "blue"}, {"make": "Ford", "model": "Fiesta"}]
)
def test_one_misread_description_among_consistent_sightings_splits_nothing(odd: dict[str, str]) -> None:
    links, vehicles = resolved(*[("KM19 TXA", FOCUS)] * 5, ("KM19 TXA", odd), ("KM19 TXA", FOCUS))
    assert links["vehicle_id"].nunique() == 1
    assert vehicles["possible_clone"].tolist() == [False]
    assert vehicles["clone_group"].isna().all()
    assert set(links["reason"]) == {"same registration mark"}


def test_a_car_of_another_make_seen_once_on_the_plate_is_another_vehicle() -> None:
    """A witness misreads a colour, not a maker: a Peugeot 208 among Mini Cooper sightings is
    the car whose plate was copied, even if it was seen only once."""
    peugeot = {"make": "Peugeot", "model": "208", "colour": "red"}
    mini = {"make": "Mini", "model": "Cooper", "colour": "blue"}
    links, vehicles = resolved(("PN17 GJT", peugeot), *[("PN17GJT", mini)] * 5, "PN17 GJT")
    assert links["vehicle_id"].nunique() == 2
    assert links.at[0, "vehicle_id"] != links.at[1, "vehicle_id"] == links.at[6, "vehicle_id"]
    assert vehicles["possible_clone"].all()


def test_an_undescribed_sighting_joins_the_most_seen_car_and_makes_no_third_vehicle() -> None:
    links, vehicles = resolved(*[("KM19 TXA", FOCUS)] * 3, "KM19 TXA", *[("KM19 TXA", GOLF)] * 2, "KM19TXA")
    assert links["vehicle_id"].nunique() == len(vehicles) == 2
    focus = links["vehicle_id"].iloc[0]
    assert links.at[3, "vehicle_id"] == links.at[6, "vehicle_id"] == focus
    assert vehicles["possible_clone"].all()


def test_a_sighting_naming_only_a_colour_or_a_make_joins_the_car_it_fits() -> None:
    links, _ = resolved(*[("KM19 TXA", FOCUS)] * 3, *[("KM19 TXA", GOLF)] * 2,
                        ("KM19 TXA", {"colour": "black"}), ("KM19 TXA", {"make": "Volkswagen"}))  # fmt: skip
    golf = links["vehicle_id"].iloc[3]
    assert links.at[5, "vehicle_id"] == links.at[6, "vehicle_id"] == golf != links["vehicle_id"].iloc[0]


def test_a_different_colour_alone_splits_only_when_each_colour_is_repeated() -> None:
    white = {**FOCUS, "colour": "white"}
    once, _ = resolved(*[("KM19 TXA", FOCUS)] * 3, ("KM19 TXA", white))
    twice, vehicles = resolved(*[("KM19 TXA", FOCUS)] * 3, *[("KM19 TXA", white)] * 2)
    assert once["vehicle_id"].nunique() == 1
    assert twice["vehicle_id"].nunique() == 2 and vehicles["possible_clone"].all()
    assert "but a white Ford Focus" in twice.at[4, "reason"]


def test_the_sightings_each_car_needs_is_a_setting() -> None:
    frame = mentions(*[("KM19 TXA", FOCUS)] * 3, *[("KM19 TXA", GOLF)] * 2)
    assert resolve_vehicles(frame).links["vehicle_id"].nunique() == 2
    stricter = resolve_vehicles(frame, settings=VehicleSettings(min_clone_sightings=3))
    assert stricter.links["vehicle_id"].nunique() == 1


def test_a_partial_read_of_a_cloned_plate_takes_the_car_its_description_fits_or_the_most_seen() -> None:
    links, _ = resolved(*[("KM19 TXA", FOCUS)] * 3, *[("KM19 TXA", GOLF)] * 2,
                        ("KM19 TX?", {"make": "VW", "model": "Golf"}), "KM19 T?A")  # fmt: skip
    golf = links["vehicle_id"].iloc[3]
    assert links.at[5, "vehicle_id"] == golf
    assert links.at[5, "reason"] == (
        "partial read KM19TX? fits KM19TXA: of the 2 known vehicles it could be, only this one's make, model agree"
    )
    assert links.at[6, "vehicle_id"] == links.at[0, "vehicle_id"]  # no description: as a full read would go
    assert links.at[6, "reason"] == (
        "partial read KM19T?A fits KM19TXA, a plate worn by more than one car: nothing in the read tells them apart, "
        "so it goes with the car most seen on the plate")
    links, _ = resolved(*[("KM19 TXA", FOCUS)] * 3, *[("KM19 TXA", GOLF)] * 2, ("KM19 T?A", {"colour": "green"}))
    assert links.at[5, "reason"] == "partial read: no single known mark fits"  # contradicts both cars


def test_a_misread_of_a_cloned_plate_joins_the_car_it_describes() -> None:
    links, vehicles = resolved(*[("KM19 TXA", FOCUS)] * 3, *[("KM19 TXA", GOLF)] * 2, ("KM19 TX4", GOLF))
    assert links.at[5, "vehicle_id"] == links.at[3, "vehicle_id"] != links.at[0, "vehicle_id"]
    assert links.at[5, "reason"] == "misread of KM19TXA: KM19TX4 differs only in characters readers confuse"
    assert len(vehicles) == 2


# Through import, analysis, the store and the pages. Northmart saw the red Focus three times and
# the Golf once; Southco saw the Golf twice; nobody shares with anybody. All in the West Midlands.
WEST = {"police_force": "west-midlands"}
CLONED = [
    *(site_incident("NORTHMART", f"NM-C{n}", f"2025-04-0{n}T12:00:00Z", vehicles=[{"vrm": "KM19 TXA", **FOCUS}],
                    **WEST) for n in (1, 2, 3)),
    site_incident("NORTHMART", "NM-C4", "2025-04-04T12:00:00Z", vehicles=[{"vrm": "KM19TXA", **GOLF}], **WEST),
    *(site_incident("SOUTHCO", f"SC-C{n}", f"2025-04-0{n + 4}T12:00:00Z",
                    vehicles=[{"vrm": "km19 txa", "make": "Volkswagen", "model": "Golf", "colour": "black"}], **WEST)
      for n in (1, 2)),
]  # fmt: skip


@pytest.fixture(scope="module")
def cloned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("clones")
    with site(open_store(f"sqlite:///{folder / 'clones.sqlite'}"), folder, more=CLONED) as served:
        yield served


def vehicle_ids(store: StoreHandle) -> dict[str, int]:
    """The vehicle each cloned-plate incident's read was resolved to, by incident reference."""
    with store.engine.connect() as conn:
        rows = conn.execute(
            select(Incident.incident_ref, VehicleLink.vehicle_id)
            .join(VehicleMention, VehicleMention.incident_id == Incident.id)
            .join(VehicleLink, VehicleLink.mention_id == VehicleMention.id)
            .where(Incident.incident_ref.in_([doc["incident_ref"] for doc in CLONED]))
        ).all()
    return {str(ref): int(vehicle) for ref, vehicle in rows}


def get(web: Site, username: str, path: str, **params: str) -> Any:
    with httpx.Client(base_url=web.url, auth=web.auth(username), timeout=30) as client:
        response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json() if path.startswith("/api/") else response.text


def test_the_analysis_stores_both_cars_flagged_with_the_plate(cloned: Site) -> None:
    seen = vehicle_ids(cloned.store)
    focus, golf = seen["NM-C1"], seen["SC-C1"]
    assert focus != golf
    assert seen["NM-C2"] == seen["NM-C3"] == focus and seen["NM-C4"] == seen["SC-C2"] == golf
    with cloned.store.session() as session:
        stored = {v.id: v for v in session.scalars(select(Vehicle).where(Vehicle.id.in_([focus, golf])))}
        other = session.scalars(select(Vehicle).where(Vehicle.vrm == "AB12CDE")).one()
    assert [(stored[v].vrm, stored[v].possible_clone, stored[v].clone_group) for v in (focus, golf)] == [
        ("KM19TXA", True, "KM19TXA"),
        ("KM19TXA", True, "KM19TXA"),
    ]
    assert (stored[focus].model, stored[golf].model, stored[golf].mentions) == ("Focus", "Golf", 3)
    assert (other.possible_clone, other.clone_group) == (False, None)


def test_an_analyst_sees_the_clone_on_the_vehicle_page_and_its_json_twin(cloned: Site) -> None:
    seen = vehicle_ids(cloned.store)
    focus, golf = seen["NM-C1"], seen["SC-C1"]
    profile = get(cloned, "analyst", f"/api/v1/vehicles/{golf}")
    assert profile["possible_clone"] is True
    clone = profile["clone"]
    assert (clone["vrm"], clone["vehicles"]) == ("KM19TXA", 2)
    assert [(car["vehicle_id"], car["this"], car["sightings"]) for car in clone["cars"]] == [
        (golf, True, 3),
        (focus, False, 3),
    ]
    assert clone["cars"][1]["description"] == "red Ford Focus"
    assert {s["incident_ref"] for s in clone["cars"][0]["shown"]} == {"NM-C4", "SC-C1", "SC-C2"}
    page = get(cloned, "analyst", f"/vehicles/{focus}")
    assert "Possible clone" in page and 'data-testid="clone-badge"' in page
    assert "This plate has been seen on 2 different vehicles" in page
    assert f'href="/vehicles/{golf}"' in page and "black VW Golf" in page
    plain = get(cloned, "analyst", f"/api/v1/vehicles/{_ab12(cloned)}")
    assert (plain["possible_clone"], plain["clone"]) == (False, None)


def _ab12(web: Site) -> int:
    with web.store.session() as session:
        return int(session.scalars(select(Vehicle.id).where(Vehicle.vrm == "AB12CDE")).one())


def test_the_plate_search_flags_both_cars_for_the_analyst(cloned: Site) -> None:
    hits = get(cloned, "analyst", "/api/v1/vehicles/search", plate="KM19TXA")["items"]
    assert [(h["vrm"], h["possible_clone"]) for h in hits] == [("KM19TXA", True), ("KM19TXA", True)]
    assert get(cloned, "analyst", "/api/v1/vehicles/search", plate="AB12*")["items"][0]["possible_clone"] is False
    page = get(cloned, "wmp", "/vehicles/search", plate="KM19*")
    assert page.count('data-testid="clone-flag"') == 2 and "possible clone" in page


def test_a_retailer_learns_of_the_clone_only_from_its_own_reports(cloned: Site) -> None:
    seen = vehicle_ids(cloned.store)
    focus, golf = seen["NM-C1"], seen["SC-C1"]
    # Northmart's own reports show both cars: the clone, from its four sightings alone.
    northmart = get(cloned, "northmart", f"/api/v1/vehicles/{focus}")["clone"]
    assert [(car["vehicle_id"], car["sightings"]) for car in northmart["cars"]] == [(focus, 3), (golf, 1)]
    shown = {s["incident_ref"] for car in northmart["cars"] for s in car["shown"]}
    assert shown == {"NM-C1", "NM-C2", "NM-C3", "NM-C4"}
    assert northmart["cars"][1]["description"] == "black VW Golf"  # as Northmart put it, not "Volkswagen"
    # Southco saw only the Golf: nothing tells it of a Focus, on the page, its twin or the search.
    southco = get(cloned, "southco", f"/api/v1/vehicles/{golf}")
    assert (southco["possible_clone"], southco["clone"]) == (False, None)
    page = get(cloned, "southco", f"/vehicles/{golf}")
    assert "Possible clone" not in page and "Focus" not in page and "NM-C" not in page
    hits = get(cloned, "southco", "/api/v1/vehicles/search", plate="KM19TXA")["items"]
    assert [(h["vehicle_id"], h["possible_clone"]) for h in hits] == [(golf, False)]
    with httpx.Client(base_url=cloned.url, auth=cloned.auth("southco"), timeout=30) as client:
        assert client.get(f"/api/v1/vehicles/{focus}").status_code == 404


def test_cloned_plates_are_stored_the_same_on_sqlite_and_postgresql(store: StoreHandle, tmp_path: Path) -> None:
    from crimelink.access.organisations import add_organisation
    from crimelink.pipeline import run_analysis

    with store.session() as session:
        for code in ("NORTHMART", "SOUTHCO"):
            add_organisation(session=session, code=code, kind="retailer")
    assert import_documents(store=store, documents=CLONED).created == len(CLONED)
    run_analysis(store=store)
    with store.session() as session:
        rows = session.execute(
            select(Vehicle.model, Vehicle.possible_clone, Vehicle.clone_group, Vehicle.mentions).order_by(Vehicle.id)
        ).all()
    assert [tuple(row) for row in rows] == [("Focus", True, "KM19TXA", 3), ("Golf", True, "KM19TXA", 3)]
