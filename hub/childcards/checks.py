"""The checks a birth registration must pass before a card is issued; every failure is reported, as a code."""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable

from hub.catalogs.adminunits import Era, UnitLevel, admin_catalog, era_on
from hub.catalogs.errors import CatalogErrorCode
from hub.catalogs.facilities import primary_care_problems
from hub.catalogs.models import HealthFacility
from hub.childcards.errors import ChildCardErrorCode as E
from hub.childcards.errors import childcard_error
from hub.childcards.models import DeliveryMethod
from hub.childcards.records import FIELD_LIMITS, BirthRecord, Chars, FieldLimit, PersonDetails, clean_field
from hub.childcards.rules import GuardianRole, default_guardian, is_under_six
from hub.clients.permissions import Location, Principal
from hub.infra.errors import BusinessError
from hub.infra.text import fold, refused_characters
from hub.persons.id_numbers import IdNumberIssue, check_personal_id
from hub.persons.models import Gender

FACILITY_CODES = {
    CatalogErrorCode.UNKNOWN_FACILITY: E.FACILITY_UNKNOWN,
    CatalogErrorCode.FACILITY_RETIRED: E.FACILITY_RETIRED,
    CatalogErrorCode.FACILITY_NOT_FOR_CHILDREN: E.FACILITY_NOT_FOR_CHILDREN,
    CatalogErrorCode.FACILITY_CONTRACT_NOT_VALID: E.FACILITY_CONTRACT_NOT_VALID,
}
GENDER_VI = {Gender.MALE: "nam", Gender.FEMALE: "nữ"}
ROLE_VI = {GuardianRole.FATHER: "cha", GuardianRole.MOTHER: "mẹ", GuardianRole.REGISTRANT: "người đi đăng ký"}
CLOCK_SKEW = dt.timedelta(days=1)  # a registration dated tomorrow is from an office whose clock runs ahead
CHARS_EN = {
    Chars.NAME: "letters, digits, spaces, - ' .",
    Chars.CODE: "the letters A-Z and digits 0-9",
    Chars.DIGITS: "the digits 0-9",
    Chars.TEXT: "printable characters",
}
CHARS_VI = {
    Chars.NAME: "chữ cái, chữ số, dấu cách, - ' .",
    Chars.CODE: "chữ cái A-Z và chữ số 0-9",
    Chars.DIGITS: "chữ số 0-9",
    Chars.TEXT: "ký tự in được",
}
_ALLOWED = {
    Chars.CODE: re.compile(r"[A-Z0-9]*"),
    Chars.DIGITS: re.compile(r"[0-9]*"),
}
_NAME_PUNCTUATION = frozenset(" -'’.")
REPORTED_CHARACTERS = 5  # a field full of refused characters names the first few


def field_errors(record: BirthRecord) -> list[BusinessError]:
    """Every text field of a record, `cleaned`, against its declared limit (FIELD_LIMITS)."""
    return cleaned_and_checked(record)[1]


def cleaned_and_checked(record: BirthRecord) -> tuple[BirthRecord, list[BusinessError]]:
    """The record `cleaned`, and every text field of it against its declared limit (FIELD_LIMITS), in one pass over
    its fields. A record failing these is answered without anything of it being stored."""
    errors = []

    def clean(name: str, value: str | None) -> str | None:
        cleaned = clean_field(name, value)
        if (
            cleaned is not None
            and not _passes(name, cleaned)
            and (problem := _field_problem(name, cleaned, FIELD_LIMITS[name])) is not None
        ):
            errors.append(problem)
        return cleaned

    return record.map_texts(clean), errors


def _passes(name: str, value: str) -> bool:
    """Whether a field's cleaned value passes its limit, in one step: what most values do. One that may not is
    looked at again by `_field_problem`, which finds the reason (or none: this answers no more than "maybe not")."""
    limit, fits = _FIELD_CHECKS[name]
    if len(value) > limit.length or not fits(value):
        return False
    key = fold(value) if limit.chars is Chars.NAME else value
    return bool(key) and len(key) <= limit.length


def _field_problem(name: str, value: str, limit: FieldLimit) -> BusinessError | None:
    refused = refused_characters(value) or _not_of(limit.chars, value)
    if refused:
        return childcard_error(
            E.FIELD_CHARACTERS,
            field=name,
            name=name,
            chars=", ".join(refused[:REPORTED_CHARACTERS]) + (" …" if len(refused) > REPORTED_CHARACTERS else ""),
            allowed=CHARS_EN[limit.chars],
            allowed_vi=CHARS_VI[limit.chars],
        )
    # A name's search key (`fold`) is stored too, in a column as wide as the name's; a name is blank without one.
    key = fold(value) if limit.chars is Chars.NAME else value
    length = max(len(value), len(key))
    if length > limit.length:
        return childcard_error(E.FIELD_TOO_LONG, field=name, name=name, length=length, limit=limit.length)
    if limit.required and not key:
        return childcard_error(E.FIELD_BLANK, field=name, name=name)
    return None


def _name_letter(category: str) -> bool:
    return category[0] in "LM" or category == "Nd"


