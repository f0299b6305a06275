"""Signed evidence XML: every answer built, signed by the simulator's identity, verified and parsed back field for
field; the format as it looks on the wire; and every refusal of the strict parser, with its code and field."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree  # type: ignore[import-untyped, unused-ignore]

from connectors.simulators.kit import SimulatedSigners, sign_record
from hub.documents.evidence import (
    BirthExtract,
    Child,
    DeathExtract,
    EvidenceRecord,
    EvidenceUnreadable,
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
    build_evidence,
    parse_birth_extract,
    parse_death_extract,
    parse_evidence,
    parse_identity_check,
    parse_relationship_check,
)
from hub.infra.clock import FixedClock
from hub.persons.models import Gender
from signing.errors import CertificateUnknown, SignerUnexpected
from signing.parties import POPULATION_DATABASE, civil_registry
from signing.trust import TrustStore
from signing.verify import verify_enveloped

NOW = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)
MOTHER = "048194000123"
FATHER = "048092000456"
CHILD = "048226000777"
DECEASED = "048060000001"

BIRTH = BirthExtract(
    "000001/TLKS",
    "20242",
    "01/2026",
    "16",
    dt.date(2026, 10, 5),
    child=Child("Nguyễn Minh An", Gender.MALE, dt.date(2026, 10, 1), "Bệnh viện Đà Nẵng", CHILD),
    mother=Parent("Trần Thị Mai", dt.date(1994, 3, 4), MOTHER),
    father=Parent("Nguyễn Văn Hùng", None, FATHER),
)
DEATH = DeathExtract(
    "000002/TLKT",
    "20242",
    "02/2026",
    "3",
    dt.date(2026, 10, 6),
    full_name="Lê Văn Bình",
    personal_id=DECEASED,
    date_of_death=dt.date(2026, 10, 4),
    place_of_death="Phường Hải Châu, Thành phố Đà Nẵng",
    date_of_birth=dt.date(1960, 1, 2),
)
QUERY = IdentityQuery(MOTHER, "Trần Thị Mai", dt.date(1994, 3, 4), Gender.FEMALE)
IDENTITY = IdentityCheck("a1", NOW, query=QUERY, result=IdentityResult.MATCH)
RELATIONSHIP = RelationshipCheck(
    "r1",
    NOW,
    kind=RelationshipKind.MOTHER_CHILD,
    first_personal_id=MOTHER,
    second_personal_id=CHILD,
    result=RelationshipResult.CONFIRMED,
)

RECORDS: list[EvidenceRecord] = [
    BIRTH,
    dataclasses.replace(BIRTH, status=RecordStatus(RecordState.CORRECTED, corrected_on=dt.date(2026, 10, 20))),
    dataclasses.replace(
        BIRTH, status=RecordStatus(RecordState.CANCELLED, dt.date(2026, 10, 20), dt.date(2026, 11, 1), "Đăng ký trùng")
    ),
    dataclasses.replace(
        BIRTH,
        office_code="20243",
        child=Child("Hoàng Thị Lan", Gender.FEMALE, dt.date(2026, 9, 30), "Tại nhà"),
        mother=None,
        father=None,
    ),
    DEATH,
    dataclasses.replace(DEATH, date_of_birth=None),
    IDENTITY,
    IdentityCheck(
        "a2",
        NOW,
        query=QUERY,
        result=IdentityResult.MISMATCH,
        mismatched=(IdentityField.FULL_NAME, IdentityField.GENDER),
    ),
    IdentityCheck(
        "a3",
        NOW,
        query=dataclasses.replace(QUERY, gender=None),
        result=IdentityResult.MISMATCH,
        mismatched=(IdentityField.DATE_OF_BIRTH,),
    ),
    IdentityCheck("a4", NOW, query=QUERY, result=IdentityResult.NOT_FOUND),
    RELATIONSHIP,
    dataclasses.replace(RELATIONSHIP, kind=RelationshipKind.SPOUSES, result=RelationshipResult.NOT_CONFIRMED),
    dataclasses.replace(RELATIONSHIP, kind=RelationshipKind.FATHER_CHILD, result=RelationshipResult.UNKNOWN_PERSON),
]


@functools.cache
def signers() -> SimulatedSigners:
    """The simulators' identities (RSA keys are slow to make: once per test run)."""
    return SimulatedSigners(clock=FixedClock(NOW))


