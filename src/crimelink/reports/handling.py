"""Whether an item may go to an audience, under its 3x5x2 handling code and conditions.

Handling code **P** (lawful sharing permitted) goes to anyone the platform disseminates to.
Handling code **C** (lawful sharing permitted with conditions) carries conditions that travel with
the item (College of Policing APP, intelligence management); the platform reads the conditions
for the circle they allow the item within:

- kept within policing ("not to be shared outside policing", "police only", "do not share with
  the retailer concerned") or within the partnership ("not to be disseminated outside the
  partnership without originator consent"): it goes to a force, with the conditions printed
  beside it;
- no circle at all ("no further dissemination", "not to be shared", "only with the originator's
  consent"): it is withheld from every package, alert and bulletin;
- any other conditions ("do not reveal the source") go to a force with the conditions beside them;
- a retailer gets no C-coded item at all, and a C code without its conditions goes to no one
  until someone adds them.

The national unit holds every item already: nothing is withheld from it. An item without a
grading (most retail reports) is treated as the grading :data:`UNGRADED` says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from crimelink.domain.grading import Grading

__all__ = ["UNGRADED", "Audience", "Decision", "circle", "decide", "grading_of", "police_only", "worst_grading"]

# An ungraded report: an untested source (2), known indirectly (C), lawful sharing permitted (P).
UNGRADED = Grading.parse("2CP")

_POLICE = re.compile(
    r"(outside|beyond) (the )?(police|policing|law enforcement)"
    r"|(police|policing|law enforcement)( purposes)? only"
    r"|\bnot? (to be )?(share|disseminat|pass|circulat)\w*( on)? (with|to) (the |any )?retailers?",
    re.IGNORECASE,
)
_PARTNERSHIP = re.compile(r"(outside|beyond) (the )?partnership", re.IGNORECASE)
_NO_CIRCLE = re.compile(
    r"no (further|onward) (dissemination|sharing)"
    r"|\bnot (to be |for )?(disseminat|shar|pass|circulat)\w*( on)?\b"
    r"|do not (disseminate|share|circulate|pass)\b"
    r"|originator'?s? (consent|permission|authority)"
    r"|without (the |prior )?(consent|permission|authority)",
    re.IGNORECASE,
)


def circle(conditions: str) -> str:
    """Whom conditions let an item reach: ``police`` (and the unit), ``partnership``, or ``none``."""
    if _POLICE.search(conditions):
        return "police"
    if _PARTNERSHIP.search(conditions):
        return "partnership"
    if _NO_CIRCLE.search(conditions):
        return "none"
    return "police"  # other conditions (protect a source, say) travel with the item


class Audience(StrEnum):
    NATIONAL = "national"  # the national unit
    POLICE = "police"  # a police force
    RETAILER = "retailer"


@dataclass(frozen=True, slots=True)
class Decision:
    share: bool
    conditions: str | None  # the conditions that travel with a shared item
    reason: str | None  # why an item is withheld


def grading_of(source: str | None, assessment: str | None, handling: str | None, conditions: str | None) -> Grading:
    """An item's grading from its stored parts; :data:`UNGRADED` where it has none."""
    if not (source and assessment and handling):
        return UNGRADED
    return Grading.parse(f"{source}{assessment}{handling}", (conditions or "").strip() or None)


def decide(grading: Grading, audience: Audience) -> Decision:
    """Whether an item graded ``grading`` may go to ``audience``, and with what conditions."""
    conditions = (grading.handling_conditions or "").strip()
    if grading.handling_code.value == "P":
        return Decision(True, None, None)
    if audience is Audience.NATIONAL:
        return Decision(True, conditions or None, None)
    if not conditions:
        return Decision(False, None, "handling code C without its conditions: not disseminated until they are added")
    if circle(conditions) == "none":
        return Decision(False, conditions, f"its handling conditions forbid dissemination ({conditions})")
    if audience is Audience.RETAILER:
        return Decision(False, conditions, "handling code C: conditional material is not shared with retailers")
    return Decision(True, conditions, None)


def police_only(conditions: str | None) -> bool:
    """Whether conditions keep an item within policing."""
    return bool(conditions and _POLICE.search(conditions))


def worst_grading(gradings: list[Grading]) -> Grading | None:
    """The grading a whole made of these items carries: the least reliable source, the weakest
    assessment, C if any item is C (with every item's conditions)."""
    if not gradings:
        return None
    source = max(g.source_evaluation.value for g in gradings)
    assessment = max(g.intelligence_assessment.value for g in gradings)
    conditional = [g for g in gradings if g.handling_code.value == "C"]
    conditions = sorted({c for g in conditional if (c := (g.handling_conditions or "").strip())})
    handling = "C" if conditional else "P"
    return Grading.parse(f"{source}{assessment}{handling}", "; ".join(conditions) or None)