# The characters found good in a name so far (letters, marks, digits, the name's punctuation): a name made of them
# is checked with one set operation. Bounded, so that hostile text cannot grow it without end.
_NAME_CHARS_SEEN: set[str] = set(_NAME_PUNCTUATION)
_NAME_CHARS_KEPT = 10_000


def _name_refusals(value: str) -> set[str]:
    chars = set(value)
    if chars <= _NAME_CHARS_SEEN:
        return set()
    wrong = set()
    for ch in chars - _NAME_CHARS_SEEN:
        if not _name_letter(unicodedata.category(ch)):
            wrong.add(ch)
        elif len(_NAME_CHARS_SEEN) < _NAME_CHARS_KEPT:
            _NAME_CHARS_SEEN.add(ch)
    return wrong


# Whether a value holds only characters a kind of field accepts (and none `refused_characters` finds): for a name,
# only those already found good (a name holding another is looked at character by character).
_FITS: dict[Chars, Callable[[str], object]] = {
    Chars.NAME: lambda value: _NAME_CHARS_SEEN.issuperset(value),
    Chars.CODE: re.compile(r"[A-Z0-9]*").fullmatch,
    Chars.DIGITS: re.compile(r"[0-9]*").fullmatch,
    Chars.TEXT: str.isprintable,
}
_FIELD_CHECKS = {name: (limit, _FITS[limit.chars]) for name, limit in FIELD_LIMITS.items()}


def _not_of(chars: Chars, value: str) -> list[str]:
    """The characters of `value` that `chars` does not accept, as `U+0000` labels."""
    if chars is Chars.TEXT:
        return []
    if chars is Chars.NAME:
        wrong = _name_refusals(value)
    elif _ALLOWED[chars].fullmatch(value):
        return []
    else:
        wrong = {ch for ch in value if not _ALLOWED[chars].fullmatch(ch)}
    return [f"U+{ord(ch):04X}" for ch in sorted(wrong)]


def office_location(record: BirthRecord) -> Location:
    """Where the registering office is today: a registration made before 1/7/2025 by a commune since merged
    belongs to the commune it became (whose office now holds its books)."""
    return _office_location(record.registry_office_code, era_on(record.registered_on))


@functools.lru_cache(maxsize=8192)  # asked four times for each record of a batch, of a few thousand offices
def _office_location(office_code: str, era: Era) -> Location:
    catalog = admin_catalog()
    commune = catalog.get(UnitLevel.COMMUNE, office_code, era)
    if commune is not None and era is Era.LEGACY:
        commune = catalog.current_commune_for(commune.code)
    if commune is None:
        return Location(commune_code=office_code)
    return Location(province_code=commune.province_code, commune_code=commune.code)


def guardian_of(record: BirthRecord) -> GuardianRole:
    return record.guardian or default_guardian(
        has_father=record.father is not None, has_mother=record.mother is not None
    )


def placement_errors(record: BirthRecord, actor: Principal) -> list[BusinessError]:
    """Whether the registering office exists on the registration date and is the caller's to send for. A record
    failing these is answered without opening a case: it cannot be placed in anyone's jurisdiction."""
    if admin_catalog().commune_on(record.registry_office_code, record.registered_on) is None:
        return [
            childcard_error(
                E.COMMUNE_UNKNOWN,
                field="registryOfficeCode",
                code=record.registry_office_code,
                day=record.registered_on,
            )
        ]
    if not actor.jurisdiction.covers(office_location(record)):
        return [
            childcard_error(E.OFFICE_OUTSIDE_JURISDICTION, field="registryOfficeCode", code=record.registry_office_code)
        ]
    return []


def check_record(record: BirthRecord, *, today: dt.date, facility: HealthFacility | None) -> list[BusinessError]:
    """Every reason a placed record (see placement_errors) cannot get a card; `facility` is the chosen facility,
    loaded by the caller."""
    child = record.child
    office = admin_catalog().commune_on(record.registry_office_code, record.registered_on)
    errors = _date_errors(record, today)
    if child.personal_id_number:
        errors += _id_number_errors(record, office.province_code if office else None)
    errors += [
        childcard_error(
            FACILITY_CODES[CatalogErrorCode(problem.code)],
            field="facilityCode",
            code=record.facility_code,
            day=today,
        )
        # The facility must take the child now, when the card is issued, whatever it was on the registration day.
        for problem in primary_care_problems(facility, record.facility_code, on=today)
    ]
    passed: set[tuple[str | None, dt.date | None]] = set()  # a parent's number and birth date found good
    for role, person, gender in (
        (GuardianRole.MOTHER, record.mother, Gender.FEMALE),
        (GuardianRole.FATHER, record.father, Gender.MALE),
        (GuardianRole.REGISTRANT, record.registrant, None),
    ):
        if person is None:
            continue
        key = (person.personal_id_number, person.date_of_birth)
        if gender is None and key in passed:
            continue  # the registrant is a parent, whose check (the gender's besides) this one repeats
        found = _person_id_errors(role, person, gender)
        if not found:
            passed.add(key)
        errors += found
    guardian = guardian_of(record)
    present = {
        GuardianRole.FATHER: record.father,
        GuardianRole.MOTHER: record.mother,
        GuardianRole.REGISTRANT: record.registrant,
    }
    if present[guardian] is None:
        errors.append(
            childcard_error(E.GUARDIAN_MISSING, field="guardian", role=guardian.value, role_vi=ROLE_VI[guardian])
        )
    if record.delivery is DeliveryMethod.BY_POST and not (record.delivery_address or "").strip():
        errors.append(childcard_error(E.POSTAL_ADDRESS_MISSING, field="deliveryAddress"))
    return errors


