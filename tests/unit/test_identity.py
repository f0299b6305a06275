import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.catalogs.adminunits import Era, UnitLevel, admin_catalog
from hub.persons.id_numbers import (
    IdNumberIssue,
    InvalidPersonalId,
    check_personal_id,
    compose_personal_id,
    decode_personal_id,
    issue_messages,
    legacy_province_table,
)
from hub.persons.models import Gender

SEED_NUMBER = "001219011644"  # seed 004_969046bbdd0645ae.txt: Hà Nội, male, born 2019
SMALL_TABLE = {"01": "Hà Nội", "48": "Đà Nẵng"}

LEGACY_CODES = sorted(legacy_province_table())


def test_province_table_is_the_63_legacy_provinces_of_the_catalog():
    legacy = admin_catalog().units(UnitLevel.PROVINCE, Era.LEGACY)
    assert dict(legacy_province_table()) == {unit.code: unit.name for unit in legacy}
    assert len(legacy_province_table()) == 63


def test_seed_number_decodes_as_hanoi_male_2019():
    info = decode_personal_id(SEED_NUMBER)
    assert info.number == SEED_NUMBER
    assert info.province_code == "001"
    assert info.legacy_province_code == "01"
    assert "Hà Nội" in info.province_name
    assert info.gender is Gender.MALE
    assert info.birth_year == 2019
    assert info.century_digit == 2
    assert info.serial == "011644"


def test_seed_number_against_a_girl_born_2020_reports_gender_and_year_both():
    # Given a record of a girl born in 2020 carrying the number of a boy born in 2019
    # When the number is checked against it
    check = check_personal_id(SEED_NUMBER, date_of_birth=dt.date(2020, 5, 1), gender=Gender.FEMALE)
    # Then both disagreements come back, with the values in the messages
    assert set(check.codes) == {IdNumberIssue.GENDER_MISMATCH, IdNumberIssue.BIRTH_YEAR_MISMATCH}
    assert not check.ok
    assert check.info is not None and check.info.birth_year == 2019
    year = next(p for p in check.issues if p.code is IdNumberIssue.BIRTH_YEAR_MISMATCH)
    assert "born 2019" in year.message_en and "2020" in year.message_en
    assert "2019" in year.message_vi and "2020" in year.message_vi
    gender = next(p for p in check.issues if p.code is IdNumberIssue.GENDER_MISMATCH)
    assert "male" in gender.message_en and "female" in gender.message_en
    assert "nam" in gender.message_vi and "nữ" in gender.message_vi


def test_seed_number_against_its_own_record_has_no_issue():
    check = check_personal_id(
        SEED_NUMBER,
        date_of_birth=dt.date(2019, 3, 4),
        gender=Gender.MALE,
        registration_province_code="01",
        today=dt.date(2026, 11, 2),
    )
    assert check.ok
    assert check.codes == ()


@pytest.mark.parametrize(
    "number",
    [
        "",
        "00121901164",  # 11 digits
        "0012190116440",  # 13 digits
        "00121901164A",
        "001 219011644",
        " 001219011644",
        "001219011644\n",
        "00121901164０",  # fullwidth digit zero
        "00121901164٤",  # Arabic-Indic digit four
        "-01219011644",
    ],
)
def test_malformed_numbers(number):
    with pytest.raises(InvalidPersonalId) as raised:
        decode_personal_id(number)
    assert raised.value.code is IdNumberIssue.MALFORMED
    assert isinstance(raised.value, ValueError)
    check = check_personal_id(number, date_of_birth=dt.date(2020, 1, 1), gender=Gender.FEMALE)
    assert check.codes == (IdNumberIssue.MALFORMED,)
    assert check.info is None


def test_unknown_province():
    assert "03" not in legacy_province_table()
    with pytest.raises(InvalidPersonalId) as raised:
        decode_personal_id("003219011644")
    assert raised.value.code is IdNumberIssue.UNKNOWN_PROVINCE
    assert "003" in raised.value.problem.message_en


@pytest.mark.parametrize("number", ["100219011644", "999219011644"])
def test_codes_outside_the_legacy_provinces_do_not_decode(number):
    # Births registered abroad carry a country code in digits 1–3; no country table is kept yet.
    with pytest.raises(InvalidPersonalId) as raised:
        decode_personal_id(number)
    assert raised.value.code is IdNumberIssue.UNKNOWN_PROVINCE


def test_unknown_province_does_not_hide_the_other_disagreements():
    check = check_personal_id("003219011644", date_of_birth=dt.date(2020, 5, 1), gender=Gender.FEMALE)
    assert check.info is None
    assert set(check.codes) == {
        IdNumberIssue.UNKNOWN_PROVINCE,
        IdNumberIssue.BIRTH_YEAR_MISMATCH,
        IdNumberIssue.GENDER_MISMATCH,
    }


def test_an_injected_table_decides_which_provinces_exist():
    assert decode_personal_id("048219011644", provinces=SMALL_TABLE).province_name == "Đà Nẵng"
    with pytest.raises(InvalidPersonalId):
        decode_personal_id("079219011644", provinces=SMALL_TABLE)
    assert decode_personal_id("079219011644").legacy_province_code == "79"


