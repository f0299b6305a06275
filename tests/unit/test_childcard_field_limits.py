"""Each text field of a birth registration against its declared limit (FIELD_LIMITS, `field_errors`)."""

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.childcards.checks import REPORTED_CHARACTERS, _field_problem, _passes, field_errors
from hub.childcards.models import ChildCardCase
from hub.childcards.records import FIELD_LIMITS, BirthRecord, Chars, clean_field
from hub.persons.models import Person
from tests.unit.test_childcard_records import FULL

GOOD = FULL  # a registration passing every check, every text field given


def changed(name: str, value: str | None) -> BirthRecord:
    """GOOD with the text field `name` (as FIELD_LIMITS names it) replaced, then cleaned as the intake cleans it."""
    return GOOD.map_texts(lambda field, old: value if field == name else old).cleaned()


def problems(record: BirthRecord) -> list[tuple[str, str | None]]:
    return [(e.code, e.field) for e in field_errors(record)]


def test_every_text_field_has_a_limit_and_a_good_record_passes():
    assert set(GOOD.texts()) == set(FIELD_LIMITS)
    assert field_errors(GOOD.cleaned()) == []


@pytest.mark.parametrize(
    ("column", "field"),
    [
        (ChildCardCase.__table__.c.child_name, "child.fullName"),
        (ChildCardCase.__table__.c.book_number, "bookNumber"),
        (ChildCardCase.__table__.c.record_number, "recordNumber"),
        (ChildCardCase.__table__.c.facility_code, "facilityCode"),
        (Person.__table__.c.full_name, "mother.fullName"),
        (Person.__table__.c.personal_id_number, "child.personalIdNumber"),
        (Person.__table__.c.address, "mother.address"),
    ],
)
def test_a_limit_is_no_wider_than_the_column_its_value_goes_to(column, field):
    assert FIELD_LIMITS[field].length <= column.type.length


@pytest.mark.parametrize("name", sorted(FIELD_LIMITS))
def test_each_field_takes_its_limit_and_refuses_one_more(name):
    limit = FIELD_LIMITS[name]
    char = "A" if limit.chars is Chars.CODE else "7" if limit.chars is Chars.DIGITS else "a"
    assert problems(changed(name, char * limit.length)) == []
    assert problems(changed(name, char * (limit.length + 1))) == [("FIELD_TOO_LONG", name)]


@pytest.mark.parametrize("name", sorted(FIELD_LIMITS))
def test_a_blank_field_is_refused_only_when_required(name):
    expected = [("FIELD_BLANK", name)] if FIELD_LIMITS[name].required else []
    assert problems(changed(name, " \u200b ")) == expected


def test_what_cleaning_removes_does_not_count_towards_the_length():
    name = "A\u200b" * 200 + "   "  # 200 letters once cleaned
    assert problems(changed("child.fullName", name)) == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("child.fullName", "An\x01"),
        ("child.fullName", "An@Bình"),
        ("child.fullName", "An\ue000"),
        ("child.placeOfBirth", "Bệnh viện\nĐà Nẵng"),
        ("bookNumber", "01\x00"),
        ("facilityCode", "48-01"),
        ("registryOfficeCode", "2024\u0662"),  # an Arabic-Indic digit is no ASCII digit
        ("mother.personalIdNumber", "04819400012A"),
        ("child.nationality", "V\x7f"),
    ],
)
def test_characters_outside_a_field_are_refused(name, value):
    assert problems(changed(name, value)) == [("FIELD_CHARACTERS", name)]


def test_a_name_takes_letters_marks_and_its_punctuation():
    assert problems(changed("child.fullName", "H'Hen Niê-Êban Jr. O’Neil 2")) == []


def test_a_code_is_taken_in_capitals():
    cleaned = changed("facilityCode", "ab001")
    assert cleaned.facility_code == "AB001" and problems(cleaned) == []


def test_a_reason_names_the_first_refused_characters_only():
    controls = "".join(chr(c) for c in range(1, 10))
    (error,) = field_errors(changed("bookNumber", f"01{controls}"))
    assert "U+0001" in error.message and f"U+{REPORTED_CHARACTERS + 1:04X}" not in error.message
    assert "…" in error.message and len(error.message) < 300


def test_every_field_is_checked_with_one_reason_each():
    record = dataclasses.replace(
        GOOD, child=dataclasses.replace(GOOD.child, full_name="x" * 201), book_number="", record_number="\x1b"
    ).cleaned()
    assert sorted(problems(record)) == [
        ("FIELD_BLANK", "bookNumber"),
        ("FIELD_CHARACTERS", "recordNumber"),
        ("FIELD_TOO_LONG", "child.fullName"),
    ]


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(sorted(FIELD_LIMITS)),
    value=st.one_of(
        st.text(max_size=30),
        st.text(alphabet="AZaz09 -'.\u1ec7\u0301\u200b\x00", max_size=260),
        st.sampled_from(["", " ", "A" * 200, "A" * 201, "7" * 12, "Nguyễn Văn An", "ǅ", "\u0301"]),
    ),
)
def test_the_quick_pass_of_a_field_agrees_with_its_full_check(name, value):
    """A value most fields hold is passed in one step (`_passes`); what it passes, the full check finds nothing in."""
    cleaned = clean_field(name, value)
    if cleaned is None:  # an optional field left blank: not checked
        assert not FIELD_LIMITS[name].required and problems(changed(name, value)) == []
        return
    expected = _field_problem(name, cleaned, FIELD_LIMITS[name])
    if _passes(name, cleaned):
        assert expected is None
    assert problems(changed(name, value)) == ([] if expected is None else [(expected.code, expected.field)])
