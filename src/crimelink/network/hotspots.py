"""Hotspots on a hexagonal grid (H3) and the near-repeat (Knox) test.

**Hexagons.** Incidents are counted in H3 cells (Uber's hierarchical hexagonal grid; resolution
7 cells average 5.2 km²), nationally and per force. A cell is *hot* when its Getis-Ord Gi*
statistic (Getis & Ord 1992; Ord & Getis 1995) — the cell and its six neighbours against the
mean of every cell in the area, empty cells included — reaches ``hot_z``. The area is the
retail footprint: every cell within one ring of a cell with incidents. (Against a whole force
area, mostly fields and moors, every shopping street would be "hot"; against the places where
shops are, only the ones that stand out are.)

**Near repeat.** The Knox test (Knox 1964; as in Ratcliffe's Near Repeat Calculator) counts
pairs of incidents close in space *and* time, in distance × days bands, and compares each count
with the same count after shuffling the incidents' dates among them (Monte Carlo, the
locations kept): p = (1 + shuffles at least as high) / (1 + shuffles). A Knox ratio above 1 with
a small p means that after one incident, another nearby soon after is more likely than chance.
Each test takes at most ``knox_max_incidents`` incidents (a seeded random sample beyond that),
so a national test costs the same at a thousand incidents as at a million.
"""

from __future__ import annotations

from dataclasses import dataclass

import h3
import numpy as np
import numpy.typing as npt
import pandas as pd

from crimelink.network.features import KM_PER_DEGREE, REFERENCE_LATITUDE

__all__ = ["HotspotSettings", "hex_hotspots", "knox_test", "knox_tests"]

NATIONAL = "national"
HEX_COLUMNS = ("scope", "cell", "resolution", "incidents", "value_gbp", "gi_z", "hot", "lat", "lon")
KNOX_COLUMNS = (
    "scope", "distance_from_km", "distance_to_km", "days_from", "days_to", "observed", "expected", "ratio",
    "p_value", "permutations", "incidents",
)  # fmt: skip


@dataclass(frozen=True)
class HotspotSettings:
    """Grid, threshold and Knox bands; stored with each analysis run."""

    resolution: int = 7
    hot_z: float = 3.29  # two-sided p < 0.001
    knox_distances_km: tuple[float, ...] = (0.0, 0.2, 1.0, 2.0)
    knox_days: tuple[float, ...] = (0.0, 7.0, 14.0, 28.0)
    knox_permutations: int = 99
    knox_max_incidents: int = 2000
    knox_min_incidents: int = 50
    seed: int = 42


def _cells(lat: npt.NDArray[np.float64], lon: npt.NDArray[np.float64], resolution: int) -> list[str | None]:
    """H3 cell of each point, converted once per distinct location."""
    frame = pd.DataFrame({"lat": lat, "lon": lon})
    places = frame.dropna().drop_duplicates()
    cell = {(la, lo): h3.latlng_to_cell(la, lo, resolution)
            for la, lo in zip(places["lat"], places["lon"], strict=True)}
    return [None if np.isnan(la) or np.isnan(lo) else cell[(la, lo)] for la, lo in zip(lat, lon, strict=True)]


def hex_hotspots(incidents: pd.DataFrame, settings: HotspotSettings | None = None) -> pd.DataFrame:
    """Occupied cells per scope (``HEX_COLUMNS``): nationally, then each force.

    ``incidents``: incident_id, lat, lon, police_force, value_gbp.
    """
    settings = settings or HotspotSettings()
    located = incidents.dropna(subset=["lat", "lon"])
    cells = _cells(located["lat"].to_numpy(dtype=float), located["lon"].to_numpy(dtype=float), settings.resolution)
    located = located.assign(cell=cells)
    scopes = [(NATIONAL, located)] + [
        (str(force), part) for force, part in located.dropna(subset=["police_force"]).groupby("police_force")
    ]
    frames = [_gi_star(scope, part, settings) for scope, part in scopes if len(part)]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in HEX_COLUMNS})
    return pd.concat(frames, ignore_index=True)[list(HEX_COLUMNS)]


def _gi_star(scope: str, part: pd.DataFrame, settings: HotspotSettings) -> pd.DataFrame:
    counts = part.groupby("cell").agg(incidents=("incident_id", "size"), value_gbp=("value_gbp", "sum"))
    disks = [(c, nb) for c in counts.index for nb in h3.grid_disk(c, 1)]
    ring = pd.DataFrame(disks, columns=["cell", "neighbour"])
    n = int(ring["neighbour"].nunique())  # the area: every cell within one ring of an incident
    x = counts["incidents"].astype(float)
    mean = float(x.sum()) / n
    spread = np.sqrt(max(float((x**2).sum()) / n - mean**2, 1e-12))
    ring["x"] = ring["neighbour"].map(x).fillna(0.0)
    local = ring.groupby("cell")["x"].sum()
    weights = ring.groupby("cell").size().astype(float)
    denominator = spread * np.sqrt(np.maximum(n * weights - weights**2, 0.0) / max(n - 1, 1))
    z = ((local - mean * weights) / denominator.where(denominator > 0)).fillna(0.0)
    centres = [h3.cell_to_latlng(c) for c in counts.index]
    return pd.DataFrame({
        "scope": scope,
        "cell": counts.index.to_numpy(),
        "resolution": settings.resolution,
        "incidents": counts["incidents"].to_numpy(dtype=np.int64),
        "value_gbp": np.round(counts["value_gbp"].to_numpy(dtype=float), 2),
        "gi_z": np.round(z.reindex(counts.index).to_numpy(dtype=float), 3),
        "hot": (z.reindex(counts.index) >= settings.hot_z).to_numpy(),
        "lat": [c[0] for c in centres],
        "lon": [c[1] for c in centres],
    })


