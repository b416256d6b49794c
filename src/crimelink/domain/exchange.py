"""The incident exchange format, v1 (``shared/spec/incident-v1.schema.json``), as pydantic models.

This is the contract with retailers and forces: the models accept what the schema accepts, no
more (``extra="forbid"``, strict types, no NaN or Infinity), less only where a value cannot be
true: a time outside 1990 to a day after receipt, a date of birth before 1900 or in the future,
a name or alias with no letters ("!!!"), a registration mark with no letter or digit ("!!**$$"),
and (across fields, :meth:`IncidentReport.implausibilities`) a person born after the incident.
A loss within the bounds that stands out is accepted but held for review
(:meth:`IncidentReport.value_stands_out`). Validation runs on the raw JSON text
(``IncidentReport.from_json``) so that pydantic-core parses and checks in one pass, which is
what makes bulk intake fast.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from crimelink.domain.forces import FORCE_IDS
from crimelink.domain.offences import OffenceType
from crimelink.domain.registration import to_ascii

SCHEMA_ID = "crimelink.incident/1"

PoliceForceId = Literal[  # the schema's enum, checked against FORCE_IDS by a test
    "avon-and-somerset",
    "bedfordshire",
    "cambridgeshire",
    "cheshire",
    "city-of-london",
    "cleveland",
    "cumbria",
    "derbyshire",
    "devon-and-cornwall",
    "dorset",
    "durham",
    "dyfed-powys",
    "essex",
    "gloucestershire",
    "greater-manchester",
    "gwent",
    "hampshire",
    "hertfordshire",
    "humberside",
    "kent",
    "lancashire",
    "leicestershire",
    "lincolnshire",
    "merseyside",
    "metropolitan",
    "norfolk",
    "north-wales",
    "north-yorkshire",
    "northamptonshire",
    "northumbria",
    "nottinghamshire",
    "south-wales",
    "south-yorkshire",
    "staffordshire",
    "suffolk",
    "surrey",
    "sussex",
    "thames-valley",
    "warwickshire",
    "west-mercia",
    "west-midlands",
    "west-yorkshire",
    "wiltshire",
    "btp",
]


def _text(max_length: int, min_length: int = 0) -> type[str]:
    return Annotated[str, StringConstraints(min_length=min_length, max_length=max_length)]  # type: ignore[return-value]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


EARLIEST_INCIDENT = datetime(1990, 1, 1, tzinfo=UTC)  # older than any retail crime record still held
EARLIEST_BIRTH = date(1900, 1, 1)
REVIEW_VALUE_GBP = 50_000.0  # a loss above this is held for an analyst's review (CRIMELINK_VALUE_REVIEW_GBP)
# A stated loss this many times what the listed items are worth is held too, when it is also this
# much more: reports list some items, not all (£1,250 lost with £120 of razors listed is no slip).
ITEMS_OUTSTRIPPED = 100
ITEMS_SLACK_GBP = 5_000.0


def _in_window(value: datetime, what: str) -> datetime:
    """A time an incident can have: from 1990 to a day after receipt. Anything else is a typing
    slip (year 0001, 9999, 2031) that would stretch every chart and stop the analysis."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    latest = datetime.now(UTC) + timedelta(days=1)
    if not EARLIEST_INCIDENT <= aware <= latest:
        raise ValueError(f"{what} must be between 1990-01-01 and a day after it is received "
                         f"({latest.date().isoformat()}), not {value.isoformat()}")
    return value


def _has_letter(text: str | None, what: str) -> str | None:
    """A name must name: "!!!" or "123" is a slip, not a person (left out when not known)."""
    if text is not None and text.strip() and not any(c.isalpha() for c in text):
        raise ValueError(f"{what} has no letters: give the name as reported, or leave it out")
    return text


class Store(_Strict):
    store_ref: _text(64, 1)  # type: ignore[valid-type]
    name: _text(200) | None = None  # type: ignore[valid-type]
    address: _text(400) | None = None  # type: ignore[valid-type]
    postcode: _text(10) | None = None  # type: ignore[valid-type]
    lat: Annotated[float, Field(ge=49.0, le=61.5)] | None = None
    lon: Annotated[float, Field(ge=-9.0, le=2.5)] | None = None


