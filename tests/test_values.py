"""Value types: each field value cleaned and validated in one place, the way reports write them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crimelink.domain import (
    FORCE_IDS,
    Grading,
    PersonName,
    PlateFormat,
    Postcode,
    RegistrationMark,
    police_force,
)
from crimelink.domain.registration import PlateQuery
from crimelink.errors import InvalidValue


@pytest.mark.parametrize(
    ("read", "key", "fmt"),
    [
        ("ab12 cde", "AB12CDE", PlateFormat.CURRENT),
        (" AB12-CDE ", "AB12CDE", PlateFormat.CURRENT),
        ("A123 BCD", "A123BCD", PlateFormat.PREFIX),
        ("ABC 123D", "ABC123D", PlateFormat.SUFFIX),
        ("XYZ 1234", "XYZ1234", PlateFormat.NORTHERN_IRELAND),
        ("1 ABC", "1ABC", PlateFormat.DATELESS),
    ],
)
def test_registration_marks_normalise_to_one_key(read: str, key: str, fmt: PlateFormat) -> None:
    mark = RegistrationMark.parse(read)
    assert (mark.key, mark.format, mark.partial, mark.text) == (key, fmt, False, read)


def test_current_marks_display_as_printed() -> None:
    assert RegistrationMark.parse("ab12cde").display == "AB12 CDE"


def test_partial_reads_keep_their_unknowns_and_fit_the_marks_they_could_be() -> None:
    mark = RegistrationMark.parse("ab12 c?e")
    assert mark.partial and mark.key == "" and mark.pattern == "AB12C?E"
    assert mark.could_be("AB12CDE")
    assert not mark.could_be("AB12XDF")
    assert RegistrationMark.parse("AB12CDE", partial=True).partial


@pytest.mark.parametrize(("misread", "true"), [("AB12CDE", "A812CDE"), ("0V65XYZ", "OV65XYZ"), ("LS05ABC", "L505ABC")])
def test_misread_characters_share_a_fuzzy_key(misread: str, true: str) -> None:
    assert RegistrationMark.parse(misread).fuzzy_key == RegistrationMark.parse(true).fuzzy_key


def test_misreads_break_the_format_so_a_plausible_mark_stands_out() -> None:
    assert RegistrationMark.parse("AB12CDE").plausible
    assert not RegistrationMark.parse("AB12C0E").plausible  # a digit where the format has a letter
    assert not RegistrationMark.parse("ABI2CDE").plausible


@pytest.mark.parametrize(
    ("query", "misreads", "fits", "misses"),
    [
        ("AB12?CD", False, ["AB12XCD"], ["AB12CD", "AB12XXCD"]),
        ("*X5", False, ["X5", "ABCX5"], ["X55", "AX6"]),
        ("fd5*", False, ["FD5", "FD51XYZ"], ["XFD5"]),
        ("ab12 cde", False, ["AB12CDE"], ["AB12CDEF", "AB12C0E"]),
        ("AB12C0E", True, ["AB12COE", "AB12CDE"], ["AB12CXE"]),
        ("A%12_DE", False, ["AXX12CDE"], ["AB12CD"]),
    ],
)
def test_plate_queries_take_wildcards_as_anpr_tools_do(
    query: str, misreads: bool, fits: list[str], misses: list[str]
) -> None:
    parsed = PlateQuery.parse(query, misreads=misreads)
    assert all(parsed.matches(key) for key in fits)
    assert not any(parsed.matches(key) for key in misses)


@pytest.mark.parametrize("bad", ["*", "?*", "A*", "AB#1", "x" * 20])
def test_a_plate_query_needs_two_known_characters(bad: str) -> None:
    with pytest.raises(InvalidValue, match="plate"):
        PlateQuery.parse(bad)


@pytest.mark.parametrize("bad", ["", "A", "AB12CDE123", "AB#12", "ÄB12CDE"])
def test_impossible_marks_are_refused_with_the_reason(bad: str) -> None:
    with pytest.raises(InvalidValue, match="vrm"):
        RegistrationMark.parse(bad)


@given(st.from_regex(r"[A-HJ-PR-Y]{2}[0-9]{2}[A-HJ-PR-Z]{3}", fullmatch=True))
def test_every_current_format_mark_is_recognised(key: str) -> None:
    spaced = f"{key[:4].lower()} {key[4:]}"
    assert RegistrationMark.parse(spaced).key == key
    assert RegistrationMark.parse(spaced).format is PlateFormat.CURRENT


@given(st.text(max_size=20))
def test_any_text_is_a_mark_or_a_clear_error(text: str) -> None:
    outcome: RegistrationMark | InvalidValue
    try:
        outcome = RegistrationMark.parse(text)
    except InvalidValue as error:
        outcome = error
    if isinstance(outcome, InvalidValue):
        assert outcome.details["field"] == "vrm"
    else:
        assert outcome.partial or outcome.key


@pytest.mark.parametrize(
    ("text", "standard"),
    [
        ("sw1a1aa", "SW1A 1AA"),
        ("M1 1AE", "M1 1AE"),
        (" b33 8th ", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("EC1A 1BB", "EC1A 1BB"),
    ],
)
def test_postcodes_take_their_standard_form(text: str, standard: str) -> None:
    assert str(Postcode.parse(text)) == standard


def test_postcode_sector_and_bad_postcodes() -> None:
    assert Postcode.parse("B33 8TH").sector == "B33 8"
    assert Postcode.parse_or_none("not a postcode") is None
    with pytest.raises(InvalidValue):
        Postcode.parse("12345")


@pytest.mark.parametrize(
    ("text", "given", "family"),
    [
        ("John Smith", ("John",), "Smith"),
        ("SMITH, John", ("John",), "Smith"),
        ("john paul SMITH", ("John", "Paul"), "Smith"),
        ("Mr Sean o'brien", ("Sean",), "O'Brien"),
        ("Smithy", (), "Smithy"),
    ],
)
def test_names_parse_whatever_the_order_and_case(text: str, given: tuple[str, ...], family: str) -> None:
    name = PersonName.parse(text)
    assert (name.given, name.family, name.text) == (given, family, text)


def test_name_tokens_ignore_order_case_and_accents() -> None:
    assert PersonName.parse("SMITH, Zoë").tokens == PersonName.parse("zoe smith").tokens


@pytest.mark.parametrize("text", ["unknown", "N/A", "  ", "male", "?"])
def test_placeholders_are_not_names(text: str) -> None:
    assert PersonName.parse_or_none(text) is None


def test_a_lone_initial_or_single_word_is_not_informative() -> None:
    assert not PersonName.parse("J Smith").informative
    assert not PersonName.parse("Smithy").informative
    assert PersonName.parse("Jo Smith").informative


def test_grading_reads_the_compact_form() -> None:
    grading = Grading.parse("1-a-c", "Not to be shared with retailers")
    assert grading.code == "1AC" and grading.handling_conditions == "Not to be shared with retailers"
    assert Grading.parse("2BC").conditions_missing
    with pytest.raises(InvalidValue, match="grading"):
        Grading.parse("4AP")


def test_forces_are_the_43_territorial_forces_and_btp(shared_dir: object) -> None:
    assert len(FORCE_IDS) == 44
    assert police_force("West-Midlands").name == "West Midlands Police"
    assert not police_force("btp").territorial
    with pytest.raises(InvalidValue):
        police_force("atlantis")
