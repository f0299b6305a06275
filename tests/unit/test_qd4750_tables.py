"""The field tables and record types agree with each other and with the appendix of QĐ 4750."""

import dataclasses
import datetime as dt
import typing
from decimal import Decimal

import pytest

from hub.documents.qd4750 import KNOWN_LOAIHOSO, PARSED_TABLES, RECORD_TYPES, BirthTime, Kind, certificates, visit

PYTHON_TYPES = {
    Kind.STRING: str,
    Kind.INTEGER: int,
    Kind.DECIMAL: Decimal,
    Kind.FLAG: bool,
    Kind.DATE: dt.date,
    Kind.DATETIME: dt.datetime,
    Kind.DATE_OR_DATETIME: dt.date,
    Kind.BIRTH_TIME: BirthTime,
}
FIELD_COUNTS = {"XML1": 66, "XML7": 26, "XML8": 22, "XML9": 35, "XML10": 13, "XML11": 23, "XML12": 35, "XML13": 39}
ROOTS = {
    "XML1": "TONG_HOP",
    "XML7": "CHI_TIEU_DU_LIEU_GIAY_RA_VIEN",
    "XML8": "CHI_TIEU_DU_LIEU_TOM_TAT_HO_SO_BENH_AN",
    "XML9": "CHI_TIEU_DU_LIEU_GIAY_CHUNG_SINH",
    "XML10": "CHI_TIEU_DU_LIEU_GIAY_NGHI_DUONG_THAI",
    "XML11": "CHI_TIEU_DU_LIEU_GIAY_CHUNG_NHAN_NGHI_VIEC_HUONG_BAO_HIEM_XA_HOI",
    "XML12": "CHI_TIEU_DU_LIEU_GIAM_DINH_Y_KHOA",
    "XML13": "CHI_TIEU_GIAYCHUYENTUYEN",
}


@pytest.mark.parametrize("loaihoso", sorted(PARSED_TABLES))
def test_record_attributes_are_the_table_fields_in_order_with_the_kind_type(loaihoso):
    spec = PARSED_TABLES[loaihoso]
    record_type = RECORD_TYPES[loaihoso]
    module = visit if loaihoso == "XML1" else certificates
    hints = typing.get_type_hints(record_type, vars(module))
    attributes = [field.name for field in dataclasses.fields(record_type)]
    assert attributes == [field.attribute for field in spec.fields]
    assert len(spec.fields) == FIELD_COUNTS[loaihoso]
    for field in spec.fields:
        expected = PYTHON_TYPES[field.kind]
        assert hints[field.attribute] == (expected if field.required else expected | None), field.name
        default = record_type.__dataclass_fields__[field.attribute].default
        assert (default is dataclasses.MISSING) == field.required, field.name


@pytest.mark.parametrize("loaihoso", sorted(PARSED_TABLES))
def test_each_table_has_its_root_unique_fields_and_a_required_ma_lk(loaihoso):
    spec = PARSED_TABLES[loaihoso]
    names = [field.name for field in spec.fields]
    assert spec.root == ROOTS[loaihoso]
    assert len(set(names)) == len(names)
    if loaihoso == "XML12":  # a council's minutes belong to no treatment episode: their number stands for it
        assert "MA_LK" not in names and spec.field("SO_BIEN_BAN").required
    else:
        assert names[0] == "MA_LK" and spec.fields[0].required
    for field in spec.fields:
        if field.required_if is not None:
            assert field.required_if[0] in names and not field.required
        assert field.meaning and len(field.meaning) <= 80


