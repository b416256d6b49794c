"""When and where each incident happens, and who did it: the scenario's skeleton.

The skeleton is a handful of compact numpy arrays (one row per incident), built before any
record is written and sorted by time, so that the writer can stream records in the order
they happened while memory stays small. Lone offenders offend near home, prolific ones mostly
at a few favourite stores; organised groups work in sprees that move along their corridor,
several stores a day, in the same vehicle.
"""

from __future__ import annotations

import random
from array import array
from bisect import bisect
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate

import numpy as np

from crimelink.scenario._population import Group, People
from crimelink.scenario._stores import Stores, make_pool, pick, towns_near

OFFENCES = (
    "theft_from_shop",
    "robbery",
    "burglary",
    "criminal_damage",
    "assault_on_worker",
    "public_order",
    "fraud",
    "other",
)
BURGLARY = OFFENCES.index("burglary")
_LONE_OFFENCE_CUM = tuple(accumulate((80.0, 2.5, 1.0, 2.5, 5.5, 4.5, 2.0, 2.0)))
_GROUP_OFFENCE_CUM = tuple(accumulate((86.0, 5.0, 4.0, 1.0, 2.0, 0.0, 2.0, 0.0)))
# Shop hours 07:00-22:00, busiest late afternoon.
_HOURS = tuple(range(7, 22))
_HOUR_CUM = tuple(accumulate((0.3, 0.6, 0.8, 1.0, 1.1, 1.2, 1.2, 1.2, 1.3, 1.4, 1.4, 1.2, 1.0, 0.7, 0.4)))
_WEEKDAY = (1.0, 1.0, 1.0, 1.05, 1.15, 1.2, 0.85)
_MONTH = {1: 0.9, 11: 1.1, 12: 1.3}
_MEMBERS_CUM = tuple(accumulate((35.0, 40.0, 25.0)))  # 2, 3 or 4 members at an incident


@dataclass(frozen=True, slots=True)
class Skeleton:
    """One row per incident, sorted by time. ``t`` is local seconds since ``start`` 00:00."""

    t: np.ndarray
    store: np.ndarray
    offence: np.ndarray
    group: np.ndarray  # -1: a lone offender's incident
    members: np.ndarray  # (n, 4) person numbers, -1 padded
    vehicle: np.ndarray  # vehicle at the scene, -1: none

    def __len__(self) -> int:
        return int(self.t.size)


class _Builder:
    """Collects incidents into compact arrays (not objects) and draws days and times."""

    def __init__(self, r: random.Random, start: date, days: int) -> None:
        self.r = r
        self.days = days
        self.t = array("q")
        self.store = array("i")
        self.offence = array("b")
        self.group = array("i")
        self.members = array("i")
        self.vehicle = array("i")
        weights = [
            _WEEKDAY[(start + timedelta(d)).weekday()] * _MONTH.get((start + timedelta(d)).month, 1.0)
            for d in range(days)
        ]
        self.day_cum = list(accumulate(weights))

    def day(self) -> int:
        """A day of the period: busier on Fridays and Saturdays and before Christmas."""
        return bisect(self.day_cum, self.r.random() * self.day_cum[-1])

    def seconds(self, offence: int) -> int:
        """A time of day: shop hours, or the small hours for a burglary."""
        r = self.r
        if offence == BURGLARY:
            return r.randrange(3600, 5 * 3600)
        hour = _HOURS[bisect(_HOUR_CUM, r.random() * _HOUR_CUM[-1])]
        return hour * 3600 + r.randrange(3600)

    def add(self, t: int, store: int, offence: int, group: int, members: list[int], vehicle: int) -> None:
        """One incident; up to four offenders present (the rest of -1)."""
        self.t.append(t)
        self.store.append(store)
        self.offence.append(offence)
        self.group.append(group)
        self.members.extend([*members, -1, -1, -1, -1][:4])
        self.vehicle.append(vehicle)

    def build(self) -> Skeleton:
        """The arrays, sorted by time (stable, so equal times keep their order)."""
        t = np.frombuffer(self.t, dtype=np.int64)
        order = np.argsort(t, kind="stable")
        members = np.frombuffer(self.members, dtype=np.int32).reshape(-1, 4)
        return Skeleton(
            t[order].copy(),
            np.frombuffer(self.store, dtype=np.int32)[order].copy(),
            np.frombuffer(self.offence, dtype=np.int8)[order].copy(),
            np.frombuffer(self.group, dtype=np.int32)[order].copy(),
            members[order].copy(),
            np.frombuffer(self.vehicle, dtype=np.int32)[order].copy(),
        )


def build_skeleton(
    *,
    r: random.Random,
    start: date,
    days: int,
    people: People,
    lone: list[int],
    counts: list[int],
    groups: list[Group],
    group_incidents: list[int],
    stores: Stores,
    roam_km: float = 35.0,
) -> Skeleton:
    """Every incident's time, store, offence and offenders (lone offenders roam ``roam_km``)."""
    b = _Builder(r, start, days)
    near_cache: dict[int, tuple[list[int], list[float]] | None] = {}
    for p, k in zip(lone, counts, strict=True):
        _lone(b, p, k, people, stores, near_cache, roam_km)
    for g, (group, k) in enumerate(zip(groups, group_incidents, strict=True)):
        _group(b, g, group, k, stores)
    return b.build()


