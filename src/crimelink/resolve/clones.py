"""Cloned plates: one registration mark worn by more than one car.

Organised groups copy a real car's plate onto a car of their own, so "the same registration
mark" is not always the same vehicle. The reads of one mark are sorted into cars by what they
say the car is (:mod:`crimelink.resolve.vehicle_evidence` compares them), and a mark whose reads
*consistently* describe different cars is split, one vehicle per car:

* **Make and model first.** Reads are grouped by make and model. A read naming only the make
  joins the most reported model of that make (or stands for the make when no read names a
  model of it); one naming only the model joins that model. Witnesses name a make reliably and
  a model usually, so these are the strong words.
* **Colour second.** Within one make and model, colours are grouped by family (silver is grey,
  navy is blue; a colour of two families, "black/dark grey", joins them), and a different
  colour makes a second car only when each colour is reported ``min_sightings`` times or more.
  Where no read of the mark names a make or model, colour is all there is, and the same holds.
* **Enough sightings.** Every group of at least ``min_sightings`` reads is a car, and so is a
  group naming a make (and model) that no other read of the mark names: a Peugeot 208 among
  Mini Cooper sightings is another car even if seen once. With fewer than two cars the mark
  stays one vehicle: one odd read ("blue" among "red" Ford Focus sightings, one Fiesta among
  Focuses) is a witness's slip, not a second car.
* **The rest join the closest car.** Smaller groups, reads naming only a colour (where others
  name makes) and reads with no description at all join the car they do not contradict and
  agree with most; ties, and reads with no description, go to the most reported car.

Only marks read often enough for two cars and described in more than one way are looked at
read by read (``_suspects``), so nearly every mark costs nothing here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from crimelink.resolve.vehicle_evidence import Description

__all__ = ["Car", "CloneSplit", "clone_key", "closest", "find_clones", "mark_of", "split_mark"]

_WORDS = ("make", "model", "colour")
_CLONE_SEPARATOR = "~"
CLONE_MOST_SEEN = (
    "same registration mark, on {car}, the car most seen with it; the plate is also seen on {others} (possible clone)"
)
CLONE_OTHER = "same registration mark, but {car}: a different vehicle from {main} on this plate (possible clone)"
_REASON_LENGTH = 400  # vehicle_links.reason

Kind = tuple[str | None, str | None]  # make and model, cleaned
Words = tuple[str | None, str | None, str | None]  # make, model and colour as reported


@dataclass(frozen=True)
class Car:
    """One car seen wearing a cloned plate."""

    words: str  # as reporters most often put it: "black VW Golf"
    described: Description  # the same, cleaned for comparing
    sightings: int  # reads of the mark put with this car


@dataclass(frozen=True)
class CloneSplit:
    """The cars one cloned mark is worn by (the most reported first), and which read is which."""

    cars: tuple[Car, ...]
    car_of: dict[int, int]  # mention_id of each of the mark's own reads -> index into cars

    def closest(self, read: Description) -> int:
        """The car a read placed later (a misread joined to the mark) belongs to."""
        return closest(read, [car.described for car in self.cars], [car.sightings for car in self.cars])

    def reason(self, car: int) -> str:
        """Why a read of the mark is this car, in words for the link: the other car(s) on the plate."""
        if car == 0:
            others = _listed([_article(other.words) for other in self.cars[1:]])
            text = CLONE_MOST_SEEN.format(car=_article(self.cars[0].words), others=others)
        else:
            text = CLONE_OTHER.format(car=_article(self.cars[car].words), main=f"the {self.cars[0].words}")
        return text[:_REASON_LENGTH]


def clone_key(mark: str, car: int) -> str:
    """The cluster key of a car on a cloned mark: the mark itself for the most reported car, so
    that everything keyed by mark (misreads, partial reads) still finds it."""
    return mark if car == 0 else f"{mark}{_CLONE_SEPARATOR}{car + 1}"


def mark_of(key: str) -> str:
    """The registration mark a cluster key stands for (see ``clone_key``)."""
    return key.split(_CLONE_SEPARATOR, 1)[0]


def closest(read: Description, cars: Sequence[Description], sightings: Sequence[int]) -> int:
    """The car a read fits best: one it does not contradict, agreeing in the most of make, model
    and colour, then the most reported (the first, when tied). A read with no description thus
    goes to the most reported car."""
    return max(
        range(len(cars)),
        key=lambda i: (not read.contradicts(cars[i]), read.agreements(cars[i]), sightings[i], -i),
    )


def find_clones(reads: pd.DataFrame, *, min_sightings: int) -> dict[str, CloneSplit]:
    """The marks among ``reads`` (full reads: mention_id, vrm_normalised, make, model, colour)
    that are worn by more than one car, each with its cars."""
    words, looks, codes = _looks(reads)
    marks = reads["vrm_normalised"].to_numpy()
    mentions = reads["mention_id"].to_numpy()
    found: dict[str, CloneSplit] = {}
    for mark, positions in _suspects(marks, looks, codes, min_sightings).items():
        split = split_mark(
            [int(mentions[p]) for p in positions],
            [looks[codes[p]] for p in positions],
            [words[codes[p]] for p in positions],
            min_sightings=min_sightings,
        )
        if split is not None:
            found[mark] = split
    return found


def _looks(reads: pd.DataFrame) -> tuple[list[Words], list[Description], np.ndarray]:
    """Each different make, model and colour as reported, cleaned once (there are far fewer of
    them than reads), and each read's index into them."""
    columns = [reads[c].astype(object).where(reads[c].notna(), None).tolist() for c in _WORDS]
    index: dict[Words, int] = {}
    rows: Iterable[Words] = zip(*columns, strict=True)
    codes = np.fromiter((index.setdefault(row, len(index)) for row in rows), dtype=np.int64, count=len(reads))
    words = list(index)
    return words, [Description.of(*w) for w in words], codes


