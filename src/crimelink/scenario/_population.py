"""The scenario's offenders, organised groups and vehicles, with their true identities.

Truth is generated first and reports are derived from it with noise (``_noise``), so that
every mention can be scored against who it really was. Lone offenders follow a heavy-tailed
count of incidents (most commit one or two, a few commit over a hundred); organised groups
have 3-8 members, 1-3 vehicles and an MO signature they nearly always show.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from itertools import accumulate

import numpy as np

from crimelink.scenario._catalogue import COLOURS, GROUP_PROFILES, VEHICLE_MODELS
from crimelink.scenario._names import (
    COMMON_FULL_NAMES,
    FEMALE_SURNAMES,
    ORIGINS,
    STREET_NAMES,
    draw,
)
from crimelink.scenario._places import CORRIDORS, FORCE_WEIGHT
from crimelink.scenario._settings import ScenarioSettings

_BUILDS = ("slim", "medium", "heavy", "muscular")
_PNC_CHECK = "ZABCDEFGHJKLMNPQRTUVWXY"  # PNC check character: (year digits + serial) mod 23
_TAG_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"  # current marks: no I, Q or Z in the first two
_LAST_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXYZ"  # ... Z allowed in the last three
_PREFIX_LETTERS = "ABCDEFGHJKLMNPRSTVWXY"
_SERIAL_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"
_MODEL_CUM = tuple(accumulate(w for _, _, w in VEHICLE_MODELS))
_COLOUR_CUM = tuple(accumulate(w for _, w in COLOURS))


@dataclass(slots=True)
class People:
    """Every offender's true identity, as parallel lists indexed by person number."""

    given: list[str] = field(default_factory=list)
    middle: list[str | None] = field(default_factory=list)
    surname: list[str] = field(default_factory=list)
    gender: list[str] = field(default_factory=list)
    origin: list[int] = field(default_factory=list)
    dob: list[int] = field(default_factory=list)  # date ordinal
    height: list[int] = field(default_factory=list)
    build: list[str] = field(default_factory=list)
    town: list[int] = field(default_factory=list)
    group: list[int] = field(default_factory=list)  # -1: lone offender
    pnc: list[str | None] = field(default_factory=list)
    aliases: dict[int, list[str]] = field(default_factory=dict)  # full-name aliases
    street_name: dict[int, str] = field(default_factory=dict)
    car: dict[int, int] = field(default_factory=dict)  # lone offender -> vehicle

    def __len__(self) -> int:
        return len(self.given)

    def full_name(self, p: int) -> str:
        middle = self.middle[p]
        return f"{self.given[p]} {middle} {self.surname[p]}" if middle else f"{self.given[p]} {self.surname[p]}"


@dataclass(slots=True)
class Fleet:
    """Every vehicle: groups' cars and vans, lone offenders' cars and one-off vehicles."""

    vrm: list[str] = field(default_factory=list)
    make: list[str] = field(default_factory=list)
    model: list[str] = field(default_factory=list)
    colour: list[str] = field(default_factory=list)
    group: list[int] = field(default_factory=list)
    _used: set[str] = field(default_factory=set)

    def __len__(self) -> int:
        return len(self.vrm)

    def clone(self, r: random.Random, original: int, group: int) -> int:
        """A vehicle of another make or model wearing ``original``'s plate (a cloned plate)."""
        while True:
            make, model, _ = r.choices(VEHICLE_MODELS, cum_weights=_MODEL_CUM)[0]
            if (make, model) != (self.make[original], self.model[original]):
                break
        while (colour := r.choices(COLOURS, cum_weights=_COLOUR_CUM)[0][0]) == self.colour[original]:
            pass
        self.vrm.append(self.vrm[original])
        self.make.append(make)
        self.model.append(model)
        self.colour.append(colour)
        self.group.append(group)
        return len(self.vrm) - 1

    def add(self, r: random.Random, group: int = -1) -> int:
        """A new vehicle with a unique mark: mostly current format, some older prefix marks."""
        while True:
            if r.random() < 0.1:
                vrm = (
                    f"{r.choice(_PREFIX_LETTERS)}{r.randint(1, 999)}"
                    f"{r.choice(_SERIAL_LETTERS)}{r.choice(_SERIAL_LETTERS)}{r.choice(_SERIAL_LETTERS)}"
                )
            else:
                year = r.randint(5, 24)
                age = year + 50 * r.randint(0, 1)  # March (yy) or September (yy + 50) registration
                vrm = (
                    f"{r.choice(_TAG_LETTERS)}{r.choice(_TAG_LETTERS)}{age:02d}"
                    f"{r.choice(_LAST_LETTERS)}{r.choice(_LAST_LETTERS)}{r.choice(_LAST_LETTERS)}"
                )
            if vrm not in self._used:
                break
        self._used.add(vrm)
        make, model, _ = r.choices(VEHICLE_MODELS, cum_weights=_MODEL_CUM)[0]
        colour = r.choices(COLOURS, cum_weights=_COLOUR_CUM)[0][0]
        self.vrm.append(vrm)
        self.make.append(make)
        self.model.append(model)
        self.colour.append(colour)
        self.group.append(group)
        return len(self.vrm) - 1


