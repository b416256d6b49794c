"""CSV cells that a spreadsheet will not run: what a hostile report cannot smuggle into an analyst's Excel.

A report's free text ends up in exports and chart CSVs that analysts open in a spreadsheet. A
cell beginning ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read there as a formula
(CSV injection: ``=HYPERLINK(...)`` or worse). As OWASP recommends, such a text cell is written
with a leading apostrophe, which spreadsheets show as text and drop from the value; numbers are
written as they are (a negative number is a number, not a formula).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, Protocol

__all__ = ["FORMULA_STARTS", "neutralise", "safe_writer"]

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class _Rows(Protocol):
    def writerow(self, row: Iterable[Any]) -> Any: ...


def neutralise(value: Any) -> Any:
    """The value as a spreadsheet-safe cell: text that would start a formula gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, writer: _Rows) -> None:
        self._writer = writer

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([neutralise(v) for v in row])


def safe_writer(out: Any, **options: Any) -> _SafeWriter:
    """``csv.writer(out, **options)`` whose text cells are ``neutralise``d."""
    return _SafeWriter(csv.writer(out, **options))
