"""Envelopes of a realistic size for bench/big_envelope.py: one hospital stay per envelope, its visit summary (XML1)
with the detail tables a hospital's software sends beside it, the drugs given (XML2, chi tiết thuốc) and the
services and supplies (XML3, chi tiết dịch vụ kỹ thuật và vật tư y tế), 500 rows each by default: about 1.5 MB
signed. The hub keeps XML2 and XML3 as sent (checked to be safe XML, stored within the envelope, acknowledged as
KEPT on the receipt) and reads only the XML1.

The rows carry every field of QĐ 4750's tables 2 and 3, blank ones written as empty elements as hospitals' software
does; drugs and services come from short catalogues, prices and quantities vary, each order inside the stay.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from decimal import Decimal
from xml.sax.saxutils import escape

from devkit.synthetic import Facility
from devkit.workloads.documents import EnvelopeFactory, Hospital, SignedEnvelope
from hub.documents.qd4750 import VisitSummary, table_file

DRUG_ROOT, DRUG_LIST, DRUG_ITEM = "CHITIEU_CHITIET_THUOC", "DSACH_CHI_TIET_THUOC", "CHI_TIET_THUOC"
SERVICE_ROOT, SERVICE_LIST, SERVICE_ITEM = "CHITIEU_CHITIET_DVKT_VTYT", "DSACH_CHI_TIET_DVKT", "CHI_TIET_DVKT"

# QĐ 4750 (amending QĐ 130), table 2: chỉ tiêu chi tiết thuốc.
DRUG_FIELDS = (
    "MA_LK", "STT", "MA_THUOC", "MA_PP_CHEBIEN", "MA_CSKCB_THUOC", "MA_NHOM", "TEN_THUOC", "DON_VI_TINH", "HAM_LUONG",
    "DUONG_DUNG", "DANG_BAO_CHE", "LIEU_DUNG", "CACH_DUNG", "SO_DANG_KY", "TT_THAU", "PHAM_VI", "TYLE_TT_BH",
    "SO_LUONG", "DON_GIA", "THANH_TIEN_BV", "THANH_TIEN_BH", "T_NGUONKHAC_NSNN", "T_NGUONKHAC_VTNN",
    "T_NGUONKHAC_VTTN", "T_NGUONKHAC_CL", "T_NGUONKHAC", "MUC_HUONG", "T_BHTT", "T_BNCCT", "T_BNTT", "MA_KHOA",
    "MA_BAC_SI", "MA_DICH_VU", "NGAY_YL", "NGAY_TH_YL", "MA_PTTT", "NGUON_CTRA", "VET_THUONG_TP", "DU_PHONG",
)  # fmt: skip
# Table 3: chỉ tiêu chi tiết dịch vụ kỹ thuật và vật tư y tế.
SERVICE_FIELDS = (
    "MA_LK", "STT", "MA_DICH_VU", "MA_PTTT_QT", "MA_VAT_TU", "MA_NHOM", "GOI_VTYT", "TEN_VAT_TU", "TEN_DICH_VU",
    "MA_XANG_DAU", "DON_VI_TINH", "PHAM_VI", "SO_LUONG", "DON_GIA_BV", "DON_GIA_BH", "TT_THAU", "TYLE_TT_DV",
    "TYLE_TT_BH", "THANH_TIEN_BV", "THANH_TIEN_BH", "T_TRANTT", "MUC_HUONG", "T_NGUONKHAC_NSNN", "T_NGUONKHAC_VTNN",
    "T_NGUONKHAC_VTTN", "T_NGUONKHAC_CL", "T_NGUONKHAC", "T_BNTT", "T_BNCCT", "T_BHTT", "MA_KHOA", "MA_GIUONG",
    "MA_BAC_SI", "NGUOI_THUC_HIEN", "MA_BENH", "MA_BENH_YHCT", "NGAY_YL", "NGAY_TH_YL", "NGAY_KQ", "MA_PTTT",
    "VET_THUONG_TP", "PP_VO_CAM", "VI_TRI_TH_DVKT", "MA_MAY", "MA_HIEU_SP", "TAI_SU_DUNG", "DU_PHONG",
)  # fmt: skip

# (MA_THUOC, TEN_THUOC, DON_VI_TINH, HAM_LUONG, DUONG_DUNG, DANG_BAO_CHE, CACH_DUNG, SO_DANG_KY, DON_GIA)
DRUGS = (
    ("40.17", "Paracetamol", "Viên", "500mg", "1.01", "Viên nén", "Uống khi sốt trên 38,5 độ", "VD-21234-14", 350),
    ("40.152", "Ceftriaxon", "Lọ", "1g", "2.15", "Bột pha tiêm", "Tiêm tĩnh mạch chậm", "VD-25871-16", 24_500),
    ("40.677", "Omeprazol", "Viên", "20mg", "1.01", "Viên nang", "Uống trước ăn sáng 30 phút", "VD-19876-13", 1_200),
    ("40.1001", "Natri clorid 0,9%", "Chai", "500ml", "2.15", "Dung dịch tiêm truyền", "Truyền tĩnh mạch XXX giọt/phút",
     "VD-22214-15", 9_800),
    ("40.91", "Metronidazol", "Chai", "500mg/100ml", "2.15", "Dung dịch tiêm truyền", "Truyền tĩnh mạch",
     "VD-27451-17", 14_300),
    ("40.420", "Enoxaparin", "Bơm tiêm", "40mg/0,4ml", "2.13", "Dung dịch tiêm", "Tiêm dưới da bụng", "QLSP-0712-13",
     78_000),
    ("40.55", "Ketorolac", "Ống", "30mg/ml", "2.10", "Dung dịch tiêm", "Tiêm bắp khi đau", "VN-18423-14", 12_600),
    ("40.312", "Amlodipin", "Viên", "5mg", "1.01", "Viên nén", "Uống buổi sáng", "VD-23987-15", 420),
    ("40.799", "Insulin người", "Lọ", "100IU/ml x 10ml", "2.13", "Hỗn dịch tiêm", "Tiêm dưới da trước ăn",
     "QLSP-0654-13", 125_000),
    ("40.230", "Vitamin B1 + B6 + B12", "Viên", "100mg + 200mg + 200mcg", "1.01", "Viên nén bao phim",
     "Uống sau ăn", "VD-20765-14", 900),
)  # fmt: skip
# (MA_DICH_VU, TEN_DICH_VU, MA_NHOM, DON_VI_TINH, DON_GIA, a supply: (MA_VAT_TU, TEN_VAT_TU) or None)
SERVICES = (
    ("02.1896", "Xét nghiệm tổng phân tích tế bào máu ngoại vi", "1", "Lần", 46_200, None),
    ("23.0075", "Định lượng Glucose máu", "1", "Lần", 21_500, None),
    ("23.0020", "Định lượng Creatinin máu", "1", "Lần", 21_500, None),
    ("18.0119", "Chụp X-quang ngực thẳng", "2", "Lần", 65_400, None),
    ("18.0001", "Siêu âm ổ bụng", "2", "Lần", 43_900, None),
    ("K26.1917", "Ngày giường bệnh Nội khoa loại 1 hạng II", "15", "Ngày", 199_100, None),
    ("01.0215", "Thay băng vết mổ chiều dài dưới 15cm", "8", "Lần", 57_600, None),
    ("N03.03.010", "Bơm tiêm nhựa dùng một lần 5ml", "10", "Cái", 1_150, ("N03.03.010", "Bơm tiêm 5ml")),
    ("N03.05.020", "Kim luồn tĩnh mạch 22G", "10", "Cái", 11_200, ("N03.05.020", "Kim luồn 22G")),
    ("N02.01.040", "Bông y tế thấm nước 100g", "10", "Gói", 18_300, ("N02.01.040", "Bông thấm nước")),
)
WARD = "K19"


def _money(value: Decimal) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y%m%d%H%M")


def _table(root: str, listing: str, item: str, names: Sequence[str], rows: Sequence[dict[str, str]]) -> bytes:
    """A table as hospitals' software writes it: UTF-8 with a declaration, every field, blank ones empty."""
    parts = [f'<?xml version="1.0" encoding="utf-8"?><{root}><{listing}>']
    for row in rows:
        parts.append(f"<{item}>")
        parts.extend(f"<{name}>{escape(row.get(name, ''))}</{name}>" for name in names)
        parts.append(f"</{item}>")
    parts.append(f"</{listing}></{root}>")
    return "".join(parts).encode("utf-8")


