"""Administrative units, current (34 provinces, 3,321 communes, from 1/7/2025) and legacy (63 provinces with their
districts and communes), and the mapping from legacy to current communes.

The data comes from the MIT-licensed PyPI package `vietnamadminunits`. Only its data files are read: its Python
code imports the GPL-licensed `Unidecode`, which this Apache-2.0 project must not import.
"""

from __future__ import annotations

import datetime as dt
import enum
import importlib.util
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from hub.text import fold

PACKAGE = "vietnamadminunits"
# NQ 202/2025/QH15: the 34 provinces and two-level local government take effect on 1 July 2025.
REFORM_DATE = dt.date(2025, 7, 1)


class Era(enum.StrEnum):
    LEGACY = "legacy"  # the 63 provinces, districts and communes in force until 30/6/2025
    CURRENT = "current"  # the 34 provinces and 3,321 communes in force from 1/7/2025


class UnitLevel(enum.StrEnum):
    PROVINCE = "province"
    DISTRICT = "district"
    COMMUNE = "commune"


@dataclass(frozen=True)
class AdminUnit:
    code: str
    level: UnitLevel
    era: Era
    name: str  # "Phường Thạc Gián"
    short_name: str  # "Thạc Gián"
    province_code: str
    district_code: str | None = None
    # Search keys: the folded full and short names (no diacritics, lower case).
    keys: frozenset[str] = field(default=frozenset(), compare=False)

    @property
    def valid_from(self) -> dt.date | None:
        return REFORM_DATE if self.era is Era.CURRENT else None

    @property
    def valid_to(self) -> dt.date | None:
        return REFORM_DATE - dt.timedelta(days=1) if self.era is Era.LEGACY else None

    def valid_on(self, day: dt.date) -> bool:
        return era_on(day) is self.era

    @property
    def id_number_prefix(self) -> str | None:
        """Digits 1–3 of personal identification numbers registered in this (legacy) province: "0" + its code."""
        return f"0{self.code}" if self.level is UnitLevel.PROVINCE and self.era is Era.LEGACY else None


@dataclass(frozen=True)
class Successor:
    """A current unit that (part of) a legacy unit became; `default` marks the main one when it was split."""

    unit: AdminUnit
    default: bool


@dataclass(frozen=True)
class AddressConversion:
    """A legacy address read back to its units, and the current units it now belongs to."""

    street: str
    legacy_province: AdminUnit
    legacy_district: AdminUnit | None
    legacy_commune: AdminUnit | None
    current_province: AdminUnit | None
    current_commune: AdminUnit | None

    @property
    def current_address(self) -> str:
        parts = [
            self.street,
            self.current_commune.name if self.current_commune else "",
            self.current_province.name if self.current_province else "",
        ]
        return ", ".join(p for p in parts if p)


# Unit-type words and their abbreviations, folded, longest first: "TP. Đà Nẵng", "Q. Thanh Khê", "P. Thạc Gián".
_TYPE_PREFIXES = (
    "thanhpho",
    "thixa",
    "thitran",
    "phuong",
    "huyen",
    "quan",
    "tinh",
    "tp",
    "tx",
    "tt",
    "xa",
    "q",
    "h",
    "p",
    "x",
)


def _bare_keys(part: str) -> list[str]:
    key = fold(part)
    return [key] + [
        key[len(prefix) :] for prefix in _TYPE_PREFIXES if key.startswith(prefix) and len(key) > len(prefix)
    ]


def era_on(day: dt.date) -> Era:
    """Which set of units was in force on `day`."""
    return Era.CURRENT if day >= REFORM_DATE else Era.LEGACY


