"""The population-level truth files: people, groups, vehicles, organisations and stores.

Mention-level truth (who each mention really is) is written by ``_writer`` beside each
record; these files describe the population the mentions point into.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from crimelink.domain.forces import all_forces
from crimelink.scenario._catalogue import CHAINS
from crimelink.scenario._population import Fleet, Group, People
from crimelink.scenario._settings import ScenarioSettings
from crimelink.scenario._stores import Stores
from crimelink.scenario._timeline import Skeleton

# Forces that submit reports themselves (a share of the incidents in their area), with the
# prefix of their references. BTP reports half of what happens in stations.
POLICE_SUBMITTERS: dict[str, tuple[str, str]] = {
    "metropolitan": ("POLICE-METROPOLITAN", "MPS"),
    "west-midlands": ("POLICE-WEST-MIDLANDS", "WMP"),
    "greater-manchester": ("POLICE-GREATER-MANCHESTER", "GMP"),
    "west-yorkshire": ("POLICE-WEST-YORKSHIRE", "WYP"),
    "kent": ("POLICE-KENT", "KENT"),
    "nottinghamshire": ("POLICE-NOTTINGHAMSHIRE", "NOTTS"),
    "btp": ("POLICE-BTP", "BTP"),
}


@dataclass(slots=True)
class World:
    """Everything the writers read: the truth and the skeleton of incidents."""

    people: People
    fleet: Fleet
    stores: Stores
    groups: list[Group]
    skeleton: Skeleton
    start: date
    days: int
    seed: int
    settings: ScenarioSettings = field(default_factory=ScenarioSettings)

    def person_counts(self) -> list[int]:
        """Incidents each person took part in (present, whether mentioned or not)."""
        members = self.skeleton.members
        return [int(c) for c in np.bincount(members[members >= 0], minlength=len(self.people))]


def person_id(p: int) -> str:
    return f"P{p:07d}"


def group_id(g: int) -> str:
    return f"G{g:04d}" if g >= 0 else ""


def vehicle_id(v: int) -> str:
    return f"V{v:06d}"


def open_csv(path: Path, header: Sequence[str]) -> tuple[Any, Any]:
    """A buffered CSV file (``\\n`` line ends) with its header written; returns (file, writer)."""
    fh = path.open("w", newline="", encoding="utf-8", buffering=1 << 20)
    writer = csv.writer(fh, lineterminator="\n")
    writer.writerow(header)
    return fh, writer


def _write(path: Path, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    fh, writer = open_csv(path, header)
    with fh:
        writer.writerows(rows)


def organisations() -> list[tuple[str, str, str, str]]:
    """Every submitter: the retail chains, then the forces that report themselves."""
    names = {f.id: f.name for f in all_forces()}
    rows = [(c.code, "retailer", c.name, "") for c in CHAINS]
    rows += [(code, "police_force", names[f], f) for f, (code, _) in POLICE_SUBMITTERS.items()]
    return rows


def write_truth(world: World, truth: Path) -> None:
    """Write persons, groups, vehicles, organisations and stores CSV files into ``truth``.

    Every person is listed, including the odd group member who was never at an incident.
    """
    people, fleet, stores, groups = world.people, world.fleet, world.stores, world.groups
    counts = world.person_counts()
    group_rows = world.skeleton.group
    group_counts = np.bincount(group_rows[group_rows >= 0], minlength=len(groups)).tolist()
    _write(
        truth / "persons.csv",
        ("person_id", "full_name", "dob", "gender", "group_id", "incidents"),
        (
            (
                person_id(p),
                people.full_name(p),
                date.fromordinal(people.dob[p]).isoformat(),
                people.gender[p],
                group_id(people.group[p]),
                counts[p],
            )
            for p in range(len(people))
        ),
    )
    _write(
        truth / "groups.csv",
        ("group_id", "members", "vehicles", "incidents", "mo_tags"),
        (
            (
                group_id(g),
                ";".join(person_id(p) for p in group.members),
                ";".join(vehicle_id(v) for v in group.vehicles),
                group_counts[g],
                ";".join(group.tags),
            )
            for g, group in enumerate(groups)
        ),
    )
    _write(
        truth / "vehicles.csv",
        ("vehicle_id", "vrm", "make", "model", "colour", "group_id"),
        (
            (vehicle_id(v), fleet.vrm[v], fleet.make[v], fleet.model[v], fleet.colour[v],
             group_id(fleet.group[v]))
            for v in range(len(fleet))
        ),
    )  # fmt: skip
    # police_force: the force a police organisation is (``crimelink org import`` reads it).
    _write(truth / "organisations.csv", ("code", "kind", "name", "police_force"), organisations())
    _write(
        truth / "stores.csv",
        ("organisation", "store_ref", "name", "address", "postcode", "lat", "lon", "police_force"),
        (
            (CHAINS[stores.chain[s]].code, stores.ref[s], stores.name[s], stores.address[s],
             stores.postcode[s] or "", "" if stores.lat[s] is None else stores.lat[s],
             "" if stores.lon[s] is None else stores.lon[s], stores.force[s])
            for s in range(len(stores))
        ),
    )  # fmt: skip
