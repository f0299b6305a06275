"""Vietnamese personal names: surnames at their national frequencies, middle and given names by gender and
generation, and the naming customs of the larger ethnic minorities."""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from devkit.synthetic.sampling import Weighted
from hub.persons.models import Gender

# National surname shares, per cent of the whole population (all ethnic groups), as commonly cited from the
# Institute of Han-Nom studies surveys. The combined figures of the brief (Hoàng/Huỳnh 5, Vũ/Võ 3.9) are split by
# the northern/southern spelling. What is left (11.5 %) goes to the tail and to the minorities' own surnames.
NATIONAL_SURNAME_SHARES: Mapping[str, float] = {
    "Nguyễn": 38.0,
    "Trần": 11.0,
    "Lê": 9.5,
    "Phạm": 7.0,
    "Hoàng": 3.0,
    "Huỳnh": 2.0,
    "Phan": 4.5,
    "Vũ": 2.2,
    "Võ": 1.7,
    "Đặng": 2.1,
    "Bùi": 2.0,
    "Đỗ": 1.4,
    "Hồ": 1.3,
    "Ngô": 1.3,
    "Dương": 1.0,
    "Lý": 0.5,
}
# Kinh surnames outside the list above, relative weights among themselves.
# fmt: off
_KINH_TAIL = {
    "Trương": 8, "Đinh": 8, "Lâm": 6, "Mai": 6, "Trịnh": 6, "Đoàn": 6, "Lương": 5, "Lưu": 5, "Cao": 5, "Tạ": 4, "Hà": 4,
    "Đào": 5, "Châu": 3, "Tô": 3, "Thái": 3, "Phùng": 3, "Quách": 2, "Tăng": 2, "La": 2, "Kiều": 2, "Vương": 2,
    "Triệu": 2, "Chu": 2, "Lại": 2, "Đàm": 2, "Văn": 1, "Khổng": 1, "Diệp": 1, "Mạc": 1, "Nghiêm": 1, "Thân": 1,
    "Tống": 1, "Lục": 1, "Từ": 1, "Quan": 1, "Giang": 1, "Doãn": 1, "Ông": 1, "Bạch": 1, "Lã": 1,
}
# fmt: on


class NameStyle(enum.Enum):
    VIETNAMESE = "vietnamese"  # family, middle, given: "Nguyễn Văn An"
    HMONG = "hmong"  # clan, "A" for men or "Thị" for women, given: "Giàng A Páo"
    EDE = "ede"  # prefix, given, family last: "Y Sơn Niê", "H'Hen Niê"


class SurnameGroup(enum.Enum):
    """Which pool of family names a group draws from."""

    KINH = "kinh"
    TAY_NUNG = "tay_nung"
    THAI = "thai"
    MUONG = "muong"
    DAO = "dao"
    HOA = "hoa"
    KHMER = "khmer"
    HMONG = "hmong"
    HIGHLANDS = "highlands"
    CHAM = "cham"
    CENTRAL = "central"
    NORTHERN = "northern"


@dataclass(frozen=True, slots=True)
class Naming:
    """The naming customs of an ethnic group. In matrilineal groups children take the mother's family name."""

    style: NameStyle = NameStyle.VIETNAMESE
    surnames: SurnameGroup = SurnameGroup.KINH
    matrilineal: bool = False


KINH_NAMING = Naming()

