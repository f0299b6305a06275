"""Generated families, streamed: parents and children with names, identification numbers, social-insurance codes,
addresses and contribution histories, deterministic from a seed."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, fields

from devkit.synthetic import ethnicities
from devkit.synthetic.dates import DEFAULT_AS_OF, Days, years_before
from devkit.synthetic.employment import CareerMaker, ContributionPeriod, Employer, generate_employers
from devkit.synthetic.ethnicities import Ethnicity
from devkit.synthetic.geography import Address, Commune, address_line, geography
from devkit.synthetic.identifiers import BhxhCodeIssuer, PersonalIdIssuer
from devkit.synthetic.names import NameMaker
from devkit.synthetic.sampling import Weighted
from hub.catalogs.adminunits import REFORM_DATE, AdminCatalog
from hub.persons.models import Gender

# Day counts chosen so that the age in whole years is right whatever the leap years: 18 years never exceed
# 6,575 days and 46 years never fall short of 16,801.
_MIN_MOTHER_AGE_DAYS = 6_576  # at least 18
_MAX_MOTHER_AGE_DAYS = 16_799  # at most 45
_DAYS_PER_YEAR = 365.2425


@dataclass(frozen=True, slots=True)
class Person:
    """One generated person. `number` is the position in the generated population: a stable key for linking."""

    number: int
    full_name: str
    family_name: str
    gender: Gender
    date_of_birth: dt.date
    ethnicity: Ethnicity
    # Số định danh cá nhân; None for a child without one yet (born abroad, or late from the population database).
    personal_id: str | None
    bhxh_code: str | None  # mã số BHXH, 10 digits; None when never insured, or a newborn not yet carded
    birth_province_code: str  # legacy 2-digit code of the province where the birth was registered
    address: Address
    contributions: tuple[ContributionPeriod, ...] = ()


@dataclass(frozen=True, slots=True)
class Birth:
    """A child's birth as the birth certificate and the birth registration describe it."""

    child: Person
    order: int  # 1 for the mother's first delivery
    plurality: int  # children born in this delivery (SO_CON): 2 for twins
    caesarean: bool
    under_32_weeks: bool
    registered_on: dt.date


@dataclass(frozen=True, slots=True)
class Family:
    """A household: the parents on record (either or both may be missing) and their children."""

    address: Address
    mother: Person | None
    father: Person | None
    births: tuple[Birth, ...]
    # Who registered the births when neither parent is on record (an abandoned child); otherwise a parent did.
    registrant: Person | None = None

    @property
    def children(self) -> tuple[Person, ...]:
        return tuple(birth.child for birth in self.births)

    @property
    def members(self) -> tuple[Person, ...]:
        adults = (p for p in (self.mother, self.father, self.registrant) if p is not None)
        return (*adults, *self.children)


