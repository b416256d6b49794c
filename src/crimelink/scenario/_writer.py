"""Streaming the reports to disk: one JSON line per incident, with its mention-level truth.

Records are built one at a time, in time order, from the skeleton and written in chunks, so
memory holds the skeleton and the population, never the reports. The truth rows for each
person and vehicle mention are written by the same code that writes the mention, which keeps
the two consistent by construction.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from contextlib import ExitStack
from itertools import accumulate
from pathlib import Path
from random import Random
from typing import Any

import orjson

from crimelink.domain.forces import FORCE_IDS
from crimelink.scenario import _records as rec
from crimelink.scenario._catalogue import CHAINS, LONE_TAGS
from crimelink.scenario._population import Group
from crimelink.scenario._timeline import BURGLARY, OFFENCES
from crimelink.scenario._truth import (
    POLICE_SUBMITTERS,
    World,
    group_id,
    open_csv,
    person_id,
    vehicle_id,
)

SCHEMA = "crimelink.incident/1"
_POLICE_SHARE = 0.2  # of incidents in a force that reports itself
_CHUNK = 5000
_THEFT_LIKE = {"theft_from_shop", "robbery", "burglary", "fraud"}
_LINES_LONE = (1, 1, 1, 1, 1, 1, 2, 2, 2, 3)  # ten: drawn with randrange(10)
_LONE_TAG_NAMES = tuple(t for t, _ in LONE_TAGS)
_LONE_TAG_CUM = tuple(accumulate(w for _, w in LONE_TAGS))
_FORCE_NUMBER = {f: 10 + i for i, f in enumerate(FORCE_IDS)}  # first part of a crime reference


class _Reporter:
    """Turns one skeleton row into a report, writing its mentions' truth as it goes."""

    def __init__(self, world: World, r: Random, persons_out: Any, vehicles_out: Any) -> None:
        self.world = world
        self.r = r
        self.persons_out = persons_out
        self.vehicles_out = vehicles_out
        people = world.people
        self.counts = world.person_counts()
        self.series = [
            f"S-{person_id(p)}" if people.group[p] < 0 and self.counts[p] >= 3 else "" for p in range(len(people))
        ]
        # How likely a retailer's report names someone: staff get to know prolific offenders.
        factor = world.settings.named_factor
        self.noise = world.settings.noise
        self.named_base = [
            min(0.97, factor * (0.36 if people.group[p] >= 0 else 0.28 + 0.35 * min(1.0, self.counts[p] / 40)))
            for p in range(len(people))
        ]
        self.named_police = min(0.97, 0.72 * factor)
        self.habits: dict[int, tuple[str, ...]] = {}
        self.dates, self.offsets = rec.day_strings(world.start, world.days)
        self.numbers: dict[str, int] = {}
        self.start_ordinal = world.start.toordinal()

    def stamp(self, t: int, utc: bool) -> str:
        """Local seconds since the start as ISO 8601: local time with offset, or UTC with Z."""
        day, sec = divmod(t, 86400)
        offset = self.offsets[day + 1]
        suffix = "+01:00" if offset else "+00:00"
        if utc:
            day, sec = divmod(t - 3600 * offset, 86400)
            suffix = "Z"
        h, rest = divmod(sec, 3600)
        m, s = divmod(rest, 60)
        return f"{self.dates[day + 1]}T{h:02d}:{m:02d}:{s:02d}{suffix}"

    def report(
        self, t: int, st: int, off: int, g: int, row: list[int], veh: int
    ) -> tuple[dict[str, Any], tuple[str, ...]]:
        """The report of one incident and its row of incidents.csv."""
        r, world = self.r, self.world
        stores = world.stores
        offence = OFFENCES[off]
        force = stores.force[st]
        chain = CHAINS[stores.chain[st]]
        share = 0.5 if force == "btp" else _POLICE_SHARE if force in POLICE_SUBMITTERS else 0.0
        police = r.random() < share
        submitter, prefix = POLICE_SUBMITTERS[force] if police else (chain.code, "")
        number = self.numbers.get(submitter, 0) + 1
        self.numbers[submitter] = number
        if police:
            ref = f"{prefix}/{number:07d}"
        elif chain.ref_style == 0:
            ref = f"{submitter}-{number:06d}"
        elif chain.ref_style == 1:
            ref = str(700_000 + number)
        else:
            ref = f"INC{number:08d}"
        utc = chain.utc and not police
        occurred = self.stamp(t, utc)
        record: dict[str, Any] = {
            "schema": SCHEMA, "submitter": submitter, "incident_ref": ref, "occurred_at": occurred,
        }  # fmt: skip
        if r.random() < 0.9:
            mu, sigma = (11.2, 1.0) if police else (9.3, 1.3)  # medians ~20 hours / ~3 hours
            delay = int(min(60 * 86400, max(600, math.exp(r.gauss(mu, sigma)))))
            record["reported_at"] = self.stamp(t + delay, utc)
        record["offence"] = offence
        record["store"] = stores.police_view[st] if police else stores.retailer_view[st]
        if police or force == "btp" or r.random() < 0.1:
            record["police_force"] = force
        if police or r.random() < 0.38:
            serial = r.randint(1, 999_999)
            record["crime_reference"] = f"{_FORCE_NUMBER[force]:02d}/{serial:06d}/{occurred[2:4]}"
        group = world.groups[g] if g >= 0 else None
        _loss(r, record, offence, stores.kind[st], group)

        members = [p for p in row if p >= 0]
        seen = 0.85 if group else 0.4 if off == BURGLARY else 0.88
        mentioned = [p for p in members if r.random() < seen]
        persons = self._persons(submitter, ref, mentioned, g, police, t)
        vehicles = self._vehicles(submitter, ref, veh, group is not None)
        if group is not None:
            habits = group.tags
        elif offence == "theft_from_shop" and members and self.counts[members[0]] >= 3:
            habits = self.habits.get(members[0]) or self.habits.setdefault(members[0], _habits(r))
        else:
            habits = ()
        genders = [world.people.gender[p] for p in mentioned]
        mo = rec.mo(r, offence, habits, group is not None, len(members), bool(vehicles), genders)
        if mo is not None:
            record["mo"] = mo
        violence = rec.violence(r, offence, mo.get("tags", []) if mo else [])
        if violence is not None:
            record["violence"] = violence
        if persons:
            record["persons"] = persons
        if vehicles:
            record["vehicles"] = vehicles
        if r.random() < 0.9:
            record["evidence"] = rec.evidence(r, police)
        if r.random() < (0.85 if police else 0.15):
            record["grading"] = rec.grading(r, police)
        lone = members[0] if group is None and members else -1
        series = f"S-{group_id(g)}" if g >= 0 else self.series[lone] if lone >= 0 else ""
        return record, (submitter, ref, series, group_id(g), force)

    def _persons(
        self, submitter: str, ref: str, mentioned: list[int], g: int, police: bool, t: int
    ) -> list[dict[str, Any]]:
        """The people seen, as mentions; each one's true identity goes to the truth file."""
        r, people = self.r, self.world.people
        day = self.start_ordinal + t // 86400
        persons: list[dict[str, Any]] = []
        for k, p in enumerate(mentioned, start=1):
            named = r.random() < (self.named_police if police else self.named_base[p])
            mention = rec.mention(
                r, people, p, f"P{k}", police=police, named=named, day_ordinal=day,
                seed=self.world.seed, noise=self.noise,
            )  # fmt: skip
            persons.append(mention)
            self.persons_out.writerow((submitter, ref, f"P{k}", person_id(p), group_id(g)))
        return persons

    def _vehicles(self, submitter: str, ref: str, veh: int, group: bool) -> list[dict[str, Any]]:
        """The incident's vehicle if noted, and now and then an unrelated one nearby."""
        r, fleet = self.r, self.world.fleet
        seen: list[int] = []
        if veh >= 0 and r.random() < (0.6 if group else 0.45):
            seen.append(veh)
        if r.random() < 0.015:  # a vehicle noted nearby, nothing to do with anyone
            seen.append(fleet.add(r))
        vehicles: list[dict[str, Any]] = []
        for v in seen:
            vehicles.append(rec.vehicle(r, fleet, v, self.noise))
            row = (submitter, ref, vehicles[-1]["vrm"], vehicle_id(v), fleet.vrm[v])
            self.vehicles_out.writerow(row)
        return vehicles


