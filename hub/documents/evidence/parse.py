"""Signed evidence read strictly: the XML of a verified document into its record, or `EvidenceUnreadable` listing
every problem found, each with the path of its element."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable
from typing import TypeVar

from hub.documents.evidence.errors import EvidenceErrorCode, EvidenceUnreadable, evidence_error
from hub.documents.evidence.errors import EvidenceErrorCode as C
from hub.documents.evidence.records import (
    GENDER_CODES,
    MAX_NAME,
    MAX_PLACE,
    MAX_REASON,
    MAX_REFERENCE,
    OFFICE_CODE,
    PERSONAL_ID,
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
from hub.documents.qd4750.parse import XmlElement, children, element_text
from hub.documents.qd4750.values import read_date
from hub.infra.errors import BusinessError
from hub.persons.models import Gender

E = TypeVar("E", bound=enum.StrEnum)
T = TypeVar("T")
R = TypeVar("R", bound=EvidenceRecord)

_GENDERS = {code: gender for gender, code in GENDER_CODES.items()}


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _read_moment(text: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(text) if text.isascii() else None
    if moment is None or moment.tzinfo is None:
        raise ValueError(text)
    return moment.astimezone(dt.UTC)


def _read_personal_id(text: str) -> str:
    if not PERSONAL_ID.fullmatch(text):
        raise ValueError(text)
    return text


def _read_office_code(text: str) -> str:
    if not OFFICE_CODE.fullmatch(text):
        raise ValueError(text)
    return text


def _read_gender(text: str) -> Gender:
    if text not in _GENDERS:
        raise ValueError(text)
    return _GENDERS[text]


class _Fields:
    """The child elements of one element, read by name, each problem collected with its path.

    A required reader returns a placeholder for a missing or bad field: the parse fails before any record is built
    from it. A missing group reads as an empty, quiet one, so that only the group itself is reported missing.
    """

    def __init__(self, element: XmlElement | None, problems: list[BusinessError], path: str = "") -> None:
        self._children: dict[str, list[XmlElement]] = {}
        for tag, child in children(element) if element is not None else ():
            self._children.setdefault(tag, []).append(child)
        self._problems = problems
        self._quiet = element is None
        self._path = path
        self._read: set[str] = set()

    def path(self, name: str) -> str:
        return f"{self._path}/{name}" if self._path else name

    def fail(self, code: EvidenceErrorCode, path: str, **values: object) -> None:
        if not self._quiet:
            self._problems.append(evidence_error(code, path, **values))

    def present(self, name: str) -> bool:
        return name in self._children

    def _failed(self, path: str) -> bool:
        return any(problem.field == path for problem in self._problems)

    def missing(self, path: str) -> None:
        """Report a required field absent, unless a problem was already found there (bad, repeated ...)."""
        if not self._failed(path):
            self.fail(C.FIELD_REQUIRED, path)

    def _require(self, name: str, value: T | None, placeholder: T) -> T:
        if value is None:
            self.missing(self.path(name))
            return placeholder
        return value

    def _one(self, name: str) -> XmlElement | None:
        self._read.add(name)
        found = self._children.get(name, ())
        if len(found) > 1:
            self.fail(C.FIELD_REPEATED, self.path(name))
        return found[0] if found else None

    def _element_text(self, element: XmlElement, path: str, max_length: int) -> str | None:
        """The element's text without surrounding whitespace; None when empty (an absent field) or refused."""
        if len(element):
            self.fail(C.FIELD_NOT_TEXT, path)
            return None
        text = element_text(element)
        if len(text) > max_length:
            self.fail(C.FIELD_TOO_LONG, path, length=len(text), size=max_length)
            return None
        return text or None

    def _value(self, name: str, read: Callable[[str], T], failure: EvidenceErrorCode, **values: object) -> T | None:
        element = self._one(name)
        text = None if element is None else self._element_text(element, self.path(name), 100)
        if text is None:
            return None
        try:
            return read(text)
        except ValueError:
            self.fail(failure, self.path(name), value=_clip(text), **values)
            return None

    def optional_text(self, name: str, max_length: int) -> str | None:
        element = self._one(name)
        return None if element is None else self._element_text(element, self.path(name), max_length)

    def text(self, name: str, max_length: int) -> str:
        return self._require(name, self.optional_text(name, max_length), "")

    def optional_date(self, name: str) -> dt.date | None:
        return self._value(name, read_date, C.FIELD_BAD_DATE)

    def date(self, name: str) -> dt.date:
        return self._require(name, self.optional_date(name), dt.date.min)

    def moment(self, name: str) -> dt.datetime:
        value = self._value(name, _read_moment, C.FIELD_BAD_TIMESTAMP)
        return self._require(name, value, dt.datetime.min.replace(tzinfo=dt.UTC))

    def optional_personal_id(self, name: str) -> str | None:
        return self._value(name, _read_personal_id, C.FIELD_BAD_PERSONAL_ID)

    def personal_id(self, name: str) -> str:
        return self._require(name, self.optional_personal_id(name), "")

    def office_code(self, name: str) -> str:
        return self._require(name, self._value(name, _read_office_code, C.FIELD_BAD_OFFICE_CODE), "")

    def optional_code(self, name: str, kind: type[E]) -> E | None:
        codes = ", ".join(member.value for member in kind)
        return self._value(name, kind, C.FIELD_NOT_IN_CODE_LIST, codes=codes)

    def code(self, name: str, kind: type[E]) -> E:
        return self._require(name, self.optional_code(name, kind), next(iter(kind)))

    def optional_gender(self, name: str) -> Gender | None:
        return self._value(name, _read_gender, C.FIELD_NOT_IN_CODE_LIST, codes="1, 2")

    def gender(self, name: str) -> Gender:
        return self._require(name, self.optional_gender(name), Gender.MALE)

    def group(self, name: str) -> _Fields:
        """The required child element `name` as fields (quiet and empty when it is missing)."""
        element = self._one(name)
        if element is None:
            self.fail(C.FIELD_REQUIRED, self.path(name))
        return _Fields(element, self._problems, self.path(name))

    def optional_group(self, name: str) -> _Fields | None:
        element = self._one(name)
        return None if element is None else _Fields(element, self._problems, self.path(name))

    def codes(self, name: str, kind: type[E]) -> list[tuple[str, E]]:
        """Every `name` child read as a code, with its indexed path (SAI_LECH/TRUONG[2]); a repeated code is refused."""
        self._read.add(name)
        found: list[tuple[str, E]] = []
        for index, element in enumerate(self._children.get(name, ()), 1):
            path = f"{self.path(name)}[{index}]"
            text = self._element_text(element, path, 100)
            if text is None:
                self.missing(path)
                continue
            try:
                code = kind(text)
            except ValueError:
                allowed = ", ".join(member.value for member in kind)
                self.fail(C.FIELD_NOT_IN_CODE_LIST, path, codes=allowed, value=_clip(text))
                continue
            if any(code is seen for _, seen in found):
                self.fail(C.FIELD_REPEATED, path)
            else:
                found.append((path, code))
        return found

    def skip(self, *names: str) -> None:
        """Leave `names` unread without reporting them unknown."""
        self._read.update(names)

    def not_allowed(self, name: str, condition: str, condition_vi: str) -> None:
        self._read.add(name)
        if name in self._children:
            self.fail(C.FIELD_NOT_ALLOWED, self.path(name), condition=condition, condition_vi=condition_vi)

    def finish(self, *, ignore: str | None = None) -> None:
        """Report every child element no reader asked for."""
        for name in self._children:
            if name not in self._read and name != ignore:
                self.fail(C.FIELD_UNKNOWN, self.path(name))


