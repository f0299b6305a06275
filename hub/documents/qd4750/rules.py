"""Rules on what a parsed record says, beyond the field tables: dates in order, ID numbers, birth-certificate
numbers, and the limits of sick-leave and pregnancy-rest certificates. Each rule has its own error code.

The certificate limits are one rule table (LEAVE_LIMITS), chosen by the certificate's issue date (NGAY_CT):
TT 25/2025/TT-BYT for certificates issued from 1/7/2025; certificates issued before on the old forms (TT 56/2017,
TT 18/2022) stay valid and are held to the limits of their time. Where the article could not be confirmed the
citation carries the mark of its entry in the register (hub.claims.rules.uncertain), so that it can be corrected
here alone.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from hub.documents.qd4750.base import is_record_of
from hub.documents.qd4750.certificates import BirthCertificate, PregnancyRestCertificate, SickLeaveCertificate
from hub.documents.qd4750.errors import Qd4750ErrorCode as E
from hub.documents.qd4750.errors import Violation, violation
from hub.documents.qd4750.records import Record
from hub.documents.qd4750.visit import VisitSummary

TT25_FROM = dt.date(2025, 7, 1)
"""TT 25/2025/TT-BYT replaces TT 56/2017 and TT 18/2022 for certificates issued from this day."""
TT22_BIRTH_NUMBER_FROM = dt.date(2025, 10, 1)
"""Birth certificates issued from this day carry the 18-character number of TT 22/2025/TT-BYT."""
CMND_LAST_DAY = dt.date(2024, 12, 31)
"""The 9-digit identity card (CMND) is valid to this day (Luật Căn cước 27/2023/QH15 Art 46(1))."""

DATE_ORDER: dict[str, tuple[tuple[str, str], ...]] = {
    "XML1": (("NGAY_VAO", "NGAY_RA"),),
    "XML7": (("NGAY_VAO", "NGAY_RA"), ("NGOAITRU_TUNGAY", "NGOAITRU_DENNGAY")),
    "XML8": (("NGAY_VAO", "NGAY_RA"),),
    "XML10": (("TU_NGAY", "DEN_NGAY"),),
    "XML11": (("TU_NGAY", "DEN_NGAY"),),
    "XML13": (("NGAY_VAO", "NGAY_RA"),),
}
"""Pairs of fields of a table whose first must not be after the second."""

ID_NUMBER_FIELDS: dict[str, str] = {"XML1": "SO_CCCD", "XML9": "SO_CCCD_NND"}
"""The fields holding a CCCD, CMND, passport number or electronic-identity code."""


@dataclass(frozen=True, slots=True)
class LeaveLimit:
    """The most days one certificate may give, in one case, under the rules in force from `since`."""

    table: str
    case: str
    case_en: str
    case_vi: str
    days: int
    since: dt.date
    citation: str


_OLD = dt.date.min
LEAVE_LIMITS: tuple[LeaveLimit, ...] = (
    LeaveLimit(
        "XML11",
        "ordinary",
        "a sick-leave certificate",
        "giấy nghỉ việc hưởng BHXH",
        30,
        TT25_FROM,
        "TT 25/2025/TT-BYT, mẫu 07",
    ),
    LeaveLimit(
        "XML11",
        "pregnancy_loss",
        "a sick-leave certificate after a pregnancy loss or termination from 13 weeks",
        "giấy nghỉ việc hưởng BHXH sau sẩy thai, phá thai, thai chết lưu, thai ngoài tử cung từ 13 tuần",
        50,
        TT25_FROM,
        "TT 25/2025/TT-BYT, mẫu 07",
    ),
    LeaveLimit(
        "XML11",
        "tuberculosis",
        "a sick-leave certificate for tuberculosis under the national programme",
        "giấy nghỉ việc hưởng BHXH điều trị lao theo chương trình quốc gia",
        180,
        TT25_FROM,
        "TT 25/2025/TT-BYT, mẫu 07",
    ),
    LeaveLimit(
        "XML10",
        "ordinary",
        "a pregnancy-rest certificate",
        "giấy nghỉ dưỡng thai",
        30,
        TT25_FROM,
        "TT 25/2025/TT-BYT, mẫu 11 [to confirm certificate-limits]",
    ),
    # Old forms, issued before 1/7/2025: still valid, held to the limits of TT 56/2017 (as amended by TT 18/2022).
    LeaveLimit(
        "XML11",
        "ordinary",
        "a sick-leave certificate on the old form",
        "giấy nghỉ việc hưởng BHXH mẫu cũ",
        30,
        _OLD,
        "TT 56/2017/TT-BYT, TT 18/2022/TT-BYT [to confirm certificate-limits]",
    ),
    LeaveLimit(
        "XML11",
        "tuberculosis",
        "a sick-leave certificate for tuberculosis on the old form",
        "giấy nghỉ việc hưởng BHXH điều trị lao mẫu cũ",
        180,
        _OLD,
        "TT 56/2017/TT-BYT, TT 18/2022/TT-BYT [to confirm certificate-limits]",
    ),
)
"""Every limit on certificates; `leave_limit` picks the one of a certificate."""

_TUBERCULOSIS = re.compile(r"(?<![A-Z0-9])A1[5-9]")  # ICD-10 A15–A19: tuberculosis


def leave_limit(
    certificate: SickLeaveCertificate | PregnancyRestCertificate, visit: VisitSummary | None
) -> LeaveLimit | None:
    """The limit that applies to `certificate` (issued on NGAY_CT, in the episode `visit`), None when no rule caps
    it (an old-form certificate after a pregnancy loss)."""
    table = certificate.SPEC.loaihoso
    since = TT25_FROM if certificate.ngay_ct >= TT25_FROM else _OLD
    case = "ordinary"
    if isinstance(certificate, SickLeaveCertificate):
        if _tuberculosis(certificate, visit):
            case = "tuberculosis"
        elif certificate.ma_dinh_chi_thai and (certificate.tuoi_thai or 0) >= 13:
            case = "pregnancy_loss"
    return _LEAVE_LIMIT_OF.get((table, case, since))


_LEAVE_LIMIT_OF: dict[tuple[str, str, dt.date], LeaveLimit] = {}
for _rule in reversed(LEAVE_LIMITS):  # the first of LEAVE_LIMITS where two would match
    _LEAVE_LIMIT_OF[_rule.table, _rule.case, _rule.since] = _rule


def _tuberculosis(certificate: SickLeaveCertificate, visit: VisitSummary | None) -> bool:
    codes = [certificate.chan_doan_rv]
    if visit is not None:
        codes += [visit.ma_benh_chinh or "", visit.ma_benh_kt or ""]
    return any(_TUBERCULOSIS.search(text.upper()) for text in codes)


_BIRTH_NUMBER = re.compile(r"(?P<serial>[0-9]{5})\.GCS\.(?P<facility>[0-9A-Z]{5})\.(?P<year>[0-9]{2})")
"""TT 22/2025/TT-BYT: XXXXX.GCS.ZZZZZ.YY, 18 characters, ZZZZZ the issuing facility (XXXXX a serial number and YY
the year, as read from the form [to confirm birth-certificate-number])."""


def record_violations(record: Record, *, visit: VisitSummary | None, facility: str) -> Iterator[Violation]:
    """What is wrong with what `record` says (its place left for the caller to fill), in the episode `visit`
    (the XML1 of the same HOSO), from the facility `facility` (the envelope's MACSKCB)."""
    table = record.SPEC.loaihoso
    for earlier, later, earlier_attribute, later_attribute in _DATE_ORDER_ATTRIBUTES.get(table, ()):
        first, second = getattr(record, earlier_attribute), getattr(record, later_attribute)
        if first is not None and second is not None and second < first:
            yield violation(
                E.DATES_OUT_OF_ORDER, field=later, later=_text(second), earlier_field=earlier, earlier=_text(first)
            )
    name = ID_NUMBER_FIELDS.get(table)
    if name is not None:
        value = getattr(record, name.lower())
        if value and not (len(value) == 12 and value.isascii() and value.isdigit()):  # else _id_number has nothing
            yield from _id_number(name, value, _issued(record))
    if is_record_of(record, BirthCertificate):
        yield from _birth_number(record, facility)
    if is_record_of(record, SickLeaveCertificate) or is_record_of(record, PregnancyRestCertificate):
        yield from _leave(record, visit)


_DATE_ORDER_ATTRIBUTES = {
    table: tuple((earlier, later, earlier.lower(), later.lower()) for earlier, later in pairs)
    for table, pairs in DATE_ORDER.items()
}


def _issued(record: Record) -> dt.date:
    if is_record_of(record, VisitSummary):
        return record.ngay_ra.date()
    issued: dt.date = getattr(record, "ngay_ct")  # noqa: B009  # every other table checked here has NGAY_CT
    return issued


def _id_number(field: str, value: str | None, issued: dt.date) -> Iterator[Violation]:
    """An all-digit number is a 12-digit personal identification number (CCCD), or a 9-digit CMND on a document
    issued while CMND were valid; a passport number (with letters) is not checked."""
    if not value or not (value.isascii() and value.isdigit()) or len(value) == 12:
        return
    if len(value) == 9 and issued <= CMND_LAST_DAY:
        return
    old = issued <= CMND_LAST_DAY
    yield violation(
        E.CCCD_INVALID,
        field=field,
        value=value,
        old=" or a 9-digit CMND" if old else "",
        old_vi=" hoặc số CMND 9 chữ số" if old else "",
    )


def _birth_number(record: BirthCertificate, facility: str) -> Iterator[Violation]:
    """From 1/10/2025 the TT 22/2025 form, naming the issuing facility; before, the older free form (SO within
    QUYEN_SO) or, already, the new one."""
    match = _BIRTH_NUMBER.fullmatch(record.so)
    if match is None and record.ngay_ct < TT22_BIRTH_NUMBER_FROM:
        return
    if match is None:
        detail = (
            f" for a certificate issued on {record.ngay_ct:%d/%m/%Y}",
            f" đối với giấy cấp ngày {record.ngay_ct:%d/%m/%Y}",
        )
    elif match["facility"] != facility:
        detail = (f": it names facility {match['facility']}", f": số ghi mã cơ sở {match['facility']}")
    else:
        return
    yield violation(
        E.BIRTH_CERTIFICATE_NUMBER_INVALID,
        field="SO",
        value=record.so,
        facility=facility,
        detail=detail[0],
        detail_vi=detail[1],
    )


def _leave(
    certificate: SickLeaveCertificate | PregnancyRestCertificate, visit: VisitSummary | None
) -> Iterator[Violation]:
    if certificate.den_ngay < certificate.tu_ngay:
        return  # told by DATES_OUT_OF_ORDER
    limit = leave_limit(certificate, visit)
    declared_field = "SO_NGAY_NGHI" if isinstance(certificate, SickLeaveCertificate) else "SO_NGAY"
    declared = certificate.so_ngay_nghi if isinstance(certificate, SickLeaveCertificate) else certificate.so_ngay
    spanned = (certificate.den_ngay - certificate.tu_ngay).days + 1
    if limit is not None:
        for field, days in ((declared_field, declared), ("DEN_NGAY", spanned)):
            if days > limit.days:
                yield violation(
                    E.LEAVE_TOO_LONG,
                    field=field,
                    days=days,
                    limit=limit.days,
                    rule=limit.case_en,
                    rule_vi=limit.case_vi,
                    citation=limit.citation,
                )
                break
    if isinstance(certificate, SickLeaveCertificate) and visit is not None and certificate.ngay_ct >= TT25_FROM:
        visited = visit.ngay_ra.date()  # the last day of a visit of several days
        for field, day in (("TU_NGAY", certificate.tu_ngay), ("NGAY_CT", certificate.ngay_ct)):
            if day != visited:
                yield violation(E.LEAVE_NOT_FROM_VISIT, field=field, found=_text(day), visit=_text(visited))


def _text(value: dt.date) -> str:
    if isinstance(value, dt.datetime):
        return f"{value:%d/%m/%Y %H:%M}"
    return f"{value:%d/%m/%Y}"