def write_reports(world: World, r: Random, out: Path, truth: Path, progress: Callable[[int], None] | None) -> None:
    """Write every incident report to ``out`` and the mention-level truth into ``truth``."""
    truth.mkdir(parents=True, exist_ok=True)
    sk = world.skeleton
    with ExitStack() as stack:
        handles = [
            open_csv(truth / name, header)
            for name, header in (
                ("person_mentions.csv", ("submitter", "incident_ref", "person_ref", "person_id",
                                         "group_id")),
                ("vehicle_mentions.csv", ("submitter", "incident_ref", "vrm", "vehicle_id",
                                          "true_vrm")),
                ("incidents.csv", ("submitter", "incident_ref", "series_id", "group_id",
                                   "police_force")),
            )
        ]  # fmt: skip
        for fh, _ in handles:
            stack.enter_context(fh)
        (_, persons_out), (_, vehicles_out), (_, incidents_out) = handles
        fh = stack.enter_context(out.open("wb", buffering=1 << 20))
        reporter = _Reporter(world, r, persons_out, vehicles_out)
        dumps = orjson.dumps
        n = len(sk)
        for lo in range(0, n, _CHUNK):
            hi = min(n, lo + _CHUNK)
            lines: list[bytes] = []
            for row in zip(
                sk.t[lo:hi].tolist(), sk.store[lo:hi].tolist(), sk.offence[lo:hi].tolist(),
                sk.group[lo:hi].tolist(), sk.members[lo:hi].tolist(), sk.vehicle[lo:hi].tolist(),
                strict=True,
            ):  # fmt: skip
                record, incident = reporter.report(*row)
                lines.append(dumps(record))
                incidents_out.writerow(incident)
            lines.append(b"")
            fh.write(b"\n".join(lines))
            if progress is not None:
                progress(hi)


