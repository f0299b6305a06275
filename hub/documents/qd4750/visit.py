"""The visit summary, table XML1: who the patient is and when the episode ran; the other tables lean on it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from hub.documents.qd4750 import tables
from hub.documents.qd4750.base import Qd4750Record
from hub.documents.qd4750.fields import TableSpec
from hub.documents.qd4750.values import BirthTime


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.split(";") if part.strip()) if value else ()


@dataclass(frozen=True, slots=True, kw_only=True)
class VisitSummary(Qd4750Record):
    """Visit summary (bảng chỉ tiêu tổng hợp khám bệnh, chữa bệnh), table XML1: the patient and the episode.

    Its number is MA_LK, the episode code every other table of the same HOSO carries.
    """

    SPEC: ClassVar[TableSpec] = tables.XML1

    ma_lk: str
    stt: int | None = None
    ma_bn: str | None = None
    ho_ten: str
    so_cccd: str | None = None
    ngay_sinh: BirthTime
    gioi_tinh: int
    nhom_mau: str | None = None
    ma_quoctich: str | None = None
    ma_dantoc: str | None = None
    ma_nghe_nghiep: str | None = None
    dia_chi: str | None = None
    matinh_cu_tru: str | None = None
    mahuyen_cu_tru: str | None = None
    maxa_cu_tru: str | None = None
    dien_thoai: str | None = None
    ma_the_bhyt: str | None = None
    ma_dkbd: str | None = None
    gt_the_tu: str | None = None
    gt_the_den: str | None = None
    ngay_mien_cct: dt.date | None = None
    ly_do_vv: str | None = None
    ly_do_vnt: str | None = None
    ma_ly_do_vnt: str | None = None
    chan_doan_vao: str | None = None
    chan_doan_rv: str | None = None
    ma_benh_chinh: str | None = None
    ma_benh_kt: str | None = None
    ma_benh_yhct: str | None = None
    ma_pttt_qt: str | None = None
    ma_doituong_kcb: str | None = None
    ma_noi_di: str | None = None
    ma_noi_den: str | None = None
    ma_tai_nan: int | None = None
    ngay_vao: dt.datetime
    ngay_vao_noi_tru: dt.datetime | None = None
    ngay_ra: dt.datetime
    giay_chuyen_tuyen: str | None = None
    so_ngay_dtri: int | None = None
    pp_dieu_tri: str | None = None
    ket_qua_dtri: int | None = None
    ma_loai_rv: int | None = None
    ghi_chu: str | None = None
    ngay_ttoan: dt.datetime | None = None
    t_thuoc: Decimal | None = None
    t_vtyt: Decimal | None = None
    t_tongchi_bv: Decimal | None = None
    t_tongchi_bh: Decimal | None = None
    t_bntt: Decimal | None = None
    t_bncct: Decimal | None = None
    t_bhtt: Decimal | None = None
    t_nguonkhac: Decimal | None = None
    t_bhtt_gdv: Decimal | None = None
    nam_qt: int | None = None
    thang_qt: int | None = None
    ma_loai_kcb: str | None = None
    ma_khoa: str | None = None
    ma_cskcb: str
    ma_khuvuc: str | None = None
    can_nang: Decimal | None = None
    can_nang_con: str | None = None
    nam_nam_lien_tuc: dt.date | None = None
    ngay_tai_kham: str | None = None
    ma_hsba: str | None = None
    ma_ttdv: str | None = None
    du_phong: str | None = None

    @property
    def document_number(self) -> str:
        return self.ma_lk

    @property
    def card_numbers(self) -> tuple[str, ...]:
        """The health-insurance card numbers of the episode (MA_THE_BHYT lists a new card after a ';')."""
        return _split(self.ma_the_bhyt)