Build = Callable[[], T]  # makes a record from fields read, once they are known to be sound


def _registration(fields: _Fields) -> tuple[str, str, str, str, dt.date]:
    return (
        fields.text("SO_TRICH_LUC", MAX_REFERENCE),
        fields.office_code("MA_CO_QUAN"),
        fields.text("QUYEN_SO", MAX_REFERENCE),
        fields.text("SO_DANG_KY", MAX_REFERENCE),
        fields.date("NGAY_DANG_KY"),
    )


def _status(fields: _Fields) -> Build[RecordStatus]:
    state = fields.optional_code("TINH_TRANG", RecordState)
    if state is None:
        fields.missing(fields.path("TINH_TRANG"))
        fields.skip("NGAY_CAI_CHINH", "NGAY_HUY", "LY_DO_HUY")  # whether they belong depends on the status
        return lambda: VALID
    because = (f"TINH_TRANG is {state.value}", f"TINH_TRANG là {state.value}")
    corrected_on = cancelled_on = reason = None
    if state is RecordState.VALID:
        fields.not_allowed("NGAY_CAI_CHINH", *because)
    elif state is RecordState.CORRECTED:
        corrected_on = fields.date("NGAY_CAI_CHINH")
    else:
        corrected_on = fields.optional_date("NGAY_CAI_CHINH")
    if state is RecordState.CANCELLED:
        cancelled_on, reason = fields.date("NGAY_HUY"), fields.text("LY_DO_HUY", MAX_REASON)
    else:
        fields.not_allowed("NGAY_HUY", *because)
        fields.not_allowed("LY_DO_HUY", *because)
    return lambda: RecordStatus(state, corrected_on, cancelled_on, reason)


