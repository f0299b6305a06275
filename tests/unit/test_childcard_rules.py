import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.childcards.rules import (
    GuardianRole,
    add_months,
    card_number,
    card_validity,
    default_guardian,
    is_under_six,
    turns_six,
)


@pytest.mark.parametrize(
    ("born", "valid_to"),
    [
        (dt.date(2020, 3, 10), dt.date(2026, 9, 30)),  # turns 6 before the school year: to 30 September
        (dt.date(2020, 9, 30), dt.date(2026, 9, 30)),  # on 30 September itself
        (dt.date(2020, 10, 1), dt.date(2026, 10, 1)),  # after it: to the 72-month day
        (dt.date(2020, 11, 5), dt.date(2026, 11, 5)),
        (dt.date(2020, 2, 29), dt.date(2026, 9, 30)),
    ],
)
def test_validity_by_the_72_month_and_30_september_rule(born, valid_to):
    assert card_validity(born) == (born, valid_to)


def test_months_clamp_to_the_end_of_shorter_months():
    assert add_months(dt.date(2020, 1, 31), 1) == dt.date(2020, 2, 29)
    assert add_months(dt.date(2020, 2, 29), 72) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2019, 12, 15), 1) == dt.date(2020, 1, 15)


def test_under_six_is_judged_on_the_registration_day():
    born = dt.date(2020, 5, 1)
    assert turns_six(born) == dt.date(2026, 5, 1)
    assert is_under_six(born, dt.date(2026, 4, 30))
    assert not is_under_six(born, dt.date(2026, 5, 1))


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_validity_never_ends_before_the_sixth_birthday_nor_after_30_september_of_that_year(born):
    valid_from, valid_to = card_validity(born)
    six = turns_six(born)
    assert valid_from == born and valid_to >= six
    assert valid_to == six or valid_to == dt.date(six.year, 9, 30)


def test_card_number_format():
    assert card_number("48", "4812345678") == "TE1484812345678"
    with pytest.raises(ValueError):
        card_number("48", "123")


def test_default_guardian():
    assert default_guardian(has_father=True, has_mother=True) is GuardianRole.FATHER
    assert default_guardian(has_father=False, has_mother=True) is GuardianRole.MOTHER
    assert default_guardian(has_father=True, has_mother=False) is GuardianRole.FATHER
    assert default_guardian(has_father=False, has_mother=False) is GuardianRole.REGISTRANT
