"""The records of signed evidence: birth and death extracts from the civil registry, identity and relationship checks
from the population database, each checked on construction, with the limits and codes of their XML format."""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass, field
from typing import ClassVar

from hub.documents.qd4750.parse import XML_WHITESPACE
from hub.persons.models import Gender
from signing.parties import POPULATION_DATABASE, civil_registry

SIGNATURE_CONTAINER = "CHUKYDONVI"
MAX_NAME = 200
MAX_PLACE = 500
MAX_REASON = 1000
MAX_REFERENCE = 50  # extract numbers, book and record numbers, answer ids
OFFICE_CODE = re.compile(r"[A-Za-z0-9._-]{1,20}")  # what a party name can carry after "civil-registry:"
PERSONAL_ID = re.compile(r"[0-9]{12}")
GENDER_CODES = {Gender.MALE: "1", Gender.FEMALE: "2"}  # how GIOI_TINH writes a gender


def _check_text(value: str, name: str, max_length: int) -> None:
    if not value.strip(XML_WHITESPACE) or value != value.strip(XML_WHITESPACE) or len(value) > max_length:
        raise ValueError(f"{name} must be non-empty, without surrounding spaces, at most {max_length} characters")


def _check_personal_id(value: str | None, name: str) -> None:
    if value is not None and not PERSONAL_ID.fullmatch(value):
        raise ValueError(f"{name} must be 12 digits")


def _check_aware(moment: dt.datetime, name: str) -> None:
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")


class RecordState(enum.StrEnum):
    VALID = "valid"
    CORRECTED = "corrected"  # cải chính: a later correction changed the registration
    CANCELLED = "cancelled"  # hủy: the registration was cancelled and no longer proves anything


@dataclass(frozen=True)
class RecordStatus:
    """The registration's standing when the extract was issued. A cancelled record may have been corrected before."""

    state: RecordState = RecordState.VALID
    corrected_on: dt.date | None = None
    cancelled_on: dt.date | None = None
    cancellation_reason: str | None = None

    def __post_init__(self) -> None:
        cancelled = self.state is RecordState.CANCELLED
        if (self.state is RecordState.CORRECTED) and self.corrected_on is None:
            raise ValueError("a corrected record needs corrected_on")
        if self.state is RecordState.VALID and self.corrected_on is not None:
            raise ValueError("a valid record has no corrected_on")
        if cancelled != (self.cancelled_on is not None) or cancelled != (self.cancellation_reason is not None):
            raise ValueError("cancelled_on and cancellation_reason are given with a cancelled record, and only then")
        if self.cancellation_reason is not None:
            _check_text(self.cancellation_reason, "cancellation_reason", MAX_REASON)


VALID = RecordStatus()


@dataclass(frozen=True)
class Child:
    """The person whose birth was registered (người được khai sinh)."""

    full_name: str
    gender: Gender
    date_of_birth: dt.date
    place_of_birth: str
    personal_id: str | None = None

    def __post_init__(self) -> None:
        _check_text(self.full_name, "child full_name", MAX_NAME)
        _check_text(self.place_of_birth, "place_of_birth", MAX_PLACE)
        _check_personal_id(self.personal_id, "child personal_id")


@dataclass(frozen=True)
class Parent:
    """A parent as the birth registration names them; the date of birth and the number may be unknown."""

    full_name: str
    date_of_birth: dt.date | None = None
    personal_id: str | None = None

    def __post_init__(self) -> None:
        _check_text(self.full_name, "parent full_name", MAX_NAME)
        _check_personal_id(self.personal_id, "parent personal_id")


@dataclass(frozen=True)
class _Registration:
    """What both extracts share: the extract's number and where the registration is kept (office, book, record)."""

    extract_number: str
    office_code: str
    book_number: str
    record_number: str
    registered_on: dt.date

    def __post_init__(self) -> None:
        if not OFFICE_CODE.fullmatch(self.office_code):
            raise ValueError("office_code must be 1 to 20 letters, digits, '.', '_' or '-'")
        for name in ("extract_number", "book_number", "record_number"):
            _check_text(getattr(self, name), name, MAX_REFERENCE)

    @property
    def document_number(self) -> str:
        """The extract number (số trích lục): stable for the record at its office, whatever its later status."""
        return self.extract_number

    @property
    def issuer_party(self) -> str:
        """The registry office that holds the record and signs its extracts."""
        return civil_registry(self.office_code)


@dataclass(frozen=True)
class BirthExtract(_Registration):
    """A birth-registration extract (trích lục khai sinh), as the registry office holding the record issues it."""

    ROOT: ClassVar[str] = "TRICHLUCKHAISINH"
    TITLE: ClassVar[tuple[str, str]] = ("birth extract", "Trích lục khai sinh")

    child: Child = field(kw_only=True)
    mother: Parent | None = field(default=None, kw_only=True)
    father: Parent | None = field(default=None, kw_only=True)
    status: RecordStatus = field(default=VALID, kw_only=True)

    @property
    def personal_ids(self) -> tuple[str, ...]:
        """The numbers of the child, the mother and the father, those the extract gives."""
        people = (self.child, self.mother, self.father)
        return tuple(person.personal_id for person in people if person is not None and person.personal_id)


