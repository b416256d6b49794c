"""Turning validation failures into rejections a submitter can act on: which record (file,
line, incident_ref), which field (a path like ``persons[0].dob``), and why."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import orjson
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from crimelink.intake._records import RawRecord

_RAW_KEPT = 2000  # characters of the offending record kept in the rejects file
_SHOWN = 120  # characters of any one value in a rejection line (the rejects file keeps it whole)


def _cut(text: str) -> str:
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}… ({len(text):,} characters)"


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str
    reason: str


@dataclass(frozen=True, slots=True)
class Rejection:
    source: str
    line: int
    submitter: str | None
    incident_ref: str | None
    problems: tuple[FieldProblem, ...]
    raw: str = field(repr=False, default="")

    def describe(self) -> str:
        where = f"{_cut(self.source)}:{self.line}"
        ref = f" ({_cut(str(self.submitter))}/{_cut(self.incident_ref)})" if self.incident_ref else ""
        return f"{where}{ref}: " + "; ".join(f"{_cut(p.field)}: {_cut(p.reason)}" for p in self.problems)

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "line": self.line,
            "submitter": self.submitter,
            "incident_ref": self.incident_ref,
            "errors": [{"field": p.field, "reason": p.reason} for p in self.problems],
            "record": self.raw,
        }


def field_path(location: Sequence[int | str]) -> str:
    """``('persons', 0, 'dob')`` → ``persons[0].dob``."""
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(record)"


def _reason(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field: not part of the exchange format"
    if kind == "json_invalid":
        return f"not valid JSON ({error.get('ctx', {}).get('error', 'parse error')})"
    if kind in ("literal_error", "enum"):
        expected = str(error.get("ctx", {}).get("expected", ""))
        if expected.count(",") > 8:  # the 44 forces: name the kind of value, not every one
            expected = expected.split(",")[0] + ", ... (see the exchange format)"
        return f"{error.get('input')!r} is not one of the allowed values: {expected}"
    message = error["msg"]
    return message[0].lower() + message[1:] if message else kind


def _identity(record: RawRecord) -> tuple[str | None, str | None]:
    try:
        parsed = orjson.loads(record.text)
    except orjson.JSONDecodeError:
        try:  # NaN or Infinity: not JSON, but the record still says whose it is
            parsed = json.loads(record.text)
        except ValueError:
            return None, None
    if not isinstance(parsed, dict):
        return None, None
    submitter, ref = parsed.get("submitter"), parsed.get("incident_ref")
    return (submitter if isinstance(submitter, str) else None, ref if isinstance(ref, str) else None)


def rejection_from_error(record: RawRecord, error: ValidationError) -> Rejection:
    problems = tuple(FieldProblem(field_path(e["loc"]), _reason(e)) for e in error.errors(include_url=False))
    submitter, ref = _identity(record)
    return Rejection(record.source, record.line, submitter, ref, problems, _raw_text(record))


def rejection(record: RawRecord, field_name: str, reason: str) -> Rejection:
    return rejection_of(record, [(field_name, reason)])


def rejection_of(record: RawRecord, problems: Sequence[tuple[str, str]]) -> Rejection:
    """A rejection for several ``(field, reason)`` problems found at once."""
    submitter, ref = _identity(record)
    found = tuple(FieldProblem(field_name, reason) for field_name, reason in problems)
    return Rejection(record.source, record.line, submitter, ref, found, _raw_text(record))


def _raw_text(record: RawRecord) -> str:
    return record.text[:_RAW_KEPT].decode("utf-8", errors="replace")


def write_rejection(fh: IO[bytes], item: Rejection) -> None:
    fh.write(orjson.dumps(item.as_dict()) + b"\n")