def test_qd4750_changes_are_applied():
    xml1 = PARSED_TABLES["XML1"]
    # "Đổi kiểu dữ liệu thành chuỗi": identity numbers and codes keep their leading zeros
    for name in ("SO_CCCD", "MA_QUOCTICH", "MA_DANTOC", "MA_NGHE_NGHIEP", "DIEN_THOAI", "MA_LOAI_KCB"):
        assert xml1.field(name).kind is Kind.STRING, name
    assert PARSED_TABLES["XML11"].field("MA_BHXH").kind is Kind.STRING
    assert PARSED_TABLES["XML9"].field("SO_CCCD_NND").kind is Kind.STRING
    assert PARSED_TABLES["XML9"].field("MA_BHXH_NND").kind is Kind.STRING
    signed_by_a_facility = [name for name in PARSED_TABLES if name != "XML12"]  # minutes are the council's
    assert all(PARSED_TABLES[name].field("MA_TTDV").kind is Kind.STRING for name in signed_by_a_facility)
    assert PARSED_TABLES["XML12"].field("SO_CCCD").kind is Kind.STRING
    assert PARSED_TABLES["XML12"].field("DANG_HUONG_CHE_DO").max_size == 10
    # "Tăng kích thước tối đa lên 4 ký tự"; "Bổ sung mã 8: Tử vong ngoại viện"; "Bổ sung thêm trường dự phòng"
    assert xml1.field("MA_DOITUONG_KCB").max_size == 4
    assert "8" in (xml1.field("KET_QUA_DTRI").codes or ())
    assert all(PARSED_TABLES[name].fields[-1].name == "DU_PHONG" for name in PARSED_TABLES)


def test_numbers_dates_and_code_lists_follow_the_appendix():
    xml1, xml9, xml11 = PARSED_TABLES["XML1"], PARSED_TABLES["XML9"], PARSED_TABLES["XML11"]
    assert xml1.field("GIOI_TINH").codes == frozenset({"1", "2", "3"})
    assert xml1.field("NGAY_SINH").kind is Kind.BIRTH_TIME
    assert xml1.field("NGAY_VAO").kind is Kind.DATETIME and xml1.field("NGAY_VAO").max_size == 12
    assert xml1.field("T_TONGCHI_BV").kind is Kind.DECIMAL and xml1.field("STT").kind is Kind.INTEGER
    assert xml1.field("MA_THE_BHYT").max_size is None  # "n": a list of cards
    assert xml9.field("SINHCON_PHAUTHUAT").kind is Kind.FLAG and xml9.field("SINHCON_DUOI32TUAN").required
    assert xml9.field("NGAY_SINH_CON").kind is Kind.DATETIME and xml9.field("MA_THE_TAM").max_size == 15
    assert xml9.list_tag == "DSACH_GIAYCHUNGSINH" and xml9.item_tag == "DU_LIEU_GIAY_CHUNG_SINH"
    assert xml11.field("TU_NGAY").kind is Kind.DATE and xml11.field("MAU_SO").codes == frozenset({"CT07"})
    assert xml11.field("TUOI_THAI").minimum == 1 and xml11.field("TUOI_THAI").maximum == 42
    assert xml11.field("TUOI_THAI").required_if == ("MA_DINH_CHI_THAI", "1")
    assert PARSED_TABLES["XML13"].field("NGAY_SINH").kind is Kind.BIRTH_TIME  # "as in Bảng 1"


def test_identity_and_benefit_fields_are_required_and_blankable_ones_are_not():
    required = {name: {f.name for f in spec.fields if f.required} for name, spec in PARSED_TABLES.items()}
    assert {"MA_LK", "HO_TEN", "NGAY_SINH", "GIOI_TINH", "MA_CSKCB", "NGAY_VAO", "NGAY_RA"} <= required["XML1"]
    assert {"SO_SERI", "MA_BHXH", "TU_NGAY", "DEN_NGAY", "SO_NGAY_NGHI", "NGAY_CT"} <= required["XML11"]
    assert {"SO", "SO_CON", "NGAY_SINH_CON", "SINHCON_PHAUTHUAT", "HO_TEN_NND"} <= required["XML9"]
    # "nếu có" / "để trống": never required
    assert not {"MA_THE_BHYT", "SO_CCCD", "MA_THE_TAM"} & (required["XML1"] | required["XML11"])
    assert not {"MA_BHXH_NND", "MA_THE_NND", "HO_TEN_CON", "MA_THE_TAM"} & required["XML9"]


def test_every_loaihoso_of_the_standard_is_known():
    assert {f"XML{n}" for n in range(16)} == KNOWN_LOAIHOSO
    parsed = {"XML1", "XML7", "XML8", "XML9", "XML10", "XML11", "XML12", "XML13"}
    assert set(PARSED_TABLES) == parsed == set(RECORD_TYPES)