@dataclass(frozen=True)
class PopulationConfig:
    """What the generated country looks like; the defaults follow national statistics where one is known."""

    as_of: dt.date = DEFAULT_AS_OF
    no_father_share: float = 0.05  # households with the father not on record
    no_mother_share: float = 0.003
    no_parent_share: float = 0.002  # abandoned children, registered by someone else
    twin_share: float = 0.015  # deliveries
    caesarean_share: float = 0.35
    under_32_weeks_share: float = 0.012
    twin_under_32_weeks_share: float = 0.1
    mother_surname_share: float = 0.01  # children given the mother's family name although the father is known
    no_personal_id_share: float = 0.03  # children under 6 without an identification number yet
    uncarded_days: int = 60  # children born this recently have no social-insurance code yet
    bhxh_code_share: float = 0.93  # of everyone else
    migrant_share: float = 0.2  # adults born in another province than the one they live in
    compulsory_share: float = 0.42  # adults who ever paid compulsory social insurance
    voluntary_share: float = 0.03
    male_birth_share: float = 0.53  # sex ratio at birth ≈ 112 boys per 100 girls
    employers_per_million: int = 5_000
    # Mothers' ages on `as_of` (weights of 5-year bands from 18): households are indexed by the mother.
    mother_age_bands: tuple[float, ...] = (5, 12, 14, 13, 11, 8, 7, 6, 5, 4, 3, 2, 1)
    # Completed family size by the mother's generation: (born before this year, weights of 0, 1, 2 … children).
    family_sizes: tuple[tuple[int, tuple[float, ...]], ...] = (
        (1965, (3, 5, 20, 30, 25, 12, 5)),
        (1980, (4, 10, 45, 30, 9, 2)),
        (10_000, (7, 25, 50, 15, 3)),
    )

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_share") and not 0.0 <= value <= 1.0:
                raise ValueError(f"{f.name} must be between 0 and 1, got {value}")
        if self.no_parent_share + self.no_father_share + self.no_mother_share > 1.0:
            raise ValueError("no_parent_share + no_father_share + no_mother_share must not exceed 1")
        if self.compulsory_share + self.voluntary_share > 1.0:
            raise ValueError("compulsory_share + voluntary_share must not exceed 1")


