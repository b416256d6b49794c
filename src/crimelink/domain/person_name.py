"""A person's name as reported: any order, any case, sometimes a lone initial or a nickname.

Reports write "SMITH, John", "John Smith", "john paul SMITH" or just "Smithy". We keep the
text as reported and parse it into given names and a family name with the conventions that
reports follow: a comma means "family, given"; a token in capitals among mixed-case ones is
the family name; otherwise the last token is. Linkage compares the parsed parts and an
order-insensitive token set, because order itself is unreliable.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from crimelink.errors import InvalidValue

_TITLES = {"mr", "mrs", "ms", "miss", "dr", "mx", "sir"}
_NOT_A_NAME = {"unknown", "unk", "n/a", "na", "none", "not known", "nk", "male", "female", "suspect", "offender", "?"}
_TOKEN = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)


def fold(text: str) -> str:
    """Lower case without accents: "Zoë O'Brien" → "zoe o'brien"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower().replace("’", "'")


@dataclass(frozen=True, slots=True)
class PersonName:
    """A reported name parsed into parts; ``given`` may hold several names, first one first."""

    text: str
    given: tuple[str, ...]
    family: str | None

    @classmethod
    def parse(cls, text: str) -> PersonName:
        stripped = " ".join(text.split())
        if not stripped or fold(stripped) in _NOT_A_NAME:
            raise InvalidValue("name", text, "not a name")
        if "," in stripped:
            family_part, _, given_part = stripped.partition(",")
            family_tokens = _tokens(family_part)
            given_tokens = _tokens(given_part)
            if not family_tokens:
                raise InvalidValue("name", text, "not a name")
            return cls(stripped, tuple(given_tokens), " ".join(family_tokens))
        raw_tokens = [t for t in _TOKEN.findall(stripped) if fold(t).strip(".") not in _TITLES]
        if not raw_tokens:
            raise InvalidValue("name", text, "not a name")
        if len(raw_tokens) == 1:
            return cls(stripped, (), _title(raw_tokens[0]))
        shouted = [t for t in raw_tokens if t.isupper() and len(t) > 1]
        if len(shouted) == 1 and len(raw_tokens) > 1 and not all(t.isupper() for t in raw_tokens):
            family = shouted[0]
            given = [t for t in raw_tokens if t is not family]
            return cls(stripped, tuple(_title(t) for t in given), _title(family))
        return cls(stripped, tuple(_title(t) for t in raw_tokens[:-1]), _title(raw_tokens[-1]))

    @classmethod
    def parse_or_none(cls, text: str | None) -> PersonName | None:
        if text is None:
            return None
        try:
            return cls.parse(text)
        except InvalidValue:
            return None

    @property
    def first(self) -> str | None:
        return self.given[0] if self.given else None

    @property
    def tokens(self) -> tuple[str, ...]:
        """Folded name tokens, sorted: the order-insensitive form used for blocking."""
        parts = [*self.given, *([self.family] if self.family else [])]
        return tuple(sorted(fold(p) for p in parts))

    @property
    def informative(self) -> bool:
        """A lone initial or a single word says too little to link anyone on its own."""
        full = [p for p in (*self.given, self.family or "") if len(p) > 1]
        return len(full) >= 2

    @property
    def display(self) -> str:
        return " ".join([*self.given, *([self.family.upper()] if self.family else [])])


def _tokens(part: str) -> list[str]:
    return [_title(t) for t in _TOKEN.findall(part) if fold(t) not in _TITLES]


def _title(token: str) -> str:
    """Title case that respects O'Brien and Smith-Jones."""
    return "-".join(
        "'".join(w[:1].upper() + w[1:].lower() for w in seg.split("'")) for seg in token.replace("’", "'").split("-")
    )
