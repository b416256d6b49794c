"""The national intelligence grading, 3x5x2 (College of Policing APP).

Source evaluation 1-3, intelligence assessment A-E, handling code P or C; handling code C
carries conditions that travel with the item.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from crimelink.errors import InvalidValue


class SourceEvaluation(StrEnum):
    RELIABLE = "1"
    UNTESTED = "2"
    NOT_RELIABLE = "3"


class IntelligenceAssessment(StrEnum):
    KNOWN_DIRECTLY = "A"
    KNOWN_INDIRECTLY_CORROBORATED = "B"
    KNOWN_INDIRECTLY = "C"
    NOT_KNOWN = "D"
    SUSPECTED_FALSE = "E"


class HandlingCode(StrEnum):
    PERMITTED = "P"
    WITH_CONDITIONS = "C"


@dataclass(frozen=True, slots=True)
class Grading:
    source_evaluation: SourceEvaluation
    intelligence_assessment: IntelligenceAssessment
    handling_code: HandlingCode
    handling_conditions: str | None = None

    @property
    def conditions_missing(self) -> bool:
        """A C-coded item without its conditions cannot be disseminated until someone adds them."""
        return self.handling_code is HandlingCode.WITH_CONDITIONS and not (self.handling_conditions or "").strip()

    @classmethod
    def parse(cls, code: str, conditions: str | None = None) -> Grading:
        """From the compact form analysts write, e.g. ``1AP`` or ``2-B-C``."""
        compact = code.replace("-", "").replace(" ", "").upper()
        if len(compact) != 3:
            raise InvalidValue("grading", code, "a 3x5x2 grading is three characters, e.g. 1AP")
        try:
            return cls(
                SourceEvaluation(compact[0]),
                IntelligenceAssessment(compact[1]),
                HandlingCode(compact[2]),
                conditions,
            )
        except ValueError:
            raise InvalidValue("grading", code, "source 1-3, assessment A-E, handling P or C") from None

    @property
    def code(self) -> str:
        return f"{self.source_evaluation.value}{self.intelligence_assessment.value}{self.handling_code.value}"

    def __str__(self) -> str:
        return self.code
