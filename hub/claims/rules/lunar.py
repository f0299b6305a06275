"""The Vietnamese lunar calendar (âm lịch), computed astronomically for UTC+7.

This is Hồ Ngọc Đức's public algorithm: new moons from Meeus' series, the winter-solstice month (month 11) found by
the sun's longitude, and the leap month as the first month without a major solar term. Vietnam uses UTC+7, which
is why some years (1985, 2007) differ from the Chinese calendar (UTC+8).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

VIETNAM_UTC_OFFSET_HOURS = 7.0
_SYNODIC_MONTH = 29.530588853
_JDN_OF_ORDINAL_ZERO = 1721425  # Julian day number of date.fromordinal(1) minus one
_NEW_MOON_EPOCH = 2415021.076998695  # the new moon of 1900-01-01, Julian day


@dataclass(frozen=True, order=True)
class LunarDate:
    """A date of the lunar calendar; `leap` marks the intercalary copy of `month`."""

    year: int
    month: int
    day: int
    leap: bool = False


def _jdn(day: dt.date) -> int:
    return day.toordinal() + _JDN_OF_ORDINAL_ZERO


def _date(jdn: int) -> dt.date:
    return dt.date.fromordinal(jdn - _JDN_OF_ORDINAL_ZERO)


def _new_moon(k: int) -> float:
    """Julian day (UT) of the k-th new moon after 1900-01-01 (Meeus, Astronomical Algorithms)."""
    t = k / 1236.85
    t2, t3 = t * t, t * t * t
    dr = math.pi / 180
    jd1 = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
    jd1 += 0.00033 * math.sin((166.56 + 132.87 * t - 0.009173 * t2) * dr)
    m = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3
    mpr = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3
    f = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3
    c1 = (0.1734 - 0.000393 * t) * math.sin(m * dr) + 0.0021 * math.sin(2 * dr * m)
    c1 += -0.4068 * math.sin(mpr * dr) + 0.0161 * math.sin(dr * 2 * mpr)
    c1 -= 0.0004 * math.sin(dr * 3 * mpr)
    c1 += 0.0104 * math.sin(dr * 2 * f) - 0.0051 * math.sin(dr * (m + mpr))
    c1 += -0.0074 * math.sin(dr * (m - mpr)) + 0.0004 * math.sin(dr * (2 * f + m))
    c1 += -0.0004 * math.sin(dr * (2 * f - m)) - 0.0006 * math.sin(dr * (2 * f + mpr))
    c1 += 0.0010 * math.sin(dr * (2 * f - mpr)) + 0.0005 * math.sin(dr * (2 * mpr + m))
    if t < -11:
        delta_t = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    else:
        delta_t = -0.000278 + 0.000265 * t + 0.000262 * t2
    return jd1 + c1 - delta_t


def _sun_longitude(jd: float) -> float:
    """The sun's apparent longitude in radians, in [0, 2π), at Julian day `jd` (UT)."""
    t = (jd - 2451545.0) / 36525
    t2 = t * t
    dr = math.pi / 180
    m = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2
    l0 = 280.46645 + 36000.76983 * t + 0.0003032 * t2
    dl = (1.914600 - 0.004817 * t - 0.000014 * t2) * math.sin(dr * m)
    dl += (0.019993 - 0.000101 * t) * math.sin(dr * 2 * m) + 0.000290 * math.sin(dr * 3 * m)
    longitude = (l0 + dl) * dr
    return longitude - 2 * math.pi * math.floor(longitude / (2 * math.pi))


def _new_moon_day(k: int, tz: float) -> int:
    """Julian day number of the local calendar day holding the k-th new moon."""
    return math.floor(_new_moon(k) + 0.5 + tz / 24)


def _solar_term(jdn: int, tz: float) -> int:
    """Which of the 12 major solar terms (30° sectors of the sun's longitude) the local day starts in."""
    return math.floor(_sun_longitude(jdn - 0.5 - tz / 24) / math.pi * 6)


def _month_11(year: int, tz: float) -> int:
    """Julian day number of the first day of lunar month 11 (the month holding the winter solstice) of `year`."""
    offset = _jdn(dt.date(year, 12, 31)) - 2415021
    k = math.floor(offset / _SYNODIC_MONTH)
    new_moon = _new_moon_day(k, tz)
    if _solar_term(new_moon, tz) >= 9:
        new_moon = _new_moon_day(k - 1, tz)
    return new_moon


def _leap_month_offset(month_11: int, tz: float) -> int:
    """In a 13-month year starting at `month_11`, how many months after it the leap month comes."""
    k = math.floor((month_11 - _NEW_MOON_EPOCH) / _SYNODIC_MONTH + 0.5)
    i = 1
    arc = _solar_term(_new_moon_day(k + i, tz), tz)
    while True:
        last = arc
        i += 1
        arc = _solar_term(_new_moon_day(k + i, tz), tz)
        if arc == last or i >= 14:
            return i - 1


def to_lunar(day: dt.date, tz: float = VIETNAM_UTC_OFFSET_HOURS) -> LunarDate:
    """The lunar date of a Gregorian date."""
    day_number = _jdn(day)
    k = math.floor((day_number - _NEW_MOON_EPOCH) / _SYNODIC_MONTH)
    month_start = _new_moon_day(k + 1, tz)
    if month_start > day_number:
        month_start = _new_moon_day(k, tz)
    a11 = _month_11(day.year, tz)
    b11 = a11
    if a11 >= month_start:
        year = day.year
        a11 = _month_11(day.year - 1, tz)
    else:
        year = day.year + 1
        b11 = _month_11(day.year + 1, tz)
    lunar_day = day_number - month_start + 1
    diff = math.floor((month_start - a11) / 29)
    leap = False
    month = diff + 11
    if b11 - a11 > 365:
        leap_diff = _leap_month_offset(a11, tz)
        if diff >= leap_diff:
            month = diff + 10
            leap = diff == leap_diff
    if month > 12:
        month -= 12
    if month >= 11 and diff < 4:
        year -= 1
    return LunarDate(year, month, lunar_day, leap)


def from_lunar(lunar: LunarDate, tz: float = VIETNAM_UTC_OFFSET_HOURS) -> dt.date:
    """The Gregorian date of a lunar date; ValueError for a leap month the year does not have."""
    if not 1 <= lunar.month <= 12 or not 1 <= lunar.day <= 30:
        raise ValueError(f"not a lunar date: {lunar}")
    if lunar.month < 11:
        a11, b11 = _month_11(lunar.year - 1, tz), _month_11(lunar.year, tz)
    else:
        a11, b11 = _month_11(lunar.year, tz), _month_11(lunar.year + 1, tz)
    k = math.floor(0.5 + (a11 - _NEW_MOON_EPOCH) / _SYNODIC_MONTH)
    offset = (lunar.month - 11) % 12
    if b11 - a11 > 365:
        leap_offset = _leap_month_offset(a11, tz)
        leap_month = (leap_offset - 2) % 12
        if lunar.leap and lunar.month != leap_month:
            raise ValueError(f"lunar year {lunar.year} has no leap month {lunar.month}")
        if lunar.leap or offset >= leap_offset:
            offset += 1
    elif lunar.leap:
        raise ValueError(f"lunar year {lunar.year} has no leap month")
    return _date(_new_moon_day(k + offset, tz) + lunar.day - 1)


def lunar_new_year(year: int) -> dt.date:
    """Tết Nguyên Đán: the first day of the first lunar month of lunar year `year`."""
    return from_lunar(LunarDate(year, 1, 1))
