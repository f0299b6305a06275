import random
import unicodedata
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devkit.synthetic import ETHNICITIES, FacilityLevel, generate_facilities
from devkit.synthetic.ethnicities import by_province, national_shares
from devkit.synthetic.geography import geography
from devkit.synthetic.sampling import SerialScrambler, Weighted
from hub.catalogs.adminunits import Era, UnitLevel, admin_catalog


@pytest.fixture(scope="module")
def facilities():
    return generate_facilities(seed=11)


def test_facility_codes_are_unique_and_start_with_their_province(facilities):
    catalog = admin_catalog()
    codes = [f.code for f in facilities]

    assert len(codes) == len(set(codes))
    for facility in facilities:
        assert len(facility.code) == 5 and facility.code.isdigit()
        assert facility.code[:2] == facility.province_code
        commune = catalog.get(UnitLevel.COMMUNE, facility.commune_code, Era.CURRENT)
        assert commune is not None and commune.province_code == facility.province_code
        assert facility.contract_from <= facility.contract_to
        assert unicodedata.is_normalized("NFC", facility.name)


def test_every_commune_has_a_health_station_and_every_province_a_general_hospital(facilities):
    levels = Counter(f.level for f in facilities)
    assert levels[FacilityLevel.COMMUNE] == len(admin_catalog().units(UnitLevel.COMMUNE, Era.CURRENT))
    assert levels[FacilityLevel.CENTRAL] > 0
    provinces_with_hospital = {
        f.province_code
        for f in facilities
        if f.name.startswith("Bệnh viện Đa khoa") and f.level is FacilityLevel.PROVINCE
    }
    assert len(provinces_with_hospital) == 34
    assert any(f.name.startswith("Trung tâm Y tế khu vực") for f in facilities)
    assert any(f.name.startswith("Phòng khám đa khoa") and f.private for f in facilities)


def test_facilities_are_deterministic(facilities):
    assert generate_facilities(seed=11) == facilities
    assert generate_facilities(seed=12) != facilities


def test_the_54_ethnic_groups_have_the_official_codes():
    codes = [e.code for e in ETHNICITIES]
    assert codes == [f"{n:02d}" for n in range(1, 55)]
    by_code = {e.code: e.name for e in ETHNICITIES}
    assert (by_code["01"], by_code["02"], by_code["04"], by_code["05"], by_code["08"]) == (
        "Kinh",
        "Tày",
        "Hoa",
        "Khơ-me",
        "HMông",
    )


def test_province_mixes_keep_the_national_ethnic_shares():
    weights = geography().province_weights
    mixes = by_province(weights)
    total = sum(weights.values())
    for group, target in national_shares().items():
        reached = sum(weights[code] / total * mix.probability(group) for code, mix in mixes.items())
        assert reached == pytest.approx(target, rel=0.02, abs=1e-6)


def test_weighted_choice_follows_the_weights():
    choice = Weighted([("a", 1.0), ("b", 3.0), ("never", 0.0)])
    rng = random.Random(0)
    counts = Counter(choice.pick(rng.random) for _ in range(20_000))
    assert set(counts) == {"a", "b"}
    assert counts["b"] / 20_000 == pytest.approx(0.75, abs=0.02)


@given(seed=st.integers(0, 2**32), offset=st.integers(0, 10**6))
def test_serial_scrambler_is_a_permutation(seed, offset):
    scramble = SerialScrambler(1_000, random.Random(seed))
    assert sorted(scramble(i, offset) for i in range(1_000)) == list(range(1_000))


def test_serial_scrambler_refuses_to_wrap_around():
    scramble = SerialScrambler(100, random.Random(0))
    with pytest.raises(OverflowError):
        scramble(100)
