"""Employers and contribution histories: who paid social insurance for whom, when, on what monthly salary, and
whether as heavy or hazardous work, kept as runs of months so that a million histories fit in memory."""

from __future__ import annotations

import datetime as dt
import enum
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import exp

from devkit.synthetic.dates import Months, month_index
from devkit.synthetic.geography import Commune, Geography, WageRegion
from devkit.synthetic.identifiers import TaxCodeIssuer
from devkit.synthetic.names import nfc
from devkit.synthetic.sampling import Weighted, uniform_choice
from hub.persons.models import Gender


class Sector(enum.StrEnum):
    MANUFACTURING = "manufacturing"
    TRADE_SERVICES = "trade_services"
    CONSTRUCTION = "construction"
    PUBLIC_ADMINISTRATION = "public_administration"
    EDUCATION = "education"
    HEALTH = "health"
    TRANSPORT = "transport"
    AGRICULTURE = "agriculture"
    MINING = "mining"
    FINANCE = "finance"


class ContributionKind(enum.StrEnum):
    NORMAL = "normal"
    HEAVY_HAZARDOUS = "heavy_hazardous"  # nặng nhọc, độc hại: longer sick leave, earlier retirement
    VOLUNTARY = "voluntary"  # BHXH tự nguyện: no employer, no sickness benefit


@dataclass(frozen=True, slots=True)
class Employer:
    """An employer (đơn vị sử dụng lao động) with its 10-digit tax code (mã số thuế)."""

    tax_code: str
    name: str
    province_code: str
    commune_code: str
    sector: Sector
    heavy_work_share: float  # share of its workers in heavy or hazardous jobs
    employees: int


@dataclass(frozen=True, slots=True)
class ContributionPeriod:
    """Consecutive months paid at one salary: `months` months from the month starting on `start`."""

    employer: Employer | None  # None for voluntary contributions
    start: dt.date  # first day of the first month
    months: int
    monthly_salary: int  # VND: the contribution salary, or the declared income of a voluntary contributor
    kind: ContributionKind

    @property
    def first_month(self) -> int:
        return month_index(self.start.year, self.start.month)

    @property
    def last_month(self) -> int:
        return self.first_month + self.months - 1

    @property
    def end(self) -> dt.date:
        """First day of the last month paid."""
        year, month0 = divmod(self.last_month, 12)
        return dt.date(year, month0 + 1, 1)

    def covers(self, year: int, month: int) -> bool:
        return self.first_month <= month_index(year, month) <= self.last_month


def salary_in(periods: Sequence[ContributionPeriod], year: int, month: int) -> int:
    """Total contribution salary for a month (0 when nothing was paid); two employers at once add up."""
    return sum(p.monthly_salary for p in periods if p.covers(year, month) and p.kind is not ContributionKind.VOLUNTARY)


