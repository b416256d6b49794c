"""Small incident reports in the exchange format, for tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from crimelink.access.organisations import add_organisation
from crimelink.store import StoreHandle


def incident(ref: str, *, submitter: str = "NORTHMART", **fields: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema": "crimelink.incident/1",
        "submitter": submitter,
        "incident_ref": ref,
        "occurred_at": "2024-06-01T10:15:00Z",
        "offence": "theft_from_shop",
        "store": {
            "store_ref": "S-001",
            "name": "Northmart Digbeth",
            "postcode": "b5 6dt",
            "lat": 52.4751,
            "lon": -1.8836,
        },
        "value_gbp": 84.5,
    }
    doc.update(fields)
    return doc


def write_jsonl(path: Path, docs: list[dict[str, Any] | str]) -> Path:
    with path.open("wb") as fh:
        for doc in docs:
            fh.write((doc.encode() if isinstance(doc, str) else orjson.dumps(doc)) + b"\n")
    return path


def register(store: StoreHandle, *codes: str, kind: str = "retailer") -> None:
    with store.session() as session:
        for code in codes:
            add_organisation(session=session, code=code, kind=kind)