@dataclass(frozen=True, slots=True)
class Group:
    """A travelling organised group: who, in what, how, what they take and where they go."""

    members: tuple[int, ...]
    member_weights: tuple[float, ...]
    vehicles: tuple[int, ...]
    tags: tuple[str, ...]
    categories: tuple[str, ...]
    kinds: tuple[str, ...]
    route: tuple[str, ...]
    # Each member's part of the group's active period, as fractions (0, 1): turnover means
    # some leave part-way and a newcomer takes their place.
    tenure: tuple[tuple[float, float], ...] = ()

    def active(self, at: float) -> list[int]:
        """Positions (in ``members``) of the members active at fraction ``at`` of the period."""
        if not self.tenure:
            return list(range(len(self.members)))
        return [i for i, (a, b) in enumerate(self.tenure) if a <= at < b] or list(range(len(self.members)))


def group_count(incidents: int) -> int:
    """~30 groups at 20k incidents, ~1,000 at 1M."""
    scale: float = (incidents / 20_000) ** 0.9
    return max(2, round(30 * scale))


def lone_counts(rng: np.random.Generator, total: int) -> np.ndarray:
    """Incidents per lone offender summing to ``total``.

    Zipf with a=2.6, redrawn above 200 (no pile-up at a cap): about 87% commit one or two
    incidents, a few dozen per 10,000 offenders commit 30 or more, a handful over 100.
    """

    def draw(n: int) -> np.ndarray:
        counts = rng.zipf(2.6, size=n)
        while (over := counts > 200).any():
            counts[over] = rng.zipf(2.6, size=int(over.sum()))
        return counts

    counts = draw(max(16, int(total * 0.7) + 16))
    while counts.sum() < total:
        counts = np.concatenate([counts, draw(counts.size)])
    cum = np.cumsum(counts)
    n = int(np.searchsorted(cum, total)) + 1
    counts = counts[:n].copy()
    counts[-1] -= int(cum[n - 1]) - total
    return counts.astype(np.int64)


def pnc_id(r: random.Random, birth_year: int) -> str:
    """A PNC id (``yy/nnnnnnnC``): the year of first record, a serial and its check letter."""
    year = r.randint(max(birth_year + 12, 1985), 2024) % 100
    serial = r.randint(1, 9_999_999)
    return f"{year:02d}/{serial:07d}{_PNC_CHECK[int(f'{year:02d}{serial:07d}') % 23]}"


