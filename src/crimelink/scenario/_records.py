"""The parts of one incident report: what was taken, how, with what violence, by whom, in what.

Each function takes the shared ``random.Random`` and plain values and returns plain dicts ready
for orjson: per-record work is a few dozen cheap draws, which is what keeps a million records
within a minute or two.
"""

from __future__ import annotations

import math
import random
from bisect import bisect
from datetime import date
from itertools import accumulate
from typing import Any

from crimelink.scenario._catalogue import (
    CATEGORY_MIX,
    FEATURES,
    LONE_TAGS,
    LOWER,
    PRODUCTS,
    SHOES,
    TAG_PHRASES,
    UPPER,
)
from crimelink.scenario._names import STREETS
from crimelink.scenario._noise import (
    age_range,
    colour_as_said,
    reported_dob,
    reported_height,
    reported_name,
    vrm_as_read,
)
from crimelink.scenario._places import TOWNS
from crimelink.scenario._population import Fleet, People
from crimelink.scenario._stores import postcode
from crimelink.scenario._timeline import local_offset_hours

_MIX = {kind: (tuple(c for c, _ in mix), tuple(accumulate(w for _, w in mix))) for kind, mix in CATEGORY_MIX.items()}
_LONE_TAG_NAMES = tuple(t for t, _ in LONE_TAGS)
_LONE_TAG_CUM = tuple(accumulate(w for _, w in LONE_TAGS))
_OFFENCE_TAGS = {
    "robbery": ("threats_to_staff", "till_snatch"),
    "assault_on_worker": ("aggressive_when_challenged", "abuse_of_staff"),
    "fraud": ("refund_fraud",),
    "burglary": ("out_of_hours_entry",),
    "criminal_damage": ("damage_to_fixtures",),
    "public_order": ("abuse_of_staff",),
}
_WEAPONS = ("none", "knife", "syringe", "blunt", "firearm", "other")
_WEAPON_CUM = tuple(accumulate((62.0, 20.0, 5.0, 7.0, 1.0, 5.0)))
_COUNTS = ("", "Male", "Two", "Three", "Four")
_CONDITIONS = (
    "Not to be disseminated outside the partnership without originator consent.",
    "Do not share with the retailer concerned; ongoing investigation.",
    "Sharing with police only; contains victim details.",
)


def items(
    r: random.Random, kind: str, favoured: tuple[str, ...], target: float, lines: int
) -> tuple[list[dict[str, Any]], float]:
    """Item lines worth about ``target`` pounds, from what this kind of store sells."""
    names, cum = _MIX[kind]
    wanted = [c for c in favoured if c in names]
    out: list[dict[str, Any]] = []
    total = 0.0
    share = target / lines
    cap = 40 if favoured else 10  # a lone thief carries less than a group with bags and a car
    for _ in range(lines):
        if wanted and r.random() < 0.85:
            category = wanted[r.randrange(len(wanted))]
        else:
            category = names[bisect(cum, r.random() * cum[-1])]
        products = PRODUCTS[category]
        description, price = products[r.randrange(len(products))]
        quantity = max(1, min(cap, round(share / price)))
        out.append(
            {
                "description": description,
                "category": category,
                "quantity": quantity,
                "unit_value_gbp": price,
            }
        )
        total += quantity * price
    return out, round(total, 2)


def loss_target(r: random.Random, offence: str, group: bool) -> float:
    """Heavy-tailed loss: lone thefts mostly £20-£300, group thefts several times larger."""
    median = 420.0 if group else 55.0
    if offence == "robbery":
        median *= 1.6
    elif offence == "burglary":
        median *= 3.0
    elif offence == "fraud":
        median = 120.0
    return max(3.0, median * math.exp(r.gauss(0.0, 0.9)))