def _close_pairs(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64], limit: float) -> npt.NDArray[np.int64]:
    """Pairs (i < j) of points at most ``limit`` km apart, by a grid of ``limit``-sized cells."""
    frame = pd.DataFrame({"k": np.arange(x.size), "cx": np.floor(x / limit).astype(np.int64),
                          "cy": np.floor(y / limit).astype(np.int64)})
    found = []
    for dx, dy in ((0, 0), (1, -1), (1, 0), (1, 1), (0, 1)):
        shifted = frame.assign(cx=frame["cx"] - dx, cy=frame["cy"] - dy)
        both = frame.merge(shifted, on=["cx", "cy"], suffixes=("_a", "_b"))
        a, b = both["k_a"].to_numpy(), both["k_b"].to_numpy()
        if dx == 0 and dy == 0:
            keep = a < b
            a, b = a[keep], b[keep]
        near = np.hypot(x[a] - x[b], y[a] - y[b]) <= limit
        found.append(np.column_stack([a[near], b[near]]))
    return np.concatenate(found).astype(np.int64) if found else np.zeros((0, 2), dtype=np.int64)


def knox_test(
    x_km: npt.NDArray[np.float64], y_km: npt.NDArray[np.float64], days: npt.NDArray[np.float64], *,
    settings: HotspotSettings, rng: np.random.Generator,
) -> pd.DataFrame:
    """Knox counts, expectations, ratios and Monte Carlo p-values per distance × days band."""
    d_edges = np.asarray(settings.knox_distances_km, dtype=float)
    t_edges = np.asarray(settings.knox_days, dtype=float)
    pairs = _close_pairs(x_km, y_km, float(d_edges[-1]))
    i, j = pairs[:, 0], pairs[:, 1]
    d_band = np.searchsorted(d_edges, np.hypot(x_km[i] - x_km[j], y_km[i] - y_km[j]), side="right") - 1
    d_band = np.clip(d_band, 0, d_edges.size - 2)
    bands = (d_edges.size - 1) * (t_edges.size - 1)

    base = (d_band * (t_edges.size - 1)).astype(np.int64)
    inner = t_edges[1:-1]

    def count(t: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        gap = np.abs(t[i] - t[j])
        inside = gap <= t_edges[-1]
        band = base[inside].copy()
        close = gap[inside]
        for edge in inner:  # a few comparisons beat a binary search per pair
            band += close > edge
        return np.bincount(band, minlength=bands).astype(np.int64)

    observed = count(days)
    shuffled = np.stack([count(days[rng.permutation(days.size)]) for _ in range(settings.knox_permutations)])
    expected = shuffled.mean(axis=0)
    higher = (shuffled >= observed).sum(axis=0)
    rows = []
    for k in range(bands):
        di, ti = divmod(k, t_edges.size - 1)
        rows.append({
            "distance_from_km": float(d_edges[di]), "distance_to_km": float(d_edges[di + 1]),
            "days_from": float(t_edges[ti]), "days_to": float(t_edges[ti + 1]),
            "observed": int(observed[k]), "expected": round(float(expected[k]), 3),
            "ratio": round(float(observed[k] / expected[k]), 3) if expected[k] > 0 else None,
            "p_value": round(float((1 + higher[k]) / (1 + settings.knox_permutations)), 4),
        })
    return pd.DataFrame(rows)


def knox_tests(incidents: pd.DataFrame, settings: HotspotSettings | None = None) -> pd.DataFrame:
    """The Knox test nationally and for each force with enough incidents (``KNOX_COLUMNS``).

    ``incidents``: incident_id, lat, lon, police_force, occurred_at.
    """
    settings = settings or HotspotSettings()
    rng = np.random.default_rng(settings.seed)
    located = incidents.dropna(subset=["lat", "lon"]).sort_values("incident_id")
    scopes = [(NATIONAL, located)] + [
        (str(f), part) for f, part in located.dropna(subset=["police_force"]).groupby("police_force")
    ]
    frames = []
    for scope, part in scopes:
        if len(part) < settings.knox_min_incidents:
            continue
        if len(part) > settings.knox_max_incidents:
            part = part.iloc[np.sort(rng.choice(len(part), settings.knox_max_incidents, replace=False))]
        scale = np.cos(np.radians(REFERENCE_LATITUDE))
        x = part["lon"].to_numpy(dtype=float) * KM_PER_DEGREE * scale
        y = part["lat"].to_numpy(dtype=float) * KM_PER_DEGREE
        days = pd.to_datetime(part["occurred_at"]).to_numpy(dtype="datetime64[s]").astype(np.int64) / 86400.0
        table = knox_test(x, y, days, settings=settings, rng=rng)
        frames.append(table.assign(scope=scope, permutations=settings.knox_permutations, incidents=len(part)))
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in KNOX_COLUMNS})
    return pd.concat(frames, ignore_index=True)[list(KNOX_COLUMNS)]
