"""The checks a birth registration must pass before a card is issued; every failure is reported, as a code."""

from __future__ import annotations

import datetime as dt

from hub.catalogs.adminunits import Era, admin_catalog, era_on
from hub.catalogs.errors import CatalogErrorCode
from hub.catalogs.facilities import primary_care_problems
from hub.catalogs.models import HealthFacility
from hub.childcards.errors import ChildCardErrorCode as E
from hub.childcards.errors import childcard_error
from hub.childcards.models import DeliveryMethod
from hub.childcards.records import BirthRecord
from hub.childcards.rules import GuardianRole, default_guardian, is_under_six
from hub.clients.permissions import Location, Principal
from hub.infra.errors import BusinessError
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


def office_location(record: BirthRecord) -> Location:
    """Where the registering office is today: a registration made before 1/7/2025 by a commune since merged
    belongs to the commune it became (whose office now holds its books)."""
    catalog = admin_catalog()
    commune = catalog.commune_on(record.registry_office_code, record.registered_on)
    if commune is not None and era_on(record.registered_on) is Era.LEGACY:
        commune = catalog.current_commune_for(commune.code)
    if commune is None:
        return Location(commune_code=record.registry_office_code)
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
    errors: list[BusinessError] = []
    office = admin_catalog().commune_on(record.registry_office_code, record.registered_on)
    if child.date_of_birth > today:
        errors.append(childcard_error(E.BIRTH_DATE_IN_FUTURE, field="child.dateOfBirth", day=child.date_of_birth))
    elif child.date_of_birth > record.registered_on:
        errors.append(
            childcard_error(
                E.BIRTH_DATE_AFTER_REGISTRATION,
                field="child.dateOfBirth",
                day=child.date_of_birth,
                registered=record.registered_on,
            )
        )
    elif not is_under_six(child.date_of_birth, record.registered_on):
        months = _months_between(child.date_of_birth, record.registered_on)
        errors.append(childcard_error(E.CHILD_NOT_UNDER_SIX, field="child.dateOfBirth", months=months))
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