def _date_errors(record: BirthRecord, today: dt.date) -> list[BusinessError]:
    """The registration not after today (one day of clock skew allowed), the birth not after either, and the child
    under 6 both on the registration date and on the day the hub receives the record (`today`)."""
    born, registered = record.child.date_of_birth, record.registered_on
    latest = today + CLOCK_SKEW
    errors = []
    if born > latest:  # the registration date is then wrong too, or the birth before it
        errors.append(childcard_error(E.BIRTH_DATE_IN_FUTURE, field="child.dateOfBirth", day=born))
    elif registered > latest:
        errors.append(childcard_error(E.REGISTRATION_DATE_IN_FUTURE, field="registeredOn", day=registered))
    elif born > registered:
        errors.append(
            childcard_error(E.BIRTH_DATE_AFTER_REGISTRATION, field="child.dateOfBirth", day=born, registered=registered)
        )
    elif not is_under_six(born, registered):
        months = _months_between(born, registered)
        errors.append(childcard_error(E.CHILD_NOT_UNDER_SIX, field="child.dateOfBirth", months=months))
    elif not is_under_six(born, today):
        months = _months_between(born, today)
        errors.append(
            childcard_error(E.CHILD_NOT_UNDER_SIX_ON_RECEIPT, field="child.dateOfBirth", months=months, day=today)
        )
    return errors


def _person_id_errors(role: GuardianRole, person: PersonDetails | None, gender: Gender | None) -> list[BusinessError]:
    """A parent's or the registrant's number: 12 digits of a known province, agreeing with their date of birth (when
    given) and, for a parent, with their gender."""
    if person is None or not person.personal_id_number:
        return []
    number = person.personal_id_number
    checked = check_personal_id(number, date_of_birth=person.date_of_birth, gender=gender)
    if checked.ok:
        return []
    return [
        childcard_error(
            E.PERSON_ID_NUMBER_INVALID,
            field=f"{role.value}.personalIdNumber",
            role=role.value,
            role_vi=ROLE_VI[role],
            number=number,
            detail=" ".join(problem.message_en for problem in checked.issues),
            detail_vi=" ".join(problem.message_vi for problem in checked.issues),
        )
    ]


def _id_number_errors(record: BirthRecord, office_province: str | None) -> list[BusinessError]:
    child = record.child
    number = child.personal_id_number or ""
    checked = check_personal_id(number, date_of_birth=child.date_of_birth, gender=child.gender)
    errors = []
    codes = set(checked.codes)
    if codes & {IdNumberIssue.MALFORMED, IdNumberIssue.UNKNOWN_PROVINCE}:
        problem = checked.issues[0]
        return [
            childcard_error(
                E.ID_NUMBER_MALFORMED,
                field="child.personalIdNumber",
                number=number,
                detail=problem.message_en,
                detail_vi=problem.message_vi,
            )
        ]
    info = checked.info
    assert info is not None
    if codes & {IdNumberIssue.BIRTH_YEAR_MISMATCH, IdNumberIssue.CENTURY_MISMATCH}:
        errors.append(
            childcard_error(
                E.ID_NUMBER_BIRTH_DATE_MISMATCH,
                field="child.personalIdNumber",
                id_year=info.birth_year,
                year=child.date_of_birth.year,
            )
        )
    if IdNumberIssue.GENDER_MISMATCH in codes:
        errors.append(
            childcard_error(
                E.ID_NUMBER_GENDER_MISMATCH,
                field="child.personalIdNumber",
                id_gender=info.gender.value,
                gender=child.gender.value,
                id_gender_vi=GENDER_VI[info.gender],
                gender_vi=GENDER_VI[child.gender],
            )
        )
    if office_province is not None and not _issued_in(info.legacy_province_code, office_province, record.registered_on):
        errors.append(
            childcard_error(E.ID_NUMBER_PLACE_MISMATCH, field="child.personalIdNumber", id_province=info.province_name)
        )
    return errors


def _issued_in(legacy_province_code: str, office_province: str, registered_on: dt.date) -> bool:
    """Whether a number whose digits 1–3 name `legacy_province_code` fits the registering office's province: the
    same province before 1/7/2025; after it, the same one or one that merged into it."""
    if legacy_province_code == office_province:
        return True
    if era_on(registered_on) is Era.LEGACY:
        return False
    current = admin_catalog().current_province_for(legacy_province_code)
    return current is not None and current.code == office_province


def _months_between(start: dt.date, end: dt.date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (end.day < start.day)
