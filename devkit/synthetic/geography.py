"""Where generated people live: the real current communes weighted by population, the legacy province each one
came from (for identification numbers), wage regions, and street or hamlet addresses."""

from __future__ import annotations

import enum
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

from devkit.synthetic.names import nfc
from devkit.synthetic.sampling import Weighted, uniform_choice
from hub.catalogs.adminunits import AdminCatalog, Era, UnitLevel, admin_catalog

# Population of the 63 legacy provinces, thousands, about 2023 (GSO statistical yearbook, rounded): only weights.
# fmt: off
LEGACY_PROVINCE_POPULATION: Mapping[str, int] = {
    "01": 8587, "02": 899, "04": 543, "06": 326, "08": 805, "10": 770, "11": 640, "12": 482, "14": 1300, "15": 847,
    "17": 876, "19": 1335, "20": 802, "22": 1362, "24": 1922, "25": 1507, "26": 1209, "27": 1489, "30": 1947,
    "31": 2097, "33": 1290, "34": 1878, "35": 885, "36": 1887, "37": 1010, "38": 3739, "40": 3442, "42": 1323,
    "44": 913, "45": 650, "46": 1166, "48": 1246, "49": 1520, "51": 1248, "52": 1505, "54": 877, "56": 1253, "58": 597,
    "60": 1252, "62": 580, "64": 1590, "66": 1918, "67": 670, "68": 1332, "70": 1029, "72": 1188, "74": 2764,
    "75": 3310, "77": 1187, "79": 9456, "80": 1743, "82": 1790, "83": 1300, "84": 1020, "86": 1029, "87": 1600,
    "89": 1906, "91": 1760, "92": 1258, "93": 730, "94": 1200, "95": 923, "96": 1207,
}
# fmt: on

# Wards (phường) are denser than rural communes (xã); special zones (đặc khu) are islands.
_DENSITY = {"Phường": 2.5, "Xã": 1.0, "Đặc": 0.4}

# Rough wage-region rule (the decrees list regions by district): wards of the big metropolitan provinces are
# region I, their rural communes and the wards of other cities region II, other wards III, other communes IV.
_METROPOLITAN = frozenset({"01", "79", "31", "75"})
_CITIES = frozenset({"48", "92", "46", "22", "24"})

_SOUTH = frozenset({"75", "79", "80", "82", "86", "91", "92", "96"})
_HIGHLANDS = frozenset({"52", "66", "68"})
_NORTHERN_MOUNTAINS = frozenset({"04", "08", "11", "12", "14", "15", "20"})

# fmt: off
_STREETS = tuple(
    nfc(s)
    for s in (
        "Lê Lợi", "Trần Hưng Đạo", "Nguyễn Trãi", "Hai Bà Trưng", "Lý Thường Kiệt", "Quang Trung", "Nguyễn Du",
        "Phan Chu Trinh", "Phan Bội Châu", "Lê Duẩn", "Hùng Vương", "Trần Phú", "Nguyễn Huệ", "Điện Biên Phủ",
        "Võ Thị Sáu", "Nguyễn Văn Cừ", "Ngô Quyền", "Bà Triệu", "Lê Thánh Tông", "Nguyễn Thị Minh Khai",
        "Cách Mạng Tháng Tám", "30 Tháng 4", "Lạc Long Quân", "Âu Cơ", "Tôn Đức Thắng", "Lê Hồng Phong",
        "Nguyễn Chí Thanh", "Võ Văn Kiệt", "Phạm Văn Đồng", "Hoàng Hoa Thám", "Nguyễn Thái Học",
        "Trần Quốc Toản", "Chu Văn An", "Lý Tự Trọng", "Đinh Tiên Hoàng", "Yết Kiêu", "Kim Đồng", "Lê Lai",
        "Pasteur", "Ngô Gia Tự", "Nguyễn Văn Linh", "Trường Chinh", "Lê Văn Sỹ", "Phan Đình Phùng",
        "Hoàng Diệu", "Trần Nhân Tông",
    )
)
_HAMLET_NAMES = tuple(
    nfc(s)
    for s in (
        "Đông", "Tây", "Nam", "Bắc", "Trung", "Thượng", "Hạ", "Chùa", "Đình", "Mới", "Tân Lập", "Tân Thành",
        "Phú Lợi", "An Bình", "Hòa Bình", "Bình An", "Thành Công", "Quyết Tiến", "Đoàn Kết", "Hưng Thịnh",
        "Phước Hòa", "Long Hưng", "Tân Phú", "Vĩnh Thạnh", "Thạnh Lợi", "Mỹ Hòa", "Cầu", "Giữa", "Đồng Tâm",
    )
)
# fmt: on


class WageRegion(enum.IntEnum):
    """Regional minimum-wage area (vùng I–IV)."""

    I = 1  # noqa: E741 - the legal name of the region
    II = 2
    III = 3
    IV = 4


@dataclass(frozen=True, slots=True)
class Commune:
    """A current commune as the generators need it, with the legacy province its people were registered in."""

    code: str
    name: str  # "Phường Ba Đình"
    province_code: str
    province_name: str  # "Thành phố Hà Nội"
    legacy_province_code: str
    urban: bool
    wage_region: WageRegion


@dataclass(frozen=True, slots=True)
class Address:
    """A household's address: house number and street, or hamlet, in a current commune."""

    line: str  # "Số 12 đường Lê Lợi", "Thôn Đông"
    commune: Commune

    @property
    def commune_code(self) -> str:
        return self.commune.code

    @property
    def province_code(self) -> str:
        return self.commune.province_code

    @property
    def full(self) -> str:
        return f"{self.line}, {self.commune.name}, {self.commune.province_name}"