@dataclass(frozen=True)
class DeathExtract(_Registration):
    """A death extract (trích lục khai tử): who died, when and where."""

    ROOT: ClassVar[str] = "TRICHLUCKHAITU"
    TITLE: ClassVar[tuple[str, str]] = ("death extract", "Trích lục khai tử")

    full_name: str = field(kw_only=True)
    personal_id: str = field(kw_only=True)
    date_of_death: dt.date = field(kw_only=True)
    place_of_death: str = field(kw_only=True)
    date_of_birth: dt.date | None = field(default=None, kw_only=True)
    status: RecordStatus = field(default=VALID, kw_only=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_text(self.full_name, "full_name", MAX_NAME)
        _check_text(self.place_of_death, "place_of_death", MAX_PLACE)
        _check_personal_id(self.personal_id, "personal_id")

    @property
    def personal_ids(self) -> tuple[str, ...]:
        return (self.personal_id,)


class IdentityResult(enum.StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"  # the number exists; the fields listed disagree with the register
    NOT_FOUND = "not_found"  # nobody holds the number


class IdentityField(enum.StrEnum):
    """A field of the identity query the register can disagree with, by its element name."""

    FULL_NAME = "HO_TEN"
    DATE_OF_BIRTH = "NGAY_SINH"
    GENDER = "GIOI_TINH"


@dataclass(frozen=True)
class IdentityQuery:
    """What the hub asks the population database to confirm about a citizen; `gender` is optional."""

    personal_id: str
    full_name: str
    date_of_birth: dt.date
    gender: Gender | None = None

    def __post_init__(self) -> None:
        _check_personal_id(self.personal_id, "personal_id")
        _check_text(self.full_name, "full_name", MAX_NAME)


@dataclass(frozen=True)
class _Answer:
    """What both population answers share: the answer's own id and the instant of the check."""

    answer_id: str
    checked_at: dt.datetime

    def __post_init__(self) -> None:
        _check_text(self.answer_id, "answer_id", MAX_REFERENCE)
        _check_aware(self.checked_at, "checked_at")
        # Held in UTC, as it is written and read back (an instant in a local zone may not compare equal to it).
        object.__setattr__(self, "checked_at", self.checked_at.astimezone(dt.UTC))

    @property
    def document_number(self) -> str:
        """The answer id (mã trả lời): each check is its own piece of evidence."""
        return self.answer_id

    @property
    def issuer_party(self) -> str:
        return POPULATION_DATABASE


@dataclass(frozen=True)
class IdentityCheck(_Answer):
    """The population database's answer to an identity check (xác minh thông tin công dân), echoing the query.
    `mismatched` (never empty, no repeats, GIOI_TINH only when the query gave a gender) only with MISMATCH."""

    ROOT: ClassVar[str] = "XACMINHCONGDAN"
    TITLE: ClassVar[tuple[str, str]] = ("identity check", "Kết quả xác minh công dân")

    query: IdentityQuery = field(kw_only=True)
    result: IdentityResult = field(kw_only=True)
    mismatched: tuple[IdentityField, ...] = field(default=(), kw_only=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        if bool(self.mismatched) != (self.result is IdentityResult.MISMATCH):
            raise ValueError("mismatched fields are listed with a mismatch, and only then")
        if len(set(self.mismatched)) != len(self.mismatched):
            raise ValueError("a mismatched field is listed twice")
        if IdentityField.GENDER in self.mismatched and self.query.gender is None:
            raise ValueError("the gender cannot disagree when the query gives none")

    @property
    def personal_ids(self) -> tuple[str, ...]:
        return (self.query.personal_id,)


class RelationshipKind(enum.StrEnum):
    """Which relationship is checked, and the order of the two numbers: parent first, child second."""

    MOTHER_CHILD = "mother_child"
    FATHER_CHILD = "father_child"
    SPOUSES = "spouses"


class RelationshipResult(enum.StrEnum):
    CONFIRMED = "confirmed"
    NOT_CONFIRMED = "not_confirmed"  # both people are known; the register does not record the relationship
    UNKNOWN_PERSON = "unknown_person"  # nobody holds one of the numbers


@dataclass(frozen=True)
class RelationshipCheck(_Answer):
    """The population database's answer to a family-relationship check (xác minh quan hệ nhân thân)."""

    ROOT: ClassVar[str] = "XACMINHQUANHE"
    TITLE: ClassVar[tuple[str, str]] = ("relationship check", "Kết quả xác minh quan hệ")

    kind: RelationshipKind = field(kw_only=True)
    first_personal_id: str = field(kw_only=True)
    second_personal_id: str = field(kw_only=True)
    result: RelationshipResult = field(kw_only=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        _check_personal_id(self.first_personal_id, "first_personal_id")
        _check_personal_id(self.second_personal_id, "second_personal_id")

    @property
    def personal_ids(self) -> tuple[str, ...]:
        return (self.first_personal_id, self.second_personal_id)


EvidenceRecord = BirthExtract | DeathExtract | IdentityCheck | RelationshipCheck
"""Every record offers `document_number`, `issuer_party` and `personal_ids` (the people it concerns)."""

ROOTS: dict[str, type[EvidenceRecord]] = {
    kind.ROOT: kind for kind in (BirthExtract, DeathExtract, IdentityCheck, RelationshipCheck)
}
