"""The 54 ethnic groups of Vietnam with their official 2-digit codes, national frequencies and home provinces, and
the per-province distribution a generated household draws its ethnicity from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from devkit.synthetic.names import KINH_NAMING, NameStyle, Naming, SurnameGroup
from devkit.synthetic.sampling import Weighted


@dataclass(frozen=True, slots=True)
class Ethnicity:
    """An ethnic group (dân tộc) of the GSO list; `home_provinces` are current province codes where most live."""

    code: str
    name: str
    population: int
    home_provinces: tuple[str, ...] = ()
    naming: Naming = KINH_NAMING


def _n(surnames: SurnameGroup, style: NameStyle = NameStyle.VIETNAMESE, matrilineal: bool = False) -> Naming:
    return Naming(style, surnames, matrilineal)


_TAY_NUNG = _n(SurnameGroup.TAY_NUNG)
_NORTH = _n(SurnameGroup.NORTHERN)
_CENTRAL = _n(SurnameGroup.CENTRAL)
_HIGHLANDS = _n(SurnameGroup.HIGHLANDS)
_HIGHLANDS_MATRILINEAL = _n(SurnameGroup.HIGHLANDS, matrilineal=True)

# Codes: "Danh mục các dân tộc Việt Nam", QĐ 121-TCTK/PPCĐ of 2/3/1979 (the order used by civil-status and BHXH
# software). Codes 01–09 were checked against the list published by the Đà Nẵng statistics office; 10–54 against a
# public software catalog that reproduces the same list, not against the decision itself: check against the decision
# text. The GSO's later classification (2019 census) numbers the groups differently (04 Mường, 05 Khmer, 06 Hoa …).
# Populations: 2019 census (GSO), rounded; they only weigh the draw.
ETHNICITIES: tuple[Ethnicity, ...] = (
    Ethnicity("01", "Kinh", 82_085_800),
    Ethnicity("02", "Tày", 1_845_500, ("04", "20", "08", "19", "15", "22", "24"), _TAY_NUNG),
    Ethnicity("03", "Thái", 1_820_900, ("14", "11", "12", "40", "38", "15", "25"), _n(SurnameGroup.THAI)),
    Ethnicity("04", "Hoa", 749_500, ("79", "75", "92", "91", "96", "22", "31"), _n(SurnameGroup.HOA)),
    Ethnicity("05", "Khơ-me", 1_319_700, ("92", "86", "91", "96", "80"), _n(SurnameGroup.KHMER)),
    Ethnicity("06", "Mường", 1_452_100, ("25", "38", "37", "14", "01"), _n(SurnameGroup.MUONG)),
    Ethnicity("07", "Nùng", 1_083_300, ("20", "04", "24", "19", "08", "66", "68"), _TAY_NUNG),
    Ethnicity(
        "08",
        "HMông",
        1_393_500,
        ("08", "11", "12", "14", "15", "40", "38", "04"),
        _n(SurnameGroup.HMONG, NameStyle.HMONG),
    ),
    Ethnicity("09", "Dao", 891_200, ("08", "15", "04", "20", "22", "19", "25"), _n(SurnameGroup.DAO)),
    Ethnicity("10", "Gia-rai", 513_900, ("52", "66", "51"), _HIGHLANDS_MATRILINEAL),
    Ethnicity("11", "Ngái", 1_600, ("22", "19", "79"), _n(SurnameGroup.HOA)),
    Ethnicity("12", "Ê-đê", 398_700, ("66", "56"), _n(SurnameGroup.HIGHLANDS, NameStyle.EDE, matrilineal=True)),
    Ethnicity("13", "Ba na", 286_900, ("52", "51"), _HIGHLANDS),
    Ethnicity("14", "Xơ-Đăng", 212_300, ("51", "48"), _CENTRAL),
    Ethnicity("15", "Sán Chay", 201_400, ("08", "19", "24"), _TAY_NUNG),
    Ethnicity("16", "Cơ-ho", 200_800, ("68",), _HIGHLANDS),
    Ethnicity("17", "Chăm", 178_900, ("56", "68", "91", "79"), _n(SurnameGroup.CHAM)),
    Ethnicity("18", "Sán Dìu", 183_000, ("19", "25", "22", "24"), _n(SurnameGroup.DAO)),
    Ethnicity("19", "Hrê", 149_500, ("51",), _CENTRAL),
    Ethnicity("20", "Mnông", 127_300, ("68", "66"), _n(SurnameGroup.HIGHLANDS, NameStyle.EDE)),
    Ethnicity("21", "Ra-glai", 146_600, ("56", "68"), _HIGHLANDS_MATRILINEAL),
    Ethnicity("22", "Xtiêng", 100_800, ("75",), _HIGHLANDS),
    Ethnicity("23", "Bru-Vân Kiều", 94_600, ("44", "42"), _CENTRAL),
    Ethnicity("24", "Thổ", 91_400, ("40", "38"), _n(SurnameGroup.MUONG)),
    Ethnicity("25", "Giáy", 67_900, ("15", "08", "12"), _NORTH),
    Ethnicity("26", "Cơ-tu", 74_200, ("48", "46"), _CENTRAL),
    Ethnicity("27", "Gié Triêng", 63_300, ("51", "48"), _CENTRAL),
    Ethnicity("28", "Mạ", 50_300, ("68",), _HIGHLANDS),
    Ethnicity("29", "Khơ-mú", 90_600, ("40", "11", "14"), _NORTH),
    Ethnicity("30", "Co", 40_400, ("51", "48"), _CENTRAL),
    Ethnicity("31", "Tà-ôi", 52_400, ("46", "44"), _CENTRAL),
    Ethnicity("32", "Chơ-ro", 29_500, ("75",), _HIGHLANDS),
    Ethnicity("33", "Kháng", 16_200, ("14", "12", "11"), _NORTH),
    Ethnicity("34", "Xinh-mun", 29_500, ("14", "11"), _NORTH),
    Ethnicity("35", "Hà Nhì", 25_500, ("12", "11", "15"), _NORTH),
    Ethnicity("36", "Chu ru", 23_200, ("68",), _HIGHLANDS_MATRILINEAL),
    Ethnicity("37", "Lào", 17_500, ("11", "12", "14"), _n(SurnameGroup.THAI)),
    Ethnicity("38", "La Chí", 15_100, ("08",), _NORTH),
    Ethnicity("39", "La Ha", 10_200, ("14", "15"), _NORTH),
    Ethnicity("40", "Phù Lá", 12_500, ("15",), _NORTH),
    Ethnicity("41", "La Hủ", 12_100, ("12",), _NORTH),
    Ethnicity("42", "Lự", 6_800, ("12",), _n(SurnameGroup.THAI)),
    Ethnicity("43", "Lô Lô", 4_800, ("04", "08"), _NORTH),
    Ethnicity("44", "Chứt", 7_500, ("44", "42"), _CENTRAL),
    Ethnicity("45", "Mảng", 4_700, ("12",), _NORTH),
    Ethnicity("46", "Pà Thẻn", 8_200, ("08",), _NORTH),
    Ethnicity("47", "Co Lao", 4_000, ("08",), _NORTH),
    Ethnicity("48", "Cống", 2_700, ("12", "11"), _NORTH),
    Ethnicity("49", "Bố Y", 3_200, ("15", "08"), _NORTH),
    Ethnicity("50", "Si La", 900, ("12", "11"), _NORTH),
    Ethnicity("51", "Pu Péo", 900, ("08",), _NORTH),
    Ethnicity("52", "Brâu", 500, ("51",), _HIGHLANDS),
    Ethnicity("53", "Ơ Đu", 400, ("40",), _NORTH),
    Ethnicity("54", "Rơ măm", 600, ("51",), _HIGHLANDS),
)
KINH = ETHNICITIES[0]
_BY_CODE = {ethnicity.code: ethnicity for ethnicity in ETHNICITIES}

# Share of a minority group living in its home provinces; the rest is spread over the country by population.
HOME_SHARE = 0.9
_RAKING_ROUNDS = 30


def ethnicity(code: str) -> Ethnicity:
    return _BY_CODE[code]


def national_shares() -> dict[Ethnicity, float]:
    total = sum(e.population for e in ETHNICITIES)
    return {e: e.population / total for e in ETHNICITIES}


def surname_group_shares() -> dict[SurnameGroup, float]:
    shares: dict[SurnameGroup, float] = {}
    for group, share in national_shares().items():
        shares[group.naming.surnames] = shares.get(group.naming.surnames, 0.0) + share
    return shares


def by_province(province_weights: Mapping[str, float]) -> dict[str, Weighted[Ethnicity]]:
    """P(ethnicity | province) for the given province population weights, so that the country as a whole keeps the
    national shares while each minority lives mostly in its home provinces.

    Each group is placed by P(province | group) (HOME_SHARE in its home provinces, by population, the rest
    everywhere); the per-province mix is then raked until the national marginals match the census.
    """
    total_weight = sum(province_weights.values())
    population = {code: weight / total_weight for code, weight in province_weights.items()}
    targets = national_shares()
    placement: dict[Ethnicity, dict[str, float]] = {}
    for group in ETHNICITIES:
        homes = [code for code in group.home_provinces if code in population]
        home_total = sum(population[code] for code in homes)
        home_share = HOME_SHARE if homes else 0.0
        placement[group] = {
            code: (1 - home_share) * share + (home_share * share / home_total if code in homes else 0.0)
            for code, share in population.items()
        }
    factors = dict.fromkeys(ETHNICITIES, 1.0)
    mix: dict[str, dict[Ethnicity, float]] = {}
    for _ in range(_RAKING_ROUNDS):
        mix = {}
        for code, share in population.items():
            raw = {g: targets[g] * factors[g] * placement[g][code] / share for g in ETHNICITIES}
            total = sum(raw.values())
            mix[code] = {g: value / total for g, value in raw.items()}
        for group in ETHNICITIES:
            reached = sum(population[code] * mix[code][group] for code in population)
            factors[group] *= targets[group] / reached
    return {code: Weighted(shares.items()) for code, shares in mix.items()}
