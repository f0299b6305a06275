"""The documents behind benefits, one frozen dataclass per table: XML7 to XML13."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from hub.documents.qd4750 import tables
from hub.documents.qd4750.base import Qd4750Record
from hub.documents.qd4750.fields import TableSpec
from hub.documents.qd4750.values import BirthTime


@dataclass(frozen=True, slots=True, kw_only=True)
class DischargePaper(Qd4750Record):
    """Discharge paper (giấy ra viện), table XML7.

    One per episode and without a number of its own: its number is the episode's MA_LK.
    """

    SPEC: ClassVar[TableSpec] = tables.XML7

    ma_lk: str
    so_luu_tru: str | None = None
    ma_yte: str | None = None
    ma_khoa_rv: str | None = None
    ngay_vao: dt.datetime
    ngay_ra: dt.datetime
    ma_dinh_chi_thai: bool | None = None
    nguyennhan_dinhchi: str | None = None
    thoigian_dinhchi: dt.datetime | None = None
    tuoi_thai: int | None = None
    chan_doan_rv: str
    pp_dieutri: str | None = None
    ghi_chu: str | None = None
    ma_ttdv: str | None = None
    ma_bs: str | None = None
    ten_bs: str | None = None
    ngay_ct: dt.date
    ma_cha: str | None = None
    ma_me: str | None = None
    ma_the_tam: str | None = None
    ho_ten_cha: str | None = None
    ho_ten_me: str | None = None
    so_ngay_nghi: int | None = None
    ngoaitru_tungay: dt.date | None = None
    ngoaitru_denngay: dt.date | None = None
    du_phong: str | None = None

    @property
    def document_number(self) -> str:
        return self.ma_lk


@dataclass(frozen=True, slots=True, kw_only=True)
class MedicalRecordSummary(Qd4750Record):
    """Medical-record summary (tóm tắt hồ sơ bệnh án), table XML8.

    One per episode and without a number of its own: its number is the episode's MA_LK.
    """

    SPEC: ClassVar[TableSpec] = tables.XML8

    ma_lk: str
    ma_loai_kcb: str | None = None
    ho_ten_cha: str | None = None
    ho_ten_me: str | None = None
    nguoi_giam_ho: str | None = None
    don_vi: str | None = None
    ngay_vao: dt.datetime
    ngay_ra: dt.datetime
    chan_doan_vao: str | None = None
    chan_doan_rv: str
    qt_benhly: str | None = None
    tomtat_kq: str | None = None
    pp_dieutri: str | None = None
    ngay_sinhcon: dt.date | None = None
    ngay_conchet: dt.date | None = None
    so_conchet: int | None = None
    ket_qua_dtri: int | None = None
    ghi_chu: str | None = None
    ma_ttdv: str | None = None
    ngay_ct: dt.date
    ma_the_tam: str | None = None
    du_phong: str | None = None

    @property
    def document_number(self) -> str:
        return self.ma_lk


@dataclass(frozen=True, slots=True, kw_only=True)
class BirthCertificate(Qd4750Record):
    """Birth certificate (giấy chứng sinh), table XML9: one per child, so twins make two.

    Its number is SO within its book QUYEN_SO, written QUYEN_SO/SO (SO alone when no book is given).
    """

    SPEC: ClassVar[TableSpec] = tables.XML9

    ma_lk: str
    ma_bhxh_nnd: str | None = None
    ma_the_nnd: str | None = None
    ho_ten_nnd: str
    ngaysinh_nnd: dt.date
    ma_dantoc_nnd: str | None = None
    so_cccd_nnd: str
    ngaycap_cccd_nnd: dt.date | None = None
    noicap_cccd_nnd: str | None = None
    noi_cu_tru_nnd: str | None = None
    ma_quoctich: str | None = None
    matinh_cu_tru: str | None = None
    mahuyen_cu_tru: str | None = None
    maxa_cu_tru: str | None = None
    ho_ten_cha: str | None = None
    ma_the_tam: str | None = None
    ho_ten_con: str | None = None
    gioi_tinh_con: int
    so_con: int
    lan_sinh: int | None = None
    so_con_song: int | None = None
    can_nang_con: Decimal | None = None
    ngay_sinh_con: dt.datetime
    noi_sinh_con: str | None = None
    tinh_trang_con: str | None = None
    sinhcon_phauthuat: bool
    sinhcon_duoi32tuan: bool
    ghi_chu: str | None = None
    nguoi_do_de: str | None = None
    nguoi_ghi_phieu: str | None = None
    ngay_ct: dt.date
    so: str
    quyen_so: str | None = None
    ma_ttdv: str | None = None
    du_phong: str | None = None

    @property
    def document_number(self) -> str:
        return f"{self.quyen_so}/{self.so}" if self.quyen_so else self.so


@dataclass(frozen=True, slots=True, kw_only=True)
class PregnancyRestCertificate(Qd4750Record):
    """Pregnancy-rest certificate (giấy chứng nhận nghỉ dưỡng thai), table XML10.

    Its number is the serial SO_SERI (SO_CT is the facility's internal number).
    """

    SPEC: ClassVar[TableSpec] = tables.XML10

    ma_lk: str
    so_seri: str
    so_ct: str | None = None
    so_ngay: int
    don_vi: str | None = None
    chan_doan_rv: str
    tu_ngay: dt.date
    den_ngay: dt.date
    ma_ttdv: str | None = None
    ten_bs: str | None = None
    ma_bs: str | None = None
    ngay_ct: dt.date
    du_phong: str | None = None

    @property
    def document_number(self) -> str:
        return self.so_seri


@dataclass(frozen=True, slots=True, kw_only=True)
class SickLeaveCertificate(Qd4750Record):
    """Sick-leave certificate (giấy chứng nhận nghỉ việc hưởng BHXH), table XML11, form CT07.

    Its number is SO_SERI, the certificate's identifier (SO_CT is its archive code, SO_KCB an internal number).
    """

    SPEC: ClassVar[TableSpec] = tables.XML11

    ma_lk: str
    so_ct: str | None = None
    so_seri: str
    so_kcb: str | None = None
    don_vi: str | None = None
    ma_bhxh: str
    ma_the_bhyt: str | None = None
    chan_doan_rv: str
    pp_dieutri: str | None = None
    ma_dinh_chi_thai: bool | None = None
    nguyennhan_dinhchi: str | None = None
    tuoi_thai: int | None = None
    so_ngay_nghi: int
    tu_ngay: dt.date
    den_ngay: dt.date
    ho_ten_cha: str | None = None
    ho_ten_me: str | None = None
    ma_ttdv: str | None = None
    ma_bs: str | None = None
    ngay_ct: dt.date
    ma_the_tam: str | None = None
    mau_so: str | None = None
    du_phong: str | None = None

    @property
    def document_number(self) -> str:
        return self.so_seri

    @property
    def form(self) -> str:
        """The form number: MAU_SO, which the gateway fills with CT07 when blank."""
        return self.mau_so or "CT07"


@dataclass(frozen=True, slots=True, kw_only=True)
class TransferPaper(Qd4750Record):
    """Transfer paper (giấy chuyển tuyến KBCB BHYT), table XML13.

    Its number is GIAY_CHUYEN_TUYEN, the transfer-paper number the facility issued.
    """

    SPEC: ClassVar[TableSpec] = tables.XML13

    ma_lk: str
    so_hoso: str | None = None
    so_chuyentuyen: str | None = None
    giay_chuyen_tuyen: str
    ma_cskcb: str
    ma_noi_di: str | None = None
    ma_noi_den: str
    ho_ten: str
    ngay_sinh: BirthTime
    gioi_tinh: int
    ma_quoctich: str | None = None
    ma_dantoc: str | None = None
    ma_nghe_nghiep: str | None = None
    dia_chi: str | None = None
    ma_the_bhyt: str | None = None
    gt_the_den: str | None = None
    ngay_vao: dt.datetime
    ngay_vao_noi_tru: dt.datetime | None = None
    ngay_ra: dt.datetime | None = None
    dau_hieu_ls: str | None = None
    chan_doan_rv: str
    qt_benhly: str | None = None
    tomtat_kq: str | None = None
    pp_dieutri: str | None = None
    ma_benh_chinh: str | None = None
    ma_benh_kt: str | None = None
    ma_benh_yhct: str | None = None
    ten_dich_vu: str | None = None
    ten_thuoc: str | None = None
    pp_dieu_tri: str | None = None
    ma_loai_rv: int | None = None
    ma_lydo_ct: int
    huong_dieu_tri: str | None = None
    phuongtien_vc: str | None = None
    hoten_nguoi_ht: str | None = None
    chucdanh_nguoi_ht: str | None = None
    ma_bac_si: str | None = None
    ma_ttdv: str | None = None
    du_phong: str | None = None

    @property
    def document_number(self) -> str:
        return self.giay_chuyen_tuyen


@dataclass(frozen=True, slots=True, kw_only=True)
class AssessmentMinutes(Qd4750Record):
    """Medical assessment minutes (biên bản giám định y khoa), table XML12, keyed in by a medical assessment council
    (Hội đồng giám định y khoa; a party of QĐ 69/QĐ-TTg Art 1(2)) and sent signed by the council's client.

    Its number is SO_BIEN_BAN. It has no treatment episode: `ma_lk` is the minutes' own number, so the envelope's
    one-episode check holds for a HOSO of minutes alone.
    """

    SPEC: ClassVar[TableSpec] = tables.XML12

    nguoi_chu_tri: str | None = None
    chuc_vu: int | None = None
    ngay_hop: dt.date
    ho_ten: str
    ngay_sinh: dt.date
    so_cccd: str | None = None
    ngay_cap_cccd: dt.date | None = None
    noi_cap_cccd: str | None = None
    dia_chi: str | None = None
    matinh_cu_tru: str | None = None
    mahuyen_cu_tru: str | None = None
    maxa_cu_tru: str | None = None
    ma_bhxh: str | None = None
    ma_the_bhyt: str | None = None
    nghe_nghiep: str | None = None
    dien_thoai: str | None = None
    ma_doi_tuong: str | None = None
    kham_giam_dinh: int | None = None
    so_bien_ban: str
    tyle_ttct_cu: int | None = None
    dang_huong_che_do: str | None = None
    ngay_chung_tu: dt.date | None = None
    so_giay_gioi_thieu: str | None = None
    ngay_de_nghi: dt.date | None = None
    ma_donvi: str | None = None
    gioi_thieu_cua: str | None = None
    ket_qua_kham: str
    so_van_ban_can_cu: str | None = None
    tyle_ttct_moi: int | None = None
    tong_tyle_ttct: int | None = None
    dang_khuyettat: int | None = None
    muc_do_khuyettat: int | None = None
    de_nghi: str | None = None
    duoc_xacdinh: str | None = None
    du_phong: str | None = None

    @property
    def document_number(self) -> str:
        return self.so_bien_ban

    @property
    def ma_lk(self) -> str:
        return self.so_bien_ban