def _order_times(rng: random.Random, visit: VisitSummary) -> tuple[dt.datetime, dt.datetime]:
    """When an order was given and carried out, within the stay."""
    minutes = max(60, int((visit.ngay_ra - visit.ngay_vao).total_seconds() // 60) - 60)
    ordered = visit.ngay_vao + dt.timedelta(minutes=rng.randrange(minutes))
    return ordered, ordered + dt.timedelta(minutes=rng.randint(5, 55))


def _shares(total: Decimal) -> dict[str, str]:
    """What insurance pays (80 %) and the patient co-pays, of `total`."""
    paid = (total * Decimal("0.8")).quantize(Decimal("0.01"))
    return {"MUC_HUONG": "80", "T_BHTT": _money(paid), "T_BNCCT": _money(total - paid), "T_BNTT": "0"}


def drug_table(rng: random.Random, visit: VisitSummary, doctors: Sequence[str], rows: int) -> bytes:
    """XML2 of the stay: `rows` drug orders."""
    records = []
    for stt in range(1, rows + 1):
        code, name, unit, strength, route, form, use, registration, price = rng.choice(DRUGS)
        quantity = Decimal(rng.randint(1, 6))
        total = quantity * price
        ordered, done = _order_times(rng, visit)
        records.append(
            {
                "MA_LK": visit.ma_lk,
                "STT": str(stt),
                "MA_THUOC": code,
                "MA_NHOM": "4",
                "TEN_THUOC": name,
                "DON_VI_TINH": unit,
                "HAM_LUONG": strength,
                "DUONG_DUNG": route,
                "DANG_BAO_CHE": form,
                "LIEU_DUNG": f"{quantity} {unit.lower()}/lần, {rng.randint(1, 3)} lần/ngày",
                "CACH_DUNG": use,
                "SO_DANG_KY": registration,
                "TT_THAU": f"G1;N1;{ordered.year}.{rng.randint(1, 40):02d};01",
                "PHAM_VI": "1",
                "TYLE_TT_BH": "100",
                "SO_LUONG": str(quantity),
                "DON_GIA": str(price),
                "THANH_TIEN_BV": _money(total),
                "THANH_TIEN_BH": _money(total),
                **_shares(total),
                "MA_KHOA": WARD,
                "MA_BAC_SI": rng.choice(doctors),
                "NGAY_YL": _stamp(ordered),
                "NGAY_TH_YL": _stamp(done),
                "NGUON_CTRA": "1",
            }
        )
    return _table(DRUG_ROOT, DRUG_LIST, DRUG_ITEM, DRUG_FIELDS, records)


def service_table(rng: random.Random, visit: VisitSummary, doctors: Sequence[str], rows: int) -> bytes:
    """XML3 of the stay: `rows` services and supplies."""
    records = []
    for stt in range(1, rows + 1):
        code, name, group, unit, price, supply = rng.choice(SERVICES)
        quantity = Decimal(rng.randint(1, 3))
        total = quantity * price
        ordered, done = _order_times(rng, visit)
        record: dict[str, str] = {
            "MA_LK": visit.ma_lk,
            "STT": str(stt),
            "MA_NHOM": group,
            "DON_VI_TINH": unit,
            "PHAM_VI": "1",
            "SO_LUONG": str(quantity),
            "DON_GIA_BV": str(price),
            "DON_GIA_BH": str(price),
            "TYLE_TT_DV": "100",
            "TYLE_TT_BH": "100",
            "THANH_TIEN_BV": _money(total),
            "THANH_TIEN_BH": _money(total),
            **_shares(total),
            "MA_KHOA": WARD,
            "MA_BAC_SI": rng.choice(doctors),
            "NGUOI_THUC_HIEN": rng.choice(doctors),
            "MA_BENH": visit.ma_benh_chinh or "",
            "NGAY_YL": _stamp(ordered),
            "NGAY_TH_YL": _stamp(done),
            "NGAY_KQ": _stamp(done + dt.timedelta(minutes=30)),
            "TAI_SU_DUNG": "0",
        }
        if supply is None:
            record |= {"MA_DICH_VU": code, "TEN_DICH_VU": name}
        else:
            record |= {"MA_VAT_TU": supply[0], "TEN_VAT_TU": supply[1], "TT_THAU": f"G1;N1;{ordered.year}.07;01"}
        if group == "15":
            record["MA_GIUONG"] = f"H{rng.randint(1, 40):03d}"
        records.append(record)
    return _table(SERVICE_ROOT, SERVICE_LIST, SERVICE_ITEM, SERVICE_FIELDS, records)


class BigEnvelopeFactory(EnvelopeFactory):
    """`count` hospitals with their identities (as the documents benchmark has them), and envelopes of one hospital
    stay each: XML1, XML2 of `drug_rows` drugs, XML3 of `service_rows` services and supplies."""

    def __init__(self, seed: int, facilities: Sequence[Facility], count: int, today: dt.date) -> None:
        super().__init__(seed, facilities, count, today)
        self._rng = random.Random(f"bench-big-envelope:{seed}")

    def big_envelope(self, drug_rows: int, service_rows: int) -> SignedEnvelope:
        hospital: Hospital = self.next_hospital()
        visit = self.maker.inpatient_visit(hospital, 1)
        doctors = [code for _, code in hospital.doctors]
        files = [
            table_file(visit),
            ("XML2", drug_table(self._rng, visit, doctors, drug_rows)),
            ("XML3", service_table(self._rng, visit, doctors, service_rows)),
        ]
        return self.signed(hospital, [files])