def add_people(
    people: People,
    rng: np.random.Generator,
    r: random.Random,
    *,
    n: int,
    start: date,
    towns: list[int],
    group: int = -1,
    origin: int | None = None,
    male_share: float = 0.75,
    pnc_share: float = 0.5,
) -> list[int]:
    """Append ``n`` people living in ``towns`` (one each) and return their numbers."""
    origin_w = np.array([o.weight for o in ORIGINS])
    origins = (
        np.full(n, origin) if origin is not None else rng.choice(len(ORIGINS), size=n, p=origin_w / origin_w.sum())
    )
    if origin is not None:  # groups are mostly, not entirely, of one origin
        mixed = rng.random(n) < 0.2
        origins[mixed] = rng.choice(len(ORIGINS), size=int(mixed.sum()), p=origin_w / origin_w.sum())
    male = rng.random(n) < male_share
    group_age = group >= 0
    ages = (20 if group_age else 16) + rng.gamma(3.0 if group_age else 2.5, 5.0 if group_age else 7.0, size=n)
    ages = np.clip(ages, 14, 75)
    dob_ord = (start.toordinal() - (ages * 365.25).astype(np.int64)).tolist()
    heights = np.where(male, rng.normal(176, 7, n), rng.normal(163, 6.5, n)).round().astype(int).tolist()
    numbers: list[int] = []
    for i in range(n):
        o = ORIGINS[int(origins[i])]
        gender = "male" if male[i] else "female"
        names = o.male if male[i] else o.female
        given = draw(r, names)
        middle = draw(r, names) if r.random() < 0.45 else None
        if middle == given:
            middle = None
        extra = FEMALE_SURNAMES.get(o.key, ())
        own = bool(extra) and not male[i] and r.random() < 0.3  # Begum, Kaur
        surname = r.choice(extra) if own else draw(r, o.surnames)
        p = len(people)
        people.given.append(given)
        people.middle.append(middle)
        people.surname.append(surname)
        people.gender.append(gender)
        people.origin.append(int(origins[i]))
        people.dob.append(int(dob_ord[i]))
        people.height.append(int(min(210, max(140, heights[i]))))
        people.build.append(r.choices(_BUILDS, weights=(30, 40, 15, 15))[0])
        people.town.append(towns[i])
        people.group.append(group)
        people.pnc.append(pnc_id(r, date.fromordinal(dob_ord[i]).year) if r.random() < pnc_share else None)
        _maybe_aliases(people, r, p)
        numbers.append(p)
    return numbers


def _maybe_aliases(people: People, r: random.Random, p: int) -> None:
    """About a quarter of people have one or two other names, a few a street name."""
    u = r.random()
    n_alias = 2 if u < 0.06 else 1 if u < 0.26 else 0
    origin = ORIGINS[people.origin[p]]
    given_pool = origin.male if people.gender[p] == "male" else origin.female
    found: list[str] = []
    for _ in range(n_alias):
        kind = r.random()
        if kind < 0.35:
            found.append(f"{people.given[p]} {draw(r, origin.surnames)}")
        elif kind < 0.6:
            found.append(f"{draw(r, given_pool)} {people.surname[p]}")
        else:
            found.append(f"{draw(r, given_pool)} {draw(r, origin.surnames)}")
    if found:
        people.aliases[p] = [a for a in dict.fromkeys(found) if a != people.full_name(p)]
    if r.random() < 0.06:
        people.street_name[p] = r.choice(STREET_NAMES)


def assign_common_names(people: People, r: random.Random, candidates: list[int], per_name: int) -> None:
    """Give each very common full name to ``per_name`` people in different towns."""
    pool = candidates[:]
    r.shuffle(pool)
    by_gender: dict[str, list[int]] = {"male": [], "female": []}
    for p in pool:
        by_gender[people.gender[p]].append(p)
    for given, surname, gender in COMMON_FULL_NAMES:
        used_towns: set[int] = set()
        taken = 0
        bucket = by_gender[gender]
        while bucket and taken < per_name:
            p = bucket.pop()
            if people.town[p] in used_towns:
                continue
            used_towns.add(people.town[p])
            people.given[p], people.middle[p], people.surname[p] = given, None, surname
            people.aliases.pop(p, None)
            taken += 1


