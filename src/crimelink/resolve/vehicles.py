"""Resolving vehicle mentions into vehicles: which reads are the same registration mark.

First version: mentions with the same normalised mark (``vrm_normalised``: upper case, no
spaces) are one vehicle, so "ab12 cde" and "AB 12CDE" meet. A partial read ("AB12C?E") joins
the one known full mark it could be (``RegistrationMark.could_be``, which also forgives the
characters witnesses confuse); when none or several fit, it is a vehicle of its own, because
guessing between two cars is worse than leaving the read apart. An unreadable mark is a
vehicle of its own. The linkage issue may add fuzzy matching of full marks (``fuzzy_key``)
and make, model and colour; the frames going in and out stay as they are.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from crimelink.domain.registration import PlateFormat, RegistrationMark
from crimelink.errors import InvalidValue

__all__ = ["VEHICLE_MENTION_COLUMNS", "VehicleResolution", "VehicleSettings", "resolve_vehicles"]

VEHICLE_MENTION_COLUMNS = (
    "mention_id", "incident_id", "vrm", "vrm_normalised", "vrm_pattern", "partial", "make",
    "model", "colour",
)
SAME_MARK = "same registration mark"
PARTIAL_FITS = "partial read fits one known mark"
PARTIAL_ALONE = "partial read: no single known mark fits"
UNREADABLE = "unreadable mark"


@dataclass(frozen=True)
class VehicleSettings:
    """How vehicles are resolved; stored with each analysis run."""

    method: str = "same normalised mark; a partial read joins the single mark it fits"
    # A read with fewer known characters fits too many marks to mean anything.
    min_known_characters: int = 4


@dataclass(frozen=True)
class VehicleResolution:
    """``links``: mention_id, vehicle_id, reason (one row per mention).

    ``vehicles``: vehicle_id, vrm (normalised; None when only partial), make, model, colour.
    """

    links: pd.DataFrame
    vehicles: pd.DataFrame


def resolve_vehicles(
    mentions: pd.DataFrame, *, settings: VehicleSettings | None = None
) -> VehicleResolution:
    """Cluster vehicle mentions (columns ``VEHICLE_MENTION_COLUMNS``) into vehicles.

    Vehicle ids run from 1 in order of each vehicle's first mention.
    """
    settings = settings or VehicleSettings()
    m = mentions.sort_values("mention_id", ignore_index=True)
    full = m["vrm_normalised"].notna().to_numpy()
    partial = ~full & (m["vrm_pattern"].str.contains("?", regex=False).fillna(False).to_numpy()
                       | m["partial"].fillna(False).astype(bool).to_numpy())
    keys = pd.unique(m.loc[full, "vrm_normalised"].to_numpy())
    index = _KeyIndex([str(k) for k in keys])
    fits = {
        pattern: index.single_fit(pattern, settings.min_known_characters)
        for pattern in pd.unique(m.loc[partial, "vrm_pattern"].to_numpy())
    }
    cluster = m["vrm_normalised"].where(full, None)
    fitted = m.loc[partial, "vrm_pattern"].map(fits)
    cluster.loc[fitted.index] = fitted
    alone = cluster.isna()
    cluster[alone] = "#" + m.loc[alone, "mention_id"].astype(str)  # a vehicle of its own
    reason = np.select(
        [full, partial & ~alone.to_numpy(), partial], [SAME_MARK, PARTIAL_FITS, PARTIAL_ALONE],
        default=UNREADABLE,
    )
    first = m.groupby(cluster, sort=False)["mention_id"].transform("min")
    order = np.unique(first.to_numpy())
    m["vehicle_id"] = np.searchsorted(order, first.to_numpy()) + 1
    m["cluster"] = cluster
    links = pd.DataFrame(
        {"mention_id": m["mention_id"], "vehicle_id": m["vehicle_id"], "reason": reason}
    )
    return VehicleResolution(links=links, vehicles=_vehicles(m))


def _vehicles(m: pd.DataFrame) -> pd.DataFrame:
    """One row per vehicle: its mark and its most often reported make, model and colour."""
    ids = pd.Index(np.unique(m["vehicle_id"].to_numpy()), name="vehicle_id")
    marks = m.drop_duplicates("vehicle_id").set_index("vehicle_id")["cluster"].reindex(ids)
    frame = {"vehicle_id": ids.to_numpy(), "vrm": marks.where(~marks.str.startswith("#"), None)}
    for column in ("make", "model", "colour"):
        frame[column] = _mode(m, column).reindex(ids).to_numpy()
    frame["vrm"] = frame["vrm"].to_numpy()
    return pd.DataFrame(frame)


def _mode(m: pd.DataFrame, column: str) -> pd.Series:
    """Most frequent non-missing value per vehicle (ties: the first reported)."""
    present = m[m[column].notna()]
    if present.empty:
        return pd.Series(dtype=object)
    counts = present.groupby(["vehicle_id", column], sort=False).agg(
        n=("mention_id", "size"), first=("mention_id", "min")
    ).reset_index()
    counts = counts.sort_values(["vehicle_id", "n", "first"], ascending=[True, False, True])
    return counts.drop_duplicates("vehicle_id").set_index("vehicle_id")[column]


@lru_cache(maxsize=256)
def _fold(character: str) -> str:
    """A character folded as ``RegistrationMark.could_be`` folds it (0/O, 1/I, 5/S...)."""
    return RegistrationMark(character, character, False, PlateFormat.OTHER).fuzzy_key


class _KeyIndex:
    """Known full marks indexed by (length, position, folded character).

    Only narrows the candidates; ``RegistrationMark.could_be`` has the last word on each, so
    the index can never make a read fit a mark that the domain type would refuse.
    """

    def __init__(self, keys: list[str]) -> None:
        self.keys = keys
        self.at: dict[tuple[int, int, str], set[int]] = defaultdict(set)
        for number, key in enumerate(keys):
            for position, character in enumerate(key):
                self.at[(len(key), position, _fold(character))].add(number)

    def single_fit(self, pattern: str, min_known: int) -> str | None:
        """The one known mark this partial read could be, or None when none or several fit."""
        try:
            mark = RegistrationMark.parse(pattern, partial=True)
        except InvalidValue:
            return None
        read = mark.pattern
        known = [(p, c) for p, c in enumerate(read) if c != "?"]
        if len(known) < min_known:
            return None
        sets = sorted((self.at.get((len(read), p, _fold(c)), set()) for p, c in known), key=len)
        candidates = set.intersection(*sets) if sets else set()
        fitting = [self.keys[n] for n in candidates if mark.could_be(self.keys[n])]
        return fitting[0] if len(fitting) == 1 else None