@dataclass(frozen=True, slots=True)
class LegacyProvince:
    code: str
    name: str
    current_province_code: str
    population: int  # thousands


class Geography:
    """The communes and provinces of the catalog, arranged for drawing: built once per catalog (≈0.1 s)."""

    def __init__(self, catalog: AdminCatalog) -> None:
        self.catalog = catalog
        current_provinces = {u.code: u for u in catalog.units(UnitLevel.PROVINCE, Era.CURRENT)}
        legacy_of_commune, legacy_to_current = _legacy_links(catalog)
        self.legacy_provinces: dict[str, LegacyProvince] = {
            unit.code: LegacyProvince(
                unit.code, unit.name, legacy_to_current[unit.code], LEGACY_PROVINCE_POPULATION.get(unit.code, 500)
            )
            for unit in sorted(catalog.units(UnitLevel.PROVINCE, Era.LEGACY), key=lambda u: u.code)
        }
        communes: list[Commune] = []
        for unit in sorted(catalog.units(UnitLevel.COMMUNE, Era.CURRENT), key=lambda u: u.code):
            legacy = legacy_of_commune.get(unit.code) or _fallback_legacy(unit.province_code, legacy_to_current)
            urban = unit.name.startswith("Phường")
            communes.append(
                Commune(
                    unit.code,
                    unit.name,
                    unit.province_code,
                    current_provinces[unit.province_code].name,
                    legacy,
                    urban,
                    _wage_region(unit.province_code, urban),
                )
            )
        self.communes: tuple[Commune, ...] = tuple(communes)
        self.provinces: dict[str, str] = {code: unit.name for code, unit in sorted(current_provinces.items())}
        self.communes_by_province: dict[str, tuple[Commune, ...]] = {
            code: tuple(c for c in communes if c.province_code == code) for code in self.provinces
        }
        self.commune_weights = _commune_weights(communes, self.legacy_provinces)
        self.province_weights: dict[str, float] = defaultdict(float)
        for commune, weight in self.commune_weights.items():
            self.province_weights[commune.province_code] += weight
        self.commune_choice = Weighted(self.commune_weights.items())
        self.legacy_province_choice = Weighted(
            (province.code, float(province.population)) for province in self.legacy_provinces.values()
        )


@cache
def geography(catalog: AdminCatalog | None = None) -> Geography:
    return Geography(catalog or admin_catalog())


def _legacy_links(catalog: AdminCatalog) -> tuple[dict[str, str], dict[str, str]]:
    """Current commune → its main legacy province, and legacy province → the current province it merged into."""
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    merged_into: dict[str, Counter[str]] = defaultdict(Counter)
    for legacy in catalog.units(UnitLevel.COMMUNE, Era.LEGACY):
        for successor in catalog.successors(legacy.code):
            votes[successor.unit.code][legacy.province_code] += 2 if successor.default else 1
            merged_into[legacy.province_code][successor.unit.province_code] += 1
    main = {commune: counter.most_common(1)[0][0] for commune, counter in votes.items()}
    return main, {legacy: counter.most_common(1)[0][0] for legacy, counter in merged_into.items()}


def _fallback_legacy(current_province: str, legacy_to_current: Mapping[str, str]) -> str:
    # Each new province kept the code of one of the provinces merged into it.
    if current_province in legacy_to_current:
        return current_province
    return min(code for code, current in legacy_to_current.items() if current == current_province)


def _wage_region(province_code: str, urban: bool) -> WageRegion:
    if province_code in _METROPOLITAN:
        return WageRegion.I if urban else WageRegion.II
    if province_code in _CITIES:
        return WageRegion.II if urban else WageRegion.III
    return WageRegion.III if urban else WageRegion.IV


def _commune_weights(communes: list[Commune], legacy: Mapping[str, LegacyProvince]) -> dict[Commune, float]:
    """Each legacy province's population spread over the communes that came from it, wards counting more."""
    density = {c: _DENSITY.get(c.name.split(" ", 1)[0], 1.0) for c in communes}
    totals: dict[str, float] = defaultdict(float)
    for commune in communes:
        totals[commune.legacy_province_code] += density[commune]
    return {
        c: legacy[c.legacy_province_code].population * density[c] / totals[c.legacy_province_code] for c in communes
    }


def address_line(commune: Commune, uniform: Callable[[], float]) -> str:
    """A house number and street in a ward, a hamlet in a rural commune, named the way each region names them."""
    if commune.urban:
        number = 1 + int(uniform() * uniform() * 300)
        street = uniform_choice(_STREETS, uniform)
        roll = uniform()
        if roll < 0.25:
            return f"Số {number} ngõ {2 + int(uniform() * 200)} đường {street}"
        if roll < 0.35:
            return f"Tổ dân phố {1 + int(uniform() * 30)}"
        return f"Số {number} đường {street}"
    province = commune.province_code
    if province in _SOUTH:
        kind = "Ấp"
    elif province in _NORTHERN_MOUNTAINS:
        kind = "Bản" if uniform() < 0.6 else "Thôn"
    elif province in _HIGHLANDS:
        kind = "Buôn" if uniform() < 0.3 else "Thôn"
    else:
        kind = "Xóm" if uniform() < 0.3 else "Thôn"
    if uniform() < 0.4:
        return f"{kind} {1 + int(uniform() * 15)}"
    return f"{kind} {uniform_choice(_HAMLET_NAMES, uniform)}"
