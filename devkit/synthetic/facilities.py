"""Generated health-care facilities (cơ sở khám chữa bệnh) with BHYT contracts, since no public list is bundled:
hospitals, regional health centres, one station per commune, private clinics."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from devkit.synthetic.dates import DEFAULT_AS_OF
from devkit.synthetic.geography import Commune, Geography, geography
from devkit.synthetic.names import nfc
from devkit.synthetic.sampling import Weighted, uniform_choice
from hub.catalogs.adminunits import AdminCatalog, Era, UnitLevel
from hub.catalogs.models import FacilityLevel

MAX_PER_PROVINCE = 999  # three digits after the province code


@dataclass(frozen=True, slots=True)
class Facility:
    """A facility under contract with BHXH. `code` (mã cơ sở KCB) is the 2-digit current province code + 3 digits."""

    code: str
    name: str
    level: FacilityLevel
    province_code: str
    commune_code: str
    private: bool
    # Whether children under 6 may register here for primary care (đăng ký khám chữa bệnh ban đầu).
    accepts_child_primary_care: bool
    contract_from: dt.date
    contract_to: dt.date


@dataclass(frozen=True, slots=True)
class _Draft:
    name: str
    level: FacilityLevel
    commune: Commune
    private: bool
    child_care_chance: float


# Central hospitals by the current province they stand in; generic names, not a list of the real ones.
# fmt: off
_CENTRAL = {
    "01": (
        "Bệnh viện Đa khoa Trung ương", "Bệnh viện Nhi Trung ương", "Bệnh viện Phụ sản Trung ương",
        "Bệnh viện Nội tiết Trung ương", "Bệnh viện Mắt Trung ương",
    ),
    "79": ("Bệnh viện Đa khoa Trung ương phía Nam", "Bệnh viện Nhi Trung ương phía Nam"),
    "46": ("Bệnh viện Trung ương Huế",),
    "19": ("Bệnh viện Đa khoa Trung ương Thái Nguyên",),
    "92": ("Bệnh viện Đa khoa Trung ương Cần Thơ",),
    "48": ("Bệnh viện Đa khoa Trung ương Quảng Nam",),
}
# fmt: on
_CITY_PROVINCES = frozenset({"01", "31", "46", "48", "79", "92"})
# fmt: off
_CLINIC_WORDS = tuple(
    nfc(w)
    for w in (
        "An", "Tâm", "Phúc", "Hòa", "Thiện", "Minh", "Việt", "Hưng", "Đức", "Bình", "Khang", "Thịnh", "Hồng",
        "Nhân", "Ái", "Hạnh", "Phước", "Thành", "Quốc", "Tế", "Sài Gòn", "Hà Thành", "Mê Kông", "Tây Đô",
        "Cửu Long",
    )
)
# fmt: on
_CLINICS_PER_MILLION = 6.0
_COUNTRY_MILLIONS = 100  # people, roughly
_EXPIRED_SHARE = 0.03
_MULTI_YEAR_SHARE = 0.2


def generate_facilities(
    seed: int, *, as_of: dt.date = DEFAULT_AS_OF, catalog: AdminCatalog | None = None
) -> list[Facility]:
    """Every facility of a generated country, ordered by code; the same seed gives the same list."""
    rng = random.Random(f"facilities:{seed}")
    geo = geography(catalog)
    drafts: dict[str, list[_Draft]] = defaultdict(list)
    for draft in (*_hospitals(geo), *_health_centres(geo), *_stations(geo), *_clinics(geo, rng.random)):
        drafts[draft.commune.province_code].append(draft)
    facilities: list[Facility] = []
    for province_code in sorted(drafts):
        found = drafts[province_code]
        if len(found) > MAX_PER_PROVINCE:
            raise OverflowError(f"{len(found)} facilities in province {province_code}, codes allow {MAX_PER_PROVINCE}")
        for serial, draft in enumerate(found, start=1):
            contract_from, contract_to = _contract(as_of, rng.random)
            facilities.append(
                Facility(
                    f"{province_code}{serial:03d}",
                    nfc(draft.name),
                    draft.level,
                    province_code,
                    draft.commune.code,
                    draft.private,
                    rng.random() < draft.child_care_chance,
                    contract_from,
                    contract_to,
                )
            )
    return facilities


def _contract(as_of: dt.date, uniform: Callable[[], float]) -> tuple[dt.date, dt.date]:
    # BHYT contracts are mostly signed for a calendar year; a few have lapsed, to exercise that check downstream.
    roll = uniform()
    if roll < _EXPIRED_SHARE:
        return dt.date(as_of.year - 1, 1, 1), dt.date(as_of.year - 1, 12, 31)
    if roll < _EXPIRED_SHARE + _MULTI_YEAR_SHARE:
        return dt.date(as_of.year - 2, 1, 1), dt.date(as_of.year + 2, 12, 31)
    return dt.date(as_of.year, 1, 1), dt.date(as_of.year, 12, 31)


def _seat(geo: Geography, province_code: str, legacy_code: str | None = None) -> Commune:
    """A ward of the province (of the legacy province when given) where a hospital can stand."""
    communes = geo.communes_by_province[province_code]
    local = [c for c in communes if legacy_code is None or c.legacy_province_code == legacy_code] or list(communes)
    return next((c for c in local if c.urban), local[0])


def _hospitals(geo: Geography) -> list[_Draft]:
    drafts: list[_Draft] = []
    for legacy in geo.legacy_provinces.values():
        short = legacy.name.removeprefix("Tỉnh ").removeprefix("Thành phố ")
        kind = "thành phố" if legacy.code in _CITY_PROVINCES else "tỉnh"
        seat = _seat(geo, legacy.current_province_code, legacy.code)
        drafts.append(_Draft(f"Bệnh viện Đa khoa {kind} {short}", FacilityLevel.PROVINCE, seat, False, 0.6))
        drafts.append(_Draft(f"Bệnh viện Y học cổ truyền {short}", FacilityLevel.PROVINCE, seat, False, 0.1))
        if legacy.population >= 1000:
            drafts.append(_Draft(f"Bệnh viện Sản Nhi {short}", FacilityLevel.PROVINCE, seat, False, 0.9))
    for province_code, names in _CENTRAL.items():
        seat = _seat(geo, province_code)
        drafts.extend(_Draft(nfc(name), FacilityLevel.CENTRAL, seat, False, 0.1) for name in names)
    return drafts


def _health_centres(geo: Geography) -> list[_Draft]:
    """One regional health centre (Trung tâm Y tế khu vực) per legacy district, where the district centres went."""
    catalog = geo.catalog
    drafts: list[_Draft] = []
    seen: set[tuple[str, str]] = set()
    communes = {c.code: c for c in geo.communes}
    for district in sorted(catalog.units(UnitLevel.DISTRICT, Era.LEGACY), key=lambda u: u.code):
        legacy = geo.legacy_provinces[district.province_code]
        members = catalog.communes_of_district(district.code)
        current = next(filter(None, (catalog.current_commune_for(m.code) for m in members)), None)
        seat = communes[current.code] if current else _seat(geo, legacy.current_province_code, legacy.code)
        name = district.short_name
        if (seat.province_code, name) in seen:  # several "Châu Thành" districts now share one province
            name = f"{name} ({legacy.name.removeprefix('Tỉnh ').removeprefix('Thành phố ')} cũ)"
        seen.add((seat.province_code, name))
        drafts.append(_Draft(f"Trung tâm Y tế khu vực {name}", FacilityLevel.DISTRICT, seat, False, 0.95))
    return drafts


def _stations(geo: Geography) -> list[_Draft]:
    drafts = []
    for commune in geo.communes:
        kind, _, rest = commune.name.partition(" ")
        if kind == "Đặc":  # "Đặc khu Vân Đồn"
            kind, _, rest = rest.partition(" ")
            kind = f"đặc {kind}"
        drafts.append(_Draft(f"Trạm Y tế {kind.lower()} {rest}", FacilityLevel.COMMUNE, commune, False, 0.97))
    return drafts


def _clinics(geo: Geography, uniform: Callable[[], float]) -> list[_Draft]:
    drafts: list[_Draft] = []
    total = sum(geo.province_weights.values())
    for province_code in geo.provinces:
        weight = geo.province_weights[province_code]
        count = max(2, round(_CLINICS_PER_MILLION * _COUNTRY_MILLIONS * weight / total))
        communes = geo.communes_by_province[province_code]
        places = Weighted((c, geo.commune_weights[c]) for c in ([c for c in communes if c.urban] or communes))
        names: set[str] = set()
        while len(names) < count:
            first, second = uniform_choice(_CLINIC_WORDS, uniform), uniform_choice(_CLINIC_WORDS, uniform)
            name = f"Phòng khám đa khoa {first} {second}"
            if first == second or name in names:
                continue
            names.add(name)
            drafts.append(_Draft(name, FacilityLevel.DISTRICT, places.pick(uniform), True, 0.5))
    return drafts
