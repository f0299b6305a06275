"""Administrative units read from the vendored vietnamadminunits data: complete, searchable, dated, convertible."""

import datetime as dt
import gzip
import importlib.util
import json
import sys

import pytest

from hub.catalogs.adminunits import DATA_FILE, AdminUnit, Era, UnitLevel, admin_catalog, era_on
from hub.catalogs.data import regenerate


@pytest.fixture(scope="module")
def catalog():
    return admin_catalog()


def test_every_unit_is_loaded(catalog):
    counts = {(era, level): len(catalog.units(level, era)) for era in Era for level in UnitLevel}
    assert counts == {
        (Era.CURRENT, UnitLevel.PROVINCE): 34,
        (Era.CURRENT, UnitLevel.DISTRICT): 0,  # abolished on 1/7/2025
        (Era.CURRENT, UnitLevel.COMMUNE): 3321,
        (Era.LEGACY, UnitLevel.PROVINCE): 63,
        (Era.LEGACY, UnitLevel.DISTRICT): 696,
        (Era.LEGACY, UnitLevel.COMMUNE): 10035,
    }


def test_the_package_is_not_needed_and_the_gpl_unidecode_is_never_imported(catalog):
    assert "unidecode" not in sys.modules
    assert "vietnamadminunits" not in sys.modules


def test_vendored_data_matches_the_installed_package():
    """Catches a regeneration drift: the vendored file must be what `regenerate` makes of the installed package."""
    try:
        fresh = json.loads(regenerate.build())
    except regenerate.PackageMissing:
        pytest.skip("vietnamadminunits is not installed: `pip install vietnamadminunits` to check the vendored data")
    vendored = gzip.decompress(DATA_FILE.read_bytes())
    source = json.loads(vendored)["source"]
    # The units and mapping, in order and byte for byte; a new package version with the same data is no drift.
    assert regenerate.serialise({**fresh, "source": source}) == vendored, (
        f"hub/catalogs/data/adminunits.json.gz (from {source}) differs from the installed {fresh['source']}: "
        "run `python -m hub.catalogs.data.regenerate` and update hub/catalogs/data/README.md"
    )
    assert "vietnamadminunits" not in sys.modules  # read, never imported


def test_regeneration_is_deterministic():
    payload = regenerate.serialise({"source": {"package": "p", "version": "1"}, "units": {"ă": []}})
    assert regenerate.compress(payload) == regenerate.compress(payload)
    assert gzip.decompress(regenerate.compress(payload)) == payload
    assert payload == '{"source":{"package":"p","version":"1"},"units":{"ă":[]}}'.encode()


def test_regeneration_says_how_to_install_the_package(monkeypatch, capsys):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert regenerate.main() == 1
    assert "pip install vietnamadminunits" in capsys.readouterr().err


def test_thac_gian_legacy_gives_its_current_unit(catalog):
    (legacy,) = catalog.search("Phường Thạc Gián", UnitLevel.COMMUNE, Era.LEGACY)
    assert (legacy.code, legacy.province_code, legacy.district_code) == ("20218", "48", "491")
    current = catalog.current_commune_for(legacy.code)
    assert current is not None and (current.code, current.name) == ("20209", "Phường Thanh Khê")


@pytest.mark.parametrize("spelling", ["Phường Thạc Gián", "phuong thac gian", "Thạc Gián", "THAC GIAN", "thacgian"])
def test_search_with_or_without_diacritics(catalog, spelling):
    assert [u.code for u in catalog.search(spelling, UnitLevel.COMMUNE, Era.LEGACY)] == ["20218"]


def test_same_name_in_two_provinces_is_told_apart(catalog):
    found = catalog.search("Hải Châu", UnitLevel.COMMUNE, Era.CURRENT)
    assert sorted((u.province_code, u.name) for u in found) == [("40", "Xã Hải Châu"), ("48", "Phường Hải Châu")]
    assert [u.code for u in catalog.search("hai chau", UnitLevel.COMMUNE, Era.CURRENT, province_code="48")] == ["20242"]