class PopulationGenerator:
    """Streams families (or people) of a generated country. Same seed and config, same output.

    Identifiers are unique across everything one generator yields, over any number of calls; two generators with
    different seeds may issue the same numbers.

        generator = PopulationGenerator(seed=1)
        for family in generator.families(1_000_000):  # or generator.people(n)
            ...  # write family.members in batches
    """

    def __init__(self, seed: int, config: PopulationConfig | None = None, *, catalog: AdminCatalog | None = None):
        self.config = cfg = config or PopulationConfig()
        self._rng = random.Random(seed)
        self._geo = geo = geography(catalog)
        self._as_of_ordinal = cfg.as_of.toordinal()
        self._days = Days(cfg.as_of)
        self._ethnicities = ethnicities.by_province(geo.province_weights)
        self._names = NameMaker(ethnicities.surname_group_shares())
        self._ids = PersonalIdIssuer(random.Random(f"ids:{seed}"))
        self._bhxh = BhxhCodeIssuer(random.Random(f"bhxh:{seed}"))
        employer_count = max(100, cfg.employers_per_million)
        self.employers: tuple[Employer, ...] = generate_employers(
            random.Random(f"employers:{seed}"), geo, employer_count
        )
        self._careers = CareerMaker(random.Random(f"careers:{seed}"), self.employers, geo, cfg.as_of)
        self._count = 0
        self._reform_ordinal = REFORM_DATE.toordinal()
        # Born after these days: under 6 (the child-card age), under 18 (no working life yet).
        self._under_6_after = years_before(cfg.as_of, 6).toordinal()
        self._minor_after = years_before(cfg.as_of, 18).toordinal()
        self._uncarded_ordinal = self._as_of_ordinal - cfg.uncarded_days
        self._mother_age = Weighted(
            (18 + 5 * band + year, weight / 5) for band, weight in enumerate(cfg.mother_age_bands) for year in range(5)
        )
        self._family_sizes = tuple((before, Weighted(enumerate(weights))) for before, weights in cfg.family_sizes)
        # Age at first delivery: most between 20 and 30.
        self._first_birth_age = Weighted(
            (age, w)
            for age, w in zip(
                range(18, 41), (2, 3, 5, 7, 9, 10, 10, 10, 9, 8, 7, 5, 4, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1), strict=False
            )
        )
        self._male_birth_share = cfg.male_birth_share

    # -- public -------------------------------------------------------------------------------------------

    def families(self, people: int) -> Iterator[Family]:
        """Families until at least `people` persons have been yielded (the last family is whole)."""
        target = self._count + people
        while self._count < target:
            yield self._family()

    def people(self, count: int) -> Iterator[Person]:
        """Exactly `count` persons, family by family (the last family may be cut short)."""
        left = count
        for family in self.families(count):
            for person in family.members:
                if left == 0:
                    return
                left -= 1
                yield person

    # -- one family -----------------------------------------------------------------------------------------

    def _family(self) -> Family:
        cfg = self.config
        uniform = self._rng.random
        commune = self._geo.commune_choice.pick(uniform)
        address = Address(address_line(commune, uniform), commune)
        ethnic_mix = self._ethnicities[commune.province_code]

        roll = uniform()
        if roll < cfg.no_parent_share:
            return self._abandoned(address, ethnic_mix)
        has_father = roll >= cfg.no_parent_share + cfg.no_father_share
        has_mother = not (has_father and roll < cfg.no_parent_share + cfg.no_father_share + cfg.no_mother_share)

        mother_ordinal = self._as_of_ordinal - int((self._mother_age.pick(uniform) + uniform()) * _DAYS_PER_YEAR)
        mother_ethnicity = ethnic_mix.pick(uniform)
        father_ethnicity = mother_ethnicity if uniform() < 0.9 else ethnic_mix.pick(uniform)
        births_at = self._birth_days(mother_ordinal)

        mother = father = None
        if has_mother:
            mother = self._adult(Gender.FEMALE, mother_ordinal, mother_ethnicity, address)
        if has_father:
            # Husbands are a few years older; an adult at his first child's birth, and today.
            father_ordinal = min(
                mother_ordinal - int((uniform() * 9 - 1) * _DAYS_PER_YEAR),
                (births_at[0][0] if births_at else self._as_of_ordinal) - _MIN_MOTHER_AGE_DAYS,
            )
            father = self._adult(Gender.MALE, father_ordinal, father_ethnicity, address)

        child_ethnicity = father_ethnicity if father is not None and uniform() < 0.8 else mother_ethnicity
        naming = child_ethnicity.naming
        if mother is None:
            family_name = father.family_name if father is not None else self._names.family_name(naming, uniform)
        elif father is None or naming.matrilineal or uniform() < cfg.mother_surname_share:
            family_name = mother.family_name
        else:
            family_name = father.family_name

        registration = commune.legacy_province_code
        births: list[Birth] = []
        for order, (day, plurality) in enumerate(births_at, start=1):
            caesarean = uniform() < cfg.caesarean_share
            preterm_share = cfg.twin_under_32_weeks_share if plurality > 1 else cfg.under_32_weeks_share
            under_32 = uniform() < preterm_share
            registered = self._days[min(day + int(uniform() * uniform() * 60), self._as_of_ordinal)]
            for _ in range(plurality):
                child = self._child(day, child_ethnicity, family_name, address, registration)
                births.append(Birth(child, order, plurality, caesarean, under_32, registered))
        return Family(address, mother, father, tuple(births))

    def _birth_days(self, mother_ordinal: int) -> list[tuple[int, int]]:
        """(day ordinal, children born) of each delivery, between the mother's 18th and 46th birthdays, not after
        `as_of`."""
        uniform = self._rng.random
        year = self._days[mother_ordinal].year
        sizes = next((sizes for before, sizes in self._family_sizes if year < before), self._family_sizes[-1][1])
        wanted = sizes.pick(uniform)
        deliveries: list[tuple[int, int]] = []
        age = int((self._first_birth_age.pick(uniform) + uniform()) * _DAYS_PER_YEAR)
        last_allowed = min(mother_ordinal + _MAX_MOTHER_AGE_DAYS, self._as_of_ordinal)
        while len(deliveries) < wanted:
            age = max(age, _MIN_MOTHER_AGE_DAYS)
            day = mother_ordinal + age
            if day > last_allowed:
                break
            twins = uniform() < self.config.twin_share
            deliveries.append((day, 2 if twins else 1))
            wanted -= twins  # twins count towards the family size
            age += 450 + int(uniform() * uniform() * 2500)
        return deliveries

    def _abandoned(self, address: Address, ethnic_mix: Weighted[Ethnicity]) -> Family:
        """A child with neither parent on record, registered by someone else (often a social-protection centre)."""
        uniform = self._rng.random
        registrant_ordinal = self._as_of_ordinal - int((25 + uniform() * 35) * _DAYS_PER_YEAR)
        gender = Gender.FEMALE if uniform() < 0.6 else Gender.MALE
        registrant = self._adult(gender, registrant_ordinal, ethnic_mix.pick(uniform), address)
        day = self._as_of_ordinal - int(uniform() * 18 * _DAYS_PER_YEAR)
        ethnicity = ethnic_mix.pick(uniform)
        family_name = self._names.family_name(ethnicity.naming, uniform)
        child = self._child(day, ethnicity, family_name, address, address.commune.legacy_province_code)
        registered = self._days[min(day + 7 + int(uniform() * 60), self._as_of_ordinal)]
        birth = Birth(child, 1, 1, False, False, registered)
        return Family(address, None, None, (birth,), registrant)

    # -- one person -----------------------------------------------------------------------------------------

    def _adult(self, gender: Gender, ordinal: int, ethnicity: Ethnicity, address: Address) -> Person:
        cfg = self.config
        uniform = self._rng.random
        born = self._days[ordinal]
        naming = ethnicity.naming
        family_name = self._names.family_name(naming, uniform)
        full_name = self._names.full_name(naming, gender, born.year, family_name, uniform)
        commune = address.commune
        province = (
            commune.legacy_province_code
            if uniform() >= cfg.migrant_share
            else self._geo.legacy_province_choice.pick(uniform)
        )
        contributions = self._contributions(born, gender, commune)
        bhxh = (
            self._bhxh.issue(commune.legacy_province_code) if contributions or uniform() < cfg.bhxh_code_share else None
        )
        self._count += 1
        return Person(
            self._count,
            full_name,
            family_name,
            gender,
            born,
            ethnicity,
            self._ids.issue(province, gender, born.year),
            bhxh,
            province,
            address,
            contributions,
        )

    def _child(self, ordinal: int, ethnicity: Ethnicity, family_name: str, address: Address, province: str) -> Person:
        cfg = self.config
        uniform = self._rng.random
        born = self._days[ordinal]
        gender = Gender.MALE if uniform() < self._male_birth_share else Gender.FEMALE
        full_name = self._names.full_name(ethnicity.naming, gender, born.year, family_name, uniform)
        commune = address.commune
        under_6 = ordinal > self._under_6_after
        personal_id = None
        if not under_6 or uniform() >= cfg.no_personal_id_share:
            personal_id = self._ids.issue(province, gender, born.year)
        if ordinal >= self._uncarded_ordinal:
            bhxh = None
        elif under_6 or uniform() < cfg.bhxh_code_share:
            # Codes issued since the merger carry the current province's code.
            bhxh_province = commune.province_code if ordinal >= self._reform_ordinal else province
            bhxh = self._bhxh.issue(bhxh_province)
        else:
            bhxh = None
        contributions: tuple[ContributionPeriod, ...] = ()
        if ordinal <= self._minor_after:  # a grown-up child
            contributions = self._contributions(born, gender, commune)
            if contributions and bhxh is None:
                bhxh = self._bhxh.issue(commune.legacy_province_code)
        self._count += 1
        return Person(
            self._count,
            full_name,
            family_name,
            gender,
            born,
            ethnicity,
            personal_id,
            bhxh,
            province,
            address,
            contributions,
        )

    def _contributions(self, born: dt.date, gender: Gender, commune: Commune) -> tuple[ContributionPeriod, ...]:
        roll = self._rng.random()
        if roll < self.config.compulsory_share:
            return self._careers.compulsory(born, gender, commune)
        if roll < self.config.compulsory_share + self.config.voluntary_share:
            return self._careers.voluntary(born)
        return ()
