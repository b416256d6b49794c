"""Home Office crime outcome types, as data, and which of them count as a positive outcome.

The shipped list is ``outcomes.toml`` beside this module; ``load_outcome_types(path)`` reads
another file with the same layout (a ``positive`` list and a ``[types]`` table), and
``default_outcome_types()`` reads the file named by ``CRIMELINK_OUTCOMES_FILE`` when it is set.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from crimelink.errors import InvalidValue

__all__ = ["DEFAULT_OUTCOMES_PATH", "OutcomeType", "OutcomeTypes", "default_outcome_types", "load_outcome_types"]

DEFAULT_OUTCOMES_PATH = Path(__file__).with_name("outcomes.toml")


@dataclass(frozen=True, slots=True)
class OutcomeType:
    code: str
    label: str
    positive: bool
    verified: bool


@dataclass(frozen=True)
class OutcomeTypes:
    types: dict[str, OutcomeType]

    @property
    def positive_codes(self) -> frozenset[str]:
        return frozenset(code for code, t in self.types.items() if t.positive)

    def get(self, code: str) -> OutcomeType:
        """The outcome type with this code; :class:`InvalidValue` for anything else."""
        found = self.types.get(code.strip().upper())
        if found is None:
            raise InvalidValue("outcome_type", code, f"not a Home Office outcome type ({', '.join(self.types)})")
        return found


def load_outcome_types(path: Path | None = None) -> OutcomeTypes:
    doc = tomllib.loads((path or DEFAULT_OUTCOMES_PATH).read_text(encoding="utf-8"))
    table = doc.get("types")
    positive = doc.get("positive")
    if not isinstance(table, dict) or not table:
        raise InvalidValue("types", table, "the outcomes file needs a [types] table")
    if not isinstance(positive, list) or not all(isinstance(p, str) for p in positive):
        raise InvalidValue("positive", positive, "must be a list of outcome codes (strings)")
    unknown = set(positive) - set(table)
    if unknown:
        raise InvalidValue("positive", sorted(unknown), "names outcome types the file does not list")
    types = {}
    for code, entry in table.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("label"), str):
            raise InvalidValue(f"types.{code}", entry, "needs a label")
        types[code] = OutcomeType(code, entry["label"], code in positive, bool(entry.get("verified", False)))
    return OutcomeTypes(types)


@cache
def default_outcome_types() -> OutcomeTypes:
    """The outcome types in force: ``$CRIMELINK_OUTCOMES_FILE`` if set, else the shipped file (read once)."""
    configured = os.environ.get("CRIMELINK_OUTCOMES_FILE")
    return load_outcome_types(Path(configured) if configured else None)