def mo(
    r: random.Random,
    offence: str,
    signature: tuple[str, ...],
    group: bool,
    n_people: int,
    vehicle_seen: bool,
    genders: list[str],
) -> dict[str, Any] | None:
    """Tags (a group's signature nearly always, a lone offender's habits often) and a text."""
    tags: list[str] = [t for t in signature if r.random() < (0.85 if group else 0.6)]
    if group and n_people >= 2 and r.random() < 0.9:
        tags.append("multiple_offenders")
    if vehicle_seen and r.random() < 0.8:
        tags.append("getaway_vehicle")
    if not group and offence == "theft_from_shop" and r.random() < 0.35:
        tags.append(_LONE_TAG_NAMES[bisect(_LONE_TAG_CUM, r.random() * _LONE_TAG_CUM[-1])])
    extra = _OFFENCE_TAGS.get(offence)
    if extra and r.random() < 0.8:
        tags.append(extra[r.randrange(len(extra))])
    tags = list(dict.fromkeys(tags))
    if not tags and r.random() < 0.5:
        return None
    out: dict[str, Any] = {"tags": tags} if tags else {}
    if r.random() < 0.8:
        out["text"] = _text(tags, n_people, genders)
    return out or None


def _text(tags: list[str], n_people: int, genders: list[str]) -> str:
    """A short free-text account built from the tags: what a store detective would type."""
    if not genders:
        who = "Offenders" if n_people > 1 else "Offender"
    elif n_people == 1:
        who = "Female" if genders[0] == "female" else "Male"
    else:
        sexes = set(genders)
        sex = "females" if sexes == {"female"} else "males" if sexes == {"male"} else "offenders"
        who = f"{_COUNTS[min(n_people, 4)]} {sex}"
    middle = [t for t in tags if t not in ("multiple_offenders", "getaway_vehicle")][:2]
    ordered = [t for t in ("multiple_offenders", *middle, "getaway_vehicle") if t in tags]
    phrases = [TAG_PHRASES[t] for t in ordered if t in TAG_PHRASES]
    if not phrases or phrases == [TAG_PHRASES["multiple_offenders"]]:
        phrases.append("took stock without paying")
    body = phrases[0] if len(phrases) == 1 else ", ".join(phrases[:-1]) + " and " + phrases[-1]
    return f"{who} {body}."


def violence(r: random.Random, offence: str, tags: list[str]) -> dict[str, Any] | None:
    """Threats, assault, injury and weapon: mainly on robbery and assault on a worker."""
    if offence == "robbery":
        assault = r.random() < 0.4
        return {
            "threats": True,
            "assault": assault,
            "injury": assault and r.random() < 0.4,
            "weapon": _WEAPONS[bisect(_WEAPON_CUM, r.random() * _WEAPON_CUM[-1])],
        }
    if offence == "assault_on_worker":
        return {
            "threats": r.random() < 0.7,
            "assault": True,
            "injury": r.random() < 0.35,
            "weapon": "none" if r.random() < 0.85 else _WEAPONS[r.randrange(1, len(_WEAPONS))],
        }
    if offence == "public_order":
        return {"threats": r.random() < 0.6, "assault": False, "injury": False}
    if "threats_to_staff" in tags or "aggressive_when_challenged" in tags:
        return {
            "threats": True,
            "assault": r.random() < 0.1,
            "injury": False,
            "weapon": "none" if r.random() < 0.95 else "knife",
        }
    if r.random() < 0.2:  # some systems always fill the block in
        return {"threats": False, "assault": False, "injury": False, "weapon": "none"}
    return None


def description(r: random.Random) -> str:
    """Clothing and a feature, as staff describe someone they could not name."""
    upper = UPPER[r.randrange(len(UPPER))]
    lower = LOWER[r.randrange(len(LOWER))]
    text = f"{upper}, {lower}, {SHOES[r.randrange(len(SHOES))]}"
    if r.random() < 0.6:
        text += f", {FEATURES[r.randrange(len(FEATURES))]}"
    return text[0].upper() + text[1:]


