"""Issuers of unique identifiers for one generated population: personal identification numbers, social-insurance
codes (mã số BHXH) and employer tax codes (mã số thuế)."""

from __future__ import annotations

import random

from devkit.synthetic.sampling import SerialScrambler
from hub.persons.id_numbers import ProvinceTable, compose_personal_id, legacy_province_table
from hub.persons.models import Gender

PERSONAL_SERIALS = 1_000_000  # digits 7–12
BHXH_SERIALS = 100_000_000  # the 8 digits after the province code
TAX_BODY_SERIALS = 10_000_000  # digits 3–9 of a tax code

# Tax code check digit: TT 105/2020/TT-BTC Art 5 and Appendix 1 (as transcribed by several public validators):
# 10 − (Σ weight × digit of the first nine) mod 11; a body whose remainder is 0 has no valid check digit.
_TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


class PersonalIdIssuer:
    """Numbers unique within the population: one scrambled counter per province, gender and year of birth."""

    def __init__(self, rng: random.Random, provinces: ProvinceTable | None = None) -> None:
        self._rng = rng
        self._provinces = legacy_province_table() if provinces is None else provinces
        self._scramble = SerialScrambler(PERSONAL_SERIALS, rng)
        # prefix → (serials issued, the prefix's own offset), so that prefixes do not share a visible sequence
        self._issued: dict[tuple[str, Gender, int], tuple[int, int]] = {}

    def issue(self, province_code: str, gender: Gender, birth_year: int) -> str:
        key = (province_code, gender, birth_year)
        count, offset = self._issued.get(key) or (0, self._rng.randrange(PERSONAL_SERIALS))
        self._issued[key] = (count + 1, offset)
        serial = self._scramble(count, offset)
        return compose_personal_id(province_code, gender, birth_year, serial, provinces=self._provinces)


class BhxhCodeIssuer:
    """Social-insurance codes: 2-digit province code + 8 digits, unique within the population."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._scramble = SerialScrambler(BHXH_SERIALS, rng)
        self._issued: dict[str, tuple[int, int]] = {}

    def issue(self, province_code: str) -> str:
        count, offset = self._issued.get(province_code) or (0, self._rng.randrange(BHXH_SERIALS))
        self._issued[province_code] = (count + 1, offset)
        return f"{province_code}{self._scramble(count, offset):08d}"


def tax_check_digit(first_nine: str) -> int | None:
    """The tenth digit of a tax code, or None when these nine digits cannot start a valid code."""
    remainder = sum(weight * int(digit) for weight, digit in zip(_TAX_WEIGHTS, first_nine, strict=True)) % 11
    return None if remainder == 0 else 10 - remainder


class TaxCodeIssuer:
    """Ten-digit enterprise tax codes with a valid check digit, unique within the population.

    The first two digits are "0" and a digit chosen at random: codes issued before 2021 start with a province
    prefix of the tax administration (01 Hà Nội, 03 TP Hồ Chí Minh …), a table this package does not carry.
    """

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._scramble = SerialScrambler(TAX_BODY_SERIALS, rng)
        self._count = 0

    def issue(self) -> str:
        while True:
            first_nine = f"0{self._rng.randrange(10)}{self._scramble(self._count):07d}"
            self._count += 1
            check = tax_check_digit(first_nine)
            if check is not None:
                return f"{first_nine}{check}"