def name(unit: AdminUnit | None) -> str | None:
    return unit.name if unit else None


def test_validity_dates_choose_the_set_in_force():
    catalog = admin_catalog()
    before, after = dt.date(2024, 5, 1), dt.date(2026, 5, 1)
    # Given a 2024 record and a 2026 record with the same legacy district code (Quận Thanh Khê)
    assert name(catalog.unit_on(UnitLevel.DISTRICT, "491", before)) == "Quận Thanh Khê"
    # Then the 2026 one does not validate: districts were abolished on 1/7/2025
    assert catalog.unit_on(UnitLevel.DISTRICT, "491", after) is None
    # And one commune code names two different communes, depending on the date
    assert name(catalog.commune_on("20242", before)) == "Phường Phước Ninh"
    assert name(catalog.commune_on("20242", after)) == "Phường Hải Châu"
    assert catalog.commune_on("20218", after) is None  # Thạc Gián merged into Thanh Khê
    assert era_on(dt.date(2025, 6, 30)) is Era.LEGACY and era_on(dt.date(2025, 7, 1)) is Era.CURRENT


def test_every_legacy_commune_has_a_current_successor(catalog):
    orphans = [u.code for u in catalog.units(UnitLevel.COMMUNE, Era.LEGACY) if not catalog.successors(u.code)]
    assert orphans == []


def test_split_commune_lists_its_default_successor_first(catalog):
    split = [u for u in catalog.units(UnitLevel.COMMUNE, Era.LEGACY) if len(catalog.successors(u.code)) > 1]
    assert split, "the package records communes split between several new ones"
    for unit in split[:50]:
        successors = catalog.successors(unit.code)
        assert successors[0].default and sum(s.default for s in successors) == 1


def test_children_and_provinces(catalog):
    communes = catalog.children("48", Era.CURRENT)
    assert len(communes) == 94 and all(u.province_code == "48" for u in communes)
    thanh_khe = catalog.communes_of_district("491")
    assert "Phường Thạc Gián" in [u.name for u in thanh_khe] and all(u.district_code == "491" for u in thanh_khe)
    assert catalog.current_province_for("74").code == "79"  # Bình Dương merged into TP Hồ Chí Minh
    assert catalog.current_province_for("99") is None


@pytest.mark.parametrize(
    ("address", "current"),
    [
        (
            "12 Lê Duẩn, Phường Thạc Gián, Quận Thanh Khê, Thành phố Đà Nẵng",
            "12 Lê Duẩn, Phường Thanh Khê, Thành phố Đà Nẵng",
        ),
        ("12 Lê Duẩn, P. Thạc Gián, Q. Thanh Khê, TP. Đà Nẵng", "12 Lê Duẩn, Phường Thanh Khê, Thành phố Đà Nẵng"),
        ("thon 3, xa Binh Trieu, huyen Thang Binh, tinh Quang Nam", "thon 3, Xã Thăng An, Thành phố Đà Nẵng"),
        ("Số 1, Bình Dương", "Số 1, Thành phố Hồ Chí Minh"),  # no commune: the province still converts
    ],
)
def test_legacy_addresses_convert_to_current_units(catalog, address, current):
    converted = catalog.convert_legacy_address(address)
    assert converted is not None and converted.current_address == current


def test_unknown_address_is_not_guessed(catalog):
    assert catalog.convert_legacy_address("somewhere, Atlantis") is None
    assert catalog.convert_legacy_address("") is None


def test_id_number_prefixes_of_legacy_provinces(catalog):
    prefixes = {u.id_number_prefix for u in catalog.units(UnitLevel.PROVINCE, Era.LEGACY)}
    assert {"001", "048", "079", "096"} <= prefixes and len(prefixes) == 63
    assert catalog.get(UnitLevel.PROVINCE, "48", Era.CURRENT).id_number_prefix is None
