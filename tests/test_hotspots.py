"""Hotspots on the H3 grid (Getis-Ord Gi*) and the Knox near-repeat test with Monte Carlo p-values."""

from __future__ import annotations

import h3
import numpy as np
import pandas as pd
import pytest

from crimelink.network.hotspots import HotspotSettings, hex_hotspots, knox_test, knox_tests

BIRMINGHAM = (52.4797, -1.9026)
COVENTRY = (52.4068, -1.5197)


def incidents(points: list[tuple[float, float]], force: str = "west-midlands") -> pd.DataFrame:
    return pd.DataFrame({
        "incident_id": range(1, len(points) + 1), "lat": [p[0] for p in points], "lon": [p[1] for p in points],
        "police_force": force, "value_gbp": 10.0,
        "occurred_at": pd.date_range("2025-01-01", periods=len(points), freq="6h"),
    })


def test_a_cluster_of_incidents_is_a_hot_cell_and_a_lone_one_is_not() -> None:
    shops = [(52.05 + 0.06 * (k // 6), -2.50 + 0.1 * (k % 6)) for k in range(30)]  # one incident each
    frame = incidents([BIRMINGHAM] * 40 + [COVENTRY] + shops)
    cells = hex_hotspots(frame, HotspotSettings(resolution=7))
    national = cells[cells["scope"] == "national"].set_index("cell")
    hot = h3.latlng_to_cell(*BIRMINGHAM, 7)
    cold = h3.latlng_to_cell(*COVENTRY, 7)
    assert national.loc[hot, "incidents"] == 40
    assert bool(national.loc[hot, "hot"])
    assert not bool(national.loc[cold, "hot"])
    assert national.loc[hot, "gi_z"] > national.loc[cold, "gi_z"]
    assert set(cells["scope"]) == {"national", "west-midlands"}
    assert cells["value_gbp"].sum() == pytest.approx(2 * 71 * 10.0)


def test_incidents_without_a_location_or_an_area_are_left_out() -> None:
    frame = pd.concat([incidents([BIRMINGHAM] * 3), incidents([(np.nan, np.nan)], force="btp")], ignore_index=True)
    cells = hex_hotspots(frame)
    assert "btp" not in set(cells["scope"])  # its one incident has no location
    assert cells.loc[cells["scope"] == "national", "incidents"].sum() == 3


def _near_repeats(rng: np.random.Generator, n: int, repeat: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points on a 20 km square over a year; with ``repeat``, each second incident follows the
    first within 100 m and 3 days."""
    x, y, t = rng.uniform(0, 20, n), rng.uniform(0, 20, n), rng.uniform(0, 365, n)
    if repeat:
        half = n // 2
        x[half:] = x[:half] + rng.uniform(-0.07, 0.07, half)
        y[half:] = y[:half] + rng.uniform(-0.07, 0.07, half)
        t[half:] = t[:half] + rng.uniform(0, 3, half)
    return x, y, t


@pytest.mark.parametrize("repeat", [True, False])
def test_the_knox_test_finds_near_repeats_only_where_there_are_some(repeat: bool) -> None:
    rng = np.random.default_rng(11)
    x, y, t = _near_repeats(rng, 600, repeat)
    table = knox_test(x, y, t, settings=HotspotSettings(knox_permutations=99), rng=rng)
    close = table[(table["distance_to_km"] == 0.2) & (table["days_to"] == 7.0)].iloc[0]
    if repeat:
        assert close["ratio"] > 5
        assert close["p_value"] == pytest.approx(0.01)
    else:
        assert close["p_value"] > 0.05
    assert (table["p_value"] > 0).all()
    assert len(table) == 9  # 3 distance bands x 3 time bands


def test_knox_tests_run_nationally_and_per_force_on_a_sample() -> None:
    rng = np.random.default_rng(2)
    n = 400
    frame = pd.DataFrame({
        "incident_id": range(n), "lat": 52.48 + rng.normal(0, 0.02, n), "lon": -1.90 + rng.normal(0, 0.03, n),
        "police_force": np.where(np.arange(n) < 300, "west-midlands", "staffordshire"),
        "occurred_at": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.uniform(0, 200, n), unit="D"),
    })
    settings = HotspotSettings(knox_permutations=19, knox_max_incidents=250, knox_min_incidents=150)
    table = knox_tests(frame, settings)
    assert set(table["scope"]) == {"national", "west-midlands"}  # staffordshire: too few
    assert set(table.loc[table["scope"] == "national", "incidents"]) == {250}
    assert set(table["permutations"]) == {19}
