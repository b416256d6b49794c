"""The force area of a store, from the real boundaries shipped with the package."""

from __future__ import annotations

from pathlib import Path

import pytest

from crimelink.domain import FORCE_IDS
from crimelink.geography import ATTRIBUTION, force_areas, force_codes, force_for_point, forces_for_points


@pytest.mark.parametrize(
    ("lat", "lon", "force"),
    [
        (51.5136, -0.0890, "city-of-london"),  # Bank
        (51.4995, -0.1248, "metropolitan"),  # Westminster
        (53.4794, -2.2453, "greater-manchester"),
        (53.7997, -1.5492, "west-yorkshire"),
        (51.4816, -3.1791, "south-wales"),
        (52.4153, -4.0829, "dyfed-powys"),  # Aberystwyth
        (50.2632, -5.0510, "devon-and-cornwall"),  # Truro
        (51.7520, -1.2577, "thames-valley"),  # Oxford
        (51.4545, -2.5879, "avon-and-somerset"),  # Bristol
    ],
)
def test_known_places_fall_in_their_force(lat: float, lon: float, force: str) -> None:
    assert force_for_point(lat, lon) == force


def test_seafront_points_just_outside_the_coastline_fall_back_to_the_nearest_force() -> None:
    # Brighton's Palace Pier head and Southend pier, outside the generalised coastline.
    assert force_for_point(50.8160, -0.1366) == "sussex"
    assert force_for_point(51.5290, 0.7160) == "essex"


def test_points_at_sea_or_abroad_have_no_force() -> None:
    assert forces_for_points([50.0, 48.8566], [-3.0, 2.3522]) == [None, None]


def test_the_boundaries_cover_the_43_territorial_forces_with_their_provenance() -> None:
    ids = {area.force_id for area in force_areas()}
    assert ids == set(FORCE_IDS) - {"btp"}
    assert set(force_codes().values()) == ids
    data = Path(__file__).resolve().parents[1] / "src" / "crimelink" / "geography" / "data"
    assert "Open Government Licence" in (data / "PROVENANCE.md").read_text()
    assert "Open Government Licence v3.0" in ATTRIBUTION


def test_the_shipped_boundaries_are_the_shared_ones(shared_dir: Path) -> None:
    data = Path(__file__).resolve().parents[1] / "src" / "crimelink" / "geography" / "data"
    for name in ("police_force_areas_dec2023_ew_bsc.geojson", "pfa23_force_id.csv"):
        assert (data / name).read_bytes() == (shared_dir / "data" / "boundaries" / name).read_bytes()