def _suspects(
    marks: np.ndarray, looks: Sequence[Description], codes: np.ndarray, min_sightings: int
) -> dict[str, list[int]]:
    """The read positions of each mark read often enough for two cars whose reads name more
    than one make, model or colour family: no other mark can split, so nearly every mark is
    passed over whole, without a look at each of its reads."""
    features = pd.DataFrame({
        "mark": marks,
        "make": np.array([look.make for look in looks], dtype=object)[codes],
        "model": np.array([look.model for look in looks], dtype=object)[codes],
        "colour": np.array([",".join(sorted(look.colours)) or None for look in looks], dtype=object)[codes],
    })  # fmt: skip
    per_mark = features.groupby("mark", sort=False)
    varied = per_mark[["make", "model", "colour"]].nunique().gt(1).any(axis=1)
    enough = per_mark.size() >= 2 * min_sightings
    suspects = varied.index[varied & enough]
    if suspects.empty:
        return {}
    chosen = features[features["mark"].isin(suspects)]
    return {str(mark): [int(p) for p in labels] for mark, labels in chosen.groupby("mark", sort=False).groups.items()}


def split_mark(
    mentions: Sequence[int], described: Sequence[Description], words: Sequence[Words], *, min_sightings: int
) -> CloneSplit | None:
    """The cars the reads of one mark describe (see the module), or None when they are one car.

    ``mentions``, ``described`` and ``words``: each read's mention id, its description cleaned
    for comparing, and its make, model and colour as reported.
    """
    found = _groups(described, min_sightings)
    groups = [g for g in found if len(g) >= min_sightings or _another_make(g, described)]
    if len(groups) < 2:
        return None
    groups.sort(key=lambda g: (-len(g), g[0]))
    said = [_most_said([words[i] for i in g]) for g in groups]
    looks = [Description.of(*w) for w in said]
    placed = {i: car for car, g in enumerate(groups) for i in g}
    sizes = [len(g) for g in groups]
    car_at = [placed[i] if i in placed else closest(d, looks, sizes) for i, d in enumerate(described)]
    counts = Counter(car_at)
    cars = tuple(Car(words=_words(*w), described=looks[car], sightings=counts[car]) for car, w in enumerate(said))
    return CloneSplit(cars=cars, car_of=dict(zip(mentions, car_at, strict=True)))