def build_groups(
    people: People,
    fleet: Fleet,
    rng: np.random.Generator,
    r: random.Random,
    *,
    n: int,
    start: date,
    towns_of_force: dict[str, list[int]],
    settings: ScenarioSettings | None = None,
) -> list[Group]:
    """Organised groups, each along a motorway corridor, with members, vehicles and signature."""
    settings = settings or ScenarioSettings()
    low, high = settings.group_size
    longest = max(2, round(5 * settings.travel))
    corridor_w = [sum(FORCE_WEIGHT[f] for f in c) for c in CORRIDORS]
    groups: list[Group] = []
    for g in range(n):
        corridor = r.choices(CORRIDORS, weights=corridor_w)[0]
        span = min(len(corridor), r.randint(2, longest))
        first = r.randrange(len(corridor) - span + 1)
        route = corridor[first : first + span]
        if r.random() < 0.5:
            route = route[::-1]
        base_force = route[0]  # where they live; sprees run out along the route
        size = r.randint(low, high)
        home = r.choice(towns_of_force[base_force])
        origin = r.choices(range(len(ORIGINS)), weights=[o.weight for o in ORIGINS])[0]
        members = add_people(
            people,
            rng,
            r,
            n=size,
            start=start,
            towns=[home] * size,
            group=g,
            origin=origin,
            male_share=0.8,
            pnc_share=0.8,
        )
        if r.random() < 0.3:  # a family firm: brothers, cousins, a couple
            shared = people.surname[members[0]]
            for p in members[1 : r.randint(2, size)]:
                people.surname[p] = shared
        tenure: list[tuple[float, float]] = []
        if settings.turnover:
            members, tenure = _turn_over(people, rng, r, members, settings.turnover, start=start, home=home,
                                         group=g, origin=origin)
        weights = tuple(float(w) for w in np.exp(rng.normal(0.0, 0.8, len(members))))
        vehicles = tuple(fleet.add(r, group=g) for _ in range(r.choices((1, 2, 3), weights=(45, 35, 20))[0]))
        if settings.cloned_plates:
            vehicles = tuple(_maybe_cloned(fleet, r, v, g, settings.cloned_plates) for v in vehicles)
        categories, kinds, tag_pool = GROUP_PROFILES[r.randrange(len(GROUP_PROFILES))]
        tags = tuple(r.sample(tag_pool, r.randint(2, min(4, len(tag_pool)))))
        groups.append(Group(tuple(members), weights, vehicles, tags, categories, kinds, route, tuple(tenure)))
    return groups


def _turn_over(
    people: People, rng: np.random.Generator, r: random.Random, members: list[int], share: float, *,
    start: date, home: int, group: int, origin: int,
) -> tuple[list[int], list[tuple[float, float]]]:
    """Some members leave part-way through; each is replaced by a newcomer from the same town."""
    tenure = [(0.0, 1.0)] * len(members)
    leaving = [i for i in range(len(members)) if r.random() < share]
    if not leaving:
        return members, tenure
    joined = add_people(people, rng, r, n=len(leaving), start=start, towns=[home] * len(leaving), group=group,
                        origin=origin, male_share=0.8, pnc_share=0.8)
    for i, newcomer in zip(leaving, joined, strict=True):
        when = r.uniform(0.25, 0.75)
        tenure[i] = (0.0, when)
        members = [*members, newcomer]
        tenure.append((when, 1.0))
    return members, tenure


def _maybe_cloned(fleet: Fleet, r: random.Random, vehicle: int, group: int, share: float) -> int:
    """A group's vehicle, or (with chance ``share``) another car on a plate copied from a vehicle
    already on the road: the original keeps being seen with its own owner, the clone with the group."""
    if r.random() >= share or len(fleet) < 2:
        return vehicle
    donors = [v for v in range(len(fleet) - 1) if fleet.group[v] >= 0 and fleet.group[v] != group]
    donors = donors or [v for v in range(len(fleet) - 1) if fleet.group[v] != group]
    if not donors:  # another gang's car is seen often; a lone offender's, now and then
        return vehicle
    return fleet.clone(r, donors[r.randrange(len(donors))], group)