class AdminCatalog:
    """Every unit of both eras, indexed by code, by folded name and by parent; read once per process."""

    def __init__(self, units: Iterable[AdminUnit], successors: dict[str, list[tuple[str, bool]]]) -> None:
        self._by_code: dict[tuple[Era, UnitLevel, str], AdminUnit] = {}
        self._by_key: dict[tuple[Era, UnitLevel], dict[str, list[AdminUnit]]] = defaultdict(lambda: defaultdict(list))
        self._children: dict[tuple[Era, str], list[AdminUnit]] = defaultdict(list)
        for unit in units:
            self._by_code[(unit.era, unit.level, unit.code)] = unit
            for key in unit.keys:
                self._by_key[(unit.era, unit.level)][key].append(unit)
            parent = unit.district_code if unit.level is UnitLevel.COMMUNE and unit.district_code else None
            if unit.level is not UnitLevel.PROVINCE:
                self._children[(unit.era, unit.province_code)].append(unit)
            if parent:
                self._children[(unit.era, f"d{parent}")].append(unit)
        self._successors = {
            legacy: [Successor(self._by_code[(Era.CURRENT, UnitLevel.COMMUNE, code)], default) for code, default in new]
            for legacy, new in successors.items()
        }

    def get(self, level: UnitLevel, code: str, era: Era) -> AdminUnit | None:
        return self._by_code.get((era, level, code))

    def units(self, level: UnitLevel, era: Era) -> list[AdminUnit]:
        return [u for (e, lv, _), u in self._by_code.items() if e is era and lv is level]

    def unit_on(self, level: UnitLevel, code: str, day: dt.date) -> AdminUnit | None:
        """The unit with this code in the set in force on `day`: a 2024 record checks against the legacy units, a
        2026 record against the current ones (where districts no longer exist)."""
        return self.get(level, code, era_on(day))

    def commune_on(self, code: str, day: dt.date) -> AdminUnit | None:
        return self.unit_on(UnitLevel.COMMUNE, code, day)

    def search(self, name: str, level: UnitLevel, era: Era, *, province_code: str | None = None) -> list[AdminUnit]:
        """Units whose full or short name matches `name`, with or without diacritics, case and spacing aside."""
        found = self._by_key[(era, level)].get(fold(name), [])
        return [u for u in found if province_code is None or u.province_code == province_code]

    def children(self, province_code: str, era: Era, level: UnitLevel = UnitLevel.COMMUNE) -> list[AdminUnit]:
        return sorted((u for u in self._children[(era, province_code)] if u.level is level), key=lambda u: u.code)

    def communes_of_district(self, district_code: str) -> list[AdminUnit]:
        return sorted(self._children[(Era.LEGACY, f"d{district_code}")], key=lambda u: u.code)

    def successors(self, legacy_commune_code: str) -> list[Successor]:
        """The current commune(s) a legacy commune became, the default first."""
        return sorted(self._successors.get(legacy_commune_code, []), key=lambda s: not s.default)

    def convert_legacy_address(self, address: str) -> AddressConversion | None:
        """Read "street, commune, district, province" (legacy units, full or abbreviated names, with or without
        diacritics) and give its current commune and province; None if no legacy province is recognised."""
        parts = [p.strip() for p in address.split(",") if p.strip()]
        if not parts:
            return None
        province = self._match(parts[-1], self.units(UnitLevel.PROVINCE, Era.LEGACY))
        if province is None:
            return None
        rest = parts[:-1]
        district = self._match(rest[-1], self.children(province.code, Era.LEGACY, UnitLevel.DISTRICT)) if rest else None
        if district is not None:
            rest = rest[:-1]
        candidates = self.communes_of_district(district.code) if district else self.children(province.code, Era.LEGACY)
        commune = self._match(rest[-1], candidates) if rest else None
        if commune is not None:
            rest = rest[:-1]
        current_commune = self.current_commune_for(commune.code) if commune else None
        current_province = (
            self.get(UnitLevel.PROVINCE, current_commune.province_code, Era.CURRENT)
            if current_commune
            else self.current_province_for(province.code)
        )
        return AddressConversion(", ".join(rest), province, district, commune, current_province, current_commune)

    @staticmethod
    def _match(part: str, units: Iterable[AdminUnit]) -> AdminUnit | None:
        wanted = _bare_keys(part)
        matches = [u for u in units if any(k in u.keys for k in wanted)]
        return matches[0] if len(matches) == 1 else None

    def current_units_for(self, level: UnitLevel, legacy_code: str) -> list[Successor]:
        """What a legacy province, district or commune became: the province it merged into; the current communes
        its communes went to (districts were abolished); the commune(s) it became."""
        match level:
            case UnitLevel.COMMUNE:
                return self.successors(legacy_code)
            case UnitLevel.PROVINCE:
                province = self.current_province_for(legacy_code)
                return [Successor(province, True)] if province else []
            case UnitLevel.DISTRICT:
                seen: dict[str, AdminUnit] = {}
                for commune in self.communes_of_district(legacy_code):
                    for successor in self.successors(commune.code):
                        seen.setdefault(successor.unit.code, successor.unit)
                return [Successor(unit, len(seen) == 1) for unit in seen.values()]

    def current_commune_for(self, legacy_commune_code: str) -> AdminUnit | None:
        successors = self.successors(legacy_commune_code)
        return successors[0].unit if successors else None

    def current_province_for(self, legacy_province_code: str) -> AdminUnit | None:
        """The current province a legacy province became part of."""
        legacy = self.get(UnitLevel.PROVINCE, legacy_province_code, Era.LEGACY)
        if legacy is None:
            return None
        for commune in self.children(legacy_province_code, Era.LEGACY):
            current = self.current_commune_for(commune.code)
            if current is not None:
                return self.get(UnitLevel.PROVINCE, current.province_code, Era.CURRENT)
        return None


