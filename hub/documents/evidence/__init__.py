"""Signed evidence from the civil registry and the population database: the XML of their four answers, built by the
simulators and parsed strictly by the hub (from `signing.verify.Verified.signed_root`) into typed records.

    TRICHLUCKHAISINH   birth-registration extract (trích lục khai sinh)   → BirthExtract
    TRICHLUCKHAITU     death extract (trích lục khai tử)                  → DeathExtract
    XACMINHCONGDAN     identity check (xác minh thông tin công dân)       → IdentityCheck
    XACMINHQUANHE      family-relationship check (xác minh quan hệ)       → RelationshipCheck

    build_evidence(record) -> bytes        unsigned UTF-8 XML; the issuer signs it with `signing.sign.sign_enveloped`
    parse_evidence(root) -> EvidenceRecord any of the four, chosen by the root element
    parse_birth_extract(root) ...          one kind only (the hub knows what it asked for)

The records and the format's limits are in records.py, the codes and `EvidenceUnreadable` in errors.py, the writer
in build.py and the strict reader in parse.py.

Element names follow QĐ 4750 (upper case, no diacritics); dates are yyyymmdd, instants ISO 8601 with an offset (read
into UTC), gender 1 (male) or 2 (female). The signature container CHUKYDONVI may sit under the root (empty once
verified); any other unknown, repeated or misplaced element is refused, with every problem listed by its path.
Children in this order (? optional, * repeated):

    TRICHLUCKHAISINH  SO_TRICH_LUC MA_CO_QUAN QUYEN_SO SO_DANG_KY NGAY_DANG_KY
                      NGUOI_DUOC_KHAI_SINH(HO_TEN GIOI_TINH NGAY_SINH SO_DINH_DANH? NOI_SINH)
                      ME(HO_TEN NGAY_SINH? SO_DINH_DANH?)? CHA(…)? STATUS
    TRICHLUCKHAITU    SO_TRICH_LUC MA_CO_QUAN QUYEN_SO SO_DANG_KY NGAY_DANG_KY
                      NGUOI_DA_CHET(HO_TEN NGAY_SINH? SO_DINH_DANH) NGAY_CHET NOI_CHET STATUS
        STATUS = TINH_TRANG (valid | corrected | cancelled), NGAY_CAI_CHINH (corrected: required; cancelled:
                 optional), NGAY_HUY and LY_DO_HUY (cancelled only, required)
    XACMINHCONGDAN    MA_TRA_LOI THOI_DIEM_XAC_MINH THONG_TIN_XAC_MINH(SO_DINH_DANH HO_TEN NGAY_SINH GIOI_TINH?)
                      KET_QUA (match | mismatch | not_found) SAI_LECH(TRUONG*)  (mismatch only: HO_TEN, NGAY_SINH,
                      GIOI_TINH, each once)
    XACMINHQUANHE     MA_TRA_LOI THOI_DIEM_XAC_MINH LOAI_QUAN_HE (mother_child | father_child | spouses)
                      SO_DINH_DANH_1 (the parent) SO_DINH_DANH_2 (the child) KET_QUA (confirmed | not_confirmed |
                      unknown_person)
"""

from hub.documents.evidence.build import build_evidence
from hub.documents.evidence.errors import EvidenceErrorCode, EvidenceUnreadable
from hub.documents.evidence.parse import (
    parse_birth_extract,
    parse_death_extract,
    parse_evidence,
    parse_identity_check,
    parse_relationship_check,
)
from hub.documents.evidence.records import (
    MAX_NAME,
    MAX_PLACE,
    MAX_REASON,
    MAX_REFERENCE,
    ROOTS,
    SIGNATURE_CONTAINER,
    VALID,
    BirthExtract,
    Child,
    DeathExtract,
    EvidenceRecord,
    IdentityCheck,
    IdentityField,
    IdentityQuery,
    IdentityResult,
    Parent,
    RecordState,
    RecordStatus,
    RelationshipCheck,
    RelationshipKind,
    RelationshipResult,
)

__all__ = [
    "MAX_NAME",
    "MAX_PLACE",
    "MAX_REASON",
    "MAX_REFERENCE",
    "ROOTS",
    "SIGNATURE_CONTAINER",
    "VALID",
    "BirthExtract",
    "Child",
    "DeathExtract",
    "EvidenceErrorCode",
    "EvidenceRecord",
    "EvidenceUnreadable",
    "IdentityCheck",
    "IdentityField",
    "IdentityQuery",
    "IdentityResult",
    "Parent",
    "RecordState",
    "RecordStatus",
    "RelationshipCheck",
    "RelationshipKind",
    "RelationshipResult",
    "build_evidence",
    "parse_birth_extract",
    "parse_death_extract",
    "parse_evidence",
    "parse_identity_check",
    "parse_relationship_check",
]