# fmt: off
_MINORITY_SURNAMES: Mapping[SurnameGroup, Mapping[str, float]] = {
    SurnameGroup.TAY_NUNG: {
        "Hoàng": 20, "Nông": 15, "Lương": 8, "Hà": 8, "Vi": 6, "Triệu": 6, "Bế": 5, "Lăng": 4, "Đàm": 4, "Ma": 4,
        "Lục": 4, "Nguyễn": 6, "Lý": 3, "Mông": 2, "Linh": 2, "Chu": 2,
    },
    SurnameGroup.THAI: {
        "Lò": 20, "Lường": 12, "Cầm": 10, "Quàng": 8, "Tòng": 6, "Hà": 10, "Vi": 8, "Lê": 5, "Điêu": 4, "Lự": 2,
        "Mè": 2, "Lộc": 4, "Sầm": 3, "Vì": 4,
    },
    SurnameGroup.MUONG: {
        "Bùi": 35, "Đinh": 25, "Quách": 10, "Hà": 10, "Xa": 6, "Bạch": 5, "Nguyễn": 5, "Cao": 4,
    },
    SurnameGroup.DAO: {
        "Triệu": 30, "Bàn": 25, "Đặng": 15, "Lý": 10, "Phùng": 8, "Chảo": 5, "Tẩn": 4, "Lò": 3,
    },
    SurnameGroup.HOA: {
        "Trần": 15, "Lý": 12, "Lâm": 12, "Quách": 6, "Trương": 10, "Hứa": 6, "Mã": 5, "La": 6, "Tăng": 6, "Hoàng": 6,
        "Vương": 5, "Diệp": 4, "Lưu": 7,
    },
    SurnameGroup.KHMER: {
        "Thạch": 30, "Danh": 20, "Sơn": 15, "Kim": 10, "Lâm": 6, "Lý": 5, "Chau": 6, "Trần": 4, "Huỳnh": 2, "Néang": 2,
    },
    SurnameGroup.HMONG: {
        "Giàng": 20, "Thào": 15, "Vàng": 15, "Lý": 10, "Sùng": 10, "Mua": 8, "Hầu": 5, "Lầu": 5, "Hạng": 4, "Vừ": 4,
        "Cứ": 2, "Tráng": 2,
    },
    SurnameGroup.HIGHLANDS: {
        "Niê": 12, "Mlô": 6, "Ayun": 6, "Ksor": 14, "Siu": 10, "Rơ Châm": 8, "Kpă": 6, "Nay": 6, "Puih": 4, "Rahlan": 4,
        "Êban": 4, "Byă": 3, "Đinh": 8, "A": 5,
    },
    SurnameGroup.CHAM: {
        "Thành": 20, "Đàng": 20, "Đạo": 12, "Lưu": 10, "Quảng": 8, "Từ": 6, "Bá": 6, "Châu": 6,
    },
    SurnameGroup.CENTRAL: {
        "Hồ": 35, "Đinh": 15, "Alăng": 6, "Bhling": 4, "Pơloong": 4, "Zơ Râm": 4, "Nguyễn": 6, "Lê": 6, "Phạm": 4,
        "Y": 4, "Kray": 2,
    },
    SurnameGroup.NORTHERN: {
        "Lò": 12, "Lý": 12, "Vàng": 8, "Hoàng": 10, "Sùng": 6, "Hà": 8, "Lường": 6, "Nông": 6, "Triệu": 6, "Chẻo": 4,
        "Pờ": 4, "Nguyễn": 6, "Mùa": 4,
    },
}
# fmt: on

# fmt: off
_MIDDLE: Mapping[tuple[Gender, bool], Mapping[str, float]] = {
    (Gender.MALE, False): {
        "Văn": 55, "Đức": 7, "Hữu": 6, "Minh": 5, "Quang": 5, "Công": 5, "Xuân": 4, "Thanh": 4, "Ngọc": 3, "Đình": 4,
        "Trọng": 2, "Mạnh": 2, "Quốc": 2, "Tiến": 2, "Thế": 2, "Hồng": 1,
    },
    (Gender.MALE, True): {
        "Văn": 16, "Minh": 12, "Đức": 10, "Gia": 7, "Quang": 6, "Hoàng": 6, "Anh": 5, "Bảo": 5, "Tuấn": 4, "Thành": 4,
        "Duy": 4, "Hữu": 4, "Đăng": 4, "Quốc": 4, "Nhật": 3, "Trung": 3, "Thanh": 3, "Hải": 2, "Phúc": 2, "Khánh": 2,
        "Văn Minh": 1, "Gia Bảo": 1,
    },
    (Gender.FEMALE, False): {
        "Thị": 75, "Ngọc": 5, "Thu": 4, "Thanh": 4, "Kim": 3, "Hồng": 3, "Minh": 2, "Mai": 2, "Phương": 2, "Thị Thu": 2,
        "Thị Ngọc": 2, "Thị Kim": 1, "Thúy": 1,
    },
    (Gender.FEMALE, True): {
        "Thị": 26, "Ngọc": 10, "Thu": 6, "Minh": 6, "Phương": 5, "Bảo": 5, "Khánh": 5, "Thanh": 5, "Gia": 4, "Hà": 3,
        "Thảo": 4, "Diệu": 3, "Quỳnh": 3, "Hoài": 3, "Mai": 3, "Thùy": 3, "Như": 3, "Thị Thu": 2, "Thị Ngọc": 2,
        "Hồng": 2, "Tường": 1,
    },
}
# fmt: on

_GIVEN: Mapping[Gender, str] = {
    Gender.MALE: (
        "An Anh Bảo Bình Cường Dũng Duy Đạt Đông Đức Giang Hải Hiếu Hiệp Hòa Hoàng Hùng Hưng Huy Khang Khánh Khoa "
        "Khôi Kiên Lâm Linh Lộc Long Lực Mạnh Minh Nam Nghĩa Ngọc Nhân Phát Phong Phúc Phước Quân Quang Quý Sơn Tài "
        "Tâm Tân Thái Thắng Thành Thiện Thịnh Tiến Toàn Trí Trung Trường Tú Tuấn Tùng Việt Vinh Vũ Thuận Hậu Hiển "
        "Khải Đăng Tín Lợi Sang Hào Kiệt Phú Thông Hà Chiến Dương Hoàn Luân Nhật"
    ),
    Gender.FEMALE: (
        "An Anh Ánh Bích Châu Chi Diễm Diệp Dung Duyên Giang Hà Hạnh Hằng Hân Hiền Hoa Hoài Hồng Huệ Huyền Hương "
        "Hường Khánh Lan Liên Linh Loan Ly Mai My Nga Ngân Ngọc Nguyệt Nhàn Nhi Nhung Oanh Phương Quyên Quỳnh Tâm "
        "Thanh Thảo Thơ Thu Thư Thủy Thúy Tiên Trang Trâm Trinh Tuyết Uyên Vân Vi Vy Xuân Yến Hảo Lệ Nhã Thắm Hậu "
        "Lụa Đào Hiên Thương"
    ),
}
# Names given more often than the rest, a rough nod to the top of birth-register lists.
_POPULAR_GIVEN = {"Anh": 4, "Linh": 3, "Huy": 3, "Minh": 3, "Trang": 3, "Hương": 2, "Nam": 2, "Hà": 2, "Dũng": 2}

