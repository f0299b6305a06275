"""A small corpus of QĐ 130/4750 documents built to the official tables, with realistic Vietnamese data.

Facility 48001 (a Đà Nẵng hospital). Episodes: a caesarean birth of twins (one with a temporary card code), a birth
under 32 weeks, a pneumonia with a sick-leave certificate, a threatened miscarriage with a pregnancy-rest
certificate, a termination recorded on a discharge paper, and a transfer to a central hospital.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from hub.documents.qd4750 import (
    AssessmentMinutes,
    BirthCertificate,
    BirthTime,
    DischargePaper,
    FileContent,
    MedicalRecordSummary,
    PregnancyRestCertificate,
    Record,
    SickLeaveCertificate,
    TransferPaper,
    VisitSummary,
    table_file,
)

FACILITY = "48001"
SENT = dt.date(2025, 3, 10)

MOTHER = VisitSummary(
    ma_lk="48001.2025.000123",
    stt=1,
    ma_bn="BN0045213",
    ho_ten="Nguyễn Thị Lan",
    so_cccd="048192001234",
    ngay_sinh=BirthTime(1992, 3, 14),
    gioi_tinh=2,
    ma_quoctich="000",
    ma_dantoc="01",
    ma_nghe_nghiep="00000",
    dia_chi="Tổ 12, phường Hải Châu, thành phố Đà Nẵng",
    matinh_cu_tru="48",
    maxa_cu_tru="20194",
    dien_thoai="0905123456",
    ma_the_bhyt="DN4484801234567",
    ma_dkbd="48001",
    gt_the_tu="20250101",
    gt_the_den="20251231",
    ngay_mien_cct=dt.date(2024, 6, 1),
    ly_do_vv="Chuyển dạ",
    chan_doan_vao="Thai 36 tuần, song thai, chuyển dạ",
    chan_doan_rv="Sinh đôi, mổ lấy thai",
    ma_benh_chinh="O84.2",
    ma_benh_kt="O30.0",
    ma_pttt_qt="74.1",
    ma_doituong_kcb="1.1",
    ngay_vao=dt.datetime(2025, 3, 1, 8, 15),
    ngay_vao_noi_tru=dt.datetime(2025, 3, 1, 9, 0),
    ngay_ra=dt.datetime(2025, 3, 6, 10, 30),
    so_ngay_dtri=6,
    ket_qua_dtri=1,
    ma_loai_rv=1,
    t_thuoc=Decimal("1250000.50"),
    t_vtyt=Decimal("480000"),
    t_tongchi_bv=Decimal("9850000.50"),
    nam_qt=2025,
    thang_qt=3,
    ma_loai_kcb="03",
    ma_khoa="K26",
    ma_cskcb=FACILITY,
    can_nang=Decimal("62.50"),
    can_nang_con="2450;2300",
    ma_hsba="HSBA-2025-0123",
    ma_ttdv="4801000011",
)

TWIN_A = BirthCertificate(
    ma_lk=MOTHER.ma_lk,
    ma_bhxh_nnd="4801234567",
    ma_the_nnd="DN4484801234567",
    ho_ten_nnd="Nguyễn Thị Lan",
    ngaysinh_nnd=dt.date(1992, 3, 14),
    ma_dantoc_nnd="01",
    so_cccd_nnd="048192001234",
    ngaycap_cccd_nnd=dt.date(2021, 7, 2),
    noicap_cccd_nnd="Cục Cảnh sát quản lý hành chính về trật tự xã hội",
    noi_cu_tru_nnd="Tổ 12, phường Hải Châu, thành phố Đà Nẵng",
    ma_quoctich="000",
    matinh_cu_tru="48",
    maxa_cu_tru="20194",
    ho_ten_cha="Trần Văn Hùng",
    ma_the_tam="TE1480123456789",
    ho_ten_con="Trần Minh Khôi",
    gioi_tinh_con=1,
    so_con=2,
    lan_sinh=1,
    so_con_song=2,
    can_nang_con=Decimal("2450"),
    ngay_sinh_con=dt.datetime(2025, 3, 2, 14, 5),
    noi_sinh_con="Bệnh viện Phụ sản - Nhi Đà Nẵng, phường Hải Châu, thành phố Đà Nẵng",
    tinh_trang_con="Khỏe mạnh",
    sinhcon_phauthuat=True,
    sinhcon_duoi32tuan=False,
    ghi_chu="Sinh con phải phẫu thuật",
    nguoi_do_de="Lê Thị Hồng",
    nguoi_ghi_phieu="Phạm Thu Trang",
    ngay_ct=dt.date(2025, 3, 2),
    so="0123",
    quyen_so="05",
    ma_ttdv="4801000011",
)
TWIN_B = dataclasses.replace(
    TWIN_A,
    ma_the_tam=None,
    ho_ten_con="Trần Minh Anh",
    gioi_tinh_con=2,
    can_nang_con=Decimal("2300"),
    ngay_sinh_con=dt.datetime(2025, 3, 2, 14, 7),
    so="0124",
)

PREMATURE = BirthCertificate(
    ma_lk="48001.2025.000207",
    ho_ten_nnd="Hồ Thị Mỹ Duyên",
    ngaysinh_nnd=dt.date(1998, 11, 30),
    so_cccd_nnd="049198004321",
    ma_the_tam="TE1480123450001",
    gioi_tinh_con=2,
    so_con=1,
    can_nang_con=Decimal("1350"),
    ngay_sinh_con=dt.datetime(2025, 2, 20, 3, 40),
    tinh_trang_con="Sinh non, yếu, nằm lồng ấp",
    sinhcon_phauthuat=False,
    sinhcon_duoi32tuan=True,
    ghi_chu="Sinh con dưới 32 tuần tuổi",
    ngay_ct=dt.date(2025, 2, 21),
    so="0098",
    quyen_so="05",
)

SICK_LEAVE = SickLeaveCertificate(
    ma_lk="48001.2025.000311",
    so_ct="CT07/2025/000311",
    so_seri="48001-2025-0004567",
    so_kcb="KCB-311",
    don_vi="Công ty TNHH Dệt may Hòa Khánh",
    ma_bhxh="4801234599",
    ma_the_bhyt="DN4484801234599",
    chan_doan_rv="J18.9 - Viêm phổi, không đặc hiệu",
    pp_dieutri="Kháng sinh, hạ sốt",
    so_ngay_nghi=5,
    tu_ngay=dt.date(2025, 3, 3),
    den_ngay=dt.date(2025, 3, 7),
    ma_ttdv="4801000011",
    ma_bs="4801000145",
    ngay_ct=dt.date(2025, 3, 3),
    mau_so="CT07",
)

PREGNANCY_REST = PregnancyRestCertificate(
    ma_lk="48001.2025.000342",
    so_seri="DT-2025-000087",
    so_ct="000087",
    so_ngay=14,
    don_vi="Trường Tiểu học Lê Lợi, quận Hải Châu",
    chan_doan_rv="O20.0 - Dọa sẩy thai; dưỡng thai",
    tu_ngay=dt.date(2025, 3, 5),
    den_ngay=dt.date(2025, 3, 18),
    ma_ttdv="4801000011",
    ten_bs="BS. Võ Thị Ngọc Hà",
    ma_bs="4801000177",
    ngay_ct=dt.date(2025, 3, 5),
)

TERMINATION = DischargePaper(
    ma_lk="48001.2025.000355",
    so_luu_tru="LT-2025-0355",
    ma_yte="BN0047781",
    ma_khoa_rv="K26",
    ngay_vao=dt.datetime(2025, 3, 6, 7, 30),
    ngay_ra=dt.datetime(2025, 3, 8, 16, 0),
    ma_dinh_chi_thai=True,
    nguyennhan_dinhchi="Thai lưu",
    thoigian_dinhchi=dt.datetime(2025, 3, 6, 10, 20),
    tuoi_thai=14,
    chan_doan_rv="O02.1 - Thai lưu",
    pp_dieutri="Nong và nạo buồng tử cung",
    ma_ttdv="4801000011",
    ma_bs="4801000177",
    ten_bs="BS. Võ Thị Ngọc Hà",
    ngay_ct=dt.date(2025, 3, 8),
    so_ngay_nghi=10,
    ngoaitru_tungay=dt.date(2025, 3, 9),
    ngoaitru_denngay=dt.date(2025, 3, 18),
)

SUMMARY = MedicalRecordSummary(
    ma_lk=MOTHER.ma_lk,
    ma_loai_kcb="03",
    don_vi="Công ty Cổ phần Thủy sản Sơn Trà",
    ngay_vao=MOTHER.ngay_vao,
    ngay_ra=MOTHER.ngay_ra,
    chan_doan_vao="Song thai 36 tuần",
    chan_doan_rv="Sinh đôi, mổ lấy thai",
    qt_benhly="Chuyển dạ, mổ lấy thai ngày 02/03/2025",
    tomtat_kq="Công thức máu bình thường",
    pp_dieutri="Mổ lấy thai",
    ket_qua_dtri=1,
    ma_ttdv="4801000011",
    ngay_ct=dt.date(2025, 3, 6),
)

TRANSFER = TransferPaper(
    ma_lk="48001.2025.000377",
    so_hoso="CT-2025-0377",
    so_chuyentuyen="0377",
    giay_chuyen_tuyen="48001/2025/0377",
    ma_cskcb=FACILITY,
    ma_noi_den="01929",
    ho_ten="Phan Văn Đức",
    ngay_sinh=BirthTime(1968, 0, 0),
    gioi_tinh=1,
    dia_chi="Thôn Phú Sơn, xã Hòa Khương, thành phố Đà Nẵng",
    ma_the_bhyt="HT3484801239876",
    ngay_vao=dt.datetime(2025, 3, 7, 20, 5),
    chan_doan_rv="I21.0 - Nhồi máu cơ tim cấp thành trước",
    ma_benh_chinh="I21.0",
    ma_loai_rv=2,
    ma_lydo_ct=2,
    phuongtien_vc="Xe cứu thương",
    hoten_nguoi_ht="Đặng Quốc Bảo",
    chucdanh_nguoi_ht="Điều dưỡng",
)

COUNCIL = "48901"  # the medical assessment council of Đà Nẵng (a party of QĐ 69/QĐ-TTg Art 1(2)), its unit code
ASSESSMENT = AssessmentMinutes(
    nguoi_chu_tri="Trần Minh Quang",
    chuc_vu=1,
    ngay_hop=dt.date(2025, 3, 20),
    ho_ten="Nguyễn Thị Lan",
    ngay_sinh=dt.date(1992, 3, 14),
    so_cccd="048192001234",
    dia_chi="Tổ 5, phường Hòa Khánh Bắc, thành phố Đà Nẵng",
    ma_doi_tuong="TH",
    kham_giam_dinh=1,
    so_bien_ban="GDYK-48-2025-0142",
    ngay_chung_tu=dt.date(2025, 3, 20),
    ket_qua_kham="Sau sinh mổ, biến chứng sản giật; suy giảm khả năng lao động 81%",
    tyle_ttct_moi=81,
    duoc_xacdinh="Không đủ sức khỏe để chăm sóc con sau khi sinh",
)
"""Minutes of a council (XML12): the twins' mother cannot care for them after the birth."""