def _parent(fields: _Fields, name: str) -> Build[Parent | None]:
    group = fields.optional_group(name)
    if group is None:
        return lambda: None
    full_name, born = group.text("HO_TEN", MAX_NAME), group.optional_date("NGAY_SINH")
    number = group.optional_personal_id("SO_DINH_DANH")
    group.finish()
    return lambda: Parent(full_name, born, number)


def _read_birth_extract(fields: _Fields) -> Build[BirthExtract]:
    registration = _registration(fields)
    group = fields.group("NGUOI_DUOC_KHAI_SINH")
    full_name, gender, born = group.text("HO_TEN", MAX_NAME), group.gender("GIOI_TINH"), group.date("NGAY_SINH")
    number, place = group.optional_personal_id("SO_DINH_DANH"), group.text("NOI_SINH", MAX_PLACE)
    group.finish()
    mother, father, status = _parent(fields, "ME"), _parent(fields, "CHA"), _status(fields)
    return lambda: BirthExtract(
        *registration,
        child=Child(full_name, gender, born, place, number),
        mother=mother(),
        father=father(),
        status=status(),
    )


def _read_death_extract(fields: _Fields) -> Build[DeathExtract]:
    registration = _registration(fields)
    group = fields.group("NGUOI_DA_CHET")
    full_name, born = group.text("HO_TEN", MAX_NAME), group.optional_date("NGAY_SINH")
    number = group.personal_id("SO_DINH_DANH")
    group.finish()
    died, place = fields.date("NGAY_CHET"), fields.text("NOI_CHET", MAX_PLACE)
    status = _status(fields)
    return lambda: DeathExtract(
        *registration,
        full_name=full_name,
        personal_id=number,
        date_of_death=died,
        place_of_death=place,
        date_of_birth=born,
        status=status(),
    )


def _answer(fields: _Fields) -> tuple[str, dt.datetime]:
    return fields.text("MA_TRA_LOI", MAX_REFERENCE), fields.moment("THOI_DIEM_XAC_MINH")


def _read_identity_check(fields: _Fields) -> Build[IdentityCheck]:
    answer = _answer(fields)
    group = fields.group("THONG_TIN_XAC_MINH")
    number, full_name = group.personal_id("SO_DINH_DANH"), group.text("HO_TEN", MAX_NAME)
    born, gender = group.date("NGAY_SINH"), group.optional_gender("GIOI_TINH")
    group.finish()
    result = fields.code("KET_QUA", IdentityResult)
    mismatched: list[IdentityField] = []
    if result is IdentityResult.MISMATCH:
        listed = fields.group("SAI_LECH")
        for path, code in listed.codes("TRUONG", IdentityField):
            if code is IdentityField.GENDER and gender is None and not group.present("GIOI_TINH"):
                no_gender = ("the query gives no gender", "yêu cầu xác minh không có giới tính")
                listed.fail(C.FIELD_NOT_ALLOWED, path, condition=no_gender[0], condition_vi=no_gender[1])
            mismatched.append(code)
        if not listed.present("TRUONG"):
            listed.fail(C.FIELD_REQUIRED, listed.path("TRUONG"))
        listed.finish()
    else:
        fields.not_allowed("SAI_LECH", f"KET_QUA is {result.value}", f"KET_QUA là {result.value}")
    query = (number, full_name, born, gender)
    return lambda: IdentityCheck(*answer, query=IdentityQuery(*query), result=result, mismatched=tuple(mismatched))


