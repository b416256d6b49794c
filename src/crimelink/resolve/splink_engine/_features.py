"""Features: every value the model compares, computed once per mention in pandas.

Splink compares columns pairwise in SQL; anything that depends on one mention only (parsing a
name, its phonetic code, its nickname group, the years an age range allows) is cheaper and
clearer done here once, over the distinct values, than inside millions of pairwise SQL
expressions. Each feature is null when the mention does not say it, so that Splink's null
level gives it no weight either way.

Names go through ``PersonName`` (the same parser intake and the deterministic rules use), and a
name that says too little (a lone initial, a single word, "unknown") is nulled here: it can
neither link nor separate anything.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

import jellyfish
import numpy as np
import pandas as pd

from crimelink.domain.person_name import PersonName, fold
from crimelink.domain.postcode import Postcode

__all__ = ["INPUT_COLUMNS", "NAME_FIELDS", "name_groups", "prepare_features"]

# The engine's input contract (``address`` is optional and compared when present).
INPUT_COLUMNS = (
    "mention_id", "incident_id", "name", "given_names", "family_name", "aliases", "dob", "age_min", "age_max",
    "gender", "height_cm", "build", "postcode", "pnc_id", "occurred_at", "store_id", "police_force",
    "vehicle_keys",
)  # fmt: skip
NAME_FIELDS = (
    "given",
    "given_groups",
    "given_mp",
    "family",
    "family_mp",
    "family_sdx",
    "initial",
    "tokens",
    "name_key",
)
_UNWRITTEN = str.maketrans({"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "'": "", "-": "", ".": ""})
_DAYS_PER_YEAR = 365.25


@cache
def name_groups() -> dict[str, tuple[str, ...]]:
    """Written given name → the nickname groups it belongs to ("sam" → samantha, samuel).

    A name can sit in several groups; two given names are nickname-equal when their groups
    meet. Names not in the table are a group of their own.
    """
    groups: dict[str, list[str]] = {}
    text = resources.files("crimelink.resolve.splink_engine").joinpath("nicknames.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(text.splitlines()):
        canonical = _norm(row["canonical"])
        for name in (canonical, *(_norm(v) for v in row["variants"].split())):
            if canonical not in groups.setdefault(name, []):
                groups[name].append(canonical)
    return {name: tuple(keys) for name, keys in groups.items()}


def _norm(token: str) -> str:
    """A name token as compared: folded, with apostrophes, hyphens and dots gone."""
    return fold(token).translate(_UNWRITTEN)


def _groups(given: str) -> tuple[str, ...]:
    return name_groups().get(given, (given,))


@dataclass(frozen=True, slots=True)
class _Name:
    given: str | None
    given_groups: list[str] | None
    given_mp: str | None
    family: str | None
    family_mp: str | None
    family_sdx: str | None
    initial: str | None
    tokens: list[str] | None
    name_key: str | None


_NO_NAME = _Name(None, None, None, None, None, None, None, None, None)


@cache
def _parse(text: str) -> _Name:
    """One reported name as compared, or nothing when it is not informative."""
    parsed = PersonName.parse_or_none(text)
    if parsed is None:
        return _NO_NAME
    if not parsed.informative:
        return _partial(parsed)
    given_tokens = [t for t in (_norm(g) for g in parsed.given) if t]
    family = _norm(parsed.family) if parsed.family else None
    full = [t for t in given_tokens if len(t) > 1]
    given = full[0] if full else (given_tokens[0] if given_tokens else None)
    tokens = sorted({t for t in [*given_tokens, family or ""] if len(t) > 1})
    return _Name(
        given=given,
        given_groups=list(_groups(given)) if given else None,
        given_mp=jellyfish.metaphone(given) or None if given else None,
        family=family or None,
        family_mp=jellyfish.metaphone(family) or None if family else None,
        family_sdx=jellyfish.soundex(family) if family else None,
        initial=given[0] if given else None,
        tokens=tokens,
        name_key=_key(given, family),
    )


def _partial(parsed: PersonName) -> _Name:
    """A name of one full word ("Smithy", "J Smith"): kept as a family name to support other
    evidence, never as a key that could block or link on its own. A lone initial is nothing."""
    words = [t for t in (_norm(p) for p in (*parsed.given, parsed.family or "")) if len(t) > 1]
    if len(words) != 1:
        return _NO_NAME
    word = words[0]
    return _Name(None, None, None, word, jellyfish.metaphone(word) or None, jellyfish.soundex(word), None, [word], None)


def _key(given: str | None, family: str | None) -> str | None:
    """Order-insensitive key of a first given name and a family name, each by its nickname group.

    Both parts are canonicalised, whichever position they were written in, so that "Berry
    Jake" and "Jake Berry" meet. Middle names are left out because reports drop them as often
    as they give them.
    """
    parts = [_groups(p)[0] for p in (given, family) if p]
    return " ".join(sorted(parts)) if len(parts) == 2 else None


def _alias_keys(aliases: object, own: str | None) -> list[str]:
    """Keys of the informative aliases a mention lists, its own name's key left out."""
    if not isinstance(aliases, list | tuple | np.ndarray):
        return []
    keys = {_parse(a).name_key for a in aliases if isinstance(a, str)}
    return sorted(k for k in keys if k is not None and k != own)