# A second child born on 10/8/2026 (issue 21): the mother's second birth, one living child before it (LAN_SINH 2,
# SO_CON_SONG 2 with the newborn), a single child born normally. Not part of the corpus below.
SECOND_CHILD_VISIT = dataclasses.replace(
    MOTHER,
    ma_lk="48001.2026.000810",
    ma_bn="BN0051810",
    ho_ten="Phạm Thị Hoa",
    so_cccd="048195004567",
    ngay_sinh=BirthTime(1995, 5, 20),
    dien_thoai="0905765432",
    ma_the_bhyt="DN4484801239810",
    gt_the_tu="20260101",
    gt_the_den="20261231",
    chan_doan_vao="Thai 39 tuần, chuyển dạ",
    chan_doan_rv="Sinh thường",
    ma_benh_chinh="O80",
    ma_benh_kt=None,
    ma_pttt_qt=None,
    ngay_vao=dt.datetime(2026, 8, 9, 22, 0),
    ngay_vao_noi_tru=dt.datetime(2026, 8, 9, 22, 30),
    ngay_ra=dt.datetime(2026, 8, 12, 10, 0),
    so_ngay_dtri=4,
    nam_qt=2026,
    thang_qt=8,
    can_nang_con="3100",
    ma_hsba="HSBA-2026-0810",
)
SECOND_CHILD = dataclasses.replace(
    TWIN_A,
    ma_lk=SECOND_CHILD_VISIT.ma_lk,
    ma_bhxh_nnd=None,
    ma_the_nnd="DN4484801239810",
    ho_ten_nnd="Phạm Thị Hoa",
    ngaysinh_nnd=dt.date(1995, 5, 20),
    so_cccd_nnd="048195004567",
    ho_ten_cha="Đặng Văn Phúc",
    ma_the_tam=None,
    ho_ten_con="Đặng Gia Bảo",
    so_con=1,
    lan_sinh=2,
    so_con_song=2,
    can_nang_con=Decimal("3100"),
    ngay_sinh_con=dt.datetime(2026, 8, 10, 9, 30),
    sinhcon_phauthuat=False,
    ghi_chu=None,
    ngay_ct=dt.date(2026, 8, 10),
    so="00810.GCS.48001.26",  # TT 22/2025/TT-BYT
)

