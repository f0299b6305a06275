"""The birth registrations of the child-card benchmark (bench/childcards.py): those of every child under 6 of a
generated population, as civil-registry offices send them (`submitBirthRegistrations`' BirthRegistrationInput).

The office is the legacy commune before 1/7/2025 (the current one after), book and number unique per office and
year, mother, father or registrant, a facility of the province taking children for primary care. Births spread
over the 34 provinces as people do; `Registration.province` tells whose civil-registry client sends each.
"""

from __future__ import annotations

import collections
import datetime as dt
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from devkit.synthetic import Facility, Family, PopulationGenerator
from devkit.synthetic import Person as SyntheticPerson
from devkit.synthetic.dates import years_before
from hub.catalogs.adminunits import REFORM_DATE, AdminCatalog, Era, UnitLevel, admin_catalog
from hub.childcards.rules import is_under_six

# Registrations usable per generated person (children under 6 ≈ 8 %, less those whose legacy office is unknown).
USABLE_SHARE = 0.07


@dataclass(frozen=True)
class Registration:
    province: str  # the current province of the registering office: whose client sends it
    record: dict[str, Any]  # BirthRegistrationInput, as GraphQL variables


@dataclass
class Population:
    registrations: list[Registration]
    people: int
    children_under_six: int
    skipped_no_office: int
    seconds: float


def legacy_offices(catalog: AdminCatalog) -> dict[tuple[str, str], str]:
    """(current commune, legacy province) → a legacy commune of that province that became it: the office that
    registered a birth there before 1/7/2025."""
    offices: dict[tuple[str, str], str] = {}
    for unit in sorted(catalog.units(UnitLevel.COMMUNE, Era.LEGACY), key=lambda u: u.code):
        current = catalog.current_commune_for(unit.code)
        if current is not None:
            offices.setdefault((current.code, unit.province_code), unit.code)
    return offices


class FacilityChooser:
    """A facility taking children for primary care, under contract today: the commune's own if it has one."""

    def __init__(self, facilities: Iterable[Facility], today: dt.date, rng: random.Random) -> None:
        self._rng = rng
        self.by_commune: dict[str, list[Facility]] = collections.defaultdict(list)
        self.by_province: dict[str, list[Facility]] = collections.defaultdict(list)
        for facility in facilities:
            if facility.accepts_child_primary_care and facility.contract_from <= today <= facility.contract_to:
                self.by_commune[facility.commune_code].append(facility)
                self.by_province[facility.province_code].append(facility)

    def choose(self, commune_code: str, province_code: str) -> Facility | None:
        local = self.by_commune.get(commune_code)
        if local and self._rng.random() < 0.7:
            return self._rng.choice(local)
        found = self.by_province.get(province_code)
        return self._rng.choice(found) if found else None


def person_input(person: SyntheticPerson, address: str) -> dict[str, Any]:
    return {
        "fullName": person.full_name,
        "dateOfBirth": person.date_of_birth.isoformat(),
        "personalIdNumber": person.personal_id,
        "address": address,
    }


def build_population(seed: int, people: int, facilities: Sequence[Facility], today: dt.date) -> Population:
    """The registrations of every child under 6 of a generated population of `people` (the same population the
    population simulator loads with the same seed and size), each with a unique office + book + number."""
    started = time.perf_counter()
    catalog = admin_catalog()
    offices = legacy_offices(catalog)
    rng = random.Random(f"bench-childcards:{seed}")
    chooser = FacilityChooser(facilities, today, rng)
    generator = PopulationGenerator(seed)
    under_six_after = years_before(generator.config.as_of, 6)
    numbers: dict[tuple[str, int], int] = collections.defaultdict(int)
    registrations: list[Registration] = []
    under_six = skipped = 0
    for family in generator.families(people):
        for birth in family.births:
            child = birth.child
            # Under 6 when registered and on the day the hub receives the record (today), as the intake checks.
            if (
                child.date_of_birth <= under_six_after
                or not is_under_six(child.date_of_birth, birth.registered_on)
                or not is_under_six(child.date_of_birth, today)
            ):
                continue
            under_six += 1
            commune = child.address.commune
            if birth.registered_on >= REFORM_DATE:
                office: str | None = commune.code
            else:  # registered by the legacy commune the family's commune came from
                office = offices.get((commune.code, commune.legacy_province_code))
            facility = chooser.choose(commune.code, commune.province_code)
            if office is None or facility is None:
                skipped += 1
                continue
            year = birth.registered_on.year
            numbers[(office, year)] += 1
            number = numbers[(office, year)]
            record = registration_record(family, child, birth.registered_on, office, facility, number, rng)
            registrations.append(Registration(commune.province_code, record))
    return Population(registrations, people, under_six, skipped, time.perf_counter() - started)


def registration_record(
    family: Family,
    child: SyntheticPerson,
    registered_on: dt.date,
    office: str,
    facility: Facility,
    number: int,
    rng: random.Random,
) -> dict[str, Any]:
    address = family.address.full
    registrant = family.registrant or family.father or family.mother
    assert registrant is not None  # a generated family has a parent on record, or a registrant
    by_post = rng.random() < 0.15
    return {
        "registryOfficeCode": office,
        "bookNumber": f"{(number - 1) // 500 + 1:02d}/{registered_on.year}",
        "recordNumber": str(number),
        "registeredOn": registered_on.isoformat(),
        "child": {
            "fullName": child.full_name,
            "gender": child.gender.name,
            "dateOfBirth": child.date_of_birth.isoformat(),
            "ethnicityCode": child.ethnicity.code,
            "nationality": "VN",
            "personalIdNumber": child.personal_id,
            "placeOfBirth": facility.name,
        },
        "mother": person_input(family.mother, address) if family.mother else None,
        "father": person_input(family.father, address) if family.father else None,
        "registrant": person_input(registrant, address),
        "facilityCode": facility.code,
        "delivery": "BY_POST" if by_post else "AT_OFFICE",
        "deliveryAddress": address if by_post else None,
    }