@pytest.mark.parametrize(
    ("number", "born", "issues"),
    [
        ("001090123456", dt.date(1990, 6, 1), set()),  # 1900s male
        ("001190123456", dt.date(1990, 6, 1), set()),  # 1900s female, gender not checked
        ("001290123456", dt.date(1990, 6, 1), {IdNumberIssue.CENTURY_MISMATCH}),  # says 2090
        ("001005123456", dt.date(2005, 6, 1), {IdNumberIssue.CENTURY_MISMATCH}),  # says 1905
        ("001205123456", dt.date(2005, 6, 1), set()),
        ("001405123456", dt.date(2105, 6, 1), set()),  # 2100s male
        ("001505123456", dt.date(2105, 6, 1), set()),  # 2100s female
        ("001205123456", dt.date(2105, 6, 1), {IdNumberIssue.CENTURY_MISMATCH}),
        ("001219123456", dt.date(1985, 6, 1), {IdNumberIssue.CENTURY_MISMATCH, IdNumberIssue.BIRTH_YEAR_MISMATCH}),
    ],
)
def test_century_digit_against_date_of_birth(number, born, issues):
    assert set(check_personal_id(number, date_of_birth=born).codes) == issues


def test_century_message_names_the_century_and_the_recorded_year():
    (problem,) = check_personal_id("001290123456", date_of_birth=dt.date(1990, 6, 1)).issues
    assert "2000–2099" in problem.message_en and "1990" in problem.message_en


def test_registration_province_mismatch():
    check = check_personal_id(SEED_NUMBER, registration_province_code="48")
    assert check.codes == (IdNumberIssue.PROVINCE_MISMATCH,)
    (problem,) = check.issues
    assert "001" in problem.message_en and "Hà Nội" in problem.message_en
    assert "048" in problem.message_en and "Đà Nẵng" in problem.message_en
    assert check_personal_id(SEED_NUMBER, registration_province_code="01").ok


def test_registration_province_must_itself_be_a_legacy_code():
    with pytest.raises(ValueError, match="registration province"):
        check_personal_id(SEED_NUMBER, registration_province_code="001")


def test_birth_year_in_future():
    check = check_personal_id("001227011644", today=dt.date(2026, 11, 2))
    assert check.codes == (IdNumberIssue.BIRTH_YEAR_IN_FUTURE,)
    assert "2027" in check.issues[0].message_en and "02/11/2026" in check.issues[0].message_vi
    assert check_personal_id("001226011644", today=dt.date(2026, 1, 1)).ok


def test_every_issue_has_a_vietnamese_and_an_english_message():
    for issue in IdNumberIssue:
        vi, en = issue_messages(issue)
        assert vi and en and vi != en


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("03", Gender.MALE, 2019, 1), "province"),
        (("001", Gender.MALE, 2019, 1), "province"),
        (("01", Gender.MALE, 1899, 1), "birth year"),
        (("01", Gender.MALE, 2400, 1), "birth year"),
        (("01", Gender.MALE, 2019, -1), "serial"),
        (("01", Gender.MALE, 2019, 1_000_000), "serial"),
    ],
)
def test_compose_refuses_what_no_number_can_say(arguments, message):
    with pytest.raises(ValueError, match=message):
        compose_personal_id(*arguments)


def test_compose_builds_the_seed_number():
    assert compose_personal_id("01", Gender.MALE, 2019, 11644) == SEED_NUMBER
    assert compose_personal_id("96", Gender.FEMALE, 1900, 0) == "096100000000"
    assert compose_personal_id("48", Gender.FEMALE, 2399, 999_999) == "048999999999"


genders = st.sampled_from(list(Gender))
years = st.integers(min_value=1900, max_value=2399)
serials = st.integers(min_value=0, max_value=999_999)


@given(st.sampled_from(LEGACY_CODES), genders, years, serials)
def test_composed_numbers_decode_to_what_they_were_composed_from(province, gender, year, serial):
    number = compose_personal_id(province, gender, year, serial)
    info = decode_personal_id(number)
    assert (info.legacy_province_code, info.gender, info.birth_year) == (province, gender, year)
    assert info.province_code == "0" + province
    assert int(info.serial) == serial


@given(st.sampled_from(LEGACY_CODES), genders, years, serials, st.integers(min_value=1, max_value=365))
def test_composed_numbers_agree_with_their_own_record(province, gender, year, serial, day_of_year):
    number = compose_personal_id(province, gender, year, serial)
    born = dt.date(year, 1, 1) + dt.timedelta(days=day_of_year - 1)
    check = check_personal_id(
        number, date_of_birth=born, gender=gender, registration_province_code=province, today=dt.date(2399, 12, 31)
    )
    assert check.ok, check.codes


def _twelve_digits_with_one_replaced(digits: str, position: int, replacement: str) -> str:
    return digits[:position] + replacement + digits[position + 1 :]


not_ascii_digit = st.characters().filter(lambda c: c not in "0123456789")
near_misses = st.builds(
    _twelve_digits_with_one_replaced,
    st.text(alphabet="0123456789", min_size=12, max_size=12),
    st.integers(min_value=0, max_value=11),
    not_ascii_digit,
)
malformed = st.one_of(
    st.text(),
    st.text(alphabet="0123456789").filter(lambda s: len(s) != 12),
    near_misses,
    st.text(alphabet=st.characters(categories=["Nd"]), min_size=12, max_size=12),
).filter(lambda s: re.fullmatch(r"[0-9]{12}", s) is None)


@given(malformed)
def test_anything_but_twelve_ascii_digits_is_malformed(number):
    check = check_personal_id(number)
    assert check.codes == (IdNumberIssue.MALFORMED,)
    with pytest.raises(InvalidPersonalId) as raised:
        decode_personal_id(number)
    assert raised.value.code is IdNumberIssue.MALFORMED