def _read_relationship_check(fields: _Fields) -> Build[RelationshipCheck]:
    answer = _answer(fields)
    kind = fields.code("LOAI_QUAN_HE", RelationshipKind)
    first, second = fields.personal_id("SO_DINH_DANH_1"), fields.personal_id("SO_DINH_DANH_2")
    result = fields.code("KET_QUA", RelationshipResult)
    return lambda: RelationshipCheck(
        *answer, kind=kind, first_personal_id=first, second_personal_id=second, result=result
    )


_READERS: dict[str, Callable[[_Fields], Build[EvidenceRecord]]] = {
    BirthExtract.ROOT: _read_birth_extract,
    DeathExtract.ROOT: _read_death_extract,
    IdentityCheck.ROOT: _read_identity_check,
    RelationshipCheck.ROOT: _read_relationship_check,
}


def _root_tag(root: XmlElement) -> str:
    return _clip(root.tag) if isinstance(root.tag, str) else "?"


def parse_evidence(root: XmlElement) -> EvidenceRecord:
    """The record in a verified document, chosen by its root element; EvidenceUnreadable listing every problem."""
    tag = _root_tag(root)
    kind = ROOTS.get(tag)
    if kind is None:
        expected = ", ".join(ROOTS)
        problem = evidence_error(C.ROOT_UNKNOWN, None, found=tag, expected=expected)
        raise EvidenceUnreadable(C.ROOT_UNKNOWN, [problem], found=tag, expected=expected)
    problems: list[BusinessError] = []
    fields = _Fields(root, problems)
    build = _READERS[tag](fields)
    fields.finish(ignore=SIGNATURE_CONTAINER)
    if problems:
        english, vietnamese = kind.TITLE
        details = " ".join(problem.message for problem in problems)
        details_vi = " ".join(problem.message_vi for problem in problems)
        document_vi = f"{vietnamese} ({tag})"
        raise EvidenceUnreadable(
            C.CONTENT_INVALID,
            problems,
            document=f"{english} ({tag})",
            document_vi=document_vi,
            details=details,
            details_vi=details_vi,
        )
    return build()


def _parse_as(root: XmlElement, kind: type[R]) -> R:
    tag = _root_tag(root)
    if tag != kind.ROOT:
        problem = evidence_error(C.ROOT_UNEXPECTED, None, found=tag, expected=kind.ROOT)
        raise EvidenceUnreadable(C.ROOT_UNEXPECTED, [problem], found=tag, expected=kind.ROOT)
    record = parse_evidence(root)
    assert isinstance(record, kind)
    return record


def parse_birth_extract(root: XmlElement) -> BirthExtract:
    """A TRICHLUCKHAISINH; any other root is ROOT_UNEXPECTED."""
    return _parse_as(root, BirthExtract)


def parse_death_extract(root: XmlElement) -> DeathExtract:
    """A TRICHLUCKHAITU; any other root is ROOT_UNEXPECTED."""
    return _parse_as(root, DeathExtract)


def parse_identity_check(root: XmlElement) -> IdentityCheck:
    """An XACMINHCONGDAN; any other root is ROOT_UNEXPECTED."""
    return _parse_as(root, IdentityCheck)


def parse_relationship_check(root: XmlElement) -> RelationshipCheck:
    """An XACMINHQUANHE; any other root is ROOT_UNEXPECTED."""
    return _parse_as(root, RelationshipCheck)