def _near_pool(
    stores: Stores, town: int, cache: dict[int, tuple[list[int], list[float]] | None], km: float
) -> tuple[list[int], list[float]] | None:
    """Stores of the towns within ``km`` of a town: where a local offender goes now and then."""
    if town not in cache:
        near = [t for t in towns_near(town, km) if t in stores.by_town]
        cache[town] = make_pool(near, [stores.by_town[t][1][-1] for t in near]) if near else None
    return cache[town]


def _lone(
    b: _Builder,
    p: int,
    k: int,
    people: People,
    stores: Stores,
    near_cache: dict[int, tuple[list[int], list[float]] | None],
    roam_km: float,
) -> None:
    """A lone offender's ``k`` incidents: near home, a prolific one mostly at favourite stores."""
    r = b.r
    home = people.town[p]
    home_pool = stores.by_town[home]
    near = _near_pool(stores, home, near_cache, roam_km)
    station = stores.station_near_town.get(home)
    car = people.car.get(p, -1)
    favourites: list[int] = []
    first, span = 0, b.days
    away = -1
    if k >= 3:  # prolific: favourite stores, one other town they go to, a stretch of the year
        favourites = [pick(r, home_pool) for _ in range(r.randint(2, 6))]
        span = min(b.days, max(30, int(k * r.uniform(2.0, 6.0))))
        first = r.randrange(b.days - span + 1)
        away = pick(r, near) if near is not None else -1
    for _ in range(k):
        u = r.random()
        if u < 0.04 and station is not None:
            store = pick(r, station)
        elif favourites and u < 0.62:
            store = favourites[r.randrange(len(favourites))]
        elif near is not None and u > 0.88:
            store = pick(r, stores.by_town[away if away >= 0 else pick(r, near)])
        else:
            store = pick(r, home_pool)
        offence = bisect(_LONE_OFFENCE_CUM, r.random() * _LONE_OFFENCE_CUM[-1])
        day = b.day() if not favourites else first + r.randrange(span)
        vehicle = car if car >= 0 and r.random() < 0.35 else -1
        b.add(day * 86400 + b.seconds(offence), store, offence, -1, [p], vehicle)


def _group(b: _Builder, g: int, group: Group, k: int, stores: Stores) -> None:
    """A group's ``k`` incidents in sprees: 3-12 stores over a day or a few, along a leg of
    their route, at the kinds of store that sell what they want, in one of their vehicles."""
    r = b.r
    active = max(60, int(b.days * r.uniform(0.5, 1.0)))
    active_from = r.randrange(max(1, b.days - active + 1))
    remaining = k
    while remaining > 0:
        n = min(remaining, r.randint(3, 12))
        remaining -= n
        width = min(len(group.route), r.randint(1, 3))
        offset = min(r.randrange(len(group.route)), len(group.route) - width)
        leg = group.route[offset : offset + width]
        if r.random() < 0.5:
            leg = leg[::-1]
        spree_days = 1 + n // 5
        day0 = min(b.days - 1, active_from + r.randrange(active))
        vehicle = group.vehicles[0] if r.random() < 0.7 else group.vehicles[r.randrange(len(group.vehicles))]
        who = group.active((day0 - active_from) / active)  # who is in the group at this time
        weights = list(accumulate(group.member_weights[i] for i in who))
        clock = -1
        last_day = -1
        for i in range(n):
            day = min(b.days - 1, day0 + i * spree_days // n)
            if day != last_day:
                clock = r.randrange(9 * 3600, 12 * 3600)
                last_day = day
            else:
                clock = min(clock + r.randrange(1800, 9000), 21 * 3600 + r.randrange(1800))
            force_id = leg[min(len(leg) - 1, i * len(leg) // n)]
            kind = group.kinds[r.randrange(len(group.kinds))] if r.random() < 0.9 else "*"
            pool = (
                stores.by_force_kind.get((force_id, kind))
                or stores.by_force_kind.get((force_id, "*"))
                or stores.by_force_kind[("*", "*")]
            )  # a force without stores (tiny scenarios)
            offence = bisect(_GROUP_OFFENCE_CUM, r.random() * _GROUP_OFFENCE_CUM[-1])
            seconds = r.randrange(3600, 4 * 3600) if offence == BURGLARY else clock
            present = min(len(who), 2 + bisect(_MEMBERS_CUM, r.random() * _MEMBERS_CUM[-1]))
            chosen: list[int] = []
            while len(chosen) < present:
                m = group.members[who[bisect(weights, r.random() * weights[-1])]]
                if m not in chosen:
                    chosen.append(m)
            b.add(
                day * 86400 + seconds,
                pick(r, pool),
                offence,
                g,
                chosen,
                vehicle if r.random() < 0.85 else -1,
            )


def local_offset_hours(day: date) -> int:
    """UK civil time: BST (UTC+1) from the last Sunday of March to the last Sunday of October."""

    def last_sunday(month: int) -> date:
        d = date(day.year, month, 31)
        return d - timedelta((d.weekday() + 1) % 7)

    return 1 if last_sunday(3) <= day < last_sunday(10) else 0
