"""Every record type the hub parses from QĐ 130/4750 tables, by LOAIHOSO."""

from __future__ import annotations

from typing import TypeAlias

from hub.documents.qd4750.base import DocumentKey, Qd4750Record
from hub.documents.qd4750.certificates import (
    AssessmentMinutes,
    BirthCertificate,
    DischargePaper,
    MedicalRecordSummary,
    PregnancyRestCertificate,
    SickLeaveCertificate,
    TransferPaper,
)
from hub.documents.qd4750.visit import VisitSummary

__all__ = [
    "RECORD_TYPES",
    "AssessmentMinutes",
    "BirthCertificate",
    "DischargePaper",
    "DocumentKey",
    "MedicalRecordSummary",
    "PregnancyRestCertificate",
    "Qd4750Record",
    "Record",
    "SickLeaveCertificate",
    "TransferPaper",
    "VisitSummary",
]

Record: TypeAlias = (
    VisitSummary
    | DischargePaper
    | MedicalRecordSummary
    | BirthCertificate
    | PregnancyRestCertificate
    | SickLeaveCertificate
    | TransferPaper
    | AssessmentMinutes
)
"""Any parsed record."""

RECORD_TYPES: dict[str, type[Record]] = {
    cls.SPEC.loaihoso: cls
    for cls in (
        VisitSummary,
        DischargePaper,
        MedicalRecordSummary,
        BirthCertificate,
        PregnancyRestCertificate,
        SickLeaveCertificate,
        TransferPaper,
        AssessmentMinutes,
    )
}
"""The record class of each parsed table, by LOAIHOSO."""
