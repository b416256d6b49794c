"""Realistic national scenarios of organised retail crime, with their ground truth.

``generate_scenario`` writes incident reports in the exchange format (JSON Lines, one
incident a line, ``shared/spec/incident-v1.schema.json``) as retailers and forces would send
them, and beside them a ``.truth`` folder of CSV files saying who really did what: which
mentions are the same person, which plates the same vehicle, which incidents one series.
The demo, the linkage and pattern-detection evaluations and the benchmarks all run on it.

Truth first, reports second: people, groups, vehicles and stores are drawn, then a compact
skeleton of incidents (time, store, offence, offenders), then each report is derived from the
truth with the noise real reports carry. Same seed, same bytes.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np

from crimelink.errors import InvalidValue
from crimelink.scenario._places import TOWNS
from crimelink.scenario._population import (
    Fleet,
    People,
    add_people,
    assign_common_names,
    build_groups,
    group_count,
    lone_counts,
)
from crimelink.scenario._settings import GRID, ScenarioSettings
from crimelink.scenario._stores import Stores, build_stores, make_pool, pick
from crimelink.scenario._timeline import build_skeleton
from crimelink.scenario._truth import World, organisations, write_truth
from crimelink.scenario._writer import write_reports

__all__ = ["GRID", "ScenarioSettings", "ScenarioSummary", "generate_scenario"]

GROUP_SHARE = 0.2  # share of incidents committed by organised groups (brief: 15-25%)


@dataclass(frozen=True)
class ScenarioSummary:
    """What was generated, and how long it took."""

    incidents: int
    persons: int
    groups: int
    vehicles: int
    stores: int
    organisations: int
    seconds: float


def generate_scenario(
    *,
    incidents: int,
    seed: int,
    out: Path,
    truth_dir: Path | None = None,
    start: date = date(2024, 5, 1),
    days: int = 365,
    progress: Callable[[int], None] | None = None,
    settings: ScenarioSettings | None = None,
) -> ScenarioSummary:
    """Write ``incidents`` reports to ``out`` and their truth to ``truth_dir``.

    Args:
        incidents: how many incident reports to write.
        seed: the same seed gives byte-identical files.
        out: the JSON Lines file to write.
        truth_dir: folder for the truth CSV files; ``out.parent / (out.name + ".truth")`` if None.
        start: first day of the period covered.
        days: length of the period in days.
        progress: called every few thousand incidents with the number written so far.
        settings: how this world differs from the default one (``ScenarioSettings``); they are
            written to the truth folder as ``settings.json``.
    """
    settings = settings or ScenarioSettings()
    if incidents < 1:
        raise InvalidValue("incidents", incidents, "at least one incident")
    if days < 7:
        raise InvalidValue("days", days, "at least a week")
    began = time.perf_counter()
    out = Path(out)
    truth = Path(truth_dir) if truth_dir is not None else out.parent / (out.name + ".truth")
    out.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.Generator(np.random.PCG64(seed))
    r = random.Random(int(rng.integers(2**62)))

    stores = build_stores(rng, r, incidents)
    people, fleet = People(), Fleet()
    group_total = round(incidents * GROUP_SHARE)
    n_groups = min(group_count(incidents), group_total // 3)  # tiny scenarios have none
    group_total = group_total if n_groups else 0
    counts = lone_counts(rng, incidents - group_total).tolist()
    lone = _lone_offenders(people, fleet, rng, r, counts=counts, start=start, stores=stores,
                           common_names=settings.common_names)
    towns_of_force: dict[str, list[int]] = {}
    for i, town in enumerate(TOWNS):
        towns_of_force.setdefault(town.force_id, []).append(i)
    groups = build_groups(people, fleet, rng, r, n=n_groups, start=start, towns_of_force=towns_of_force,
                          settings=settings)
    per_group: list[int] = []
    if n_groups:  # at least one incident each, the rest shared unevenly
        weights = np.exp(rng.normal(0.0, 0.6, n_groups))
        per_group = (1 + rng.multinomial(group_total - n_groups, weights / weights.sum())).tolist()

    skeleton = build_skeleton(
        r=r, start=start, days=days, people=people, lone=lone, counts=counts, groups=groups,
        group_incidents=per_group, stores=stores, roam_km=35.0 * settings.travel,
    )  # fmt: skip
    world = World(people, fleet, stores, groups, skeleton, start, days, seed, settings)
    write_reports(world, r, out, truth, progress)
    write_truth(world, truth)
    (truth / "settings.json").write_text(json.dumps({"seed": seed, **settings.as_dict()}, indent=2))
    return ScenarioSummary(
        incidents=len(skeleton),
        persons=len(people),
        groups=len(groups),
        vehicles=len(fleet),
        stores=len(stores),
        organisations=len(organisations()),
        seconds=round(time.perf_counter() - began, 3),
    )


def _lone_offenders(
    people: People, fleet: Fleet, rng: np.random.Generator, r: random.Random, *,
    counts: list[int], start: date, stores: Stores, common_names: float = 1.0,
) -> list[int]:  # fmt: skip
    """Lone offenders living where the stores are, some with a car, some with very common names."""
    towns = sorted(stores.by_town)
    home = make_pool(towns, [stores.by_town[t][1][-1] for t in towns])
    homes = [pick(r, home) for _ in counts]
    lone = add_people(people, rng, r, n=len(counts), start=start, towns=homes, pnc_share=0.45)
    for p, k in zip(lone, counts, strict=True):
        if k >= 2 and r.random() < (0.3 if k >= 10 else 0.1):
            people.car[p] = fleet.add(r)
    # Repeat offenders are the ones named often enough for a collision to matter.
    scale: float = (len(counts) / 10_000) ** 0.5
    repeat = [p for p, k in zip(lone, counts, strict=True) if k >= 2]
    assign_common_names(people, r, repeat, per_name=max(3, round(3 * scale * common_names)))
    return lone