@cache
def admin_catalog() -> AdminCatalog:
    """The catalog of the installed `vietnamadminunits` data, loaded on first use (≈0.2 s)."""
    return load_catalog(package_data_dir())


def package_data_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)  # locates the package without running its code
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"the {PACKAGE} package is not installed: pip install {PACKAGE}")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def load_catalog(data_dir: Path) -> AdminCatalog:
    connection = sqlite3.connect(f"file:{data_dir / 'dataset.db'}?mode=ro", uri=True)
    try:
        units = [*_current_units(connection), *_legacy_units(connection)]
        successors = _successors(connection, json.loads((data_dir / "converter_2025.json").read_text("utf-8")))
    finally:
        connection.close()
    return AdminCatalog(units, successors)


def _keys(*names: str | None) -> frozenset[str]:
    return frozenset(fold(n) for n in names if n)


def _current_units(connection: sqlite3.Connection) -> Iterable[AdminUnit]:
    rows = connection.execute(
        "SELECT province, provinceShort, provinceCode, ward, wardShort, wardCode FROM admin_units"
    ).fetchall()
    provinces = {}
    for province, province_short, province_code, ward, ward_short, ward_code in rows:
        provinces[province_code] = AdminUnit(
            province_code,
            UnitLevel.PROVINCE,
            Era.CURRENT,
            province,
            province_short,
            province_code,
            keys=_keys(province, province_short),
        )
        yield AdminUnit(
            ward_code, UnitLevel.COMMUNE, Era.CURRENT, ward, ward_short, province_code, keys=_keys(ward, ward_short)
        )
    yield from provinces.values()


def _legacy_units(connection: sqlite3.Connection) -> Iterable[AdminUnit]:
    rows = connection.execute(
        "SELECT province, provinceShort, provinceCode, district, districtShort, districtCode, ward, wardShort, "
        "wardCode FROM admin_units_legacy"
    ).fetchall()
    seen: dict[tuple[UnitLevel, str], AdminUnit] = {}
    for (
        province,
        province_short,
        province_code,
        district,
        district_short,
        district_code,
        ward,
        ward_short,
        code,
    ) in rows:
        seen[(UnitLevel.PROVINCE, province_code)] = AdminUnit(
            province_code,
            UnitLevel.PROVINCE,
            Era.LEGACY,
            province,
            province_short,
            province_code,
            keys=_keys(province, province_short),
        )
        seen[(UnitLevel.DISTRICT, district_code)] = AdminUnit(
            district_code,
            UnitLevel.DISTRICT,
            Era.LEGACY,
            district,
            district_short,
            province_code,
            keys=_keys(district, district_short),
        )
        if code:  # five island districts have no communes
            yield AdminUnit(
                code,
                UnitLevel.COMMUNE,
                Era.LEGACY,
                ward,
                ward_short,
                province_code,
                district_code,
                keys=_keys(ward, ward_short),
            )
    yield from seen.values()


def _successors(
    connection: sqlite3.Connection, converter: dict[str, dict[str, object]]
) -> dict[str, list[tuple[str, bool]]]:
    """Legacy commune code → [(current commune code, is default)], from the package's converter tables."""
    current = {
        (province_key, ward_key): code
        for province_key, ward_key, code in connection.execute("SELECT provinceKey, wardKey, wardCode FROM admin_units")
    }
    legacy = {
        f"{province_key}_{district_key}_{ward_key}": code
        for province_key, district_key, ward_key, code in connection.execute(
            "SELECT provinceKey, districtKey, wardKey, wardCode FROM admin_units_legacy WHERE wardCode IS NOT NULL"
        )
    }
    mapping: dict[str, list[tuple[str, bool]]] = defaultdict(list)
    for province_key, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        assert isinstance(wards, dict)
        for ward_key, legacy_keys in wards.items():
            for legacy_key in legacy_keys:
                if legacy_key in legacy and (province_key, ward_key) in current:
                    mapping[legacy[legacy_key]].append((current[(province_key, ward_key)], True))
    for province_key, divided in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        assert isinstance(divided, dict)
        for legacy_key, options in divided.items():
            if legacy_key not in legacy:
                continue
            pairs = [(current.get((province_key, o["newWardKey"])), bool(o["isDefaultNewWard"])) for o in options]
            mapping[legacy[legacy_key]] = [(code, default) for code, default in pairs if code]
    return dict(mapping)