def mention(
    r: random.Random,
    people: People,
    p: int,
    ref: str,
    *,
    police: bool,
    named: bool,
    day_ordinal: int,
    seed: int,
    noise: float = 1.0,
) -> dict[str, Any]:
    """One person as a report describes them: named (with noise) or description only."""
    m: dict[str, Any] = {"person_ref": ref, "role": "suspect" if r.random() < 0.95 else "associate"}
    age = (day_ordinal - people.dob[p]) / 365.25
    if named:
        m["name"], listed = reported_name(r, people, p, police, noise)
        if listed:
            m["aliases"] = listed
        if r.random() < (0.75 if police else 0.32):
            m["dob"] = reported_dob(r, people.dob[p], noise)
        if r.random() < 0.45:
            m["age_min"], m["age_max"] = age_range(r, age)
    elif r.random() < 0.85:
        m["age_min"], m["age_max"] = age_range(r, age)
    u = r.random()
    if u < 0.9:
        m["gender"] = people.gender[p]
    elif u < 0.93:
        m["gender"] = "unknown"
    if r.random() < (0.35 if named else 0.45):
        m["height_cm"] = reported_height(r, people.height[p])
    if r.random() < 0.5:
        m["build"] = people.build[p] if r.random() < 0.85 else "unknown"
    if r.random() < (0.4 if named else 0.9) or not (named or "age_min" in m):
        m["description"] = description(r)  # a mention without a name always describes someone
    u = r.random()
    if named:
        m["identified_by"] = (
            ("police" if u < 0.8 else "cctv") if police else ("staff" if u < 0.55 else "cctv" if u < 0.9 else "police")
        )
    elif u < 0.5:
        m["identified_by"] = "cctv" if u < 0.3 else "staff"
    if police and named:
        pnc = people.pnc[p]
        if pnc is not None and r.random() < 0.35:
            m["pnc_id"] = pnc
        if r.random() < 0.08:
            m["address"], m["postcode"] = home_address(people, p, seed)
    return m


def home_address(people: People, p: int, seed: int) -> tuple[str, str]:
    """A person's (fictional) home address: the same every time it is reported."""
    own = random.Random(seed * 1_000_003 + p)
    town = TOWNS[people.town[p]]
    return f"{own.randint(1, 180)} {STREETS[own.randrange(len(STREETS))]}, {town.name}", postcode(
        own, town.postcode_area
    )


def vehicle(r: random.Random, fleet: Fleet, v: int, noise: float = 1.0) -> dict[str, Any]:
    """A vehicle as reported: the plate as read, make/model/colour mostly given."""
    text, partial = vrm_as_read(r, fleet.vrm[v], noise)
    out: dict[str, Any] = {"vrm": text}
    if partial:
        out["partial"] = True
    if r.random() < 0.85:
        out["make"] = fleet.make[v]
        if r.random() < 0.85:
            out["model"] = fleet.model[v]
    if r.random() < 0.85:
        out["colour"] = colour_as_said(r, fleet.colour[v])
    return out


def evidence(r: random.Random, police: bool) -> dict[str, Any]:
    """CCTV in most stores; body-worn video where staff (or officers) wear it."""
    out: dict[str, Any] = {"cctv": r.random() < 0.85}
    if r.random() < (0.5 if police else 0.25):
        out["body_worn_video"] = r.random() < 0.6
    if r.random() < 0.4:
        out["images"] = r.randint(0, 12)
    return out


def grading(r: random.Random, police: bool) -> dict[str, Any]:
    """A 3x5x2 grading (College of Policing APP): source, intelligence, handling."""
    u = r.random()
    source = ("1" if u < 0.5 else "2" if u < 0.95 else "3") if police else ("1" if u < 0.3 else "2" if u < 0.9 else "3")
    u = r.random()
    assessment = "A" if u < 0.35 else "B" if u < 0.65 else "C" if u < 0.85 else "D" if u < 0.97 else "E"
    out: dict[str, Any] = {
        "source_evaluation": source,
        "intelligence_assessment": assessment,
        "handling_code": "P",
    }
    if r.random() < 0.15:
        out["handling_code"] = "C"
        out["handling_conditions"] = _CONDITIONS[r.randrange(len(_CONDITIONS))]
    return out


def day_strings(start: date, days: int) -> tuple[list[str], list[int]]:
    """ISO dates and UTC offsets (hours) for day -1 .. days+70, index shifted by one."""
    first = start.toordinal() - 1
    dates = [date.fromordinal(first + i) for i in range(days + 72)]
    return [d.isoformat() for d in dates], [local_offset_hours(d) for d in dates]
