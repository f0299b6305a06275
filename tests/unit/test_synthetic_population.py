import datetime as dt
import hashlib
import os
import subprocess
import sys
import unicodedata
from collections import Counter
from itertools import islice, pairwise

import pytest

from devkit.synthetic import ContributionKind, Family, Person, PopulationConfig, PopulationGenerator
from devkit.synthetic.names import NATIONAL_SURNAME_SHARES
from hub.catalogs.adminunits import Era, UnitLevel, admin_catalog
from hub.persons.id_numbers import check_personal_id

PEOPLE = 20_000
AS_OF = PopulationConfig().as_of


@pytest.fixture(scope="module")
def families() -> list[Family]:
    return list(PopulationGenerator(seed=42).families(PEOPLE))


@pytest.fixture(scope="module")
def people(families: list[Family]) -> list[Person]:
    return [person for family in families for person in family.members]


def age_on(born: dt.date, day: dt.date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def test_same_seed_same_output_and_another_seed_differs():
    first = list(PopulationGenerator(seed=7).families(2_000))
    again = list(PopulationGenerator(seed=7).families(2_000))
    other = list(PopulationGenerator(seed=8).families(2_000))

    assert first == again
    assert first != other


DIGEST_SCRIPT = """
import hashlib
from devkit.synthetic import PopulationGenerator
digest = hashlib.sha256()
for person in PopulationGenerator(seed=7).people(1_000):
    digest.update(repr(person).encode())
print(digest.hexdigest())
"""


def test_output_does_not_depend_on_the_process_hash_seed():
    # Given the digest of 1,000 people generated here
    here = hashlib.sha256()
    for person in PopulationGenerator(seed=7).people(1_000):
        here.update(repr(person).encode())
    # When another interpreter, with another string-hash seed, generates them
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    there = subprocess.run([sys.executable, "-c", DIGEST_SCRIPT], env=env, capture_output=True, text=True, check=True)
    # Then the output is the same
    assert there.stdout.strip() == here.hexdigest()


def test_people_yields_exactly_the_count_asked():
    assert len(list(PopulationGenerator(seed=1).people(1_001))) == 1_001


def test_numbers_are_consecutive_in_member_order(people):
    assert [p.number for p in people] == list(range(1, len(people) + 1))


def test_personal_ids_decode_to_the_persons_own_data(people):
    for person in people:
        if person.personal_id is None:
            continue
        check = check_personal_id(
            person.personal_id,
            date_of_birth=person.date_of_birth,
            gender=person.gender,
            registration_province_code=person.birth_province_code,
            today=AS_OF,
        )
        assert check.ok, (person, check.issues)


def test_personal_ids_are_unique(people):
    numbers = [p.personal_id for p in people if p.personal_id is not None]
    assert len(numbers) == len(set(numbers))


def test_only_young_children_lack_an_id_number_at_about_the_configured_share(people):
    under_6 = [p for p in people if age_on(p.date_of_birth, AS_OF) < 6]
    without = [p for p in people if p.personal_id is None]

    assert all(age_on(p.date_of_birth, AS_OF) < 6 for p in without)
    assert 0.01 < len(without) / len(under_6) < 0.06


def test_bhxh_codes_are_unique_ten_digits_with_a_province_prefix(people):
    provinces = {u.code for u in admin_catalog().units(UnitLevel.PROVINCE, Era.LEGACY)}
    codes = [p.bhxh_code for p in people if p.bhxh_code is not None]

    assert len(codes) == len(set(codes))
    assert all(len(code) == 10 and code.isascii() and code.isdigit() and code[:2] in provinces for code in codes)


def test_newborns_are_not_yet_carded(people):
    newborns = [p for p in people if (AS_OF - p.date_of_birth).days < PopulationConfig().uncarded_days]
    assert newborns
    assert all(p.bhxh_code is None for p in newborns)


def test_surname_frequencies_match_the_national_shares(people):
    counts = Counter(p.family_name for p in people)
    combined = {
        "Hoàng/Huỳnh": ("Hoàng", "Huỳnh"),
        "Vũ/Võ": ("Vũ", "Võ"),
        **{name: (name,) for name in NATIONAL_SURNAME_SHARES if name not in ("Hoàng", "Huỳnh", "Vũ", "Võ")},
    }
    for label, spellings in combined.items():
        target = sum(NATIONAL_SURNAME_SHARES[s] for s in spellings) / 100
        observed = sum(counts[s] for s in spellings) / len(people)
        # Siblings share a surname, so the sample counts for fewer independent draws than it has people.
        tolerance = 0.003 + 0.12 * target
        assert abs(observed - target) <= tolerance, (label, observed, target)


def test_mothers_are_18_to_45_at_each_birth(families):
    ages = [
        age_on(f.mother.date_of_birth, birth.child.date_of_birth)
        for f in families
        if f.mother is not None
        for birth in f.births
    ]
    assert ages
    assert min(ages) >= 18
    assert max(ages) <= 45


def test_children_take_the_fathers_surname_unless_the_custom_is_matrilineal(families):
    with_father = [
        (f.father.family_name, birth.child.family_name)
        for f in families
        if f.father is not None and f.mother is not None
        for birth in f.births
        if not birth.child.ethnicity.naming.matrilineal
    ]
    same = sum(father == child for father, child in with_father)
    assert same / len(with_father) > 0.97

    for family in families:
        if family.father is None and family.mother is not None:
            assert {b.child.family_name for b in family.births} <= {family.mother.family_name}


def test_parents_on_record_follow_the_configured_shares(families):
    kinds = Counter((f.mother is not None, f.father is not None) for f in families)
    total = len(families)

    assert 0.03 < kinds[(True, False)] / total < 0.07
    assert kinds[(False, False)] > 0
    for family in families:
        if family.mother is None and family.father is None:
            assert family.registrant is not None
            assert age_on(family.registrant.date_of_birth, AS_OF) >= 18


def test_twins_are_one_to_two_percent_of_deliveries_and_share_a_birthday(families):
    deliveries: dict[tuple[int, int], list[Person]] = {}
    for index, family in enumerate(families):
        for birth in family.births:
            deliveries.setdefault((index, birth.order), []).append(birth.child)
    twins = [children for children in deliveries.values() if len(children) == 2]

    assert 0.005 < len(twins) / len(deliveries) < 0.03
    assert all(a.date_of_birth == b.date_of_birth for a, b in twins)


def test_every_commune_is_a_current_commune_of_its_province(people):
    catalog = admin_catalog()
    for person in people:
        commune = catalog.get(UnitLevel.COMMUNE, person.address.commune_code, Era.CURRENT)
        assert commune is not None
        assert commune.province_code == person.address.province_code
        assert person.address.full.endswith(f"{commune.name}, {person.address.commune.province_name}")


def test_names_are_nfc_with_vietnamese_diacritics(people):
    assert all(unicodedata.is_normalized("NFC", p.full_name) for p in people)
    assert all(len(p.full_name.split()) >= 2 and p.family_name in p.full_name for p in people)
    with_diacritics = sum(not p.full_name.isascii() for p in people)
    assert with_diacritics / len(people) > 0.8
    assert Counter(p.full_name.split()[1] for p in people if p.gender.value == "female")["Thị"] > 0


def test_ethnic_mix_is_mostly_kinh_with_minorities_in_their_provinces(people):
    counts = Counter(p.ethnicity.code for p in people)
    assert 0.80 < counts["01"] / len(people) < 0.90
    khmer_provinces = Counter(p.address.province_code for p in people if p.ethnicity.code == "05")
    assert sum(khmer_provinces[code] for code in ("92", "86", "91", "96", "80")) / sum(khmer_provinces.values()) > 0.7


def test_contribution_histories_are_ordered_and_realistic(people):
    insured = [p for p in people if p.contributions]
    assert 0.2 < len(insured) / len(people) < 0.5
    for person in insured:
        periods = person.contributions
        assert all(a.last_month < b.first_month for a, b in pairwise(periods))
        for period in periods:
            assert period.months >= 1
            assert period.monthly_salary % 1_000 == 0
            assert 0 < period.monthly_salary <= 20 * 2_340_000  # the cap: 20 × the 2024 base salary
            if period.kind is not ContributionKind.VOLUNTARY and period.start >= dt.date(2024, 7, 1):
                assert period.monthly_salary >= 3_450_000  # the lowest regional minimum wage (NĐ 74/2024)
            assert (period.employer is None) == (period.kind is ContributionKind.VOLUNTARY)
            assert age_on(person.date_of_birth, period.start) >= 18
        assert person.bhxh_code is not None
    recent = [p.contributions[-1].monthly_salary for p in insured if p.contributions[-1].end.year >= AS_OF.year - 1]
    recent.sort()
    assert 5_000_000 <= recent[len(recent) // 2] <= 15_000_000


def test_employers_have_unique_valid_tax_codes():
    from devkit.synthetic.identifiers import tax_check_digit

    employers = PopulationGenerator(seed=3).employers
    codes = [e.tax_code for e in employers]
    assert len(codes) == len(set(codes))
    assert all(len(c) == 10 and c.isdigit() and tax_check_digit(c[:9]) == int(c[9]) for c in codes)


def test_families_stream_lazily():
    stream = PopulationGenerator(seed=5).families(10**12)
    assert len(list(islice(stream, 3))) == 3
