"""Who may do what, where: client kinds, roles, jurisdictions, and the authenticated principal."""

from __future__ import annotations

import enum
import re
import uuid
from dataclasses import dataclass

from hub.audit.purpose import Purpose
from hub.audit.refusals import RefusedRecord, note_refusal
from hub.infra.errors import Forbidden


class ClientKind(enum.StrEnum):
    CIVIL_REGISTRY = "civil_registry"
    HOSPITAL = "hospital"
    PORTAL = "portal"
    CLAIM_PROCESSOR = "claim_processor"
    SUPERVISOR = "supervisor"
    OPERATOR = "operator"
    EMPLOYER = "employer"  # an employer's own system (or BHXH's employer portal acting for it)
    CITIZEN = "citizen"  # an insured person, through an identity provider acting for them
    # A medical assessment council (Hội đồng giám định y khoa; a party of QĐ 69/QĐ-TTg Art 1(2)), by its unit code:
    # it sends the signed minutes of its assessments (XML12), as hospitals send their documents, and reads nothing.
    ASSESSMENT_COUNCIL = "assessment_council"


class Role(enum.StrEnum):
    PERSON_READ = "person:read"
    PERSON_WRITE = "person:write"
    BIRTH_REGISTRATION_SUBMIT = "birth_registration:submit"
    CHILD_CARD_REVIEW = "child_card:review"
    FACILITY_REQUEST = "facility:request"
    DOCUMENT_SUBMIT = "document:submit"
    DOCUMENT_READ = "document:read"
    CERTIFICATE_MANAGE = "certificate:manage"
    CLAIM_READ = "claim:read"
    CLAIM_FILE = "claim:file"
    CLAIM_READ_OWN = "claim:read_own"  # the claims of the employer's employees, or of the citizen themself
    CLAIM_DECIDE = "claim:decide"
    CASE_STATUS_READ = "case_status:read"
    AUDIT_READ = "audit:read"
    CATALOG_MANAGE = "catalog:manage"
    CLIENT_MANAGE = "client:manage"


class JurisdictionLevel(enum.StrEnum):
    FACILITY = "facility"
    COMMUNE = "commune"
    PROVINCE = "province"
    NATIONAL = "national"
    EMPLOYER = "employer"  # by the employer's BHXH unit code
    PERSON = "person"  # by the person's 12-digit identification number


# Roles a kind of client may hold at all (a hospital can never decide claims), and those it gets by default.
ALLOWED_ROLES: dict[ClientKind, frozenset[Role]] = {
    ClientKind.CIVIL_REGISTRY: frozenset(
        {Role.BIRTH_REGISTRATION_SUBMIT, Role.FACILITY_REQUEST, Role.PERSON_READ, Role.PERSON_WRITE}
    ),
    ClientKind.HOSPITAL: frozenset({Role.DOCUMENT_SUBMIT, Role.DOCUMENT_READ}),
    ClientKind.PORTAL: frozenset({Role.CASE_STATUS_READ}),
    ClientKind.CLAIM_PROCESSOR: frozenset(
        {Role.CLAIM_READ, Role.CLAIM_FILE, Role.CLAIM_DECIDE, Role.DOCUMENT_READ, Role.PERSON_READ}
    ),
    ClientKind.SUPERVISOR: frozenset(
        {
            Role.AUDIT_READ,
            Role.CHILD_CARD_REVIEW,
            Role.CLAIM_READ,
            Role.CLAIM_DECIDE,
            Role.DOCUMENT_READ,
            Role.PERSON_READ,
            Role.PERSON_WRITE,
        }
    ),
    ClientKind.OPERATOR: frozenset({Role.CLIENT_MANAGE, Role.CATALOG_MANAGE, Role.CERTIFICATE_MANAGE}),
    ClientKind.EMPLOYER: frozenset({Role.CLAIM_FILE, Role.CLAIM_READ_OWN}),
    ClientKind.CITIZEN: frozenset({Role.CLAIM_FILE, Role.CLAIM_READ_OWN}),
    ClientKind.ASSESSMENT_COUNCIL: frozenset({Role.DOCUMENT_SUBMIT}),
}
# Every allowed role by default, except that a supervisor decides and corrects only when granted to.
DEFAULT_ROLES: dict[ClientKind, frozenset[Role]] = {
    **ALLOWED_ROLES,
    ClientKind.SUPERVISOR: ALLOWED_ROLES[ClientKind.SUPERVISOR] - {Role.CLAIM_DECIDE, Role.PERSON_WRITE},
}
ALLOWED_LEVELS: dict[ClientKind, frozenset[JurisdictionLevel]] = {
    ClientKind.CIVIL_REGISTRY: frozenset({JurisdictionLevel.COMMUNE, JurisdictionLevel.PROVINCE}),
    ClientKind.HOSPITAL: frozenset({JurisdictionLevel.FACILITY}),
    ClientKind.PORTAL: frozenset({JurisdictionLevel.NATIONAL}),
    ClientKind.CLAIM_PROCESSOR: frozenset({JurisdictionLevel.PROVINCE, JurisdictionLevel.NATIONAL}),
    ClientKind.SUPERVISOR: frozenset({JurisdictionLevel.PROVINCE, JurisdictionLevel.NATIONAL}),
    ClientKind.OPERATOR: frozenset({JurisdictionLevel.PROVINCE, JurisdictionLevel.NATIONAL}),
    ClientKind.EMPLOYER: frozenset({JurisdictionLevel.EMPLOYER}),
    ClientKind.CITIZEN: frozenset({JurisdictionLevel.PERSON}),
    ClientKind.ASSESSMENT_COUNCIL: frozenset({JurisdictionLevel.FACILITY}),  # its unit code, which signs its minutes
}
# The purposes each kind of client may state when it reads personal data (Decree 13: purpose limitation).
PURPOSES: dict[ClientKind, frozenset[Purpose]] = {
    ClientKind.CIVIL_REGISTRY: frozenset({Purpose.CARD_ISSUANCE, Purpose.DATA_CORRECTION}),
    ClientKind.HOSPITAL: frozenset({Purpose.EVIDENCE_INTAKE}),
    ClientKind.PORTAL: frozenset({Purpose.CASE_STATUS}),
    ClientKind.CLAIM_PROCESSOR: frozenset({Purpose.CLAIM_SETTLEMENT, Purpose.DATA_CORRECTION}),
    ClientKind.SUPERVISOR: frozenset({Purpose.SUPERVISION, Purpose.CLAIM_SETTLEMENT, Purpose.DATA_CORRECTION}),
    ClientKind.OPERATOR: frozenset(),
    ClientKind.EMPLOYER: frozenset({Purpose.CLAIM_SETTLEMENT}),
    ClientKind.CITIZEN: frozenset({Purpose.CLAIM_SETTLEMENT}),
    ClientKind.ASSESSMENT_COUNCIL: frozenset({Purpose.EVIDENCE_INTAKE}),
}
# Statistics-office codes: 2-digit provinces, 5-digit communes; 5-character health-facility codes.
_CODE_FORMATS: dict[JurisdictionLevel, re.Pattern[str]] = {
    JurisdictionLevel.FACILITY: re.compile(r"[0-9A-Z]{5}"),
    JurisdictionLevel.COMMUNE: re.compile(r"[0-9]{5}"),
    JurisdictionLevel.PROVINCE: re.compile(r"[0-9]{2}"),
    JurisdictionLevel.EMPLOYER: re.compile(r"[0-9A-Z]{2,20}"),
    JurisdictionLevel.PERSON: re.compile(r"[0-9]{12}"),
}