_HMONG_GIVEN: Mapping[Gender, str] = {
    Gender.MALE: "Páo Lử Chứ Dính Sính Của Tủa Pó Dế Sáy Chò Tếnh Lềnh Vư Pổng Cở Súa Chờ",
    Gender.FEMALE: "Mỷ Dợ Sua Chở Máy Pàng Xúa Sinh Dủa Di Ly Mai Chi Mị Lan",
}
_EDE_GIVEN: Mapping[Gender, str] = {
    Gender.MALE: "Sơn Nguôn Blin Ju Thuôn Ưn Hiu Krông Phơn Khăm Tlang Bhin Dhăm Kô Jơ",
    Gender.FEMALE: "Hen Ngân Bia Lan Mai Yơn Nhi Hoa Duyên Nga Brơ Juen Ly",
}
_EDE_PREFIX = {Gender.MALE: "Y ", Gender.FEMALE: "H'"}
_HMONG_MIDDLE = {Gender.MALE: "A", Gender.FEMALE: "Thị"}
# Birth year from which middle names follow the younger table.
_MODERN_MIDDLE_FROM = 1990


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _weighted(table: Mapping[str, float]) -> Weighted[str]:
    return Weighted((nfc(name), weight) for name, weight in table.items())


def _given(names: str, popular: Mapping[str, float] | None = None) -> Weighted[str]:
    return Weighted((nfc(name), (popular or {}).get(name, 1.0)) for name in names.split())


def kinh_surname_weights(group_shares: Mapping[SurnameGroup, float]) -> dict[str, float]:
    """Kinh surname weights chosen so that, once the minorities add their own family names, the population as a
    whole shows `NATIONAL_SURNAME_SHARES`. `group_shares` is each surname group's share of the population."""
    kinh_share = group_shares.get(SurnameGroup.KINH, 0.0)
    if kinh_share <= 0:
        raise ValueError("the Kinh surname group must have a positive share")
    weights: dict[str, float] = {}
    for surname, percent in NATIONAL_SURNAME_SHARES.items():
        from_minorities = 0.0
        for group, table in _MINORITY_SURNAMES.items():
            share = group_shares.get(group, 0.0)
            if share and surname in table:
                from_minorities += share * table[surname] / sum(table.values())
        weights[surname] = max(percent / 100 - from_minorities, 0.0) / kinh_share
    tail = max(1.0 - sum(weights.values()), 0.0)
    tail_total = sum(_KINH_TAIL.values())
    for surname, weight in _KINH_TAIL.items():
        weights[surname] = weights.get(surname, 0.0) + tail * weight / tail_total
    return weights


class NameMaker:
    """Draws names; one instance per population, built once, then called per person."""

    def __init__(self, group_shares: Mapping[SurnameGroup, float]) -> None:
        self._surnames: dict[SurnameGroup, Weighted[str]] = {
            group: _weighted(table) for group, table in _MINORITY_SURNAMES.items()
        }
        self._surnames[SurnameGroup.KINH] = _weighted(kinh_surname_weights(group_shares))
        self._middle = {key: _weighted(table) for key, table in _MIDDLE.items()}
        self._given = {gender: _given(names, _POPULAR_GIVEN) for gender, names in _GIVEN.items()}
        self._hmong_given = {gender: _given(names) for gender, names in _HMONG_GIVEN.items()}
        self._ede_given = {gender: _given(names) for gender, names in _EDE_GIVEN.items()}

    def family_name(self, naming: Naming, uniform: Callable[[], float]) -> str:
        return self._surnames[naming.surnames].pick(uniform)

    def full_name(
        self, naming: Naming, gender: Gender, birth_year: int, family_name: str, uniform: Callable[[], float]
    ) -> str:
        style = naming.style
        if style is NameStyle.VIETNAMESE:
            middle = self._middle[(gender, birth_year >= _MODERN_MIDDLE_FROM)].pick(uniform)
            return f"{family_name} {middle} {self._given[gender].pick(uniform)}"
        if style is NameStyle.HMONG:
            return f"{family_name} {_HMONG_MIDDLE[gender]} {self._hmong_given[gender].pick(uniform)}"
        return f"{_EDE_PREFIX[gender]}{self._ede_given[gender].pick(uniform)} {family_name}"