def _habits(r: Random) -> tuple[str, ...]:
    """A prolific lone offender's habits: one or two tags they often show."""
    picks = r.choices(_LONE_TAG_NAMES, cum_weights=_LONE_TAG_CUM, k=r.randint(1, 2))
    return tuple(dict.fromkeys(picks))


def _loss(r: Random, record: dict[str, Any], offence: str, kind: str, group: Group | None) -> None:
    """Items, value and recovery: what was taken (or damaged) and what came back."""
    favoured = group.categories if group is not None else ()
    value: float | None = None
    if offence in _THEFT_LIKE or r.random() < 0.15:
        target = rec.loss_target(r, offence, group is not None)
        if r.random() < 0.8:
            lines = r.randint(1, 4) if group is not None else _LINES_LONE[r.randrange(10)]
            record["items"], total = rec.items(r, kind, favoured, target, lines)
            if r.random() < 0.92:
                value = total
        elif r.random() < 0.92:
            value = round(target, 2)
    elif offence == "criminal_damage" and r.random() < 0.6:
        value = round(150.0 * math.exp(r.gauss(0.0, 1.0)), 2)
    if value is not None:
        record["value_gbp"] = value
        if value > 0 and r.random() < 0.09:
            back = 1.0 if r.random() < 0.5 else r.uniform(0.2, 0.9)
            record["recovered_gbp"] = round(value * back, 2)