@dataclass(frozen=True)
class Location:
    """Where a record belongs, for jurisdiction checks; unknown parts are None."""

    province_code: str | None = None
    commune_code: str | None = None
    facility_code: str | None = None
    employer_code: str | None = None
    personal_id: str | None = None


@dataclass(frozen=True)
class Jurisdiction:
    level: JurisdictionLevel
    code: str | None = None

    def __post_init__(self) -> None:
        if self.level is JurisdictionLevel.NATIONAL:
            if self.code:
                raise ValueError("a national jurisdiction has no code")
            return
        pattern = _CODE_FORMATS[self.level]
        if self.code is None or not pattern.fullmatch(self.code):
            raise ValueError(f"a {self.level.value} jurisdiction needs a code matching {pattern.pattern}")

    @classmethod
    def parse(cls, text: str) -> Jurisdiction:
        """Read `national`, `province:48`, `commune:20242`, `facility:48001`, `employer:DN0012345` or
        `person:048085000321`."""
        level_text, _, code = text.strip().partition(":")
        try:
            level = JurisdictionLevel(level_text.lower())
        except ValueError:
            raise ValueError(
                f"unknown jurisdiction {text!r}: expected national, province:NN, commune:NNNNN, facility:XXXXX, "
                "employer:CODE or person:NNNNNNNNNNNN"
            ) from None
        return cls(level, code or None)

    def __str__(self) -> str:
        return self.level.value if self.code is None else f"{self.level.value}:{self.code}"

    def covers(self, location: Location) -> bool:
        match self.level:
            case JurisdictionLevel.NATIONAL:
                return True
            case JurisdictionLevel.PROVINCE:
                return location.province_code == self.code
            case JurisdictionLevel.COMMUNE:
                return location.commune_code == self.code
            case JurisdictionLevel.FACILITY:
                return location.facility_code == self.code
            case JurisdictionLevel.EMPLOYER:
                return location.employer_code == self.code
            case JurisdictionLevel.PERSON:
                return location.personal_id == self.code


@dataclass(frozen=True)
class Principal:
    """The authenticated client a request runs as."""

    client_id: uuid.UUID
    name: str
    kind: ClientKind
    roles: frozenset[Role]
    jurisdiction: Jurisdiction

    def require(self, role: Role, location: Location | None = None, *, record: RefusedRecord | None = None) -> None:
        """Raise Forbidden unless this client holds `role` and, if given, its jurisdiction covers `location` (where
        the record acted on belongs). `record` names that record for the audit log of refusals."""
        if not self.may(role, location):
            if record is not None:
                note_refusal(record)
            raise Forbidden()

    def may(self, role: Role, location: Location | None = None) -> bool:
        """Whether this client holds `role` and, if given, its jurisdiction covers `location`."""
        return role in self.roles and (location is None or self.jurisdiction.covers(location))

    def require_purpose(self, purpose: Purpose) -> None:
        """Raise Forbidden unless a client of this kind may process personal data for `purpose`."""
        if purpose not in PURPOSES[self.kind]:
            raise Forbidden()


def validate_grant(kind: ClientKind, roles: frozenset[Role], jurisdiction: Jurisdiction) -> None:
    """Check that a client of `kind` may hold these roles and this jurisdiction; raise ValueError saying why not."""
    extra = roles - ALLOWED_ROLES[kind]
    if extra:
        raise ValueError(
            f"a {kind.value} client cannot hold {', '.join(sorted(r.value for r in extra))}; "
            f"allowed: {', '.join(sorted(r.value for r in ALLOWED_ROLES[kind]))}"
        )
    if jurisdiction.level not in ALLOWED_LEVELS[kind]:
        raise ValueError(
            f"a {kind.value} client cannot have a {jurisdiction.level.value} jurisdiction; "
            f"allowed: {', '.join(sorted(level.value for level in ALLOWED_LEVELS[kind]))}"
        )