# Regional minimum monthly wages (VND; regions I, II, III, IV) from the date each decree took effect.
MINIMUM_WAGES: tuple[tuple[dt.date, tuple[int, int, int, int]], ...] = (
    (dt.date(2013, 1, 1), (2_350_000, 2_100_000, 1_800_000, 1_650_000)),  # NĐ 103/2012
    (dt.date(2014, 1, 1), (2_700_000, 2_400_000, 2_100_000, 1_900_000)),  # NĐ 182/2013
    (dt.date(2015, 1, 1), (3_100_000, 2_750_000, 2_400_000, 2_150_000)),  # NĐ 103/2014
    (dt.date(2016, 1, 1), (3_500_000, 3_100_000, 2_700_000, 2_400_000)),  # NĐ 122/2015
    (dt.date(2017, 1, 1), (3_750_000, 3_320_000, 2_900_000, 2_580_000)),  # NĐ 153/2016
    (dt.date(2018, 1, 1), (3_980_000, 3_530_000, 3_090_000, 2_760_000)),  # NĐ 141/2017
    (dt.date(2019, 1, 1), (4_180_000, 3_710_000, 3_250_000, 2_920_000)),  # NĐ 157/2018
    (dt.date(2020, 1, 1), (4_420_000, 3_920_000, 3_430_000, 3_070_000)),  # NĐ 90/2019
    (dt.date(2022, 7, 1), (4_680_000, 4_160_000, 3_640_000, 3_250_000)),  # NĐ 38/2022
    (dt.date(2024, 7, 1), (4_960_000, 4_410_000, 3_860_000, 3_450_000)),  # NĐ 74/2024
    (dt.date(2026, 1, 1), (5_310_000, 4_730_000, 4_140_000, 3_700_000)),  # NĐ 293/2025 [to confirm]
)
# Base salary (lương cơ sở); compulsory contributions are capped at 20 times it.
BASE_SALARIES: tuple[tuple[dt.date, int], ...] = (
    (dt.date(2013, 7, 1), 1_150_000),
    (dt.date(2016, 5, 1), 1_210_000),
    (dt.date(2017, 7, 1), 1_300_000),
    (dt.date(2018, 7, 1), 1_390_000),
    (dt.date(2019, 7, 1), 1_490_000),
    (dt.date(2023, 7, 1), 1_800_000),
    (dt.date(2024, 7, 1), 2_340_000),
)
CONTRIBUTION_CAP_MULTIPLE = 20
# Floor of a voluntary contributor's declared income: the rural poverty line (NĐ 07/2021 from 2022).
VOLUNTARY_FLOOR: tuple[tuple[dt.date, int], ...] = ((dt.date(2018, 1, 1), 700_000), (dt.date(2022, 1, 1), 1_500_000))

# Social insurance as it is recorded today starts with the 1995 system.
FIRST_CONTRIBUTION_YEAR = 1995
# Median contribution salary in 2024 and its spread (log scale): most fall between 5 and 30 million.
MEDIAN_SALARY_2024 = 8_500_000
SALARY_SIGMA = 0.5
_WAGE_GROWTH = 1.07  # nominal, a year
# Retirement age in months, as reached in 2025 (BLLĐ 2019 Art 169: rising to 62 for men, 60 for women).
_RETIREMENT_MONTHS = {Gender.MALE: 61 * 12 + 3, Gender.FEMALE: 56 * 12 + 8}

# fmt: off
_SECTOR_SHARES = {
    Sector.MANUFACTURING: 35, Sector.TRADE_SERVICES: 25, Sector.CONSTRUCTION: 10, Sector.PUBLIC_ADMINISTRATION: 7,
    Sector.EDUCATION: 8, Sector.HEALTH: 4, Sector.TRANSPORT: 4, Sector.AGRICULTURE: 3, Sector.MINING: 1,
    Sector.FINANCE: 3,
}
_HEAVY_SHARE = {
    Sector.MINING: 0.7, Sector.CONSTRUCTION: 0.35, Sector.TRANSPORT: 0.2, Sector.MANUFACTURING: 0.15,
    Sector.AGRICULTURE: 0.1, Sector.HEALTH: 0.1,
}
_BRANDS = tuple(
    nfc(w)
    for w in (
        "Hưng Thịnh", "An Phát", "Thành Công", "Việt Á", "Hòa Bình", "Phú Thái", "Minh Long", "Đại Dương",
        "Sao Việt", "Trường Sơn", "Hoàng Gia", "Tân Tiến", "Phương Đông", "Nam Việt", "Bắc Hà", "Kim Long",
        "Thiên Phú", "Đông Á", "Toàn Cầu", "Vạn Xuân", "Hải Âu", "Hồng Hà", "Sông Đà", "Tràng An", "Lạc Hồng",
        "Mê Kông", "Cửu Long", "Bình Minh", "Ánh Dương", "Phúc Lộc", "Thăng Long", "Gia Định", "Tây Nguyên",
        "Hùng Vương", "Sài Gòn",
    )
)
_TRADES = {
    Sector.MANUFACTURING: ("May mặc", "Cơ khí", "Điện tử", "Thực phẩm", "Nhựa", "Giày da", "Gỗ", "Bao bì", "Dệt"),
    Sector.TRADE_SERVICES: ("Thương mại Dịch vụ", "Thương mại", "Dịch vụ", "Du lịch", "Khách sạn"),
    Sector.CONSTRUCTION: ("Xây dựng", "Đầu tư Xây dựng", "Xây lắp"),
    Sector.TRANSPORT: ("Vận tải", "Logistics", "Vận tải Biển"),
    Sector.AGRICULTURE: ("Nông sản", "Thủy sản", "Chăn nuôi"),
    Sector.MINING: ("Khoáng sản", "Than", "Đá"),
    Sector.FINANCE: ("Tài chính", "Bảo hiểm", "Chứng khoán"),
    Sector.HEALTH: ("Bệnh viện", "Dược phẩm", "Thiết bị Y tế"),
}
# fmt: on
_FORMS = ("Công ty TNHH", "Công ty Cổ phần", "Công ty TNHH MTV")