def _text(values: pd.Series, *, unknown: Iterable[str] = ("unknown", "")) -> pd.Series:
    """Lower-case text with 'unknown' and blanks as null."""
    out = values.astype("string").str.strip().str.lower()
    keep = (~out.isin(list(unknown)) & out.notna()).to_numpy(dtype=bool)
    return pd.Series(np.where(keep, out.astype(object), None), index=values.index, dtype=object)


def _decimal_year(dates: pd.Series) -> pd.Series:
    return dates.dt.year + (dates.dt.dayofyear - 1) / _DAYS_PER_YEAR


def _postcodes(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Compact postcode text and, for a valid UK postcode, its sector."""
    compact = values.astype("string").str.upper().str.replace(r"\s+", "", regex=True)
    compact = compact.where(compact.str.len() > 0)
    sectors_of: dict[str, str | None] = {}
    for value in compact.dropna().unique():
        parsed = Postcode.parse_or_none(value)
        sectors_of[value] = parsed.sector if parsed is not None else None
    sectors = compact.map(lambda v: sectors_of.get(v) if isinstance(v, str) else None)
    return compact.astype(object).where(compact.notna(), None), sectors.astype(object)


def _compact(text: str) -> str:
    return "".join(c for c in _norm(text) if c.isalnum())


def _addresses(values: pd.Series) -> pd.DataFrame:
    """An address as compared: one compact string (letters and digits only: "22 Warrego
    Circuit" and "22, warregocircuit" meet), the same with its words sorted (parts given in
    another order meet), its first word (the house number, usually), its last part (the town)
    and all but the last part (house and street), so that a street misread or left out still
    leaves the number and the town, and a town written differently still leaves the street."""
    rows: list[tuple[str | list[str] | None, ...]] = []
    for text in values:
        words = [w for w in (_compact(t) for t in str(text).replace(",", " ").split()) if w] if isinstance(
            text, str) else []  # fmt: skip
        if not words:
            rows.append((None, None, None, None, None, None))
            continue
        street, _, town = str(text).rpartition(",")
        tail = _compact(town) or words[-1]
        rows.append(("".join(words), "".join(sorted(words)), words[0], tail, _compact(street) or None,
                     sorted(set(words))))  # fmt: skip
    columns = ["address", "address_sorted", "address_head", "address_tail", "address_street", "address_words"]
    return pd.DataFrame(rows, columns=columns, dtype=object)


def prepare_features(mentions: pd.DataFrame) -> pd.DataFrame:
    """The comparison columns of every mention (``unique_id`` is the mention id).

    ``linkable`` says whether Splink may pair the mention at all: it needs an informative name
    (two full words), a PNC id, or two of a one-word name, a date of birth, a postcode and an
    address, so that no single weak value can link it. The rest (described only) go to the
    context pass.
    """
    m = mentions.reset_index(drop=True)
    names = m["name"].where(m["name"].map(lambda v: isinstance(v, str)), None)
    parsed = {n: _parse(n) for n in names.dropna().unique()}
    rows = [parsed[n] if isinstance(n, str) else _NO_NAME for n in names]
    out = pd.DataFrame({field: [getattr(r, field) for r in rows] for field in NAME_FIELDS})
    out.insert(0, "unique_id", m["mention_id"].astype("int64").to_numpy())
    aliases = m["aliases"] if "aliases" in m else pd.Series([None] * len(m))
    out["alias_keys"] = [_alias_keys(a, k) for a, k in zip(aliases, out["name_key"], strict=True)]
    out["all_keys"] = [([k] if k else []) + a for k, a in zip(out["name_key"], out["alias_keys"], strict=True)]
    out["alias_keys"] = out["alias_keys"].map(lambda a: a or None)

    dob = pd.to_datetime(m["dob"], errors="coerce")
    out["dob"] = dob.dt.strftime("%Y%m%d").astype(object).where(dob.notna(), None)
    out["dob_y"] = dob.dt.year.astype("Int64")
    out["dob_m"] = dob.dt.month.astype("Int64")
    out["dob_d"] = dob.dt.day.astype("Int64")
    out["dob_days"] = ((dob - pd.Timestamp("1970-01-01")).dt.days).astype("Int64")
    out["dob_digits"] = out["dob"].map(lambda d: "".join(sorted(d)) if isinstance(d, str) else None)

    occurred = pd.to_datetime(m["occurred_at"], errors="coerce")
    low = pd.to_numeric(m["age_min"], errors="coerce")
    high = pd.to_numeric(m["age_max"], errors="coerce")
    low, high = low.fillna(high), high.fillna(low)
    at = _decimal_year(occurred)
    born = _decimal_year(dob)
    # The years of birth a mention allows: its date of birth, else what the age range allows.
    out["born_lo"] = born.fillna(at - high - 1)
    out["born_hi"] = born.fillna(at - low)
    out["has_dob"] = dob.notna().to_numpy()

    out["gender"] = _text(m["gender"], unknown=("unknown", "", "other"))
    out["height_cm"] = pd.to_numeric(m["height_cm"], errors="coerce")
    out["build"] = _text(m["build"])
    out["postcode"], out["postcode_sector"] = _postcodes(m["postcode"])
    out["postcode_sorted"] = out["postcode"].map(lambda v: "".join(sorted(v)) if isinstance(v, str) else None)
    pnc = m["pnc_id"].astype("string").str.upper().str.replace(r"\s+", "", regex=True)
    out["pnc_id"] = pnc.astype(object).where(pnc.notna() & (pnc.str.len() > 0), None)
    address = _addresses(m["address"] if "address" in m else pd.Series([None] * len(m)))
    for column in address.columns:
        out[column] = address[column].to_numpy()
    out["police_force"] = m["police_force"].astype(object).where(m["police_force"].notna(), None)
    out["store_id"] = m["store_id"].astype(str).where(m["store_id"].notna(), None)
    out["vehicle_keys"] = [
        sorted(set(v)) if isinstance(v, list | tuple | np.ndarray) and len(v) else None for v in m["vehicle_keys"]
    ]
    # Identifiers that can link only together: a one-word name, a date of birth, a postcode, an address.
    weak = out[["family", "dob", "postcode", "address"]].notna().sum(axis=1)
    out["linkable"] = (out["name_key"].notna() | out["pnc_id"].notna() | (weak >= 2)).to_numpy()
    return out
