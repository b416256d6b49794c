"""Retail chains' stores, placed around real towns inside the right force area.

Stores are scattered around town centres (not uniformly over a force, which would put them on
moorland) and each point is kept only if it falls inside its force's polygon after rounding to
5 decimal places, so a store's true force is never in doubt. A few stores sit in major
stations: incidents there belong to British Transport Police.
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

import numpy as np
import shapely

from crimelink.geography import force_areas
from crimelink.scenario._catalogue import CHAINS, KIND_HEAT, Chain
from crimelink.scenario._names import STREETS
from crimelink.scenario._places import CORRIDORS, FORCE_WEIGHT, STATIONS, TOWNS, Town

_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"  # letters used in the inward code (BS 7666)
_KM_PER_DEG = 111.2


@dataclass(slots=True)
class Stores:
    """All stores, as parallel lists, plus the pools incidents draw their store from."""

    chain: list[int] = field(default_factory=list)
    town: list[int] = field(default_factory=list)
    force: list[str] = field(default_factory=list)  # true force ('btp' for station stores)
    kind: list[str] = field(default_factory=list)
    ref: list[str] = field(default_factory=list)
    name: list[str] = field(default_factory=list)
    address: list[str] = field(default_factory=list)
    postcode: list[str | None] = field(default_factory=list)
    lat: list[float | None] = field(default_factory=list)
    lon: list[float | None] = field(default_factory=list)
    heat: list[float] = field(default_factory=list)
    retailer_view: list[dict[str, Any]] = field(default_factory=list)  # the 'store' object as the chain writes it
    police_view: list[dict[str, Any]] = field(default_factory=list)  # ... and as a force writes it
    by_town: dict[int, tuple[list[int], list[float]]] = field(default_factory=dict)
    by_force_kind: dict[tuple[str, str], tuple[list[int], list[float]]] = field(default_factory=dict)
    station_near_town: dict[int, tuple[list[int], list[float]]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ref)


def pick(r: random.Random, pool: tuple[list[int], list[float]]) -> int:
    """A weighted draw from a (items, cumulative weights) pool: bisect beats numpy per draw."""
    items, cum = pool
    return items[bisect(cum, r.random() * cum[-1])] if len(items) > 1 else items[0]


def make_pool(items: list[int], weights: list[float]) -> tuple[list[int], list[float]]:
    """A pool for ``pick``: the items and their cumulative weights."""
    return items, list(accumulate(weights))


def store_count(incidents: int) -> int:
    """About 650 stores at 20k incidents, ~3,100 at 1M: busier data, more victim stores."""
    scale: float = (incidents / 20_000) ** 0.4
    return max(60, round(650 * scale))


def postcode(r: random.Random, area: str) -> str:
    """A postcode of the right shape for the town's area (fictional: not checked against PAF)."""
    if area == "EC":
        outward = f"EC{r.randint(1, 4)}{r.choice('AMNPRVY')}"
    elif area == "W" and r.random() < 0.5:
        outward = f"W1{r.choice('BCDFGHJKSTUW')}"
    else:
        outward = f"{area}{r.randint(1, 29 if len(area) == 1 else 19)}"
    return f"{outward} {r.randint(0, 9)}{r.choice(_INWARD_LETTERS)}{r.choice(_INWARD_LETTERS)}"