DOCUMENTS = (TWIN_A, TWIN_B, PREMATURE, SICK_LEAVE, PREGNANCY_REST, TERMINATION, SUMMARY, TRANSFER)
"""Every document of the corpus, each with its own table; the twins share one XML9."""

BASE_RECORDS: dict[str, Record] = {
    "XML1": MOTHER,
    "XML7": TERMINATION,
    "XML8": SUMMARY,
    "XML9": TWIN_A,
    "XML10": PREGNANCY_REST,
    "XML11": SICK_LEAVE,
    "XML12": ASSESSMENT,
    "XML13": TRANSFER,
}
"""One valid record of each parsed table."""


DRUGS = b"<CHITIEU_CHITIET_THUOC><DSACH_CHI_TIET_THUOC/></CHITIEU_CHITIET_THUOC>"
"""A drug table (XML2), which the hub keeps as sent without reading it."""


def corpus() -> list[list[FileContent]]:
    """Five episodes of facility 48001, each with its XML1 and its documents, plus a drug table kept as sent."""
    return [
        [table_file(MOTHER), table_file(TWIN_A, TWIN_B), table_file(SUMMARY), ("XML2", DRUGS)],
        [table_file(visit_of(SICK_LEAVE.ma_lk, "Lê Văn Tâm", "048085000321", 1)), table_file(SICK_LEAVE)],
        [table_file(visit_of(PREGNANCY_REST.ma_lk, "Võ Thị Hạnh", "048195000456")), table_file(PREGNANCY_REST)],
        [table_file(visit_of(TERMINATION.ma_lk, "Đỗ Thị Mai", "048196000789")), table_file(TERMINATION)],
        [table_file(visit_of(TRANSFER.ma_lk, "Phan Văn Đức", "048068000111", 1)), table_file(TRANSFER)],
    ]


def visit_of(ma_lk: str, ho_ten: str, so_cccd: str, gioi_tinh: int = 2) -> VisitSummary:
    """The XML1 of another episode at the same facility."""
    return dataclasses.replace(MOTHER, ma_lk=ma_lk, ho_ten=ho_ten, so_cccd=so_cccd, gioi_tinh=gioi_tinh)


def replace_text(xml: bytes, tag: str, text: str, *, occurrence: int = 0) -> bytes:
    """`xml` with the text of the `occurrence`-th <tag> element set to `text` (already XML-escaped)."""
    opening, closing = f"<{tag}>".encode(), f"</{tag}>".encode()
    start = -1
    for _ in range(occurrence + 1):
        start = xml.index(opening, start + 1)
    end = xml.index(closing, start)
    return xml[: start + len(opening)] + text.encode() + xml[end:]