@functools.cache
def trust() -> TrustStore:
    """Trusts what the simulators publish: two registry offices and the population database."""
    store = TrustStore()
    for certificate in signers().published([civil_registry("20242"), civil_registry("20243"), POPULATION_DATABASE]):
        store.add_pem(certificate.party, certificate.pem)
    return store


def root_of(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


# -- round trips ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("record", RECORDS, ids=lambda record: type(record).__name__)
def test_every_answer_signs_verifies_and_parses_back_field_for_field(record):
    # Given the answer as the issuer's simulator signs it
    signed = sign_record(record, signers())
    # When the hub verifies it against the published certificate and parses what was signed
    verified = verify_enveloped(signed, trust(), expected_signer=record.issuer_party, at=NOW)
    # Then it reads back equal, the emptied signature container notwithstanding
    assert verified.signed_root.find("CHUKYDONVI") is not None
    assert parse_evidence(verified.signed_root) == record
    typed = {
        BirthExtract: parse_birth_extract,
        DeathExtract: parse_death_extract,
        IdentityCheck: parse_identity_check,
        RelationshipCheck: parse_relationship_check,
    }[type(record)]
    assert typed(verified.signed_root) == record


def test_an_extract_is_signed_by_its_office_and_fails_against_another():
    signed = sign_record(BIRTH, signers())
    with pytest.raises(SignerUnexpected):
        verify_enveloped(signed, trust(), expected_signer=civil_registry("20243"), at=NOW)
    # An office's party pinned to another office's certificate does not vouch for this one
    elsewhere = TrustStore()
    (other,) = signers().published([civil_registry("20243")])
    elsewhere.add_pem(civil_registry("20242"), other.pem)
    with pytest.raises(CertificateUnknown):
        verify_enveloped(signed, elsewhere, expected_signer=civil_registry("20242"), at=NOW)


def test_the_same_record_signs_to_the_same_bytes():
    assert sign_record(BIRTH, signers()) == sign_record(BIRTH, signers())


def test_each_record_names_its_number_its_issuer_and_its_people():
    assert (BIRTH.document_number, BIRTH.issuer_party, BIRTH.personal_ids) == (
        "000001/TLKS",
        "civil-registry:20242",
        (CHILD, MOTHER, FATHER),
    )
    assert RECORDS[3].personal_ids == ()
    assert (DEATH.document_number, DEATH.issuer_party, DEATH.personal_ids) == (
        "000002/TLKT",
        "civil-registry:20242",
        (DECEASED,),
    )
    assert (IDENTITY.document_number, IDENTITY.issuer_party, IDENTITY.personal_ids) == (
        "a1",
        POPULATION_DATABASE,
        (MOTHER,),
    )
    assert (RELATIONSHIP.document_number, RELATIONSHIP.personal_ids) == ("r1", (MOTHER, CHILD))


# -- the format ----------------------------------------------------------------------------------------------------


def test_a_birth_extract_looks_like_this():
    corrected = dataclasses.replace(
        BIRTH, father=None, status=RecordStatus(RecordState.CORRECTED, corrected_on=dt.date(2026, 10, 20))
    )
    assert build_evidence(corrected).decode() == (
        "<?xml version='1.0' encoding='UTF-8'?>\n<TRICHLUCKHAISINH>"
        "<SO_TRICH_LUC>000001/TLKS</SO_TRICH_LUC><MA_CO_QUAN>20242</MA_CO_QUAN><QUYEN_SO>01/2026</QUYEN_SO>"
        "<SO_DANG_KY>16</SO_DANG_KY><NGAY_DANG_KY>20261005</NGAY_DANG_KY>"
        "<NGUOI_DUOC_KHAI_SINH><HO_TEN>Nguyễn Minh An</HO_TEN><GIOI_TINH>1</GIOI_TINH><NGAY_SINH>20261001</NGAY_SINH>"
        "<SO_DINH_DANH>048226000777</SO_DINH_DANH><NOI_SINH>Bệnh viện Đà Nẵng</NOI_SINH></NGUOI_DUOC_KHAI_SINH>"
        "<ME><HO_TEN>Trần Thị Mai</HO_TEN><NGAY_SINH>19940304</NGAY_SINH><SO_DINH_DANH>048194000123</SO_DINH_DANH></ME>"
        "<TINH_TRANG>corrected</TINH_TRANG><NGAY_CAI_CHINH>20261020</NGAY_CAI_CHINH></TRICHLUCKHAISINH>"
    )


def test_an_identity_check_looks_like_this():
    mismatch = dataclasses.replace(IDENTITY, result=IdentityResult.MISMATCH, mismatched=(IdentityField.FULL_NAME,))
    assert build_evidence(mismatch).decode() == (
        "<?xml version='1.0' encoding='UTF-8'?>\n<XACMINHCONGDAN>"
        "<MA_TRA_LOI>a1</MA_TRA_LOI><THOI_DIEM_XAC_MINH>2026-11-02T03:00:00+00:00</THOI_DIEM_XAC_MINH>"
        "<THONG_TIN_XAC_MINH><SO_DINH_DANH>048194000123</SO_DINH_DANH><HO_TEN>Trần Thị Mai</HO_TEN>"
        "<NGAY_SINH>19940304</NGAY_SINH><GIOI_TINH>2</GIOI_TINH></THONG_TIN_XAC_MINH>"
        "<KET_QUA>mismatch</KET_QUA><SAI_LECH><TRUONG>HO_TEN</TRUONG></SAI_LECH></XACMINHCONGDAN>"
    )


def test_instants_are_read_in_utc_whatever_the_offset():
    root = root_of(build_evidence(IDENTITY))
    root.find("THOI_DIEM_XAC_MINH").text = "2026-11-02T10:00:00+07:00"
    parsed = parse_identity_check(root)
    assert parsed.checked_at == NOW and parsed.checked_at.tzinfo is dt.UTC


def test_layout_whitespace_and_comments_are_not_content():
    pretty = etree.tostring(root_of(build_evidence(BIRTH)), pretty_print=True).replace(
        b"<QUYEN_SO>", b"<!-- book --><QUYEN_SO>"
    )
    assert parse_birth_extract(root_of(pretty)) == BIRTH


texts = st.text(st.characters(categories=("L", "N", "P", "Zs")), min_size=1, max_size=60).map(str.strip).filter(bool)


@given(
    name=texts,
    place=texts,
    born=st.dates(),
    gender=st.sampled_from(Gender),
    number=st.none() | st.from_regex(r"[0-9]{12}", fullmatch=True),
)
def test_any_child_reads_back_as_built(name, place, born, gender, number):
    record = dataclasses.replace(BIRTH, child=Child(name, gender, born, place, number))
    assert parse_birth_extract(root_of(build_evidence(record))) == record


@given(checked_at=st.datetimes(timezones=st.timezones()), answer_id=texts.filter(lambda text: len(text) <= 50))
def test_any_answer_time_reads_back_as_the_same_instant(checked_at, answer_id):
    record = dataclasses.replace(RELATIONSHIP, answer_id=answer_id, checked_at=checked_at)
    assert parse_relationship_check(root_of(build_evidence(record))) == record


@pytest.mark.parametrize(
    "make",
    [
        lambda: dataclasses.replace(BIRTH, office_code="20 242"),
        lambda: dataclasses.replace(BIRTH, book_number=" 01/2026"),
        lambda: Child("", Gender.MALE, dt.date(2026, 10, 1), "Đà Nẵng"),
        lambda: Parent("Trần Thị Mai", personal_id="48194000123"),
        lambda: RecordStatus(RecordState.CORRECTED),
        lambda: RecordStatus(RecordState.VALID, corrected_on=dt.date(2026, 10, 20)),
        lambda: RecordStatus(RecordState.CANCELLED, cancelled_on=dt.date(2026, 10, 20)),
        lambda: RecordStatus(RecordState.CORRECTED, dt.date(2026, 10, 20), cancellation_reason="trùng"),
        lambda: dataclasses.replace(IDENTITY, checked_at=dt.datetime(2026, 11, 2)),
        lambda: dataclasses.replace(IDENTITY, result=IdentityResult.MISMATCH),
        lambda: dataclasses.replace(IDENTITY, mismatched=(IdentityField.FULL_NAME,)),
        lambda: dataclasses.replace(
            IDENTITY,
            result=IdentityResult.MISMATCH,
            mismatched=(IdentityField.FULL_NAME, IdentityField.FULL_NAME),
        ),
        lambda: dataclasses.replace(
            IDENTITY,
            query=dataclasses.replace(QUERY, gender=None),
            result=IdentityResult.MISMATCH,
            mismatched=(IdentityField.GENDER,),
        ),
        lambda: dataclasses.replace(RELATIONSHIP, second_personal_id="0482260007770"),
    ],
)
def test_a_record_the_format_cannot_carry_is_refused_before_it_is_built(make):
    with pytest.raises(ValueError):
        make()


# -- refusals ------------------------------------------------------------------------------------------------------


Change = Callable[[etree._Element], None]


def element(root: etree._Element, path: str) -> etree._Element:
    found = root.find(path)
    assert found is not None, path
    return found


def set_text(path: str, text: str) -> Change:
    def change(root: etree._Element) -> None:
        element(root, path).text = text

    return change


def remove(path: str) -> Change:
    def change(root: etree._Element) -> None:
        found = element(root, path)
        found.getparent().remove(found)

    return change


def append(path: str, tag: str, text: str | None = None) -> Change:
    def change(root: etree._Element) -> None:
        etree.SubElement(root if path == "." else element(root, path), tag).text = text

    return change


@pytest.mark.parametrize(
    ("record", "change", "code", "field"),
    [
        (BIRTH, remove("SO_TRICH_LUC"), "FIELD_REQUIRED", "SO_TRICH_LUC"),
        (BIRTH, set_text("QUYEN_SO", "  "), "FIELD_REQUIRED", "QUYEN_SO"),
        (BIRTH, remove("NGUOI_DUOC_KHAI_SINH/NOI_SINH"), "FIELD_REQUIRED", "NGUOI_DUOC_KHAI_SINH/NOI_SINH"),
        (BIRTH, remove("NGUOI_DUOC_KHAI_SINH"), "FIELD_REQUIRED", "NGUOI_DUOC_KHAI_SINH"),
        (BIRTH, append(".", "QUYEN_SO", "02/2026"), "FIELD_REPEATED", "QUYEN_SO"),
        (BIRTH, append("ME", "QUE_QUAN", "Huế"), "FIELD_UNKNOWN", "ME/QUE_QUAN"),
        (BIRTH, append("NGUOI_DUOC_KHAI_SINH", "CHUKYDONVI"), "FIELD_UNKNOWN", "NGUOI_DUOC_KHAI_SINH/CHUKYDONVI"),
        (BIRTH, append("NGUOI_DUOC_KHAI_SINH/HO_TEN", "TEN", "An"), "FIELD_NOT_TEXT", "NGUOI_DUOC_KHAI_SINH/HO_TEN"),
        (BIRTH, set_text("SO_DANG_KY", "1" * 51), "FIELD_TOO_LONG", "SO_DANG_KY"),
        (BIRTH, set_text("NGAY_DANG_KY", "20261305"), "FIELD_BAD_DATE", "NGAY_DANG_KY"),
        (BIRTH, set_text("ME/NGAY_SINH", "1994-03-04"), "FIELD_BAD_DATE", "ME/NGAY_SINH"),
        (BIRTH, set_text("ME/SO_DINH_DANH", "04819400012"), "FIELD_BAD_PERSONAL_ID", "ME/SO_DINH_DANH"),
        (BIRTH, set_text("MA_CO_QUAN", "UBND xã"), "FIELD_BAD_OFFICE_CODE", "MA_CO_QUAN"),
        (
            BIRTH,
            set_text("NGUOI_DUOC_KHAI_SINH/GIOI_TINH", "3"),
            "FIELD_NOT_IN_CODE_LIST",
            "NGUOI_DUOC_KHAI_SINH/GIOI_TINH",
        ),
        (BIRTH, set_text("TINH_TRANG", "revoked"), "FIELD_NOT_IN_CODE_LIST", "TINH_TRANG"),
        (BIRTH, append(".", "NGAY_HUY", "20261101"), "FIELD_NOT_ALLOWED", "NGAY_HUY"),
        (BIRTH, set_text("TINH_TRANG", "corrected"), "FIELD_REQUIRED", "NGAY_CAI_CHINH"),
        (RECORDS[2], remove("LY_DO_HUY"), "FIELD_REQUIRED", "LY_DO_HUY"),
        (RECORDS[1], append(".", "LY_DO_HUY", "trùng"), "FIELD_NOT_ALLOWED", "LY_DO_HUY"),
        (DEATH, remove("NGUOI_DA_CHET/SO_DINH_DANH"), "FIELD_REQUIRED", "NGUOI_DA_CHET/SO_DINH_DANH"),
        (DEATH, set_text("NGAY_CHET", "2026104"), "FIELD_BAD_DATE", "NGAY_CHET"),
        (IDENTITY, set_text("THOI_DIEM_XAC_MINH", "2026-11-02T03:00:00"), "FIELD_BAD_TIMESTAMP", "THOI_DIEM_XAC_MINH"),
        (IDENTITY, set_text("KET_QUA", "maybe"), "FIELD_NOT_IN_CODE_LIST", "KET_QUA"),
        (IDENTITY, append(".", "SAI_LECH"), "FIELD_NOT_ALLOWED", "SAI_LECH"),
        (IDENTITY, set_text("KET_QUA", "mismatch"), "FIELD_REQUIRED", "SAI_LECH"),
        (RECORDS[8], remove("SAI_LECH/TRUONG"), "FIELD_REQUIRED", "SAI_LECH/TRUONG"),
        (RECORDS[8], set_text("SAI_LECH/TRUONG", " "), "FIELD_REQUIRED", "SAI_LECH/TRUONG[1]"),
        (RECORDS[7], set_text("SAI_LECH/TRUONG", "QUE_QUAN"), "FIELD_NOT_IN_CODE_LIST", "SAI_LECH/TRUONG[1]"),
        (RECORDS[7], append("SAI_LECH", "TRUONG", "HO_TEN"), "FIELD_REPEATED", "SAI_LECH/TRUONG[3]"),
        (RECORDS[8], append("SAI_LECH", "TRUONG", "GIOI_TINH"), "FIELD_NOT_ALLOWED", "SAI_LECH/TRUONG[2]"),
        (RELATIONSHIP, set_text("LOAI_QUAN_HE", "sibling"), "FIELD_NOT_IN_CODE_LIST", "LOAI_QUAN_HE"),
        (RELATIONSHIP, set_text("SO_DINH_DANH_2", "０48226000777"), "FIELD_BAD_PERSONAL_ID", "SO_DINH_DANH_2"),
        (RELATIONSHIP, append(".", "GHI_CHU", "x"), "FIELD_UNKNOWN", "GHI_CHU"),
    ],
)
def test_every_refusal_names_its_code_and_field(record, change, code, field):
    root = root_of(build_evidence(record))
    change(root)
    with pytest.raises(EvidenceUnreadable) as refused:
        parse_evidence(root)
    assert refused.value.code == "CONTENT_INVALID"
    assert [(problem.code, problem.field) for problem in refused.value.problems] == [(code, field)]
    (problem,) = refused.value.problems
    assert field in problem.message and field in problem.message_vi
    assert problem.message in refused.value.message and problem.message_vi in refused.value.message_vi


def test_every_problem_is_found_in_one_pass_in_document_order():
    root = root_of(build_evidence(BIRTH))
    for change in (
        set_text("NGAY_DANG_KY", "5/10/2026"),
        remove("NGUOI_DUOC_KHAI_SINH/HO_TEN"),
        set_text("CHA/SO_DINH_DANH", "123"),
        append(".", "NGAY_CAI_CHINH", "20261020"),
    ):
        change(root)
    with pytest.raises(EvidenceUnreadable) as refused:
        parse_birth_extract(root)
    assert [(problem.code, problem.field) for problem in refused.value.problems] == [
        ("FIELD_BAD_DATE", "NGAY_DANG_KY"),
        ("FIELD_REQUIRED", "NGUOI_DUOC_KHAI_SINH/HO_TEN"),
        ("FIELD_BAD_PERSONAL_ID", "CHA/SO_DINH_DANH"),
        ("FIELD_NOT_ALLOWED", "NGAY_CAI_CHINH"),
    ]
    assert refused.value.message.startswith("The birth extract (TRICHLUCKHAISINH) is refused: ")
    assert refused.value.message_vi.startswith("Trích lục khai sinh (TRICHLUCKHAISINH) không hợp lệ: ")
    assert refused.value.codes == ("FIELD_BAD_DATE", "FIELD_REQUIRED", "FIELD_BAD_PERSONAL_ID", "FIELD_NOT_ALLOWED")


def test_a_missing_group_is_one_problem_not_one_per_field():
    root = root_of(build_evidence(DEATH))
    remove("NGUOI_DA_CHET")(root)
    with pytest.raises(EvidenceUnreadable) as refused:
        parse_death_extract(root)
    assert refused.value.codes == ("FIELD_REQUIRED",)


def test_a_personal_id_is_not_repeated_in_the_message():
    root = root_of(build_evidence(RELATIONSHIP))
    set_text("SO_DINH_DANH_1", "04819400012X")(root)
    with pytest.raises(EvidenceUnreadable) as refused:
        parse_relationship_check(root)
    assert "04819400012X" not in refused.value.message + refused.value.message_vi


@pytest.mark.parametrize("xml", [b"<GIAMDINHHS/>", b"<trichluckhaisinh/>", b'<TRICHLUCKHAISINH xmlns="urn:example"/>'])
def test_an_unknown_root_is_refused(xml):
    with pytest.raises(EvidenceUnreadable) as refused:
        parse_evidence(root_of(xml))
    assert refused.value.code == "ROOT_UNKNOWN" and refused.value.codes == ("ROOT_UNKNOWN",)
    assert "TRICHLUCKHAISINH, TRICHLUCKHAITU, XACMINHCONGDAN, XACMINHQUANHE" in refused.value.message


@pytest.mark.parametrize(
    "parse", [parse_death_extract, parse_identity_check, parse_relationship_check, parse_birth_extract]
)
def test_a_typed_parser_refuses_any_other_root(parse):
    other = DEATH if parse is parse_birth_extract else BIRTH
    with pytest.raises(EvidenceUnreadable) as refused:
        parse(root_of(build_evidence(other)))
    assert refused.value.code == "ROOT_UNEXPECTED"
    assert refused.value.message_vi.startswith(f"Tài liệu là <{other.ROOT}>; phải là <")
