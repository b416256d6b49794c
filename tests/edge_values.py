"""Incident reports at the edges of every field, drawn from the exchange format's own schema.

``edge_incidents()`` reads ``../shared/spec/incident-v1.schema.json`` and draws a report whose
every field is something the schema allows, pushed to its edges where it can be (bounds of numbers
and lengths, any Unicode class: combining marks, right-to-left and zero-width characters, private
use, controls), then replaces a few fields, containers included, with what lies beyond them:
dates of year 0001 and 9999 and those that overflow in UTC, NaN, infinities, integers past 64
bits, lone surrogates, strings of 100,000 characters, lists one past their limit, wrong types,
missing and unknown keys. Names, plates, dates of birth and stores come from small pools (each
written a little differently) so that the analysis has the same people and cars to link.

A field added to the schema is fuzzed without a change here.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "shared" / "spec" / "incident-v1.schema.json"
NOW = datetime.now(UTC).replace(microsecond=0)
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
OFFSETS = [timezone(timedelta(minutes=m)) for m in (0, 60, -300, 330, 840, -720, 1439, -1439)]

# Characters that have broken text handling somewhere: right-to-left marks and overrides,
# zero-width and joiners, byte-order mark, soft hyphen, combining marks, look-alike letters.
SPECIAL = ["\u200f", "\u202e", "\u2066", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u0301",
           "\u0336", "\u20dd", "\u0410", "\u03bf", "\uff21", "\U0001f6d2", "\x01", "\t", "\r", "\u2028", "\ue000",
           "=", "<", "\\"]  # fmt: skip
# Any character text may hold; NUL (which no store keeps) and lone surrogates lie beyond.
TEXT_CHARACTERS = st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00")
CHARACTERS = TEXT_CHARACTERS | st.sampled_from(SPECIAL)
SURROGATES = st.characters(categories=("Cs",))
NAMES = ["Jason Smith", "Kelly Brown", "Dean Walsh", "Zoë Ağaoğlu", "Seán Ó Briain", "محمد العلي", "Иван Петров",
         "李小龍", "Mary-Jane O'Neil"]  # fmt: skip
PLATES = ["AB12 CDE", "XY70 ZZZ", "LM19 OPQ", "ab12cde", "\u0410\u041212 CDE", "\uff21\uff22\uff11\uff12CDE",
          "AB\u200b12\u00adCDE", "AB1?CDE", "A1"]  # fmt: skip
DOBS = ["1990-04-02", "1995-11-20", "1988-07-15", "1900-01-01", "2000-02-29"]
STORES = ["S-1", "S-2", "S-\u202e3"]


@cache
def schema() -> dict[str, Any]:
    return dict(json.loads(SCHEMA_PATH.read_text()))


def _sprinkled(words: list[str]) -> st.SearchStrategy[str]:
    """One of ``words``, sometimes with a special character slipped in or its letters decomposed."""

    @st.composite
    def draw(draw: st.DrawFn) -> str:
        word = draw(st.sampled_from(words))
        match draw(st.integers(0, 3)):
            case 1:
                at = draw(st.integers(0, len(word)))
                return word[:at] + draw(st.sampled_from(SPECIAL[:12])) + word[at:]
            case 2:
                import unicodedata

                return unicodedata.normalize("NFD", word).upper()
            case _:
                return word

    return draw()


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


# --- times and dates ---------------------------------------------------------------------------

TIME_IN_WINDOW = st.one_of(
    st.datetimes(EARLIEST.replace(tzinfo=None), NOW.replace(tzinfo=None)).map(
        lambda d: d.replace(tzinfo=UTC)
    ).flatmap(lambda d: st.sampled_from(OFFSETS).map(lambda z: _iso(d.astimezone(z)))),
    st.sampled_from([_iso(EARLIEST), _iso(NOW + timedelta(days=1) - timedelta(minutes=1)),
                     "2024-02-29T23:59:59.999999Z", "2025-03-30T01:30:00+00:00", "2010-06-15T12:00:00.5+05:30"]),
)  # fmt: skip
TIME_BEYOND = st.one_of(
    st.sampled_from([
        _iso(EARLIEST - timedelta(seconds=1)), "1990-01-01T00:30:00+01:00", _iso(NOW + timedelta(days=2)),
        "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-14:00",
        "2025-02-29T12:00:00Z", "2025-13-01T00:00:00Z", "2025-01-01T24:00:00Z", "2025-01-01T12:00:00+24:00",
        "2025-01-01T12:00:00.1234567890Z", "2025-01-01", "2025-01-01T12:00:00", "20250101T120000Z", "",
        " 2025-01-01T12:00:00Z ", "2025-01-01T12:00:00\u200bZ", "٢٠٢٥-٠١-٠١T12:00:00Z", "1e10", "now",
    ]),
    st.datetimes(timezones=st.sampled_from(OFFSETS)).map(_iso),
)  # fmt: skip
DATE_IN_RANGE = st.sampled_from(DOBS) | st.dates(date(1900, 1, 1), date(2012, 12, 31)).map(date.isoformat)
DATE_BEYOND = st.sampled_from(["1899-12-31", "0001-01-01", "9999-12-31", (NOW + timedelta(days=1)).date().isoformat(),
                               "2001-02-29", "1990-4-2", "02/04/1990", "1990-04-02T00:00:00Z", ""]) | st.dates().map(
    date.isoformat)  # fmt: skip

# --- what the schema allows, at its edges --------------------------------------------------------

OVERRIDES: dict[tuple[str, ...], st.SearchStrategy[Any]] = {  # paths with "*" for any list index
    ("occurred_at",): TIME_IN_WINDOW,
    ("reported_at",): TIME_IN_WINDOW,
    ("store", "store_ref"): st.sampled_from(STORES),
    ("persons", "*", "name"): _sprinkled(NAMES),
    ("persons", "*", "aliases", "*"): _sprinkled(NAMES),
    ("persons", "*", "dob"): DATE_IN_RANGE,
    ("vehicles", "*", "vrm"): _sprinkled(PLATES),
}


def _pattern(path: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple("*" if isinstance(step, int) else step for step in path)


def _text(spec: dict[str, Any]) -> st.SearchStrategy[str]:
    low, high = spec.get("minLength", 0), spec.get("maxLength", 200)
    filler = ["x", "e\u0301", "\u200f", "\U0001f6d2", "\u05d0", "\U0001f468\u200d\U0001f469", "\r\n"]
    exact = st.sampled_from(filler).map(lambda c: (c * high)[:high])  # as long as allowed, in code points
    return st.text(CHARACTERS, min_size=low, max_size=min(high, 30)) | exact


def allowed(draw: st.DrawFn, spec: dict[str, Any], path: tuple[Any, ...] = ()) -> Any:
    """A value ``spec`` allows, often at its edges."""
    if (override := OVERRIDES.get(_pattern(path))) is not None:
        return draw(override)
    if "const" in spec:
        return spec["const"]
    if "enum" in spec:
        return draw(st.sampled_from(spec["enum"]))
    kind = spec.get("type")
    if kind == "object":
        required = set(spec.get("required", []))
        return {key: allowed(draw, sub, (*path, key)) for key, sub in spec["properties"].items()
                if key in required or draw(st.booleans())}  # fmt: skip
    if kind == "array":
        size = draw(st.integers(0, min(3, spec.get("maxItems", 3))))
        values = [allowed(draw, spec["items"], (*path, n)) for n in range(size)]
        return _distinct_refs(values)
    if kind == "string":
        if spec.get("format") == "date-time":
            return draw(TIME_IN_WINDOW)
        if spec.get("format") == "date":
            return draw(DATE_IN_RANGE)
        if "pattern" in spec:
            return draw(st.from_regex(spec["pattern"], fullmatch=True))
        return draw(_text(spec))
    if kind == "number":
        low, high = spec.get("minimum", -1e9), spec.get("maximum", 1e9)
        return draw(st.sampled_from([low, high, (low + high) / 2]) | st.floats(low, high, allow_nan=False))
    if kind == "integer":
        low, high = spec.get("minimum", -(2**31)), spec.get("maximum", 2**31)
        return draw(st.sampled_from([low, high]) | st.integers(low, high))
    if kind == "boolean":
        return draw(st.booleans())
    raise AssertionError(f"a schema type the fuzzing does not know: {kind} at {path}")


def _distinct_refs(values: list[Any]) -> list[Any]:
    """Items that name themselves (``person_ref``) must do so once per report."""
    for n, value in enumerate(values):
        if isinstance(value, dict):
            for key in [k for k in value if k.endswith("_ref")]:
                value[key] = f"{str(value[key])[:60]}-{n}"  # within the 64 characters a reference may have
    return values


# --- beyond the edges ----------------------------------------------------------------------------

WRONG_TYPE = st.sampled_from([None, [], {}, True, "", " ", 0, "null"])
NUMBERS_BEYOND = [math.nan, math.inf, -math.inf, -0.0, 5e-324, 1e308, -1e308, 2**53 + 1, 2**63 - 1, 2**63, 2**64,
                  -(2**63) - 1, 10**30, "1.5", "£12", True]  # fmt: skip


def beyond(draw: st.DrawFn, spec: dict[str, Any], path: tuple[Any, ...]) -> Any:
    """A value just past what ``spec`` allows, or far past it, or of another type."""
    kind = spec.get("type")
    if kind == "string" and spec.get("format") == "date-time":
        return draw(TIME_BEYOND | WRONG_TYPE)
    if kind == "string" and spec.get("format") == "date":
        return draw(DATE_BEYOND | WRONG_TYPE)
    if "enum" in spec:
        value = draw(st.sampled_from(spec["enum"]))
        return draw(st.sampled_from([value.upper(), f" {value}", f"{value}\u200b", f"{value}\u0301", "unknown"])
                    | WRONG_TYPE)  # fmt: skip
    if kind == "string":
        high = spec.get("maxLength", 200)
        return draw(st.one_of(
            st.sampled_from([high + 1, high * 10, 100_000]).map(lambda n: "y" * n),
            st.text(SURROGATES, min_size=1, max_size=3), st.text(CHARACTERS, min_size=1, max_size=5).map(
                lambda t: t + "\ud800"),
            st.sampled_from(["", "   ", "\u200b\u200f", "\x00", "=HYPERLINK(\"http://x\")", "<script>x</script>"]),
            WRONG_TYPE,
        ))  # fmt: skip
    if kind in ("number", "integer"):
        low, high = spec.get("minimum", 0), spec.get("maximum", 10**6)
        near = [low - 1, high + 1] if kind == "integer" else [low - 1e-9, high + 1e-9, -high]
        return draw(st.sampled_from([*near, *NUMBERS_BEYOND, 1.5 if kind == "integer" else "1"]) | WRONG_TYPE)
    if kind == "boolean":
        return draw(st.sampled_from(["true", 1, 0, None, "yes"]))
    if kind == "array":
        most = spec.get("maxItems", 10)
        item = allowed(draw, spec["items"], (*path, 0))
        count = draw(st.sampled_from([most, most + 1]))
        return _distinct_refs([json.loads(json.dumps(item)) for _ in range(count)]) if item is not None else []
    if kind == "object":
        value = allowed(draw, spec, path)
        if spec.get("required") and draw(st.booleans()):
            value.pop(draw(st.sampled_from(spec["required"])), None)
        else:
            value["unknown_field"] = "x"
        return value
    return draw(WRONG_TYPE)


Place = tuple[tuple[Any, ...], dict[str, Any]]  # a field's path in a report, and its part of the schema


def _places(value: Any, spec: dict[str, Any], path: tuple[Any, ...] = ()) -> list[Place]:
    """Every field in ``value`` with its part of the schema, containers included."""
    found = [(path, spec)] if path else []
    if isinstance(value, dict) and spec.get("type") == "object":
        for key, child in value.items():
            if key in spec.get("properties", {}):
                found += _places(child, spec["properties"][key], (*path, key))
    elif isinstance(value, list) and spec.get("type") == "array":
        for n, child in enumerate(value):
            found += _places(child, spec["items"], (*path, n))
    return found


@st.composite
def edge_incidents(draw: st.DrawFn, most_beyond: int = 3) -> dict[str, Any]:
    """A report the schema allows at its edges, with up to ``most_beyond`` fields pushed beyond them."""
    document: dict[str, Any] = allowed(draw, schema())
    places = [(p, s) for p, s in _places(document, schema()) if p[0] != "submitter"]  # the test chooses it
    for _ in range(draw(st.integers(0, most_beyond))):
        path, spec = draw(st.sampled_from(places))
        parent: Any = document
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = beyond(draw, spec, path)
        places = [(p, s) for p, s in places if p[: len(path)] != path or p == path]  # not inside what changed
    return document
