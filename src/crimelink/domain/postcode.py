"""UK postcodes: cleaned once, used by intake, linkage and the UI alike."""

from __future__ import annotations

import re
from dataclasses import dataclass

from crimelink.errors import InvalidValue

# The shape of every UK postcode (outward code, then a digit and two letters), BS 7666.
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][ABD-HJLNP-UW-Z]{2})$")
_SPECIAL = {"GIR0AA"}


@dataclass(frozen=True, slots=True)
class Postcode:
    """A valid UK postcode in its standard form: ``outward inward`` (``SW1A 1AA``)."""

    outward: str
    inward: str

    @classmethod
    def parse(cls, text: str) -> Postcode:
        compact = re.sub(r"\s+", "", text.upper())
        if compact in _SPECIAL:
            return cls(compact[:3], compact[3:])
        match = _POSTCODE.match(compact)
        if not match:
            raise InvalidValue("postcode", text, "not a UK postcode")
        return cls(match.group(1), match.group(2))

    @classmethod
    def parse_or_none(cls, text: str | None) -> Postcode | None:
        """Reports often carry half a postcode or a typo; those are kept as text, not a Postcode."""
        if not text:
            return None
        try:
            return cls.parse(text)
        except InvalidValue:
            return None

    @property
    def district(self) -> str:
        return self.outward

    @property
    def sector(self) -> str:
        """Outward code and the inward digit: a neighbourhood of a few thousand addresses."""
        return f"{self.outward} {self.inward[0]}"

    def __str__(self) -> str:
        return f"{self.outward} {self.inward}"