def _place(rng: np.random.Generator, towns: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Points scattered around each town, each inside the town's force after rounding."""
    geoms = {a.force_id: a.geometry for a in force_areas()}
    for g in geoms.values():
        shapely.prepare(g)
    n = len(towns)
    lat = np.array([TOWNS[t].lat for t in towns])
    lon = np.array([TOWNS[t].lon for t in towns])
    sigma_km = np.array(
        [0.4 if TOWNS[t].force_id == "city-of-london" else 1.2 + 1.4 * math.sqrt(TOWNS[t].weight) for t in towns]
    )
    out_lat, out_lon = lat.copy(), lon.copy()
    todo = np.arange(n)
    forces = np.array([TOWNS[t].force_id for t in towns])
    for _ in range(40):
        if todo.size == 0:
            break
        dlat = rng.normal(0.0, 1.0, todo.size) * sigma_km[todo] / _KM_PER_DEG
        dlon = rng.normal(0.0, 1.0, todo.size) * sigma_km[todo] / (_KM_PER_DEG * np.cos(np.radians(lat[todo])))
        cand_lat = np.round(lat[todo] + dlat, 5)
        cand_lon = np.round(lon[todo] + dlon, 5)
        ok = np.zeros(todo.size, dtype=bool)
        for force_id in np.unique(forces[todo]):
            sel = forces[todo] == force_id
            ok[sel] = shapely.contains_xy(geoms[str(force_id)], cand_lon[sel], cand_lat[sel])
        out_lat[todo[ok]] = cand_lat[ok]
        out_lon[todo[ok]] = cand_lon[ok]
        todo = todo[~ok]
    return out_lat, out_lon  # any left over sit at the town centre, which is inside (tested)


def _store_ref(chain: Chain, number: int) -> str:
    """Each chain numbers its stores its own way."""
    if chain.ref_style == 0:
        return f"{number:04d}"
    if chain.ref_style == 1:
        return f"S{number:05d}"
    return f"{chain.code[:3]}-{number:04d}"


def build_stores(rng: np.random.Generator, r: random.Random, incidents: int) -> Stores:
    """Place every chain's stores; small chains stay in a few neighbouring forces."""
    total = store_count(incidents)
    # every major station has a shop or two once the scenario is big enough to need them
    n_station = min(len(STATIONS) * 2, max(len(STATIONS) if total >= 300 else 4, round(total * 0.012)))
    territorial = total - n_station
    chain_weight = sum(c.weight for c in CHAINS)
    town_idx_by_force: dict[str, list[int]] = {}
    for i, town in enumerate(TOWNS):
        town_idx_by_force.setdefault(town.force_id, []).append(i)
    force_ids = list(FORCE_WEIGHT)
    national_forces = make_pool(list(range(len(force_ids))), [FORCE_WEIGHT[f] for f in force_ids])

    chain_of: list[int] = []
    town_of: list[int] = []
    for ci, chain in enumerate(CHAINS):
        count = max(3, round(territorial * chain.weight / chain_weight))
        region = None
        if chain.weight < 1.0:
            corridor = CORRIDORS[r.randrange(len(CORRIDORS))]
            start = r.randrange(max(1, len(corridor) - 2))
            region_ids = [force_ids.index(f) for f in corridor[start : start + 3]]
            region = make_pool(region_ids, [FORCE_WEIGHT[force_ids[i]] for i in region_ids])
        for _ in range(count):
            force_id = force_ids[pick(r, region or national_forces)]
            towns = town_idx_by_force[force_id]
            chain_of.append(ci)
            town_of.append(pick(r, make_pool(towns, [TOWNS[t].weight for t in towns])))
    lats, lons = _place(rng, town_of)

    stores = Stores()
    numbers = {ci: r.randint(100, 900) for ci in range(len(CHAINS))}
    for ci, ti, la, lo in zip(chain_of, town_of, lats.tolist(), lons.tolist(), strict=True):
        town = TOWNS[ti]
        chain = CHAINS[ci]
        numbers[ci] += r.randint(1, 7)
        street = STREETS[r.randrange(len(STREETS))]
        if chain.kind in ("diy", "electronics") or r.random() < 0.1:
            park = f"{street.split()[0]} Retail Park"
            address = f"Unit {r.randint(1, 24)}, {park}, {town.name}"
            label = park
        else:
            address = f"{r.randint(1, 250)} {street}, {town.name}"
            label = street
        _add(
            stores,
            r,
            ci,
            ti,
            town.force_id,
            _store_ref(chain, numbers[ci]),
            f"{chain.name} {town.name} {label}",
            address,
            town,
            la,
            lo,
        )

    town_by_name = {t.name: i for i, t in enumerate(TOWNS)}
    station_chains = [i for i, c in enumerate(CHAINS) if c.kind in ("convenience", "pharmacy", "health_beauty")]
    for k in range(n_station):
        station, la, lo, town_name = STATIONS[k % len(STATIONS)]
        ci = station_chains[r.randrange(len(station_chains))]
        chain = CHAINS[ci]
        numbers[ci] += r.randint(1, 7)
        ti = town_by_name[town_name]
        _add(
            stores,
            r,
            ci,
            ti,
            "btp",
            _store_ref(chain, numbers[ci]),
            f"{chain.name} {station} Station",
            f"Unit {r.randint(1, 30)}, {station} Station, {TOWNS[ti].name}",
            TOWNS[ti],
            round(la + r.uniform(-0.0004, 0.0004), 5),
            round(lo + r.uniform(-0.0004, 0.0004), 5),
        )
    _index(stores)
    return stores


def _add(
    stores: Stores,
    r: random.Random,
    ci: int,
    ti: int,
    force_id: str,
    ref: str,
    name: str,
    address: str,
    town: Town,
    la: float,
    lo: float,
) -> None:
    chain = CHAINS[ci]
    pc: str | None = postcode(r, town.postcode_area)
    lat: float | None = la
    lon: float | None = lo
    u = r.random()
    if u < 0.03:
        lat = lon = None  # postcode only: the platform geocodes (or cannot)
    elif u < 0.05:
        pc = None  # coordinates only
    heat = KIND_HEAT[chain.kind] * math.exp(r.gauss(0.0, 0.8)) * (1.6 if force_id == "btp" else 1.0)
    stores.chain.append(ci)
    stores.town.append(ti)
    stores.force.append(force_id)
    stores.kind.append(chain.kind)
    stores.ref.append(ref)
    stores.name.append(name)
    stores.address.append(address)
    stores.postcode.append(pc)
    stores.lat.append(lat)
    stores.lon.append(lon)
    stores.heat.append(heat)
    view: dict[str, Any] = {"store_ref": ref, "name": name, "address": address}
    if pc is not None:
        view["postcode"] = pc
    if lat is not None:
        view["lat"], view["lon"] = lat, lon
    stores.retailer_view.append(view)
    police: dict[str, Any] = {"store_ref": f"{chain.code}/{ref}", "name": name, "address": address}
    if pc is not None:
        police["postcode"] = pc if r.random() < 0.8 else pc.replace(" ", "")
    if lat is not None and r.random() < 0.9:
        police["lat"], police["lon"] = lat, lon
    stores.police_view.append(police)


def _index(stores: Stores) -> None:
    """Pools: stores of a town, stores of a force by chain kind, station stores near a town."""
    by_town: dict[int, list[int]] = {}
    by_force_kind: dict[tuple[str, str], list[int]] = {}
    stations: list[int] = []
    for s in range(len(stores)):
        if stores.force[s] == "btp":
            stations.append(s)
            continue
        by_town.setdefault(stores.town[s], []).append(s)
        by_force_kind.setdefault((stores.force[s], stores.kind[s]), []).append(s)
        by_force_kind.setdefault((stores.force[s], "*"), []).append(s)
        by_force_kind.setdefault(("*", "*"), []).append(s)
    stores.by_town = {t: make_pool(ss, [stores.heat[s] for s in ss]) for t, ss in by_town.items()}
    stores.by_force_kind = {k: make_pool(ss, [stores.heat[s] for s in ss]) for k, ss in by_force_kind.items()}
    for ti, town in enumerate(TOWNS):
        near = [s for s in stations if _km(TOWNS[stores.town[s]], town) < 40.0]
        if near:
            stores.station_near_town[ti] = make_pool(near, [stores.heat[s] for s in near])


def _km(a: Town, b: Town) -> float:
    """Distance in km (equirectangular: plenty at tens of kilometres)."""
    dlat = (a.lat - b.lat) * _KM_PER_DEG
    dlon = (a.lon - b.lon) * _KM_PER_DEG * math.cos(math.radians((a.lat + b.lat) / 2))
    return math.hypot(dlat, dlon)


def towns_near(town: int, km: float) -> list[int]:
    """Other towns within ``km`` of a town (any force): where a local offender also goes."""
    return [i for i, t in enumerate(TOWNS) if i != town and _km(TOWNS[town], t) < km]
