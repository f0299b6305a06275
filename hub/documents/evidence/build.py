"""Signed evidence as XML: a record written out in the element order the format prescribes, for the issuer to sign."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from lxml import etree  # type: ignore[import-untyped, unused-ignore]  # no stubs installed (see types-lxml)

from hub.documents.evidence.records import (
    GENDER_CODES,
    BirthExtract,
    DeathExtract,
    EvidenceRecord,
    IdentityCheck,
    RecordStatus,
    RelationshipCheck,
)
from hub.persons.models import Gender


def _date_text(value: dt.date) -> str:
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


def _moment_text(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def _add(parent: etree._Element, name: str, value: str | dt.date | Gender | None) -> None:
    if value is None:
        return
    if isinstance(value, Gender):
        text = GENDER_CODES[value]
    elif isinstance(value, dt.date):
        text = _date_text(value)
    else:
        text = value
    etree.SubElement(parent, name).text = text


def _add_group(parent: etree._Element, name: str, fields: Sequence[tuple[str, str | dt.date | Gender | None]]) -> None:
    group = etree.SubElement(parent, name)
    for child_name, value in fields:
        _add(group, child_name, value)


def _add_registration(root: etree._Element, record: BirthExtract | DeathExtract) -> None:
    _add(root, "SO_TRICH_LUC", record.extract_number)
    _add(root, "MA_CO_QUAN", record.office_code)
    _add(root, "QUYEN_SO", record.book_number)
    _add(root, "SO_DANG_KY", record.record_number)
    _add(root, "NGAY_DANG_KY", record.registered_on)


def _add_status(root: etree._Element, status: RecordStatus) -> None:
    _add(root, "TINH_TRANG", status.state.value)
    _add(root, "NGAY_CAI_CHINH", status.corrected_on)
    _add(root, "NGAY_HUY", status.cancelled_on)
    _add(root, "LY_DO_HUY", status.cancellation_reason)


def _add_answer(root: etree._Element, answer: IdentityCheck | RelationshipCheck) -> None:
    _add(root, "MA_TRA_LOI", answer.answer_id)
    _add(root, "THOI_DIEM_XAC_MINH", _moment_text(answer.checked_at))


def build_evidence(record: EvidenceRecord) -> bytes:
    """The record as unsigned UTF-8 XML with a declaration, in the element order `parse_evidence` documents."""
    root = etree.Element(record.ROOT)
    if isinstance(record, BirthExtract):
        _add_registration(root, record)
        child = record.child
        _add_group(
            root,
            "NGUOI_DUOC_KHAI_SINH",
            [
                ("HO_TEN", child.full_name),
                ("GIOI_TINH", child.gender),
                ("NGAY_SINH", child.date_of_birth),
                ("SO_DINH_DANH", child.personal_id),
                ("NOI_SINH", child.place_of_birth),
            ],
        )
        for name, parent in (("ME", record.mother), ("CHA", record.father)):
            if parent is not None:
                group = [("HO_TEN", parent.full_name), ("NGAY_SINH", parent.date_of_birth)]
                _add_group(root, name, [*group, ("SO_DINH_DANH", parent.personal_id)])
        _add_status(root, record.status)
    elif isinstance(record, DeathExtract):
        _add_registration(root, record)
        _add_group(
            root,
            "NGUOI_DA_CHET",
            [("HO_TEN", record.full_name), ("NGAY_SINH", record.date_of_birth), ("SO_DINH_DANH", record.personal_id)],
        )
        _add(root, "NGAY_CHET", record.date_of_death)
        _add(root, "NOI_CHET", record.place_of_death)
        _add_status(root, record.status)
    elif isinstance(record, IdentityCheck):
        _add_answer(root, record)
        query = record.query
        _add_group(
            root,
            "THONG_TIN_XAC_MINH",
            [
                ("SO_DINH_DANH", query.personal_id),
                ("HO_TEN", query.full_name),
                ("NGAY_SINH", query.date_of_birth),
                ("GIOI_TINH", query.gender),
            ],
        )
        _add(root, "KET_QUA", record.result.value)
        if record.mismatched:
            _add_group(root, "SAI_LECH", [("TRUONG", mismatched.value) for mismatched in record.mismatched])
    else:
        _add_answer(root, record)
        _add(root, "LOAI_QUAN_HE", record.kind.value)
        _add(root, "SO_DINH_DANH_1", record.first_personal_id)
        _add(root, "SO_DINH_DANH_2", record.second_personal_id)
        _add(root, "KET_QUA", record.result.value)
    built: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return built
