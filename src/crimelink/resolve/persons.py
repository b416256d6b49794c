"""What an offender record shows: its best name, date of birth and gender, or a description.

Person linkage (``person_linkage``) decides which mentions are one offender; this module turns
an offender's mentions into the identity analysts see. ``PersonResolution`` is the shape every
resolver hands the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from crimelink.domain.person_name import PersonName

__all__ = ["ALONE", "DESCRIBED", "MENTION_COLUMNS", "PersonResolution", "describe", "offender_rows", "parse_name"]

MENTION_COLUMNS = (
    "mention_id", "incident_id", "name", "given_names", "family_name", "aliases", "dob", "pnc_id", "gender",
    "age_min", "age_max", "height_cm", "build", "address", "postcode",
)  # fmt: skip
ALONE = "no other mention matched"
DESCRIBED = "described only: never merged on looks alone"


@dataclass(frozen=True)
class PersonResolution:
    """``links``: mention_id, offender_id, match_probability, reason, status, linked_to,
    match_weight, evidence (one row per mention).

    ``offenders``: offender_id, display_name, named, dob, gender (one row per offender).
    ``model``: the trained linkage model, to explain the links later; ``diagnostics``: what ran.
    """

    links: pd.DataFrame
    offenders: pd.DataFrame
    model: dict[str, Any] = field(default_factory=dict)
    diagnostics: dict[str, Any] = field(default_factory=dict)


@lru_cache(maxsize=1_000_000)
def parse_name(name: str) -> tuple[str | None, str | None]:
    """(display, match key) of a reported name; the key only when the name is informative."""
    parsed = PersonName.parse_or_none(name)
    if parsed is None:
        return None, None
    return parsed.display, " ".join(parsed.tokens) if parsed.informative else None


def offender_rows(m: pd.DataFrame) -> pd.DataFrame:
    """One row per offender: its best name (or a description), date of birth and gender.

    ``m``: one row per mention with offender_id, node (its position), display (parsed name),
    pnc_id, dob, gender, age_min, age_max, build.
    """
    ids = pd.Index(np.unique(m["offender_id"].to_numpy()), name="offender_id")
    display = _mode(m, "display").reindex(ids)
    pnc = _mode(m, "pnc_id").reindex(ids)
    described = _descriptions(m, ids[(display.isna() & pnc.isna()).to_numpy()])
    names = display.where(display.notna(), ("PNC " + pnc).where(pnc.notna(), described))
    known_gender = m[m["gender"] != "unknown"]
    return pd.DataFrame(
        {
            "offender_id": ids.to_numpy(),
            "display_name": names.to_numpy(),
            "named": (display.notna() | pnc.notna()).to_numpy(),
            "dob": _mode(m, "dob").reindex(ids).to_numpy(),
            "gender": _mode(known_gender, "gender").reindex(ids).to_numpy(),
        }
    )


def _descriptions(m: pd.DataFrame, ids: pd.Index) -> pd.Series:
    """Descriptions of unnamed offenders from their first mention, each distinct one made once."""
    firsts = m.drop_duplicates("offender_id").set_index("offender_id")
    rows = firsts.loc[ids, ["gender", "age_min", "age_max", "build"]]
    made: dict[tuple[object, ...], str] = {}
    texts = []
    for gender, low, high, build in rows.itertuples(index=False, name=None):
        key = (gender, _int(low), _int(high), build if isinstance(build, str) else None)
        text = made.get(key)
        if text is None:
            text = made[key] = describe(*key)
        texts.append(text)
    return pd.Series(texts, index=ids, dtype=object)


def _mode(m: pd.DataFrame, column: str) -> pd.Series:
    """Most frequent non-missing value of ``column`` per offender (ties: the first reported)."""
    present = m[m[column].notna()]
    if present.empty:
        return pd.Series(dtype=object)
    counts = present.groupby(["offender_id", column], sort=False).agg(
        n=("node", "size"), first=("node", "min")
    ).reset_index()
    counts = counts.sort_values(["offender_id", "n", "first"], ascending=[True, False, True])
    return counts.drop_duplicates("offender_id").set_index("offender_id")[column]


def describe(gender: object, age_min: object, age_max: object, build: object) -> str:
    """A described-only person in words: 'Unnamed male, 25–35, slim'."""
    who = gender if gender in ("male", "female") else "person"
    parts = [f"Unnamed {who}"]
    low, high = _int(age_min), _int(age_max)
    if low is not None and high is not None:
        parts.append(f"{low}–{high}" if low != high else f"{low}")
    elif low is not None or high is not None:
        parts.append(f"about {low if low is not None else high}")
    if isinstance(build, str) and build != "unknown":
        parts.append(build)
    return ", ".join(parts)


def _int(value: object) -> int | None:
    if isinstance(value, int | float | np.integer | np.floating) and not np.isnan(value):
        return int(value)
    return None