class Item(_Strict):
    description: _text(200)  # type: ignore[valid-type]
    category: _text(64) | None = None  # type: ignore[valid-type]
    quantity: Annotated[int, Field(ge=1, le=100_000)] | None = None
    unit_value_gbp: Annotated[float, Field(ge=0, le=1_000_000)] | None = None


class ModusOperandi(_Strict):
    tags: Annotated[
        tuple[Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{1,47}$")], ...], Field(max_length=50)
    ] = ()
    text: _text(4000) | None = None  # type: ignore[valid-type]


class Violence(_Strict):
    threats: bool | None = None
    assault: bool | None = None
    injury: bool | None = None
    weapon: Literal["none", "knife", "syringe", "blunt", "firearm", "other"] | None = None


class PersonMention(_Strict):
    person_ref: _text(64, 1)  # type: ignore[valid-type]
    role: Literal["suspect", "associate"] | None = None
    name: _text(200) | None = None  # type: ignore[valid-type]
    aliases: Annotated[tuple[_text(200), ...], Field(max_length=20)] = ()  # type: ignore[valid-type]
    dob: date | None = None
    age_min: Annotated[int, Field(ge=8, le=100)] | None = None
    age_max: Annotated[int, Field(ge=8, le=100)] | None = None
    gender: Literal["male", "female", "other", "unknown"] | None = None
    height_cm: Annotated[int, Field(ge=100, le=230)] | None = None
    build: Literal["slim", "medium", "heavy", "muscular", "unknown"] | None = None
    description: _text(2000) | None = None  # type: ignore[valid-type]
    identified_by: Literal["staff", "cctv", "police", "self", "other"] | None = None
    address: _text(400) | None = None  # type: ignore[valid-type]
    postcode: _text(10) | None = None  # type: ignore[valid-type]
    pnc_id: _text(16) | None = None  # type: ignore[valid-type]

    @field_validator("name")
    @classmethod
    def _name_has_letters(cls, name: str | None) -> str | None:
        return _has_letter(name, "a name")

    @field_validator("aliases")
    @classmethod
    def _aliases_have_letters(cls, aliases: tuple[str, ...]) -> tuple[str, ...]:
        for alias in aliases:
            _has_letter(alias, "an alias")
        return aliases

    @field_validator("dob")
    @classmethod
    def _born_plausibly(cls, dob: date | None) -> date | None:
        if dob is not None and not EARLIEST_BIRTH <= dob <= datetime.now(UTC).date():
            raise ValueError(f"dob must be between 1900-01-01 and today, not {dob.isoformat()}")
        return dob


class VehicleMention(_Strict):
    vrm: _text(16, 1)  # type: ignore[valid-type]
    partial: bool | None = None
    make: _text(64) | None = None  # type: ignore[valid-type]
    model: _text(64) | None = None  # type: ignore[valid-type]
    colour: _text(32) | None = None  # type: ignore[valid-type]

    @field_validator("vrm")
    @classmethod
    def _mark_has_characters(cls, vrm: str) -> str:
        # Look-alikes (Cyrillic, full-width) count as the letters and digits they show.
        if not any(c.isascii() and c.isalnum() for c in to_ascii(vrm)):
            raise ValueError("a registration mark has at least one letter or digit (? for each one not read)")
        return vrm


class Evidence(_Strict):
    cctv: bool | None = None
    body_worn_video: bool | None = None
    images: Annotated[int, Field(ge=0, le=1000)] | None = None


class GradingBlock(_Strict):
    source_evaluation: Literal["1", "2", "3"]
    intelligence_assessment: Literal["A", "B", "C", "D", "E"]
    handling_code: Literal["P", "C"]
    handling_conditions: _text(1000) | None = None  # type: ignore[valid-type]


class IncidentReport(_Strict):
    """One incident as a submitter reported it."""

    schema_: Literal["crimelink.incident/1"] = Field(alias="schema")
    submitter: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9-]{1,31}$")]
    incident_ref: _text(64, 1)  # type: ignore[valid-type]
    occurred_at: datetime
    reported_at: datetime | None = None
    offence: OffenceType
    store: Store
    police_force: PoliceForceId | None = None
    crime_reference: _text(64) | None = None  # type: ignore[valid-type]
    # Tuples, not lists: immutable defaults need no copying for every report (intake speed).
    items: Annotated[tuple[Item, ...], Field(max_length=500)] = ()
    value_gbp: Annotated[float, Field(ge=0, le=10_000_000)] | None = None
    recovered_gbp: Annotated[float, Field(ge=0, le=10_000_000)] | None = None
    mo: ModusOperandi | None = None
    violence: Violence | None = None
    persons: Annotated[tuple[PersonMention, ...], Field(max_length=50)] = ()
    vehicles: Annotated[tuple[VehicleMention, ...], Field(max_length=20)] = ()
    evidence: Evidence | None = None
    grading: GradingBlock | None = None

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, populate_by_name=True, allow_inf_nan=False)

    @field_validator("occurred_at")
    @classmethod
    def _occurred_in_window(cls, value: datetime) -> datetime:
        return _in_window(value, "occurred_at")

    @field_validator("reported_at")
    @classmethod
    def _reported_in_window(cls, value: datetime | None) -> datetime | None:
        return None if value is None else _in_window(value, "reported_at")

    @field_validator("persons")
    @classmethod
    def _person_refs_unique(cls, persons: tuple[PersonMention, ...]) -> tuple[PersonMention, ...]:
        # person_ref names a mention in exports and links: a repeat would make two mentions one.
        if len(persons) < 2:
            return persons
        seen: set[str] = set()
        for index, person in enumerate(persons):
            if person.person_ref in seen:
                raise ValueError(f"person_ref {person.person_ref!r} of persons[{index}] is repeated in this incident")
            seen.add(person.person_ref)
        return persons

    @classmethod
    def from_json(cls, text: str | bytes) -> IncidentReport:
        return cls.model_validate_json(text)

    def to_json_dict(self) -> dict[str, object]:
        """As the exchange format writes it: no nulls, no empty defaults."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True) | {
            "schema": SCHEMA_ID
        }

    def implausibilities(self) -> list[tuple[str, str]]:
        """``(field, reason)`` for what no real incident can say across its fields: a person
        born after the incident. Each field on its own passed validation."""
        day = self.occurred_at.date()
        return [
            (f"persons[{index}].dob", f"must be on or before the day of the incident ({day.isoformat()}), "
                                      f"not {person.dob.isoformat()}")
            for index, person in enumerate(self.persons)
            if person.dob is not None and person.dob > day
        ]

    def value_stands_out(self, ceiling_gbp: float = REVIEW_VALUE_GBP) -> str | None:
        """Why the loss should wait for an analyst before it counts in any figure, or ``None``.

        A value within the format's bounds may still be a slip (£9,999,999 for £99.99): above
        ``ceiling_gbp``, or far beyond the items listed (when every item has a value), it is
        stored but held for review, so one report cannot move the national figures.
        """
        total = self.total_value_gbp
        if total > ceiling_gbp:
            return f"£{total:,.2f} is above £{ceiling_gbp:,.0f} for one incident"
        listed = [(i.quantity or 1) * i.unit_value_gbp for i in self.items if i.unit_value_gbp is not None]
        if self.value_gbp is not None and listed and len(listed) == len(self.items):
            worth = sum(listed)
            if total > ITEMS_OUTSTRIPPED * worth and total - worth > ITEMS_SLACK_GBP:
                return f"£{total:,.2f} is far beyond the £{worth:,.2f} the items listed are worth"
        return None

    @property
    def total_value_gbp(self) -> float:
        """The stated loss, or the sum of the items when the submitter gave none."""
        if self.value_gbp is not None:
            return self.value_gbp
        return sum((i.quantity or 1) * (i.unit_value_gbp or 0.0) for i in self.items)


assert set(PoliceForceId.__args__) == set(FORCE_IDS)  # type: ignore[attr-defined]
