"""Administrative units, current (34 provinces, 3,321 communes, from 1/7/2025) and legacy (63 provinces with their
districts and communes), and the mapping from legacy to current communes.

The data comes from the MIT-licensed PyPI package `vietnamadminunits`, vendored as `data/adminunits.json.gz` (see
`data/README.md`; `python -m hub.catalogs.data.regenerate` rebuilds it). The package itself is not needed at run time.
"""

from __future__ import annotations

import datetime as dt
import enum
import gzip
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from hub.infra.text import fold

# The vendored units and legacy→current mapping (format: hub/catalogs/data/regenerate.py).
DATA_FILE = resources.files("hub.catalogs.data") / "adminunits.json.gz"
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
    """The catalog of the vendored data, loaded on first use."""
    return load_catalog()


def load_catalog(data_file: Traversable = DATA_FILE) -> AdminCatalog:
    document = json.loads(gzip.decompress(data_file.read_bytes()))
    keys = _key_maker()
    units = [
        AdminUnit(code, level, era, name, short_name, province_code, district_code, keys=keys(name, short_name))
        for era_name, levels in document["units"].items()
        for era in [Era(era_name)]
        for level_name, rows in levels.items()
        for level in [UnitLevel(level_name)]
        for code, name, short_name, province_code, district_code in rows
    ]
    successors = {
        legacy: [(code, default) for code, default in current] for legacy, current in document["successors"].items()
    }
    return AdminCatalog(units, successors)


def _key_maker() -> Callable[..., frozenset[str]]:
    """The search keys of a unit's names: its folded full and short names. Names recur (a legacy province on each of
    its communes' rows, "Phường 1" in many towns), so each is folded once."""
    folded = cache(fold)

    def keys(*names: str | None) -> frozenset[str]:
        return frozenset(folded(n) for n in names if n)

    return keys