def generate_employers(rng: random.Random, geo: Geography, count: int) -> tuple[Employer, ...]:
    """`count` employers spread over the communes by population, with unique tax codes."""
    taxes = TaxCodeIssuer(rng)
    sectors = Weighted(_SECTOR_SHARES.items())
    uniform = rng.random
    employers = []
    seen: dict[str, int] = {}
    for _ in range(count):
        commune = geo.commune_choice.pick(uniform)
        sector = sectors.pick(uniform)
        name = _employer_name(sector, commune, uniform)
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:  # "Trường Tiểu học Phong Thái số 2", as real second schools are named
            name = f"{name} số {seen[name]}"
        # Pareto-like sizes: many small firms, a few large ones.
        employees = min(20_000, int(5 / (1.0 - uniform()) ** 0.9))
        heavy_share = _HEAVY_SHARE.get(sector, 0.01) * (0.5 + uniform())
        employers.append(
            Employer(taxes.issue(), name, commune.province_code, commune.code, sector, heavy_share, employees)
        )
    return tuple(employers)


def _employer_name(sector: Sector, commune: Commune, uniform: Callable[[], float]) -> str:
    place = commune.name.split(" ", 1)[1]
    if sector is Sector.PUBLIC_ADMINISTRATION:
        return f"Ủy ban nhân dân {commune.name[0].lower()}{commune.name[1:]}"
    if sector is Sector.EDUCATION:
        school = uniform_choice(("Trường Mầm non", "Trường Tiểu học", "Trường THCS", "Trường THPT"), uniform)
        return f"{school} {place}"
    trade = uniform_choice(_TRADES[sector], uniform)
    return nfc(f"{uniform_choice(_FORMS, uniform)} {trade} {uniform_choice(_BRANDS, uniform)}")


