"""How figures appear in explanation lines and messages: English/neutral `8,000,000` and `6.5` and ISO dates;
Vietnamese `8.000.000`, `6,5` and `05/02/2024`."""

from __future__ import annotations

import re
from decimal import Decimal
from fractions import Fraction

_NUMBER = re.compile(r"(?<![\d/.,-])(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+)(?![\d/])")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DECIMALS_SHOWN = 4
_TO_VIETNAMESE = str.maketrans(",.", ".,")


def vnd(amount: Fraction | int) -> str:
    """A money figure with thousands separated by commas; a non-whole figure to 4 decimals, `≈` if cut short."""
    value = Fraction(amount)
    shown = round(Decimal(value.numerator) / Decimal(value.denominator), _DECIMALS_SHOWN).normalize()
    text = f"{shown:,f}"
    return text if Fraction(shown) == value else f"≈{text}"


def days(value: Decimal | int) -> str:
    """A count of days, `6.5` for six and a half."""
    return format(Decimal(value).normalize(), "f")


def _vietnamese_number(match: re.Match[str]) -> str:
    return match.group(1).translate(_TO_VIETNAMESE)


def localise_vi(text: str) -> str:
    """Vietnamese conventions in a Vietnamese text: `8,000,000.5` → `8.000.000,5`, `2024-02-05` → `05/02/2024`."""
    return _ISO_DATE.sub(r"\3/\2/\1", _NUMBER.sub(_vietnamese_number, text))
