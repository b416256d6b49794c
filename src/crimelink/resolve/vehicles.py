"""Resolving vehicle mentions into vehicles: which reads are the same registration mark.

Four steps, each leaving its reason on the link:

1. **Same mark.** Mentions with the same normalised mark (``vrm_normalised``: upper case, no
   spaces) are one vehicle, so "ab12 cde" and "AB 12CDE" meet.
2. **Cloned plates.** A mark whose reads consistently describe different cars
   (a red Ford Focus seen four times, a black VW Golf three times) is one vehicle per car, each
   flagged ``possible_clone`` with the mark as its ``clone_group``
   (:mod:`crimelink.resolve.clones`: make and model first, colour second, each car needing
   ``min_clone_sightings`` reads; one odd read is a witness's slip and splits nothing).
3. **Misreads.** Marks that differ only in characters witnesses and cameras confuse (0/O, 1/I,
   5/S, 8/B, 2/Z, 6/G...: the same ``fuzzy_key``) are one vehicle when the plate itself says
   which read is the true one: a misread nearly always breaks the format (a digit where the
   format has a letter), so a read that is not ``plausible`` joins the one plausible mark of its
   fuzzy key. Where two plausible marks share a fuzzy key, make, model and colour must pick one
   (:mod:`crimelink.resolve.vehicle_evidence`); where none is plausible, the reads join the one
   reported most often. A contradicting description (another make or model) keeps a read apart.
   Two plausible marks never merge with each other: they are two plates. A misread of a cloned
   mark joins the mark (its reads describe no one car), then the car its description is closest to.
4. **Partial reads** ("AB12C?E") join the known vehicle they could be
   (``RegistrationMark.could_be``, misreads forgiven), when only one vehicle fits, or when only
   one of those that fit has a description that supports the read's and none contradicts.
   Otherwise, and for a read with fewer than ``min_known_characters`` known, the read is a
   vehicle of its own: guessing between two cars is worse than leaving the read apart. The cars
   on a cloned mark are candidates of their own, so the description picks one or none.

An unreadable mark is a vehicle of its own. The frames going in and out keep their shape.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crimelink.domain.registration import RegistrationMark, fold
from crimelink.errors import InvalidValue
from crimelink.resolve.clones import CloneSplit, clone_key, find_clones, mark_of
from crimelink.resolve.vehicle_evidence import Description

__all__ = ["VEHICLE_MENTION_COLUMNS", "VehicleResolution", "VehicleSettings", "resolve_vehicles"]

VEHICLE_MENTION_COLUMNS = (
    "mention_id",
    "incident_id",
    "vrm",
    "vrm_normalised",
    "vrm_pattern",
    "partial",
    "make",
    "model",
    "colour",
)
SAME_MARK = "same registration mark"
MISREAD = "misread of {mark}: {read} differs only in characters readers confuse"
MISREAD_DESCRIBED = "misread of {mark}: {read} differs only in characters readers confuse, and the description agrees"
PARTIAL_FITS = "partial read {read} fits {mark}, the only known vehicle it could be"
PARTIAL_DESCRIBED = (
    "partial read {read} fits {mark}: of the {n} known vehicles it could be, only this one's {words} agree"
)
PARTIAL_ALONE = "partial read: no single known mark fits"
PARTIAL_CLONE = (
    "partial read {read} fits {mark}, a plate worn by more than one car: nothing in the read tells them apart, "
    "so it goes with the car most seen on the plate"
)
UNREADABLE = "unreadable mark"
_DESCRIPTION = ("make", "model", "colour")


@dataclass(frozen=True)
class VehicleSettings:
    """How vehicles are resolved; stored with each analysis run."""

    method: str = (
        "same normalised mark, split where its reads consistently describe different cars (possible "
        "clone); misreads (same fuzzy key) join the plausible mark; a partial read joins the single "
        "vehicle it fits, make/model/colour deciding between several"
    )
    # A read with fewer known characters fits too many marks to mean anything.
    min_known_characters: int = 4
    # Reads a second car on one mark needs before it is taken for a cloned plate: fewer is a
    # witness's slip (one "blue" among "red" sightings), not a second car.
    min_clone_sightings: int = 2


@dataclass(frozen=True)
class VehicleResolution:
    """``links``: mention_id, vehicle_id, reason (one row per mention).

    ``vehicles``: vehicle_id, vrm (normalised; None when only partial), make, model, colour,
    vrm_fuzzy (the mark with confusable characters folded, for matching misreads later),
    possible_clone (the mark was split: more than one car wears it) and clone_group (that mark,
    shared by every vehicle split from it; None otherwise). Column names are the store's.
    """

    links: pd.DataFrame
    vehicles: pd.DataFrame


def resolve_vehicles(mentions: pd.DataFrame, *, settings: VehicleSettings | None = None) -> VehicleResolution:
    """Cluster vehicle mentions (columns ``VEHICLE_MENTION_COLUMNS``) into vehicles.

    Vehicle ids run from 1 in order of each vehicle's first mention.
    """
    settings = settings or VehicleSettings()
    m = mentions.sort_values("mention_id", ignore_index=True)
    full = m["vrm_normalised"].notna().to_numpy()
    partial = ~full & (
        m["vrm_pattern"].str.contains("?", regex=False).fillna(False).to_numpy()
        | m["partial"].fillna(False).astype(bool).to_numpy()
    )
    reads = m[full]
    counts = reads["vrm_normalised"].value_counts()
    # a misread ("DOS7HLG") is no plate of its own: only plausible marks are split into cars,
    # and misreads join their car through the mark they are taken to be
    plausible = reads["vrm_normalised"].map({key: _plausible(key) for key in counts.index}).astype(bool)
    clones = find_clones(reads[plausible.to_numpy()], min_sightings=settings.min_clone_sightings)
    described = _descriptions(reads, "vrm_normalised")
    described.update(dict.fromkeys(clones, Description()))  # a cloned mark describes no one car
    joined = join_misreads(list(counts.index), described, counts.to_dict())
    cluster = m["vrm_normalised"].where(full, None).astype(object)
    reason = pd.Series(np.where(full, SAME_MARK, UNREADABLE), index=m.index, dtype=object)
    for position, key in zip(np.flatnonzero(full), reads["vrm_normalised"], strict=True):
        if key in joined:
            cluster.iat[position], reason.iat[position] = joined[key]
    _split_clones(m, cluster, reason, clones)
    _fit_partials(m, partial, cluster, reason, settings)
    alone = cluster.isna()
    reason[alone & partial] = PARTIAL_ALONE
    cluster[alone] = "#" + m.loc[alone, "mention_id"].astype(str)  # a vehicle of its own
    first = m.groupby(cluster, sort=False)["mention_id"].transform("min")
    order = np.unique(first.to_numpy())
    m["vehicle_id"] = np.searchsorted(order, first.to_numpy()) + 1
    m["cluster"] = cluster
    links = pd.DataFrame({"mention_id": m["mention_id"], "vehicle_id": m["vehicle_id"], "reason": reason.to_numpy()})
    return VehicleResolution(links=links, vehicles=_vehicles(m, set(clones)))


def join_misreads(
    keys: Sequence[str], described: dict[str, Description], reported: dict[str, int]
) -> dict[str, tuple[str, str]]:
    """For each full mark taken to be a misread: the mark it is taken to be, and why.

    Within one fuzzy key, plausible marks come first, the most reported first. A plausible mark
    stands as a vehicle of its own unless exactly one earlier one has the same make and model
    (or make and colour): some misreads land on another valid format ("MD20OFR" read as the
    prefix mark "M020OFR"), and only the description tells them apart from a second car. A
    mark that is not plausible joins the one earlier mark that ``choose`` picks.
    """
    by_fuzzy: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        by_fuzzy[fold(key)].append(key)
    joined: dict[str, tuple[str, str]] = {}
    none = Description()
    for group in by_fuzzy.values():
        if len(group) < 2:
            continue
        plausible = {key for key in group if _plausible(key)}
        anchors: list[str] = []
        for key in sorted(group, key=lambda k: (k not in plausible, -reported.get(k, 0), k)):
            read = described.get(key, none)
            if key in plausible or not anchors:
                same = [a for a in anchors if read.support(described.get(a, none)) >= 2]
                if len(same) == 1:
                    joined[key] = (same[0], MISREAD_DESCRIBED.format(mark=same[0], read=key))
                else:
                    anchors.append(key)
                continue
            chosen = choose(read, [(a, described.get(a, none)) for a in anchors])
            if chosen is not None:
                joined[key] = (chosen, MISREAD.format(mark=chosen, read=key))
    return joined


def choose(read: Description, candidates: Sequence[tuple[str, Description]]) -> str | None:
    """The one candidate a read belongs to, or None when the evidence does not single one out.

    A lone candidate is taken unless the description contradicts it. Among several, those the
    description contradicts drop out, and the description must then support one of the rest
    more than any other.
    """
    kept = [(name, d) for name, d in candidates if not read.contradicts(d)]
    if len(candidates) == 1:
        return kept[0][0] if kept else None
    scored = sorted(((read.support(d), name) for name, d in kept), reverse=True)
    if len(kept) == 1 and scored[0][0] > 0:
        return scored[0][1]
    if len(scored) >= 2 and scored[0][0] > 0 and scored[0][0] > scored[1][0]:
        return scored[0][1]
    return None


def _plausible(key: str) -> bool:
    try:
        return RegistrationMark.parse(key).plausible
    except InvalidValue:
        return False


def _descriptions(m: pd.DataFrame, by: str) -> dict[str, Description]:
    """The most often reported make, model and colour of each value of ``by``."""
    modes = {column: _mode(m, column, by=by).to_dict() for column in _DESCRIPTION}
    return {key: Description.of(*(modes[column].get(key) for column in _DESCRIPTION)) for key in pd.unique(m[by])}


def _split_clones(m: pd.DataFrame, cluster: pd.Series, reason: pd.Series, clones: dict[str, CloneSplit]) -> None:
    """Put each read of a cloned mark with its car (the module's step 2): the mark's own reads
    where the split placed them, with the other car(s) named in the reason; a misread joined to
    the mark with the car its own description is closest to (its misread reason kept)."""
    if not clones:
        return
    for position in np.flatnonzero(cluster.isin(list(clones)).to_numpy()):
        mark = str(cluster.iat[position])
        split = clones[mark]
        car = split.car_of.get(int(m.at[position, "mention_id"]))
        if car is None:
            car = split.closest(_read(m, int(position)))
        else:
            reason.iat[position] = split.reason(car)
        cluster.iat[position] = clone_key(mark, car)


def _read(m: pd.DataFrame, position: int) -> Description:
    """What one mention says the car looks like."""
    return Description.of(*(_text(m.at[position, column]) for column in _DESCRIPTION))


def _text(value: object) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def _fit_partials(
    m: pd.DataFrame, partial: np.ndarray, cluster: pd.Series, reason: pd.Series, settings: VehicleSettings
) -> None:
    """Put each partial read with the one known vehicle it fits (see the module's step 4)."""
    full = cluster.notna().to_numpy()
    keys = m.loc[full, "vrm_normalised"].to_numpy()
    vehicles_of: dict[str, set[str]] = defaultdict(set)  # a cloned mark is several vehicles
    for key, vehicle in zip(keys, cluster[full], strict=True):
        vehicles_of[key].add(vehicle)
    known = pd.unique(keys)
    index = _KeyIndex([str(k) for k in known])
    described = _descriptions(m[full].assign(cluster=cluster[full]), "cluster")
    seen = cluster[full].value_counts()  # full reads of each vehicle
    for position in np.flatnonzero(partial):
        pattern = m.at[position, "vrm_pattern"]
        fitting = index.fits(pattern, settings.min_known_characters)
        vehicles = sorted({vehicle for key in fitting for vehicle in vehicles_of[key]})
        if not vehicles:
            continue
        read = _read(m, int(position))
        chosen = choose(read, [(v, described[v]) for v in vehicles])
        if chosen is None and len(fitting) == 1 and len(vehicles) > 1:  # one cloned plate: as its own reads do
            chosen = _most_seen(read, vehicles, described, seen)
            if chosen is not None:
                cluster.iat[position] = chosen
                reason.iat[position] = PARTIAL_CLONE.format(read=pattern, mark=mark_of(chosen))
            continue
        if chosen is None:
            continue
        cluster.iat[position] = chosen
        mark = mark_of(chosen)
        if len(vehicles) == 1:
            reason.iat[position] = PARTIAL_FITS.format(read=pattern, mark=mark)
        else:
            words = read.agreeing(described[chosen])
            reason.iat[position] = PARTIAL_DESCRIBED.format(read=pattern, mark=mark, n=len(vehicles), words=words)


def _most_seen(
    read: Description, cars: Sequence[str], described: dict[str, Description], seen: pd.Series
) -> str | None:
    """Of the cars on one cloned plate, the most seen one the read does not contradict: where
    nothing in a partial read tells the cars apart, it goes where an undescribed full read of
    the plate would go."""
    kept = [car for car in cars if not read.contradicts(described[car])]
    return min(kept, key=lambda car: (-int(seen.get(car, 0)), car)) if kept else None


def _vehicles(m: pd.DataFrame, cloned: set[str]) -> pd.DataFrame:
    """One row per vehicle: its mark, its most often reported make, model and colour, and
    whether its mark is one of the ``cloned`` ones."""
    ids = pd.Index(np.unique(m["vehicle_id"].to_numpy()), name="vehicle_id")
    keys = m.drop_duplicates("vehicle_id").set_index("vehicle_id")["cluster"].reindex(ids)
    marks = [None if key.startswith("#") else mark_of(key) for key in keys]
    frame = {"vehicle_id": ids.to_numpy(), "vrm": np.array(marks, dtype=object)}
    for column in _DESCRIPTION:
        frame[column] = _mode(m, column).reindex(ids).to_numpy()
    frame["vrm_fuzzy"] = np.array([fold(v) if v is not None else None for v in marks], dtype=object)
    groups = np.array([v if v in cloned else None for v in marks], dtype=object)
    frame["possible_clone"] = np.array([g is not None for g in groups], dtype=bool)
    frame["clone_group"] = groups
    return pd.DataFrame(frame)


def _mode(m: pd.DataFrame, column: str, *, by: str = "vehicle_id") -> pd.Series:
    """Most frequent non-missing value per vehicle (or per value of ``by``; ties: the first reported)."""
    present = m[m[column].notna()]
    if present.empty:
        return pd.Series(dtype=object)
    counts = (
        present.groupby([by, column], sort=False)
        .agg(n=("mention_id", "size"), first=("mention_id", "min"))
        .reset_index()
    )
    counts = counts.sort_values([by, "n", "first"], ascending=[True, False, True])
    return counts.drop_duplicates(by).set_index(by)[column]


class _KeyIndex:
    """Known full marks indexed by (length, position, folded character).

    Only narrows the candidates; ``RegistrationMark.could_be`` has the last word on each, so
    the index can never make a read fit a mark that the domain type would refuse.
    """

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        self.at: dict[tuple[int, int, str], set[int]] = defaultdict(set)
        for number, key in enumerate(keys):
            for position, character in enumerate(fold(key)):
                self.at[(len(key), position, character)].add(number)

    def fits(self, pattern: str, min_known: int) -> list[str]:
        """Every known mark this partial read could be (none for a read with too little known)."""
        try:
            mark = RegistrationMark.parse(pattern, partial=True)
        except InvalidValue:
            return []
        read = mark.pattern
        known = [(p, c) for p, c in enumerate(fold(read)) if c != "?"]
        if len(known) < min_known:
            return []
        sets = sorted((self.at.get((len(read), p, c), set()) for p, c in known), key=len)
        candidates = set.intersection(*sets) if sets else set()
        return sorted(self.keys[n] for n in candidates if mark.could_be(self.keys[n]))