def _another_make(group: Sequence[int], described: Sequence[Description]) -> bool:
    """A group whose reads all name a make and model, the make no other read names: a car of
    another maker is no witness's slip (a Peugeot 208 among Mini Cooper sightings), even seen once."""
    makes = {described[i].make for i in group}
    if len(makes) != 1 or not all(described[i].make and described[i].model for i in group):
        return False
    inside = set(group)
    return all(d.make not in makes for i, d in enumerate(described) if i not in inside)


def _groups(described: Sequence[Description], min_sightings: int) -> list[list[int]]:
    """Reads (by position) grouped by the car they describe: make and model first, colour
    within them; reads naming neither make nor model are in no group unless no read does."""
    kinds = _kinds(described)
    if all(kind is None for kind in kinds):  # colour is all there is
        kinds = [(None, None) if d.colours else None for d in described]
    by_kind: dict[Kind, list[int]] = {}
    for position, kind in enumerate(kinds):
        if kind is not None:
            by_kind.setdefault(kind, []).append(position)
    return [part for members in by_kind.values() for part in _by_colour(members, described, min_sightings)]


def _kinds(described: Sequence[Description]) -> list[Kind | None]:
    """Each read's make and model: as read, or, for a read naming only one of them, the most
    reported make and model it fits (the first reported, when tied)."""
    full: Counter[Kind] = Counter((d.make, d.model) for d in described if d.make and d.model)
    return [_kind(d, full) for d in described]


def _kind(read: Description, full: Counter[Kind]) -> Kind | None:
    if read.make and read.model:
        return (read.make, read.model)
    if read.make:
        fits = [kind for kind in full if kind[0] == read.make]
    elif read.model:
        fits = [kind for kind in full if kind[1] == read.model]
    else:
        return None
    return max(fits, key=full.__getitem__) if fits else (read.make, read.model)


def _by_colour(members: list[int], described: Sequence[Description], min_sightings: int) -> list[list[int]]:
    """One make and model's reads, split by colour only where two colour groups are each
    reported ``min_sightings`` times; reads of a rarer colour, or of none, stay with the most
    reported colour."""
    groups = _colour_groups([described[i].colours for i in members])
    counts = Counter(g for g in groups if g is not None)
    common = [g for g, n in counts.most_common() if n >= min_sightings]
    if len(common) < 2:
        return [members]
    parts: dict[str, list[int]] = {g: [] for g in common}
    for position, group in zip(members, groups, strict=True):
        parts[group if group in parts else common[0]].append(position)
    return list(parts.values())


def _colour_groups(colours: Sequence[frozenset[str]]) -> list[str | None]:
    """Each read's colour group: its colour family, families joined where one reported colour
    belongs to both (so "black/dark grey" never sets black against grey); None for no colour."""
    parent: dict[str, str] = {}

    def root(family: str) -> str:
        while parent.setdefault(family, family) != family:
            family = parent[family]
        return family

    for families in colours:
        ordered = sorted(families)
        for other in ordered[1:]:
            parent[root(other)] = root(ordered[0])
    return [root(min(families)) if families else None for families in colours]


def _most_said(rows: Sequence[Words]) -> Words:
    """Make, model and colour as the reads of one car most often put them (the first, when tied)."""
    make, model, colour = (_mode([row[column] for row in rows]) for column in range(len(_WORDS)))
    return make, model, colour


def _mode(values: Sequence[str | None]) -> str | None:
    said = Counter(text for value in values if value and (text := str(value).strip()))
    return said.most_common(1)[0][0] if said else None


def _words(make: str | None, model: str | None, colour: str | None) -> str:
    """A car in words for a link's reason: "black VW Golf", or "red car" when only the colour is known."""
    parts = [p for p in (colour, make, model) if p]
    if not (make or model):
        parts.append("car")
    return " ".join(parts)


def _article(words: str) -> str:
    return f"{'an' if words[:1] and words[:1].casefold() in 'aeiou' else 'a'} {words}"


def _listed(items: Sequence[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"
