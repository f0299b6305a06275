"""Field tables of QĐ 130/4750/3176: the tables the hub parses (XML1, XML7–13), the
tables it keeps as sent (XML0, XML2–6, XML14, XML15: root and record layout checked, fields only named), and
each version's layout of every table (LAYOUTS; versions.py says which version applies when). The specs named XML1 …
are the current layout (QĐ 3176: XML1 NHOM_MAU, DU_PHONG in XML7/9/10/11); the QĐ 4750 layouts leave those out.

Derived from the official appendix of QĐ 4750/QĐ-BYT (phu-luc-qd4750.xlsx, the tables of QĐ 130/QĐ-BYT as
amended): field names, order and maximum sizes as printed ("n" = no limit: None), the QĐ 130 type with the QĐ 4750
changes applied ("Đổi kiểu dữ liệu thành chuỗi": a string now, so leading zeros survive; MA_DOITUONG_KCB widened to 4;
KET_QUA_DTRI gains code 8). A "Chuỗi" field whose meaning fixes a format becomes that kind: yyyymmdd a date,
yyyymmddHHMM a timestamp, NGAY_SINH a birth time whose unknown month or day is 00, NGAY_MIEN_CCT either, CAN_NANG a
decimal. XML13 fields that say "use the field of Bảng 1" take that field's kind. Meanings are shortened from the table.

Required or optional is the hub's reading, not printed in the appendix. A field is required when the hub keys or
links on it (MA_LK, the document's number, the facility), when it identifies the person or fixes a benefit (leave
dates and days, the child's birth, number of children, caesarean and under-32-weeks flags, the issue date), and the
meaning text gives no case in which it is left blank ("nếu có", "để trống", "trường hợp ..."). Fields the meaning
makes mandatory only in a case carry `required_if` (the termination-of-pregnancy details when MA_DINH_CHI_THAI is
1). Everything else is optional: the hub does not act on it, and refusing a hospital's record over it helps no one.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable

from hub.documents.qd4750 import versions
from hub.documents.qd4750.fields import FieldSpec as F
from hub.documents.qd4750.fields import Kind, TableSpec

S, INT, D, FL = Kind.STRING, Kind.INTEGER, Kind.DECIMAL, Kind.FLAG
DT, TS, DD, BT = Kind.DATE, Kind.DATETIME, Kind.DATE_OR_DATETIME, Kind.BIRTH_TIME
REQ, OPT = True, False

GENDER = frozenset({"1", "2", "3"})  # 1 nam (male), 2 nữ (female), 3 chưa xác định (undetermined)
TREATMENT_RESULT = frozenset({"1", "2", "3", "4", "5", "6", "7", "8"})
DISCHARGE_TYPE = frozenset({"1", "2", "3", "4", "5"})
TRANSFER_REASON = frozenset({"1", "2", "3"})
INPATIENT_FORM = frozenset({"02", "03", "04"})
SICK_LEAVE_FORM = frozenset({"CT07"})
IF_TERMINATED = ("MA_DINH_CHI_THAI", "1")

XML1 = TableSpec(
    loaihoso="XML1",
    root="TONG_HOP",
    title_vi="Bảng chỉ tiêu tổng hợp khám bệnh, chữa bệnh",
    title_en="visit summary",
    fields=(
        F("MA_LK", S, 100, REQ, "mã đợt điều trị duy nhất, liên kết các bảng của một lần KBCB"),
        F("STT", INT, 10, OPT, "số thứ tự tăng từ 1 đến hết trong một lần gửi dữ liệu"),
        F("MA_BN", S, 100, OPT, "mã người bệnh"),
        F("HO_TEN", S, 255, REQ, "họ và tên người bệnh"),
        F("SO_CCCD", S, 15, OPT, "số CCCD, CMND, hộ chiếu hoặc mã định danh điện tử"),
        F("NGAY_SINH", BT, 12, REQ, "ngày giờ sinh trên thẻ BHYT; tháng, ngày chưa rõ ghi 00"),
        F("GIOI_TINH", INT, 1, REQ, "giới tính: 1 nam, 2 nữ, 3 chưa xác định", codes=GENDER),
        F("NHOM_MAU", S, None, OPT, "nhóm máu của người bệnh (QĐ 3176 bổ sung)"),
        F("MA_QUOCTICH", S, 3, OPT, "mã quốc tịch của người bệnh"),
        F("MA_DANTOC", S, 2, OPT, "mã dân tộc của người bệnh"),
        F("MA_NGHE_NGHIEP", S, 5, OPT, "mã nghề nghiệp của người bệnh"),
        F("DIA_CHI", S, 1024, OPT, "địa chỉ nơi cư trú hiện tại của người bệnh"),
        F("MATINH_CU_TRU", S, 3, OPT, "mã đơn vị hành chính cấp tỉnh nơi cư trú hiện tại của người bệnh"),
        F("MAHUYEN_CU_TRU", S, 3, OPT, "mã đơn vị hành chính cấp huyện nơi cư trú hiện tại của người bệnh"),
        F("MAXA_CU_TRU", S, 5, OPT, "mã đơn vị hành chính cấp xã nơi cư trú hiện tại của người bệnh"),
        F("DIEN_THOAI", S, 15, OPT, "số điện thoại liên lạc của người bệnh hoặc của thân nhân người bệnh"),
        F("MA_THE_BHYT", S, None, OPT, "mã thẻ BHYT (15 ký tự; nhiều thẻ cách nhau bởi ;)"),
        F("MA_DKBD", S, None, OPT, "mã nơi đăng ký KCB ban đầu (5 ký tự; nhiều mã cách nhau bởi ;)"),
        F("GT_THE_TU", S, None, OPT, "ngày thẻ BHYT bắt đầu có giá trị, yyyymmdd (nhiều thẻ cách nhau bởi ;)"),
        F("GT_THE_DEN", S, None, OPT, "ngày thẻ BHYT hết giá trị, yyyymmdd (nhiều thẻ cách nhau bởi ;)"),
        F("NGAY_MIEN_CCT", DD, 12, OPT, "thời điểm được miễn cùng chi trả (yyyymmdd hoặc yyyymmddHHMM)"),
        F("LY_DO_VV", S, None, OPT, "lý do đến KBCB của người bệnh"),
        F("LY_DO_VNT", S, None, OPT, "lý do vào nội trú, áp dụng đối với trường hợp điều trị nội trú hoặc…"),
        F("MA_LY_DO_VNT", S, 5, OPT, "mã lý do người bệnh vào điều trị nội trú"),
        F("CHAN_DOAN_VAO", S, None, OPT, "chẩn đoán của cơ sở KBCB ở thời điểm tiếp nhận người bệnh (Chẩn…"),
        F("CHAN_DOAN_RV", S, None, OPT, "chẩn đoán ra viện (bệnh chính, bệnh kèm theo)"),
        F("MA_BENH_CHINH", S, 7, OPT, "mã bệnh chính"),
        F("MA_BENH_KT", S, 100, OPT, "mã các bệnh kèm theo"),
        F("MA_BENH_YHCT", S, 255, OPT, "mã bệnh áp dụng trong KBCB bằng YHCT (nếu có)"),
        F("MA_PTTT_QT", S, 125, OPT, "mã phẫu thuật, thủ thuật quốc tế ICD-9 CM"),
        F("MA_DOITUONG_KCB", S, 4, OPT, "mã đối tượng đến KBCB"),
        F("MA_NOI_DI", S, 5, OPT, "mã cơ sở KBCB nơi chuyển người bệnh"),
        F("MA_NOI_DEN", S, 5, OPT, "mã cơ sở KBCB nơi chuyển người bệnh đến"),
        F("MA_TAI_NAN", INT, 1, OPT, "mã tai nạn thương tích"),
        F("NGAY_VAO", TS, 12, REQ, "thời điểm người bệnh đến KBCB"),
        F("NGAY_VAO_NOI_TRU", TS, 12, OPT, "thời điểm người bệnh được bác sỹ chỉ định vào điều trị nội trú hoặc…"),
        F("NGAY_RA", TS, 12, REQ, "thời điểm kết thúc điều trị hoặc kết thúc khám bệnh"),
        F("GIAY_CHUYEN_TUYEN", S, 50, OPT, "số giấy chuyển tuyến của cơ sở KBCB nơi chuyển người bệnh chuyển đi…"),
        F("SO_NGAY_DTRI", INT, 3, OPT, "số ngày điều trị thực tế (theo MA_LOAI_KCB)"),
        F("PP_DIEU_TRI", S, None, OPT, "phương pháp điều trị"),
        F("KET_QUA_DTRI", INT, 1, OPT, "kết quả điều trị 1–8 (8 tử vong ngoại viện, QĐ 4750)", codes=TREATMENT_RESULT),
        F("MA_LOAI_RV", INT, 1, OPT, "mã loại ra viện (1–5)", codes=DISCHARGE_TYPE),
        F("GHI_CHU", S, None, OPT, "lời dặn của bác sĩ hoặc nhân viên y tế đối với người bệnh sau khi…"),
        F("NGAY_TTOAN", TS, 12, OPT, "thời điểm người bệnh thanh toán chi phí KBCB"),
        F("T_THUOC", D, 15, OPT, "tổng thành tiền (THANH_TIEN_BV) các khoản chi của thuốc (kể cả…"),
        F("T_VTYT", D, 15, OPT, "tổng thành tiền của vật tư y tế trong trường thông tin…"),
        F("T_TONGCHI_BV", D, 15, OPT, "tổng chi phí trong lần khám bệnh hoặc trong đợt điều trị, là tổng…"),
        F("T_TONGCHI_BH", D, 15, OPT, "tổng chi phí trong phạm vi quỹ BHYT thanh toán của lần khám bệnh…"),
        F("T_BNTT", D, 15, OPT, "tổng số tiền người bệnh tự trả ngoài phạm vi chi trả của Quỹ BHYT,…"),
        F("T_BNCCT", D, 15, OPT, "tổng số tiền người bệnh cùng chi trả trong phạm vi quyền lợi được…"),
        F("T_BHTT", D, 15, OPT, "tổng số tiền đề nghị cơ quan bảo hiểm xã hội thanh toán, theo công…"),
        F("T_NGUONKHAC", D, 15, OPT, "tổng số tiền các nguồn khác chi trả ngoài phạm vi chi trả của quỹ…"),
        F("T_BHTT_GDV", D, 15, OPT, "số tiền quỹ BHYT thanh toán đối với các khoản chi ngoài định suất…"),
        F("NAM_QT", INT, 4, OPT, "năm mà cơ sở KBCB đề nghị cơ quan BHXH thanh toán"),
        F("THANG_QT", INT, 2, OPT, "tháng mà cơ sở KBCB đề nghị cơ quan BHXH thanh toán", minimum=1, maximum=12),
        F("MA_LOAI_KCB", S, 2, OPT, "mã hình thức KBCB"),
        F("MA_KHOA", S, 50, OPT, "mã khoa nơi người bệnh điều trị"),
        F("MA_CSKCB", S, 5, REQ, "mã cơ sở KBCB nơi người bệnh đến khám bệnh, điều trị"),
        F("MA_KHUVUC", S, 2, OPT, "mã nơi sinh sống của người bệnh ghi trên thẻ BHYT (K1 hoặc K2 hoặc…"),
        F("CAN_NANG", D, 6, OPT, "số kilogram (kg) cân nặng của người bệnh, biểu thị đầy đủ cả số…"),
        F("CAN_NANG_CON", S, 100, OPT, "số gram (ký hiệu là: g) cân nặng của con mới sinh"),
        F("NAM_NAM_LIEN_TUC", DT, 8, OPT, "thời điểm người bệnh tham gia BHYT đủ 05 năm liên tục"),
        F("NGAY_TAI_KHAM", S, 50, OPT, "ngày cơ sở KBCB hẹn người bệnh tái khám tiếp theo (nếu có)"),
        F("MA_HSBA", S, 100, OPT, "mã số hồ sơ bệnh án hoặc số phiếu khám ngoại trú của người bệnh"),
        F("MA_TTDV", S, 10, OPT, "mã BHXH của thủ trưởng hoặc người được ủy quyền ký"),
        F("DU_PHONG", S, None, OPT, "trường dự phòng"),
    ),
)


XML7 = TableSpec(
    loaihoso="XML7",
    root="CHI_TIEU_DU_LIEU_GIAY_RA_VIEN",
    title_vi="Giấy ra viện",
    title_en="discharge paper",
    fields=(
        F("MA_LK", S, 100, REQ, "mã đợt điều trị duy nhất, liên kết các bảng của một lần KBCB"),
        F("SO_LUU_TRU", S, 200, OPT, "số lưu trữ, là số hồ sơ bệnh án của người bệnh trong đợt điều trị"),
        F("MA_YTE", S, 200, OPT, "mã y tế: mã người bệnh (MA_BN của bảng XML1)"),
        F("MA_KHOA_RV", S, 200, OPT, "mã khoa nơi tổng kết hồ sơ bệnh án của người bệnh"),
        F("NGAY_VAO", TS, 12, REQ, "thời điểm người bệnh đến KBCB"),
        F("NGAY_RA", TS, 12, REQ, "thời điểm kết thúc điều trị hoặc kết thúc khám bệnh"),
        F("MA_DINH_CHI_THAI", FL, 1, OPT, "1 đình chỉ thai nghén, 0 không"),
        F("NGUYENNHAN_DINHCHI", S, None, OPT, "nguyên nhân đình chỉ thai nghén", required_if=IF_TERMINATED),
        F("THOIGIAN_DINHCHI", TS, 12, OPT, "thời điểm đình chỉ thai nghén", required_if=IF_TERMINATED),
        F("TUOI_THAI", INT, 2, OPT, "tuổi thai, số tuần (1–42)", minimum=1, maximum=42, required_if=IF_TERMINATED),
        F("CHAN_DOAN_RV", S, 1500, REQ, "chẩn đoán ra viện (bệnh chính, bệnh kèm theo)"),
        F("PP_DIEUTRI", S, 1500, OPT, "phương pháp điều trị"),
        F("GHI_CHU", S, 1500, OPT, "trường thông tin này áp dụng đối với trường hợp cấp giấy ra viện để…"),
        F("MA_TTDV", S, 10, OPT, "mã BHXH của thủ trưởng hoặc người được ủy quyền ký"),
        F("MA_BS", S, 200, OPT, "mã BHXH của bác sỹ ký"),
        F("TEN_BS", S, 255, OPT, "họ và tên của Trưởng khoa hoặc Phó trưởng khoa được uỷ quyền ký tên"),
        F("NGAY_CT", DT, 8, REQ, "ngày chứng từ (Giấy ra viện)"),
        F("MA_CHA", S, 10, OPT, "mã số định danh y tế (mã số BHXH) của người cha đối với trường hợp…"),
        F("MA_ME", S, 10, OPT, "mã số định danh y tế (mã số BHXH) của người mẹ đối với trường hợp…"),
        F("MA_THE_TAM", S, 15, OPT, "mã thẻ BHYT tạm thời của trẻ sơ sinh hoặc người hiến tạng chưa có thẻ"),
        F("HO_TEN_CHA", S, 255, OPT, "họ và tên cha đối với trường hợp người bệnh là trẻ em dưới 16 tuổi…"),
        F("HO_TEN_ME", S, 255, OPT, "họ và tên mẹ đối với trường hợp người bệnh là trẻ em dưới 16 tuổi…"),
        F("SO_NGAY_NGHI", INT, 2, OPT, "số ngày mà người bệnh cần nghỉ để điều trị ngoại trú sau khi ra viện"),
        F("NGOAITRU_TUNGAY", DT, 8, OPT, "ngày bắt đầu nghỉ ngoại trú sau khi điều trị của người được cấp…"),
        F("NGOAITRU_DENNGAY", DT, 8, OPT, "ngày kết thúc nghỉ ngoại trú sau khi điều trị của người được cấp…"),
        F("DU_PHONG", S, None, OPT, "trường dự phòng (QĐ 3176 bổ sung)"),
    ),
)


XML8 = TableSpec(
    loaihoso="XML8",
    root="CHI_TIEU_DU_LIEU_TOM_TAT_HO_SO_BENH_AN",
    title_vi="Tóm tắt hồ sơ bệnh án",
    title_en="medical-record summary",
    fields=(
        F("MA_LK", S, 100, REQ, "mã đợt điều trị duy nhất, liên kết các bảng của một lần KBCB"),
        F("MA_LOAI_KCB", S, 2, OPT, "hình thức: 02 ngoại trú, 03 nội trú, 04 nội trú ban ngày", codes=INPATIENT_FORM),
        F("HO_TEN_CHA", S, 255, OPT, "họ và tên cha (bố) theo hồ sơ bệnh án của người bệnh (nếu có)"),
        F("HO_TEN_ME", S, 255, OPT, "họ và tên mẹ theo hồ sơ bệnh án của người bệnh (nếu có)"),
        F("NGUOI_GIAM_HO", S, 255, OPT, "họ và tên người giám hộ theo hồ sơ bệnh án của người bệnh (nếu có)"),
        F("DON_VI", S, 1024, OPT, "tên đơn vị của người hưởng"),
        F("NGAY_VAO", TS, 12, REQ, "thời điểm người bệnh đến KBCB"),
        F("NGAY_RA", TS, 12, REQ, "thời điểm kết thúc điều trị hoặc kết thúc khám bệnh"),
        F("CHAN_DOAN_VAO", S, None, OPT, "chẩn đoán của cơ sở KBCB ở thời điểm tiếp nhận người bệnh (Chẩn…"),
        F("CHAN_DOAN_RV", S, None, REQ, "chẩn đoán ra viện (bệnh chính, bệnh kèm theo)"),
        F("QT_BENHLY", S, None, OPT, "quá trình bệnh lý và diễn biến lâm sàng"),
        F("TOMTAT_KQ", S, None, OPT, "tóm tắt kết quả xét nghiệm cận lâm sàng có giá trị chẩn đoán"),
        F("PP_DIEUTRI", S, None, OPT, "phương pháp điều trị"),
        F("NGAY_SINHCON", DT, 8, OPT, "trường hợp con chết sau khi sinh thì nhập ngày, tháng, năm sinh của…"),
        F("NGAY_CONCHET", DT, 8, OPT, "trường hợp con chết sau khi sinh thì nhập ngày, tháng, năm con chết"),
        F("SO_CONCHET", INT, 2, OPT, "trường hợp con chết sau khi sinh thì nhập số con bị chết"),
        F("KET_QUA_DTRI", INT, 1, OPT, "kết quả điều trị 1–8 (8 tử vong ngoại viện, QĐ 4750)", codes=TREATMENT_RESULT),
        F("GHI_CHU", S, None, OPT, "trường thông tin này chỉ áp dụng đối với trường hợp người mất hoặc…"),
        F("MA_TTDV", S, 10, OPT, "mã BHXH của thủ trưởng hoặc người được ủy quyền ký"),
        F("NGAY_CT", DT, 8, REQ, "ngày chứng từ (Tóm tắt hồ sơ bệnh án)"),
        F("MA_THE_TAM", S, 15, OPT, "mã thẻ BHYT tạm thời của trẻ sơ sinh hoặc người hiến tạng chưa có thẻ"),
        F("DU_PHONG", S, None, OPT, "trường dự phòng"),
    ),
)


XML9 = TableSpec(
    loaihoso="XML9",
    root="CHI_TIEU_DU_LIEU_GIAY_CHUNG_SINH",
    title_vi="Giấy chứng sinh",
    title_en="birth certificate",
    list_tag="DSACH_GIAYCHUNGSINH",
    item_tag="DU_LIEU_GIAY_CHUNG_SINH",
    fields=(
        F("MA_LK", S, 100, REQ, "mã đợt điều trị duy nhất, liên kết các bảng của một lần KBCB"),
        F("MA_BHXH_NND", S, 10, OPT, "mã số BHXH người nuôi dưỡng (nếu có)"),
        F("MA_THE_NND", S, 15, OPT, "mã thẻ BHYT người nuôi dưỡng (nếu có)"),
        F("HO_TEN_NND", S, 255, REQ, "họ và tên của mẹ hoặc của người nuôi dưỡng"),
        F("NGAYSINH_NND", DT, 8, REQ, "ngày sinh của mẹ hoặc người nuôi dưỡng"),
        F("MA_DANTOC_NND", S, 2, OPT, "mã dân tộc của mẹ hoặc người nuôi dưỡng"),
        F("SO_CCCD_NND", S, 15, REQ, "số CMND, CCCD hoặc hộ chiếu của mẹ hoặc người nuôi dưỡng"),
        F("NGAYCAP_CCCD_NND", DT, 8, OPT, "ngày cấp chứng minh nhân dân hoặc căn cước công dân hoặc hộ chiếu…"),
        F("NOICAP_CCCD_NND", S, 1024, OPT, "nơi cấp chứng minh nhân dân hoặc căn cước công dân hoặc hộ chiếu…"),
        F("NOI_CU_TRU_NND", S, 1024, OPT, "địa chỉ nơi cư trú hiện tại của mẹ hoặc người nuôi dưỡng"),
        F("MA_QUOCTICH", S, 3, OPT, "mã quốc tịch của mẹ hoặc người nuôi dưỡng"),
        F("MATINH_CU_TRU", S, 3, OPT, "mã đơn vị hành chính cấp tỉnh nơi cư trú hiện tại của mẹ hoặc người…"),
        F("MAHUYEN_CU_TRU", S, 3, OPT, "mã đơn vị hành chính cấp huyện nơi cư trú hiện tại của mẹ hoặc…"),
        F("MAXA_CU_TRU", S, 5, OPT, "mã đơn vị hành chính cấp xã nơi cư trú hiện tại của mẹ hoặc người…"),
        F("HO_TEN_CHA", S, 255, OPT, "họ và tên cha (bố) của trẻ được cấp giấy chứng sinh"),
        F("MA_THE_TAM", S, 15, OPT, "mã thẻ BHYT tạm thời của người con"),
        F("HO_TEN_CON", S, 255, OPT, "họ và tên dự định đặt cho con (nếu có)"),
        F("GIOI_TINH_CON", INT, 1, REQ, "giới tính con: 1 nam, 2 nữ, 3 chưa xác định", codes=GENDER),
        F("SO_CON", INT, 2, REQ, "số lượng con trong lần sinh này"),
        F("LAN_SINH", INT, 2, OPT, "số lần sinh con (tính cả lần sinh này)"),
        F("SO_CON_SONG", INT, 2, OPT, "số con hiện đang sống (tính cả trẻ sinh ra lần này)"),
        F("CAN_NANG_CON", D, 10, OPT, "số cân nặng của con, tính theo gram (ký hiệu là: g)"),
        F("NGAY_SINH_CON", TS, 12, REQ, "ngày sinh con"),
        F("NOI_SINH_CON", S, 1024, OPT, "địa chỉ nơi con được sinh ra"),
        F("TINH_TRANG_CON", S, None, OPT, "tình trạng của trẻ tại thời điểm làm Giấy chứng sinh: khỏe mạnh,…"),
        F("SINHCON_PHAUTHUAT", FL, 1, REQ, "1 sinh con phải phẫu thuật, 0 không"),
        F("SINHCON_DUOI32TUAN", FL, 1, REQ, "1 sinh con dưới 32 tuần tuổi, 0 không"),
        F("GHI_CHU", S, None, OPT, "trường hợp sinh con phải phẫu thuật hoặc sinh con dưới 32 tuần tuổi…"),
        F("NGUOI_DO_DE", S, 255, OPT, "họ và tên người đỡ đẻ"),
        F("NGUOI_GHI_PHIEU", S, 255, OPT, "họ và tên người ghi phiếu"),
        F("NGAY_CT", DT, 8, REQ, "ngày cấp chứng từ (Giấy chứng sinh)"),
        F("SO", S, 200, REQ, "số của chứng từ (Giấy chứng sinh)"),
        F("QUYEN_SO", S, 200, OPT, "quyển số của chứng từ (Giấy chứng sinh)"),
        F("MA_TTDV", S, 10, OPT, "mã BHXH của thủ trưởng hoặc người được ủy quyền ký"),
        F("DU_PHONG", S, None, OPT, "trường dự phòng (QĐ 3176 bổ sung)"),
    ),
)


XML10 = TableSpec(
    loaihoso="XML10",
    root="CHI_TIEU_DU_LIEU_GIAY_NGHI_DUONG_THAI",
    title_vi="Giấy chứng nhận nghỉ dưỡng thai",
    title_en="pregnancy-rest certificate",
    fields=(
        F("MA_LK", S, 100, REQ, "mã đợt điều trị duy nhất, liên kết các bảng của một lần KBCB"),
        F("SO_SERI", S, 200, REQ, "số Seri chứng từ (Giấy chứng nhận nghỉ dưỡng thai)"),
        F("SO_CT", S, 200, OPT, "số chứng từ phục vụ việc quản lý nội bộ của cơ sở KBCB quy định"),
        F("SO_NGAY", INT, 3, REQ, "số ngày nghỉ dưỡng thai (SO_NGAY = DEN_NGAY - TU_NGAY)"),
        F("DON_VI", S, 1024, OPT, "tên đơn vị của người hưởng"),
        F("CHAN_DOAN_RV", S, None, REQ, "chẩn đoán ra viện (bệnh chính, bệnh kèm theo)"),
        F("TU_NGAY", DT, 8, REQ, "ngày bắt đầu nghỉ dưỡng thai"),
        F("DEN_NGAY", DT, 8, REQ, "ngày kết thúc nghỉ dưỡng thai"),
        F("MA_TTDV", S, 10, OPT, "mã BHXH của thủ trưởng hoặc người được ủy quyền ký"),
        F("TEN_BS", S, 255, OPT, "họ và tên của Trưởng khoa hoặc Phó trưởng khoa hoặc Bác sỹ hành…"),
        F("MA_BS", S, 200, OPT, "mã BHXH của bác sỹ ký"),
        F("NGAY_CT", DT, 8, REQ, "ngày cấp chứng từ"),
        F("DU_PHONG", S, None, OPT, "trường dự phòng (QĐ 3176 bổ sung)"),
    ),
)


XML11 = TableSpec(
    loaihoso="XML11",
    root="CHI_TIEU_DU_LIEU_GIAY_CHUNG_NHAN_NGHI_VIEC_HUONG_BAO_HIEM_XA_HOI",
    title_vi="Giấy chứng nhận nghỉ việc hưởng BHXH",
    title_en="sick-leave certificate",
    fields=(
        F("MA_LK", S, 100, REQ, "mã đợt điều trị duy nhất, liên kết các bảng của một lần KBCB"),
        F("SO_CT", S, 200, OPT, "số chứng từ, là mã lưu trữ giấy chứng nhận nghỉ việc hưởng BHXH"),
        F("SO_SERI", S, 200, REQ, "số định danh chứng từ (giấy chứng nhận nghỉ việc hưởng BHXH)"),
        F("SO_KCB", S, 200, OPT, "số chứng từ phục vụ việc quản lý nội bộ của cơ sở KBCB"),
        F("DON_VI", S, 1024, OPT, "tên đơn vị của người hưởng BHXH"),
        F("MA_BHXH", S, 10, REQ, "mã số BHXH của người bệnh"),
        F("MA_THE_BHYT", S, None, OPT, "mã thẻ BHYT (15 ký tự; nhiều thẻ cách nhau bởi ;)"),
        F("CHAN_DOAN_RV", S, None, REQ, "chẩn đoán ra viện (bệnh chính, bệnh kèm theo)"),
        F("PP_DIEUTRI", S, None, OPT, "phương pháp điều trị"),
        F("MA_DINH_CHI_THAI", FL, 1, OPT, "1 đình chỉ thai nghén, 0 không"),
        F("NGUYENNHAN_DINHCHI", S, None, OPT, "nguyên nhân đình chỉ thai nghén", required_if=IF_TERMINATED),
        F("TUOI_THAI", INT, 2, OPT, "tuổi thai, số tuần (1–42)", minimum=1, maximum=42, required_if=IF_TERMINATED),
        F("SO_NGAY_NGHI", INT, 3, REQ, "số ngày nghỉ (tối đa 30; lao 180; sẩy thai từ 13 tuần 50)"),
        F("TU_NGAY", DT, 8, REQ, "ngày bắt đầu hưởng chế độ"),
        F("DEN_NGAY", DT, 8, REQ, "ngày kết thúc hưởng chế độ"),
        F("HO_TEN_CHA", S, 255, OPT, "họ và tên cha (bố) của người bệnh (nếu có) trong trường hợp người…"),
        F("HO_TEN_ME", S, 255, OPT, "họ và tên mẹ của người bệnh (nếu có) trong trường hợp người bệnh là…"),
        F("MA_TTDV", S, 10, OPT, "mã BHXH của thủ trưởng hoặc người được ủy quyền ký"),
        F("MA_BS", S, 200, OPT, "mã BHXH của bác sỹ ký"),
        F("NGAY_CT", DT, 8, REQ, "ngày cấp chứng từ (Giấy chứng nhận nghỉ việc hưởng BHXH)"),
        F("MA_THE_TAM", S, 15, OPT, "mã thẻ BHYT tạm thời của trẻ sơ sinh hoặc người hiến tạng chưa có thẻ"),
        F("MAU_SO", S, 5, OPT, "mẫu số CT07 (để trống thì hệ thống tự điền CT07)", codes=SICK_LEAVE_FORM),
        F("DU_PHONG", S, None, OPT, "trường dự phòng (QĐ 3176 bổ sung)"),
    ),
)


XML13 = TableSpec(
    loaihoso="XML13",
    root="CHI_TIEU_GIAYCHUYENTUYEN",
    title_vi="Giấy chuyển tuyến KBCB BHYT",
    title_en="transfer paper",
    fields=(
        F("MA_LK", S, 100, REQ, "mã đợt điều trị duy nhất, liên kết các bảng của một lần KBCB"),
        F("SO_HOSO", S, 50, OPT, "số hồ sơ giấy chuyển tuyến KBCB BHYT"),
        F("SO_CHUYENTUYEN", S, 50, OPT, "số của sổ chuyển tuyến"),
        F("GIAY_CHUYEN_TUYEN", S, 50, REQ, "số giấy chuyển tuyến"),
        F("MA_CSKCB", S, 5, REQ, "mã cơ sở KBCB nơi cấp giấy chuyển tuyến"),
        F("MA_NOI_DI", S, 5, OPT, "như trường MA_NOI_DI của bảng XML1"),
        F("MA_NOI_DEN", S, 5, REQ, "như trường MA_NOI_DEN của bảng XML1"),
        F("HO_TEN", S, 255, REQ, "họ và tên của người bệnh được chuyển tuyến"),
        F("NGAY_SINH", BT, 12, REQ, "như trường NGAY_SINH của bảng XML1"),
        F("GIOI_TINH", INT, 1, REQ, "như trường GIOI_TINH của bảng XML1", codes=GENDER),
        F("MA_QUOCTICH", S, 3, OPT, "như trường MA_QUOCTICH của bảng XML1"),
        F("MA_DANTOC", S, 2, OPT, "như trường MA_DANTOC của bảng XML1"),
        F("MA_NGHE_NGHIEP", S, 5, OPT, "như trường MA_NGHE_NGHIEP của bảng XML1"),
        F("DIA_CHI", S, 1024, OPT, "như trường DIA_CHI của bảng XML1"),
        F("MA_THE_BHYT", S, None, OPT, "mã thẻ BHYT (15 ký tự; nhiều thẻ cách nhau bởi ;)"),
        F("GT_THE_DEN", S, None, OPT, "như trường GT_THE_DEN của bảng XML1"),
        F("NGAY_VAO", TS, 12, REQ, "thời điểm người bệnh đến KBCB"),
        F("NGAY_VAO_NOI_TRU", TS, 12, OPT, "như trường NGAY_VAO_NOI_TRU của bảng XML1"),
        F("NGAY_RA", TS, 12, OPT, "thời điểm kết thúc điều trị hoặc kết thúc khám bệnh"),
        F("DAU_HIEU_LS", S, None, OPT, "các dấu hiệu lâm sàng của người bệnh khi chuyển tuyến"),
        F("CHAN_DOAN_RV", S, None, REQ, "chẩn đoán ra viện (bệnh chính, bệnh kèm theo)"),
        F("QT_BENHLY", S, None, OPT, "quá trình bệnh lý và diễn biến lâm sàng"),
        F("TOMTAT_KQ", S, None, OPT, "tóm tắt kết quả xét nghiệm, cận lâm sàng có giá trị chẩn đoán"),
        F("PP_DIEUTRI", S, None, OPT, "phương pháp điều trị"),
        F("MA_BENH_CHINH", S, 7, OPT, "như trường MA_BENH_CHINH của bảng XML1"),
        F("MA_BENH_KT", S, 100, OPT, "như trường MA_BENH_KT của bảng XML1"),
        F("MA_BENH_YHCT", S, 255, OPT, "như trường MA_BENH_YHCT của bảng XML1"),
        F("TEN_DICH_VU", S, 1024, OPT, "tên dịch vụ kỹ thuật đã sử dụng cho người bệnh"),
        F("TEN_THUOC", S, 1024, OPT, "như trường TEN_THUOC của bảng XML2"),
        F("PP_DIEU_TRI", S, None, OPT, "phương pháp điều trị"),
        F("MA_LOAI_RV", INT, 1, OPT, "như trường MA_LOAI_RV của bảng XML1", codes=DISCHARGE_TYPE),
        F("MA_LYDO_CT", INT, 1, REQ, "mã lý do chuyển tuyến (1, 2, 3)", codes=TRANSFER_REASON),
        F("HUONG_DIEU_TRI", S, None, OPT, "hướng điều trị sắp tới cho người bệnh"),
        F("PHUONGTIEN_VC", S, 255, OPT, "phương tiện vận chuyển người bệnh khi thực hiện chuyển tuyến"),
        F("HOTEN_NGUOI_HT", S, 255, OPT, "họ và tên người hộ tống người bệnh (nếu có)"),
        F("CHUCDANH_NGUOI_HT", S, 255, OPT, "chức danh, trình độ chuyên môn người hộ tống người bệnh (nếu có)"),
        F("MA_BAC_SI", S, 255, OPT, "mã bác sỹ, y sỹ khám, điều trị (mã hóa theo số Chứng chỉ hành nghề)"),
        F("MA_TTDV", S, 10, OPT, "mã BHXH của thủ trưởng hoặc người được ủy quyền ký"),
        F("DU_PHONG", S, None, OPT, "trường dự phòng"),
    ),
)

# XML12 (biên bản giám định y khoa): keyed in by medical assessment councils, not sent by hospitals (domain-rules §6);
# a council's client sends it signed, in the same envelope as hospitals (HOSO of XML12 only, no XML1). Root and record
# tags as QĐ 4750's appendix names the table; fields and sizes from its Bảng 12 [to confirm xml12-table].
ASSESSMENT_EXAM = frozenset({"1", "2", "3", "4", "5", "6", "7", "8"})  # KHAM_GIAM_DINH: first, again, relapse, ...
XML12 = TableSpec(
    loaihoso="XML12",
    root="CHI_TIEU_DU_LIEU_GIAM_DINH_Y_KHOA",
    title_vi="Bảng chỉ tiêu dữ liệu giám định y khoa",
    title_en="medical assessment minutes",
    fields=(
        F("NGUOI_CHU_TRI", S, 255, OPT, "họ tên người chủ trì hội đồng giám định y khoa"),
        F("CHUC_VU", INT, 1, OPT, "chức vụ người chủ trì: 1 chủ tịch, 2 người ký thay chủ tịch", codes=frozenset("12")),
        F("NGAY_HOP", DT, 8, REQ, "ngày họp hội đồng giám định y khoa"),
        F("HO_TEN", S, 255, REQ, "họ tên người được giám định"),
        F("NGAY_SINH", DT, 8, REQ, "ngày sinh người được giám định"),
        F("SO_CCCD", S, 15, OPT, "số CCCD, CMND, hộ chiếu hoặc mã định danh điện tử"),
        F("NGAY_CAP_CCCD", DT, 8, OPT, "ngày cấp CCCD, CMND hoặc hộ chiếu"),
        F("NOI_CAP_CCCD", S, 1024, OPT, "nơi cấp CCCD, CMND hoặc hộ chiếu"),
        F("DIA_CHI", S, 1024, OPT, "địa chỉ nơi cư trú hiện tại"),
        F("MATINH_CU_TRU", S, 3, OPT, "mã tỉnh nơi cư trú"),
        F("MAHUYEN_CU_TRU", S, 3, OPT, "mã huyện nơi cư trú"),
        F("MAXA_CU_TRU", S, 5, OPT, "mã xã nơi cư trú"),
        F("MA_BHXH", S, 10, OPT, "mã số BHXH của người được giám định"),
        F("MA_THE_BHYT", S, 15, OPT, "mã thẻ BHYT (nếu có)"),
        F("NGHE_NGHIEP", S, 100, OPT, "nghề nghiệp (nếu có)"),
        F("DIEN_THOAI", S, 15, OPT, "số điện thoại liên hệ"),
        F("MA_DOI_TUONG", S, 20, OPT, "mã đối tượng giám định, nhiều mã cách nhau bởi ;"),
        F("KHAM_GIAM_DINH", INT, 1, OPT, "mã khám giám định (1 lần đầu … 8 tổng hợp)", codes=ASSESSMENT_EXAM),
        F("SO_BIEN_BAN", S, 200, REQ, "số biên bản họp hội đồng giám định y khoa"),
        F("TYLE_TTCT_CU", INT, 3, OPT, "tỷ lệ tổn thương cơ thể lần trước (%)"),
        F("DANG_HUONG_CHE_DO", S, 10, OPT, "mã chế độ đang hưởng, nhiều mã cách nhau bởi ;"),
        F("NGAY_CHUNG_TU", DT, 8, OPT, "ngày chứng từ (ngày họp hội đồng)"),
        F("SO_GIAY_GIOI_THIEU", S, 200, OPT, "số giấy giới thiệu"),
        F("NGAY_DE_NGHI", DT, 8, OPT, "ngày đề nghị"),
        F("MA_DONVI", S, 200, OPT, "mã cơ quan, đơn vị quản lý hoặc giới thiệu"),
        F("GIOI_THIEU_CUA", S, 1024, OPT, "tên cơ quan, đơn vị giới thiệu"),
        F("KET_QUA_KHAM", S, None, REQ, "kết quả khám của hội đồng (biên bản giám định y khoa)"),
        F("SO_VAN_BAN_CAN_CU", S, 200, OPT, "số văn bản làm căn cứ giám định, cách nhau bởi ;"),
        F("TYLE_TTCT_MOI", INT, 3, OPT, "tỷ lệ tổn thương cơ thể lần này (%)"),
        F("TONG_TYLE_TTCT", INT, 3, OPT, "tổng tỷ lệ tổn thương cơ thể (%)"),
        F("DANG_KHUYETTAT", INT, 1, OPT, "mã dạng khuyết tật"),
        F("MUC_DO_KHUYETTAT", INT, 1, OPT, "mã mức độ khuyết tật"),
        F("DE_NGHI", S, None, OPT, "nội dung đề nghị"),
        F("DUOC_XACDINH", S, None, OPT, "ghi chú được xác định (cần người chăm sóc hoàn toàn …)"),
        F("DU_PHONG", S, None, OPT, "trường dự phòng"),
    ),
    list_tag="DSACH_GIAM_DINH_Y_KHOA",
    item_tag="GIAM_DINH_Y_KHOA",
)


PARSED_TABLES: dict[str, TableSpec] = {
    spec.loaihoso: spec for spec in (XML1, XML7, XML8, XML9, XML10, XML11, XML12, XML13)
}
"""The tables the hub parses into records, by LOAIHOSO, in the current layout (QĐ 3176)."""

KNOWN_LOAIHOSO = frozenset(f"XML{number}" for number in range(16))
"""Every LOAIHOSO of QĐ 130/4750/3176 (XML0 check-in to XML15 tuberculosis); those not parsed are kept verbatim."""


def _without(spec: TableSpec, *names: str) -> TableSpec:
    """`spec` as it stood before a later decision added the fields `names`."""
    return dataclasses.replace(spec, fields=tuple(field for field in spec.fields if field.name not in names))


def _kept(
    loaihoso: str, root: str, list_tag: str | None, item_tag: str | None, title: tuple[str, str], names: str
) -> TableSpec:
    """A table kept as sent: its root and record layout are checked, its fields only named (to tell versions)."""
    fields = tuple(F(name, S, None, OPT, "") for name in names.split())
    return TableSpec(loaihoso, root, title[0], title[1], fields, list_tag, item_tag)


_XML0 = _kept(
    "XML0",
    "CHI_TIEU_TRANG_THAI_KCB",
    "DSACH_TRANG_THAI_KCB",
    "TRANG_THAI_KCB",
    ("Bảng check-in (trạng thái khám bệnh, chữa bệnh)", "check-in"),
    "MA_LK STT MA_BN HO_TEN SO_CCCD NGAY_SINH GIOI_TINH MA_THE_BHYT MA_DKBD GT_THE_TU GT_THE_DEN MA_DOITUONG_KCB"
    " NGAY_VAO NGAY_VAO_NOI_TRU LY_DO_VNT MA_LY_DO_VNT MA_LOAI_KCB MA_CSKCB MA_DICH_VU TEN_DICH_VU MA_THUOC TEN_THUOC"
    " MA_VAT_TU TEN_VAT_TU NGAY_YL DU_PHONG",
)
_XML2 = _kept(
    "XML2",
    "CHITIEU_CHITIET_THUOC",
    "DSACH_CHI_TIET_THUOC",
    "CHI_TIET_THUOC",
    ("Bảng chỉ tiêu chi tiết thuốc", "medicines"),
    "MA_LK STT MA_THUOC MA_PP_CHEBIEN MA_CSKCB_THUOC MA_NHOM TEN_THUOC DON_VI_TINH HAM_LUONG DUONG_DUNG DANG_BAO_CHE"
    " LIEU_DUNG CACH_DUNG SO_DANG_KY TT_THAU PHAM_VI TYLE_TT_BH SO_LUONG DON_GIA THANH_TIEN_BV THANH_TIEN_BH"
    " T_NGUONKHAC_NSNN T_NGUONKHAC_VTNN T_NGUONKHAC_VTTN T_NGUONKHAC_CL T_NGUONKHAC MUC_HUONG T_BNTT T_BNCCT T_BHTT"
    " MA_KHOA MA_BAC_SI MA_DICH_VU NGAY_YL NGAY_TH_YL MA_PTTT NGUON_CTRA VET_THUONG_TP DU_PHONG",
)
_XML3 = _kept(
    "XML3",
    "CHITIEU_CHITIET_DVKT_VTYT",
    "DSACH_CHI_TIET_DVKT",
    "CHI_TIET_DVKT",
    ("Bảng chỉ tiêu chi tiết dịch vụ kỹ thuật và vật tư y tế", "services and supplies"),
    "MA_LK STT MA_DICH_VU MA_PTTT_QT MA_VAT_TU MA_NHOM GOI_VTYT TEN_VAT_TU TEN_DICH_VU MA_XANG_DAU DON_VI_TINH PHAM_VI"
    " SO_LUONG DON_GIA_BV DON_GIA_BH TT_THAU TYLE_TT_DV TYLE_TT_BH THANH_TIEN_BV THANH_TIEN_BH T_TRANTT MUC_HUONG"
    " T_NGUONKHAC_NSNN T_NGUONKHAC_VTNN T_NGUONKHAC_VTTN T_NGUONKHAC_CL T_NGUONKHAC T_BNTT T_BNCCT T_BHTT MA_KHOA"
    " MA_GIUONG MA_BAC_SI NGUOI_THUC_HIEN MA_BENH MA_BENH_YHCT NGAY_YL NGAY_TH_YL NGAY_KQ MA_PTTT VET_THUONG_TP"
    " PP_VO_CAM VI_TRI_TH_DVKT MA_MAY MA_HIEU_SP TAI_SU_DUNG DU_PHONG",
)
_XML4 = _kept(
    "XML4",
    "CHITIEU_CHITIET_DICHVUCANLAMSANG",
    "DSACH_CHI_TIET_CLS",
    "CHI_TIET_CLS",
    ("Bảng chỉ tiêu chi tiết dịch vụ cận lâm sàng", "paraclinical results"),
    "MA_LK STT MA_DICH_VU MA_CHI_SO TEN_CHI_SO GIA_TRI DON_VI_DO MO_TA KET_LUAN NGAY_KQ MA_BS_DOC_KQ DU_PHONG",
)
_XML5 = _kept(
    "XML5",
    "CHITIEU_CHITIET_DIENBIENLAMSANG",
    "DSACH_CHI_TIET_DIEN_BIEN_BENH",
    "CHI_TIET_DIEN_BIEN_BENH",
    ("Bảng chỉ tiêu chi tiết diễn biến lâm sàng", "clinical course"),
    "MA_LK STT DIEN_BIEN_LS GIAI_DOAN_BENH HOI_CHAN PHAU_THUAT THOI_DIEM_DBLS NGUOI_THUC_HIEN DU_PHONG",
)
_XML6 = _kept(
    "XML6",
    "CHI_TIEU_HO_SO_BENH_AN_CHAM_SOC_VA_DIEU_TRI_HIV_AIDS",
    "DSACH_HO_SO_BENH_AN_CHAM_SOC_VA_DIEU_TRI_HIV_AIDS",
    "HO_SO_BENH_AN_CHAM_SOC_VA_DIEU_TRI_HIV_AIDS",
    ("Bảng chỉ tiêu hồ sơ bệnh án chăm sóc và điều trị HIV/AIDS", "HIV/AIDS care record"),
    "MA_LK MA_THE_BHYT SO_CCCD NGAY_SINH GIOI_TINH DIA_CHI MATINH_CU_TRU MAHUYEN_CU_TRU MAXA_CU_TRU NGAYKD_HIV"
    " NOI_LAY_MAU_XN NOI_XN_KD NOI_BDDT_ARV BDDT_ARV MA_PHAC_DO_DIEU_TRI_BD MA_BAC_PHAC_DO_BD MA_LYDO_DTRI"
    " LOAI_DTRI_LAO SANG_LOC_LAO PHACDO_DTRI_LAO NGAYBD_DTRI_LAO NGAYKT_DTRI_LAO KQ_DTRI_LAO MA_LYDO_XNTL_VR"
    " NGAY_XN_TLVR KQ_XNTL_VR NGAY_KQ_XN_TLVR MA_LOAI_BN GIAI_DOAN_LAM_SANG NHOM_DOI_TUONG MA_TINH_TRANG_DK LAN_XN_PCR"
    " NGAY_XN_PCR NGAY_KQ_XN_PCR MA_KQ_XN_PCR NGAY_NHAN_TT_MANG_THAI NGAY_BAT_DAU_DT_CTX MA_XU_TRI NGAY_BAT_DAU_XU_TRI"
    " NGAY_KET_THUC_XU_TRI MA_PHAC_DO_DIEU_TRI MA_BAC_PHAC_DO SO_NGAY_CAP_THUOC_ARV NGAY_CHUYEN_PHAC_DO"
    " LY_DO_CHUYEN_PHAC_DO MA_CSKCB DU_PHONG",
)
_XML14 = _kept(
    "XML14",
    "CHI_TIEU_GIAYHEN_KHAMLAI",
    None,
    None,
    ("Giấy hẹn khám lại", "follow-up appointment"),
    "MA_LK SO_GIAYHEN_KL MA_CSKCB HO_TEN NGAY_SINH GIOI_TINH DIA_CHI MA_THE_BHYT GT_THE_DEN NGAY_VAO NGAY_VAO_NOI_TRU"
    " NGAY_RA NGAY_HEN_KL CHAN_DOAN_RV MA_BENH_CHINH MA_BENH_KT MA_BENH_YHCT MA_DOITUONG_KCB MA_BAC_SI MA_TTDV NGAY_CT"
    " DU_PHONG",
)
_XML15 = _kept(
    "XML15",
    "CHI_TIEU_DIEUTRI_BENHLAO",
    "DSACH_CHITIET_DIEUTRI_BENHLAO",
    "CHITIET_DIEUTRI_BENHLAO",
    ("Bảng chỉ tiêu dữ liệu điều trị bệnh lao", "tuberculosis treatment"),
    "MA_LK STT MA_BN HO_TEN SO_CCCD PHANLOAI_LAO_VITRI PHANLOAI_LAO_TS PHANLOAI_LAO_HIV PHANLOAI_LAO_VK PHANLOAI_LAO_KT"
    " LOAI_DTRI_LAO NGAYBD_DTRI_LAO PHACDO_DTRI_LAO NGAYKT_DTRI_LAO KET_QUA_DTRI_LAO MA_CSKCB NGAYKD_HIV BDDT_ARV"
    " NGAY_BAT_DAU_DT_CTX DU_PHONG",
)

KEPT_TABLES: dict[str, TableSpec] = {
    spec.loaihoso: spec for spec in (_XML0, _XML2, _XML3, _XML4, _XML5, _XML6, _XML14, _XML15)
}
"""The tables kept as sent, by LOAIHOSO, in the current layout: their root is checked, their fields not read."""

_QD3176 = {**PARSED_TABLES, **KEPT_TABLES}
_QD4750 = {
    **_QD3176,
    "XML0": _without(
        _XML0, "NGAY_VAO_NOI_TRU", "LY_DO_VNT", "MA_LY_DO_VNT", "MA_THUOC", "TEN_THUOC", "MA_VAT_TU", "TEN_VAT_TU"
    ),
    "XML1": _without(XML1, "NHOM_MAU"),
    "XML2": _without(_XML2, "NGAY_TH_YL"),
    "XML7": _without(XML7, "DU_PHONG"),
    "XML9": _without(XML9, "DU_PHONG"),
    "XML10": _without(XML10, "DU_PHONG"),
    "XML11": _without(XML11, "DU_PHONG"),
    # XML6: QĐ 3176 added 16 fields; which ones is not in the sources at hand [to confirm xml6-qd3176], so both
    # layouts are one.
}

LAYOUTS: dict[str, dict[str, TableSpec]] = {
    versions.QD4750.code: _QD4750,
    versions.QD3176.code: _QD3176,
    versions.QD1931.code: _QD3176,  # MUC_HUONG (XML2, XML3, kept unread) widened to 4 [to confirm qd1931]; no field
}
"""Every table of every version: LAYOUTS[standard code][LOAIHOSO]."""


def layout_for(loaihoso: str, tags: Iterable[str], day: dt.date | None) -> tuple[versions.Standard, TableSpec, bool]:
    """The version a table dated `day` (the envelope's NGAYLAP) carrying the fields `tags` is read under: the oldest
    in force whose layout has them all (True), or the newest in force, which does not (False)."""
    present = set(tags)
    candidates = versions.in_force(day)
    for standard in candidates:
        spec = LAYOUTS[standard.code][loaihoso]
        if present <= spec.names:
            return standard, spec, True
    newest = candidates[-1]
    return newest, LAYOUTS[newest.code][loaihoso], False