class CareerMaker:
    """Builds contribution histories; month tables are precomputed so that a history costs about ten microseconds."""

    def __init__(self, rng: random.Random, employers: Sequence[Employer], geo: Geography, as_of: dt.date) -> None:
        self._rng = rng
        self._last_month = month_index(as_of.year, as_of.month) - 1  # the last month fully paid
        self._first_month = month_index(FIRST_CONTRIBUTION_YEAR, 1)
        self._months = Months(FIRST_CONTRIBUTION_YEAR, as_of.year)
        months = range(self._first_month, self._last_month + 1)
        self._floors = {region: [_minimum_wage(region, m) for m in months] for region in WageRegion}
        self._caps = [_base_salary(m) * CONTRIBUTION_CAP_MULTIPLE for m in months]
        self._voluntary_floors = [_voluntary_floor(m) for m in months]
        last_year = as_of.year
        self._index = {year: _WAGE_GROWTH ** (year - 2024) for year in range(FIRST_CONTRIBUTION_YEAR, last_year + 1)}
        self._national = Weighted((e, float(e.employees)) for e in employers)
        by_province: dict[str, list[Employer]] = {}
        for employer in employers:
            by_province.setdefault(employer.province_code, []).append(employer)
        self._local = {code: Weighted((e, float(e.employees)) for e in found) for code, found in by_province.items()}
        self._kinds = (ContributionKind.NORMAL, ContributionKind.HEAVY_HAZARDOUS)

    def compulsory(self, birth: dt.date, gender: Gender, commune: Commune) -> tuple[ContributionPeriod, ...]:
        """Jobs from the late teens or twenties until now or retirement, with raises and changes of employer."""
        uniform = self._rng.random
        birth_month = month_index(birth.year, birth.month)
        start = max(birth_month + 18 * 12 + 1 + int(uniform() * uniform() * 96), self._first_month)
        end = min(self._last_month, birth_month + _RETIREMENT_MONTHS[gender] - 1)
        if start > end:
            return ()
        level = MEDIAN_SALARY_2024 * exp(self._rng.gauss(0.0, SALARY_SIGMA))
        floors = self._floors[commune.wage_region]
        caps, index, months, first = self._caps, self._index, self._months, self._first_month
        local = self._local.get(commune.province_code, self._national)
        periods: list[ContributionPeriod] = []
        month = start
        while month <= end:
            employer = local.pick(uniform) if uniform() < 0.85 else self._national.pick(uniform)
            kind = self._kinds[uniform() < employer.heavy_work_share]
            job_end = min(month + 6 + int(uniform() ** 1.5 * 150), end)
            while month <= job_end:
                step_end = min(month + 23 + int(uniform() * 36), job_end)
                offset = month - first
                salary = min(max(level * index[month // 12], floors[offset]), caps[offset])
                periods.append(
                    ContributionPeriod(
                        employer, months[month], step_end - month + 1, (int(salary) + 500) // 1000 * 1000, kind
                    )
                )
                month = step_end + 1
                level *= 1.0 + uniform() * 0.06  # seniority, on top of the general wage growth
            if uniform() < 0.12:  # leaves salaried work for good (own business, farm, abroad)
                break
            if uniform() < 0.4:
                month += 1 + int(uniform() * 18)
        return tuple(periods)

    def voluntary(self, birth: dt.date) -> tuple[ContributionPeriod, ...]:
        """A voluntary contributor (BHXH tự nguyện): some years of declared income, raised now and then."""
        uniform = self._rng.random
        birth_month = month_index(birth.year, birth.month)
        start = max(birth_month + 20 * 12 + 1, self._last_month - int(uniform() * 180), self._first_month + 23 * 12)
        if start > self._last_month:
            return ()
        periods: list[ContributionPeriod] = []
        income = 1_500_000 * (1.0 + uniform() * uniform() * 3.0)
        month = start
        while month <= self._last_month:
            step_end = min(month + 11 + int(uniform() * 36), self._last_month)
            declared = max(income, self._voluntary_floors[month - self._first_month])
            periods.append(
                ContributionPeriod(
                    None,
                    self._months[month],
                    step_end - month + 1,
                    (int(declared) + 500) // 1000 * 1000,
                    ContributionKind.VOLUNTARY,
                )
            )
            month = step_end + 1
            income *= 1.0 + uniform() * 0.2
        return tuple(periods)


def _effective(table: Sequence[tuple[dt.date, object]], month: int) -> int:
    """Index of the table row in force in `month` (−1 before the first)."""
    found = -1
    for i, (since, _) in enumerate(table):
        if month_index(since.year, since.month) <= month:
            found = i
    return found


def _minimum_wage(region: WageRegion, month: int) -> int:
    row = _effective(MINIMUM_WAGES, month)
    if row >= 0:
        return MINIMUM_WAGES[row][1][region - 1]
    # Before 2013: the 2013 level deflated by the general wage growth (a rough stand-in for the older decrees).
    first = MINIMUM_WAGES[0][1][region - 1]
    years = MINIMUM_WAGES[0][0].year - month // 12
    return int(first / _WAGE_GROWTH**years) // 1000 * 1000


def _base_salary(month: int) -> int:
    row = _effective(BASE_SALARIES, month)
    if row >= 0:
        return BASE_SALARIES[row][1]
    years = BASE_SALARIES[0][0].year - month // 12
    return int(BASE_SALARIES[0][1] / _WAGE_GROWTH**years) // 1000 * 1000


def _voluntary_floor(month: int) -> int:
    row = _effective(VOLUNTARY_FLOOR, month)
    return VOLUNTARY_FLOOR[max(row, 0)][1]
