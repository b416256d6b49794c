"""Reading submissions as a stream of raw records, each remembering where it came from.

JSON Lines are passed on as raw bytes (pydantic-core parses them during validation); CSV rows
are turned into exchange-format JSON by the layout in ``docs/csv-layout.md``. Either way,
memory holds one record at a time, whatever the file's size.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One submitted record, before validation: where it came from, and its JSON text."""

    source: str
    line: int
    text: bytes


def read_path(path: Path) -> Iterator[RawRecord]:
    """Records from a file; ``.csv`` by the CSV layout, anything else as JSON Lines."""
    if path.suffix.lower() == ".csv":
        yield from read_csv(path)
    else:
        yield from read_jsonl(path)


def read_jsonl(path: Path) -> Iterator[RawRecord]:
    source = str(path)
    with path.open("rb") as fh:
        for number, line in enumerate(fh, start=1):
            stripped = line.strip()
            if stripped:
                yield RawRecord(source, number, stripped)


# --- CSV layout: one row per incident -------------------------------------------------------

_TOP_FIELDS = {
    "submitter",
    "incident_ref",
    "occurred_at",
    "reported_at",
    "offence",
    "police_force",
    "crime_reference",
    "value_gbp",
    "recovered_gbp",
}
_NESTED = {  # column -> (object, field)
    "store_ref": ("store", "store_ref"),
    "store_name": ("store", "name"),
    "store_address": ("store", "address"),
    "store_postcode": ("store", "postcode"),
    "store_lat": ("store", "lat"),
    "store_lon": ("store", "lon"),
    "mo_tags": ("mo", "tags"),
    "mo_text": ("mo", "text"),
    "threats": ("violence", "threats"),
    "assault": ("violence", "assault"),
    "injury": ("violence", "injury"),
    "weapon": ("violence", "weapon"),
    "cctv": ("evidence", "cctv"),
    "body_worn_video": ("evidence", "body_worn_video"),
    "images": ("evidence", "images"),
    "source_evaluation": ("grading", "source_evaluation"),
    "intelligence_assessment": ("grading", "intelligence_assessment"),
    "handling_code": ("grading", "handling_code"),
    "handling_conditions": ("grading", "handling_conditions"),
}
_REPEATED = re.compile(r"^(person|vehicle|item)_(\d{1,2})_([a-z_]+)$")
_ARRAY_OF = {"person": "persons", "vehicle": "vehicles", "item": "items"}
_LISTS = {"tags", "aliases"}  # semicolon-separated in a cell
_INTEGERS = {"images", "age_min", "age_max", "height_cm", "quantity"}
_NUMBERS = {"value_gbp", "recovered_gbp", "lat", "lon", "unit_value_gbp"}
_BOOLEANS = {"threats", "assault", "injury", "cctv", "body_worn_video", "partial"}
_TRUE = {"true", "yes", "y", "1"}
_FALSE = {"false", "no", "n", "0"}


def _typed(field: str, text: str) -> Any:
    """The cell as the JSON type the field wants; left as text when it isn't one (so that
    validation names the field and the reason, rather than this reader guessing)."""
    if field in _LISTS:
        return [part.strip() for part in text.split(";") if part.strip()]
    try:
        if field in _INTEGERS:
            return int(text)
        if field in _NUMBERS:
            number = float(text)
            return number if math.isfinite(number) else text  # "NaN", "inf": refused by name, not stored as nothing
    except ValueError:
        return text
    if field in _BOOLEANS:
        lowered = text.lower()
        return True if lowered in _TRUE else False if lowered in _FALSE else text
    return text


def csv_row_to_document(row: dict[str, str]) -> dict[str, Any]:
    document: dict[str, Any] = {"schema": "crimelink.incident/1"}
    arrays: dict[str, dict[int, dict[str, Any]]] = {}
    for column, raw in row.items():
        if column is None or raw is None:
            continue
        value = raw.strip()
        if value == "":
            continue
        if column in _TOP_FIELDS:
            document[column] = _typed(column, value)
        elif column in _NESTED:
            parent, field = _NESTED[column]
            document.setdefault(parent, {})[field] = _typed(field, value)
        elif match := _REPEATED.match(column):
            kind, index, field = match.group(1), int(match.group(2)), match.group(3)
            arrays.setdefault(_ARRAY_OF[kind], {}).setdefault(index, {})[field] = _typed(field, value)
        else:
            document[column] = value  # unknown column: validation reports it by name
    for index, person in arrays.get("persons", {}).items():
        person.setdefault("person_ref", str(index))  # person_N_* columns: N names the mention
    for name, entries in arrays.items():
        document[name] = [entries[i] for i in sorted(entries)]
    return document


def read_csv(path: Path) -> Iterator[RawRecord]:
    source = str(path)
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        yield from _csv_records(fh, source)


def _csv_records(fh: io.TextIOBase | Any, source: str) -> Iterator[RawRecord]:
    reader = csv.DictReader(fh)
    for row in reader:
        yield RawRecord(source, reader.line_num, orjson.dumps(csv_row_to_document(row)))
