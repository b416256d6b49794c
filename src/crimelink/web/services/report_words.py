"""The report form's words: a label for every field, and each rejection put in plain words.

Intake names a problem by its field path (``persons[0].dob``) and pydantic's reason ("input
should be a valid date in the format YYYY-MM-DD, invalid character in year"). A shop's
loss-prevention officer needs "Date of birth: must be a date like 1990-04-02". The plain words
are worked out from the exchange model's own JSON schema (type, format, bounds, allowed
values), so they cannot drift from what the model checks.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from crimelink.domain.exchange import IncidentReport

ROW_NOUNS = {"items": "Item", "persons": "Person", "vehicles": "Vehicle"}
LABELS = {
    "submitter": "Reported by",
    "incident_ref": "Your reference",
    "occurred_at": "When",
    "offence": "Offence",
    "store_choice": "Store",
    "store.store_ref": "New store's reference",
    "store.name": "New store's name",
    "store.postcode": "New store's postcode",
    "police_force": "Police force area",
    "value_gbp": "Total value lost (£)",
    "recovered_gbp": "Value recovered (£)",
    "reported_to_police": "Reported to the police",
    "crime_reference": "Police crime reference",
    "violence.threats": "Threats",
    "violence.assault": "Assault",
    "violence.injury": "Injury",
    "violence.weapon": "Weapon",
    "mo.tags": "How it was done (tags)",
    "mo.text": "What happened",
    "evidence.cctv": "CCTV",
    "evidence.body_worn_video": "Body-worn video",
    "grading.source_evaluation": "Source evaluation",
    "grading.intelligence_assessment": "Intelligence assessment",
    "grading.handling_code": "Handling code",
    "grading.handling_conditions": "Handling conditions",
    "items.description": "Description",
    "items.category": "Category",
    "items.quantity": "Quantity",
    "items.unit_value_gbp": "Unit value (£)",
    "persons.name": "Name",
    "persons.dob": "Date of birth",
    "persons.age_min": "Age from",
    "persons.age_max": "Age to",
    "persons.gender": "Gender",
    "persons.height_cm": "Height (cm)",
    "persons.build": "Build",
    "persons.description": "Description",
    "vehicles.vrm": "Registration as read",
    "vehicles.partial": "Partial read",
    "vehicles.make": "Make",
    "vehicles.model": "Model",
    "vehicles.colour": "Colour",
}
_PATTERNS = {  # what a pattern means, for the fields that have one
    "tags": "each tag must be 2 to 48 lower-case letters, digits or underscores, starting with a letter, "
    "like bag_lining",
    "submitter": "must be a registered organisation's code",
}
_INDEX = re.compile(r"\[\d+\]")
_ROW = re.compile(r"^(items|persons|vehicles)\[(\d+)\]\.")


def label(name: str) -> str:
    """The field's label, whichever row it is in: ``persons[2].dob`` → "Date of birth"."""
    return LABELS.get(_INDEX.sub("", name), name)


def where(name: str) -> str:
    """The field as the error summary names it: "Person 2, date of birth"."""
    found = _ROW.match(name)
    if not found:
        return label(name)
    text = label(name)
    return f"{ROW_NOUNS[found.group(1)]} {int(found.group(2)) + 1}, {text[0].lower()}{text[1:]}"


@cache
def _schema() -> dict[str, Any]:
    return IncidentReport.model_json_schema(by_alias=True)


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while True:
        if "$ref" in node:
            node = _schema()["$defs"][str(node["$ref"]).rsplit("/", 1)[-1]]
        elif "anyOf" in node:
            node = next((n for n in node["anyOf"] if n.get("type") != "null"), {})
        else:
            return node


def field_schema(path: str) -> dict[str, Any]:
    """The exchange model's JSON schema for one field path (``persons[0].dob``); ``{}`` if none."""
    node = _resolve(_schema())
    for token in re.findall(r"[^.\[\]]+", path):
        node = _resolve(node.get("items", {}) if token.isdigit() else node.get("properties", {}).get(token, {}))
    return node


def choices(path: str) -> list[str]:
    """The values the exchange format allows for a field (a select's options)."""
    return [str(v) for v in field_schema(path).get("enum", [])]


def _n(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,}"


def plain_words(path: str, reason: str) -> str:
    """A rejection's reason in words a shop's staff can act on, from what the field must hold."""
    leaf = field_schema(path)
    kind = leaf.get("type")
    if reason.lower().startswith("value error, "):  # one of the format's own rules, already in words
        return reason[len("value error, "):]
    if reason.startswith("must "):  # a plausibility rule (a date of birth after the incident)
        return reason
    if reason.startswith("required field is missing") or "at least 1 character" in reason:
        return "must be filled in"
    if "at most" in reason and kind == "array":
        return f"at most {leaf.get('maxItems')} of these"
    if "at most" in reason and "maxLength" in leaf:
        return f"must be at most {leaf['maxLength']:,} characters"
    if leaf.get("format") == "date":
        return "must be a date like 1990-04-02"
    if leaf.get("format") == "date-time":
        return "must be a date and time like 2025-04-01 14:30"
    if "enum" in leaf:
        return "must be one of: " + ", ".join(str(v) for v in leaf["enum"])
    if kind == "integer":
        return f"must be a whole number from {_n(leaf['minimum'])} to {_n(leaf['maximum'])}"
    if kind == "number":
        return f"must be an amount from {_n(leaf['minimum'])} to {_n(leaf['maximum'])}, like 12.50"
    if "pattern" in leaf:
        return _PATTERNS.get(re.findall(r"[a-z_]+", path)[-1], "is not in the expected form")
    return reason
