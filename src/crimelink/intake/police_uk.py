"""Police-recorded crime: data.police.uk street-level CSV files, counted by force, month, LSOA and type.

The monthly "street" files (``YYYY-MM-<force>-street.csv``) carry one row per crime: Crime ID,
Month, Reported by, Falls within, Longitude, Latitude, Location, LSOA code, LSOA name, Crime
type, Last outcome category, Context. Locations are snapped to anonymous map points and the
month is the only date, so crimelink keeps counts, not rows: one per (force, month, LSOA, crime
type), with the mean of the points for the map. The force is the one that *reported* the
crime (its LSOA may lie just over the border).

Importing is idempotent: the counts for each (force, month) found in the files replace what
was stored for it, in one transaction. The data is published under the Open Government
Licence v3.0: "Contains public sector information licensed under the Open Government Licence
v3.0."
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import and_, delete, insert, or_

from crimelink.domain.forces import all_forces
from crimelink.errors import InvalidValue
from crimelink.store import StoreHandle
from crimelink.store.models.patterns import RecordedCrime

__all__ = ["ATTRIBUTION", "COLUMNS", "PoliceUkSummary", "force_from_name", "import_police_uk", "read_street_csv"]

ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."
COLUMNS = (
    "Crime ID", "Month", "Reported by", "Falls within", "Longitude", "Latitude", "Location", "LSOA code",
    "LSOA name", "Crime type", "Last outcome category", "Context",
)  # fmt: skip
_MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_SUFFIXES = re.compile(r"\b(police service|police|constabulary|service)\b")


@dataclass
class PoliceUkSummary:
    """What an import read and stored."""

    files: int = 0
    rows: int = 0
    without_location: int = 0
    unknown_force: int = 0
    counts: int = 0  # (force, month, LSOA, type) rows stored
    shoplifting: int = 0
    forces: list[str] = field(default_factory=list)
    months: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower().replace("&", "and")).strip("-")


def force_from_name(name: str) -> str | None:
    """The force id for a data.police.uk force name ("City of London Police" → "city-of-london")."""
    text = name.strip()
    for force in all_forces():
        if text.lower() in (force.name.lower(), force.id):
            return force.id
    slug = _slug(_SUFFIXES.sub("", text.lower()))
    aliases = {"metropolitan": "metropolitan", "london-city-of": "city-of-london",
               "hampshire-and-isle-of-wight": "hampshire", "british-transport": "btp"}
    slug = aliases.get(slug, slug)
    ids = {force.id for force in all_forces()}
    return slug if slug in ids else None


def read_street_csv(path: Path) -> list[dict[str, str]]:
    """The rows of one street-level file; :class:`InvalidValue` if a required column is missing."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("Month", "Reported by", "Longitude", "Latitude", "LSOA code", "LSOA name", "Crime type")
                   if c not in (reader.fieldnames or [])]
        if missing:
            raise InvalidValue("columns", str(path), f"not a data.police.uk street file: missing {', '.join(missing)}")
        return list(reader)


def _aggregate(paths: Sequence[Path], summary: PoliceUkSummary) -> dict[tuple[str, str, str, str], dict[str, Any]]:
    cells: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    for path in paths:
        rows = read_street_csv(path)
        summary.files += 1
        for row in rows:
            summary.rows += 1
            force = force_from_name(row.get("Reported by") or row.get("Falls within") or "")
            month = (row.get("Month") or "").strip()
            if force is None or not _MONTH.match(month):
                summary.unknown_force += 1
                continue
            lsoa = (row.get("LSOA code") or "").strip()
            key = (force, month, lsoa, (row.get("Crime type") or "").strip() or "Unknown")
            cell = cells.setdefault(key, {"crimes": 0, "lat": 0.0, "lon": 0.0, "located": 0,
                                          "lsoa_name": (row.get("LSOA name") or "").strip() or None,
                                          "source": path.name})
            cell["crimes"] += 1
            try:
                lat, lon = float(row["Latitude"]), float(row["Longitude"])
            except (TypeError, ValueError, KeyError):
                summary.without_location += 1
                continue
            cell["lat"] += lat
            cell["lon"] += lon
            cell["located"] += 1
    return cells


def import_police_uk(*, store: StoreHandle, paths: Sequence[Path]) -> PoliceUkSummary:
    """Count the crimes in ``paths`` and replace the stored counts of each (force, month) they cover."""
    summary = PoliceUkSummary()
    cells = _aggregate([Path(p) for p in paths], summary)
    slices = sorted({(force, month) for force, month, _, _ in cells})
    rows = [
        {"police_force": force, "month": month, "lsoa_code": lsoa, "lsoa_name": c["lsoa_name"], "crime_type": kind,
         "crimes": c["crimes"], "lat": round(c["lat"] / c["located"], 6) if c["located"] else None,
         "lon": round(c["lon"] / c["located"], 6) if c["located"] else None, "source": c["source"]}
        for (force, month, lsoa, kind), c in sorted(cells.items())
    ]
    with store.engine.begin() as conn:
        for start in range(0, len(slices), 200):
            chunk = slices[start:start + 200]
            conn.execute(delete(RecordedCrime).where(or_(*(
                and_(RecordedCrime.police_force == f, RecordedCrime.month == m) for f, m in chunk))))
        for start in range(0, len(rows), 5000):
            conn.execute(insert(RecordedCrime), rows[start:start + 5000])
    summary.counts = len(rows)
    summary.shoplifting = sum(c["crimes"] for (_, _, _, kind), c in cells.items() if kind == "Shoplifting")
    summary.forces = sorted({f for f, _ in slices})
    summary.months = sorted({m for _, m in slices})
    return summary
