"""UK vehicle registration marks, as read by staff, CCTV and ANPR.

A mark is kept as read (``text``) and as a normalised ``key``: upper case, no spaces or
punctuation. A partial read keeps ``?`` for each unread character; its key is empty and its
``pattern`` matches the full marks it could be. ``fuzzy_key`` folds the characters that
witnesses and cameras confuse (0/O, 1/I, 5/S, 8/B, 2/Z, 6/G), so that a misread mark lands
on the same key as the true one.

A misread almost always breaks the mark's format (the confusable pairs are a letter and a
digit, and the formats fix where letters and digits stand), so ``plausible`` tells a mark that
could be on a car from one that is probably a misread of another. ``PlateQuery`` is an
analyst's search as ANPR tools take it: ``?`` for one unknown character, ``*`` for any run.

A mark typed or pasted with look-alike characters (Cyrillic or Greek capitals, full-width
letters and digits, zero-width spaces, soft hyphens) is the same mark: :func:`to_ascii` folds
them to the ASCII they look like before anything else, so that it links and is found.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from crimelink.errors import InvalidValue


class PlateFormat(StrEnum):
    CURRENT = "current"  # AB12CDE, since 2001
    PREFIX = "prefix"  # A123BCD, 1983-2001
    SUFFIX = "suffix"  # ABC123D, 1963-1983
    DATELESS = "dateless"  # 1-4 letters and 1-4 digits
    NORTHERN_IRELAND = "northern_ireland"  # ABZ 1234: a three-letter series with I or Z
    OTHER = "other"  # foreign, personalised oddities, or unreadable


# FIELD-NOTES: I and Q never appear in the letters; Z only in the last three.
_CURRENT = re.compile(r"^[A-HJ-PR-Y]{2}[0-9]{2}[A-HJ-PR-Z]{3}$")
_PREFIX = re.compile(r"^[A-HJ-NP-Y][1-9][0-9]{0,2}[A-HJ-PR-Y]{3}$")  # numbers 1-999: no leading zero
_SUFFIX = re.compile(r"^[A-HJ-PR-Y]{3}[1-9][0-9]{0,2}[A-HJ-NP-Y]$")
_NORTHERN_IRELAND = re.compile(r"^[A-Z]{1,2}[IZ][0-9]{1,4}$")
_DATELESS = re.compile(r"^([A-Z]{1,3}[0-9]{1,4}|[0-9]{1,4}[A-Z]{1,3})$")
_STRIP = re.compile(r"[\s\-.·]+")
_ALLOWED = re.compile(r"^[A-Z0-9?]{2,8}$")

# Characters that readers confuse, folded to one representative each.
CONFUSABLE_PAIRS = (
    ("0", "O"), ("D", "O"), ("Q", "O"), ("1", "I"), ("L", "I"), ("5", "S"), ("8", "B"), ("2", "Z"), ("6", "G"),
    ("4", "A"), ("7", "T"),
)  # fmt: skip
_CONFUSABLE = str.maketrans(dict(CONFUSABLE_PAIRS))


# Formats a real British plate has; a key of another shape is most likely a misread.
PLAUSIBLE_FORMATS = frozenset(
    {PlateFormat.CURRENT, PlateFormat.PREFIX, PlateFormat.SUFFIX, PlateFormat.NORTHERN_IRELAND}
)
_QUERY_ALLOWED = re.compile(r"^[A-Z0-9?*]{1,16}$")


_SKELETON_CAPITALS = {"l": "I"}  # Unicode's confusables give "l" for I, l, 1 and |: on a plate it is I


def to_ascii(text: str) -> str:
    """``text`` with look-alike characters folded to the ASCII they look like (NFKC, then
    Unicode's confusables); invisible format characters (zero-width, soft hyphen) removed.

    A plate read off a screen or a foreign keyboard comes as "АВ12 СDЕ" (Cyrillic) or
    "ＡＢ１２ＣＤＥ" (full-width); without this it never matches the mark it shows.
    """
    if text.isascii():
        return text
    normalised = unicodedata.normalize("NFKC", text)
    return "".join(_lookalike(c) for c in normalised if unicodedata.category(c) != "Cf")


@lru_cache(maxsize=4096)
def _lookalike(char: str) -> str:
    """The ASCII character ``char`` looks like (as a capital), or ``char`` itself if none."""
    if char.isascii():
        return char
    from confusable_homoglyphs import confusables  # here: its table takes 0.3 s to load, and most marks are ASCII

    capital = char.upper()
    if len(capital) != 1:
        return char
    found = confusables.is_confusable(capital, greedy=True, preferred_aliases=[]) or []
    glyphs: list[str] = [g["c"] for entry in found for g in entry["homoglyphs"]]
    glyphs = [g for g in glyphs if len(g) == 1 and g.isascii()]
    for glyph in sorted(glyphs, key=lambda g: not g.isalnum()):  # a letter or digit before punctuation
        return _SKELETON_CAPITALS.get(glyph, glyph.upper())
    return char


def _cleaned(text: str) -> str:
    """Upper case ASCII without spaces or punctuation; ``*`` and ``_`` as ``?``."""
    return _STRIP.sub("", to_ascii(text).strip().upper()).replace("*", "?").replace("_", "?")


def fold(text: str) -> str:
    """``text`` with the characters readers confuse folded to one representative each."""
    return text.translate(_CONFUSABLE)


def _classify(key: str) -> PlateFormat:
    for pattern, fmt in (
        (_CURRENT, PlateFormat.CURRENT),
        (_PREFIX, PlateFormat.PREFIX),
        (_SUFFIX, PlateFormat.SUFFIX),
        (_NORTHERN_IRELAND, PlateFormat.NORTHERN_IRELAND),
        (_DATELESS, PlateFormat.DATELESS),
    ):
        if pattern.match(key):
            return fmt
    return PlateFormat.OTHER


@dataclass(frozen=True, slots=True)
class RegistrationMark:
    """A registration mark as read, with its normalised key and what kind of mark it is."""

    text: str
    key: str
    partial: bool
    format: PlateFormat

    @classmethod
    def parse(cls, text: str, *, partial: bool | None = None) -> RegistrationMark:
        """Clean a mark as read. ``partial`` may be given by the reporter or inferred from ``?``."""
        cleaned = _cleaned(text)
        if not _ALLOWED.match(cleaned):
            raise InvalidValue("vrm", text, "a registration mark has 2 to 8 letters, digits or '?'")
        is_partial = "?" in cleaned or bool(partial)
        if is_partial:
            return cls(text=text, key="", partial=True, format=PlateFormat.OTHER)
        return cls(text=text, key=cleaned, partial=False, format=_classify(cleaned))

    @property
    def pattern(self) -> str:
        """The read with ``?`` for each unknown character (the key itself when complete)."""
        return self.key or _cleaned(self.text)

    @property
    def fuzzy_key(self) -> str:
        """Key with confusable characters folded; empty for a partial read."""
        return fold(self.key)

    @property
    def plausible(self) -> bool:
        """Whether the mark has the shape of a real British plate (a misread usually has not)."""
        return self.format in PLAUSIBLE_FORMATS

    @property
    def display(self) -> str:
        """As printed on a plate: current marks as ``AB12 CDE``."""
        if self.format is PlateFormat.CURRENT:
            return f"{self.key[:4]} {self.key[4:]}"
        return self.key or self.pattern

    def could_be(self, other_key: str) -> bool:
        """Whether this (possibly partial) read fits a full mark, allowing confusable misreads."""
        pattern = self.pattern
        if len(pattern) != len(other_key):
            return False
        return all(
            p == "?" or p == o or p.translate(_CONFUSABLE) == o.translate(_CONFUSABLE)
            for p, o in zip(pattern, other_key, strict=True)
        )


@dataclass(frozen=True, slots=True)
class PlateQuery:
    """A plate search as analysts type it into ANPR tools: ``AB12?CD``, ``*X5``, ``FD5*``.

    ``?`` stands for exactly one unknown character and ``*`` for any run (none included); the
    rest must match in place. A query with no wildcard matches the whole mark. With
    ``misreads`` the query and the marks are compared with confusable characters folded, so
    ``AB12C0E`` finds ``AB12COE`` and ``AB12CDE``.
    """

    text: str
    pattern: str
    misreads: bool = False

    @classmethod
    def parse(cls, text: str, *, misreads: bool = False) -> PlateQuery:
        """Clean a typed query (case, spaces, ``%`` and ``_`` taken as ``*`` and ``?``)."""
        cleaned = _STRIP.sub("", to_ascii(text).strip().upper()).replace("%", "*").replace("_", "?")
        cleaned = re.sub(r"\*+", "*", cleaned)
        if not _QUERY_ALLOWED.match(cleaned) or sum(c not in "*?" for c in cleaned) < 2:
            raise InvalidValue(
                "plate",
                text,
                "a plate search has at least two letters or digits, with ? for one unknown character and * for any run",
            )
        return cls(text=text, pattern=cleaned, misreads=misreads)

    @property
    def known_characters(self) -> int:
        return sum(c not in "?*" for c in self.pattern)

    def like(self) -> str:
        """The query as a SQL ``LIKE`` pattern (folded when misreads are tolerated)."""
        pattern = fold(self.pattern) if self.misreads else self.pattern
        return pattern.replace("?", "_").replace("*", "%")

    def matches(self, key: str) -> bool:
        """Whether a full normalised mark fits the query."""
        pattern, key = (fold(self.pattern), fold(key)) if self.misreads else (self.pattern, key)
        expression = "".join("." if c == "?" else ".*" if c == "*" else re.escape(c) for c in pattern)
        return re.fullmatch(expression, key) is not None
