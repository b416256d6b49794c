"""Make, model and colour as evidence that two reads are, or are not, the same vehicle.

A plate read is the strong evidence; the description only tips the balance where the plate
leaves a choice (a partial read that fits two known marks, a misread that could belong to
either of two). Witnesses name a make reliably and a model usually; they name colours loosely
("silver" is "grey" to many, "navy" is "blue"), so colours are compared by family and a vague
one ("dark") says nothing. A different make, or a different model of the same make, or colours
of families that nobody confuses, contradict; a shared make, model or colour family supports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Description", "colour_families"]

_MAKE_ALIASES = {"vw": "volkswagen", "merc": "mercedes-benz", "mercedes": "mercedes-benz", "landrover": "land rover"}
_COLOUR_FAMILIES: dict[str, frozenset[str]] = {
    word: frozenset(families.split())
    for families, words in (
        ("grey", "silver grey gray light-grey dark-grey gunmetal silver/grey charcoal"),
        ("blue", "blue navy dark-blue light-blue"),
        ("black", "black"),
        ("black grey", "black/dark-grey"),
        ("white", "white cream"),
        ("red", "red maroon dark-red burgundy"),
        ("green", "green dark-green"),
        ("brown", "bronze brown gold beige"),
        ("yellow", "yellow"),
        ("orange", "orange"),
        ("purple", "purple"),
    )
    for word in words.split()
}
_SPACES = re.compile(r"[\s_]+")


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    text = _SPACES.sub(" ", str(value).strip().casefold())
    return text or None


def colour_families(colour: str | None) -> frozenset[str]:
    """The colour families a reported colour may belong to; empty when it says nothing."""
    text = _clean(colour)
    return _COLOUR_FAMILIES.get(text.replace(" ", "-"), frozenset()) if text else frozenset()


@dataclass(frozen=True, slots=True)
class Description:
    """What a report (or a vehicle's reports) say a vehicle looks like, cleaned for comparing."""

    make: str | None = None
    model: str | None = None
    colours: frozenset[str] = frozenset()

    @classmethod
    def of(cls, make: str | None, model: str | None, colour: str | None) -> Description:
        """Clean the words as reported (case, spaces, common short names of makes)."""
        clean_make = _clean(make)
        clean_model = _clean(model)
        return cls(
            make=_MAKE_ALIASES.get(clean_make, clean_make) if clean_make else None,
            model=clean_model.replace(" ", "").replace("-", "") if clean_model else None,
            colours=colour_families(colour),
        )

    def contradicts(self, other: Description) -> bool:
        """A different make, a different model (of the same or an unknown make), or colours
        that no witness would confuse."""
        if self.make and other.make and self.make != other.make:
            return True
        if self.model and other.model and self.model != other.model:
            return True
        return bool(self.colours and other.colours and not self.colours & other.colours)

    def support(self, other: Description) -> int:
        """How many of make, model and colour agree (0 when nothing can be compared)."""
        if self.contradicts(other):
            return 0
        return self.agreements(other)

    def agreements(self, other: Description) -> int:
        """How many of make, model and colour agree, whatever the rest says: which of several
        cars that all differ somewhere a read is closest to (a Ford Fiesta read is nearer a Ford
        Focus than a Volkswagen Golf)."""
        return (
            int(bool(self.make and self.make == other.make))
            + int(bool(self.model and self.model == other.model))
            + int(bool(self.colours & other.colours))
        )

    def agreeing(self, other: Description) -> str:
        """Which of make, model and colour agree, in words for a link's reason."""
        agree = (
            ("make", bool(self.make and self.make == other.make)),
            ("model", bool(self.model and self.model == other.model)),
            ("colour", bool(self.colours & other.colours)),
        )
        return ", ".join(name for name, same in agree if same) or "description"
