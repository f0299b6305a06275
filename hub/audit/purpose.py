"""Why personal data is processed (Decree 13/2023/NĐ-CP asks every processing to have a stated purpose)."""

from __future__ import annotations

import enum


class Purpose(enum.StrEnum):
    CARD_ISSUANCE = "card_issuance"
    CLAIM_SETTLEMENT = "claim_settlement"
    CASE_STATUS = "case_status"
    DATA_CORRECTION = "data_correction"
    SUPERVISION = "supervision"
    ADMINISTRATION = "administration"
    EVIDENCE_INTAKE = "evidence_intake"  # receiving signed documents and civil-status or population evidence
    SYSTEM = "system"
    ACCESS_CONTROL = "access_control"  # a refused attempt, recorded with what it named
    DATA_SUBJECT_ACCESS = "data_subject_access"  # a person reading who processed their own data
