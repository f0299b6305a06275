"""Client of the national population database (Cơ sở dữ liệu quốc gia về dân cư) for newborns: does the register
know this child, does it agree with the birth registration, and what is the child's personal identification number.

    POST /v1/identity/verify-child
    {"full_name": "Nguyễn Văn An", "date_of_birth": "2026-10-01", "gender": "male",
     "mother_personal_id": "001190012345" | null, "personal_id": "001226012345" | null}
    → 200 {"status": "match" | "mismatch" | "not_found" | "pending", "personal_id": "001226012345" | null,
           "mismatched_fields": ["full_name", ...], "retry_after": "2026-11-03T03:00:00+00:00" | null,
           "checked_at": "2026-11-02T03:00:00+00:00"}
    POST /v1/identity/verify-children   {"queries": [query, …]} (at most 500) → 200 {"answers": [answer, …]},
         one answer per query, in the order asked

and for benefit claims, a mother's children as the register links them to her (family relationships):

    POST /v1/family/children   {"mother_personal_id": "001190012345"}
    → 200 {"mother_personal_id": "001190012345", "found": true | false,
           "children": [{"personal_id": "001226012345" | null, "date_of_birth": "2023-05-02",
                         "alive": true | false, "date_of_death": "2025-01-03" | null}, ...],
           "checked_at": "2026-11-02T03:00:00+00:00"}
    `found` false: the register does not know the mother (no children then); a dead child's date of death may be
    unknown (null).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from connectors import PermanentError
from connectors.http import JsonHttpClient
from connectors.wire import JsonObject, require_aware, require_personal_id, utc_text
from hub.persons.models import Gender

VERIFY_CHILD_PATH = "/v1/identity/verify-child"
VERIFY_CHILDREN_PATH = "/v1/identity/verify-children"
CHILDREN_PATH = "/v1/family/children"
MAX_BATCH = 500
MAX_NAME_LENGTH = 200


class IdentityStatus(enum.StrEnum):
    MATCH = "match"  # the record exists and agrees; the answer carries the child's number
    MISMATCH = "mismatch"  # a record exists but disagrees; the answer lists the fields
    NOT_FOUND = "not_found"
    PENDING = "pending"  # the register knows the child but has not assigned the number yet


class ChildField(enum.StrEnum):
    """A field of the query that the register can disagree with."""

    FULL_NAME = "full_name"
    DATE_OF_BIRTH = "date_of_birth"
    GENDER = "gender"
    MOTHER_PERSONAL_ID = "mother_personal_id"


@dataclass(frozen=True)
class ChildQuery:
    """What the birth registration says about the child; `personal_id` is the child's own number if the registry
    gave one, and the register then looks the child up by it."""

    full_name: str
    date_of_birth: dt.date
    gender: Gender
    mother_personal_id: str | None = None
    personal_id: str | None = None

    def __post_init__(self) -> None:
        if not self.full_name.strip() or len(self.full_name) > MAX_NAME_LENGTH:
            raise ValueError(f"full_name must be non-empty and at most {MAX_NAME_LENGTH} characters")
        require_personal_id(self.mother_personal_id, "mother_personal_id")
        require_personal_id(self.personal_id, "personal_id")

    def to_json(self) -> dict[str, object]:
        return {
            "full_name": self.full_name,
            "date_of_birth": self.date_of_birth.isoformat(),
            "gender": self.gender.value,
            "mother_personal_id": self.mother_personal_id,
            "personal_id": self.personal_id,
        }

    @classmethod
    def from_json(cls, value: object) -> ChildQuery:
        return cls.from_fields(JsonObject(value))

    @classmethod
    def from_fields(cls, fields: JsonObject) -> ChildQuery:
        return cls(
            full_name=fields.text("full_name", max_length=MAX_NAME_LENGTH),
            date_of_birth=fields.date("date_of_birth"),
            gender=fields.choice("gender", Gender),
            mother_personal_id=fields.optional_personal_id("mother_personal_id"),
            personal_id=fields.optional_personal_id("personal_id"),
        )


@dataclass(frozen=True)
class IdentityAnswer:
    """The register's answer. `personal_id` only with MATCH; `mismatched` (never empty) only with MISMATCH;
    `retry_after`, when the register knows it, only with PENDING."""

    status: IdentityStatus
    checked_at: dt.datetime
    personal_id: str | None = None
    mismatched: tuple[ChildField, ...] = ()
    retry_after: dt.datetime | None = None

    def __post_init__(self) -> None:
        require_aware(self.checked_at, "checked_at")
        if (self.personal_id is not None) != (self.status is IdentityStatus.MATCH):
            raise ValueError("personal_id is given with a match, and only then")
        require_personal_id(self.personal_id, "personal_id")
        if bool(self.mismatched) != (self.status is IdentityStatus.MISMATCH):
            raise ValueError("mismatched fields are listed with a mismatch, and only then")
        if self.retry_after is not None:
            require_aware(self.retry_after, "retry_after")
            if self.status is not IdentityStatus.PENDING:
                raise ValueError("retry_after is given with a pending answer only")

    @classmethod
    def match(cls, personal_id: str, checked_at: dt.datetime) -> IdentityAnswer:
        return cls(IdentityStatus.MATCH, checked_at, personal_id=personal_id)

    @classmethod
    def mismatch(cls, fields: tuple[ChildField, ...], checked_at: dt.datetime) -> IdentityAnswer:
        return cls(IdentityStatus.MISMATCH, checked_at, mismatched=fields)

    @classmethod
    def not_found(cls, checked_at: dt.datetime) -> IdentityAnswer:
        return cls(IdentityStatus.NOT_FOUND, checked_at)

    @classmethod
    def pending(cls, checked_at: dt.datetime, retry_after: dt.datetime | None = None) -> IdentityAnswer:
        return cls(IdentityStatus.PENDING, checked_at, retry_after=retry_after)

    def to_json(self) -> dict[str, object]:
        return {
            "status": self.status.value,
            "personal_id": self.personal_id,
            "mismatched_fields": [field.value for field in self.mismatched],
            "retry_after": None if self.retry_after is None else utc_text(self.retry_after),
            "checked_at": utc_text(self.checked_at),
        }

    @classmethod
    def from_json(cls, value: object) -> IdentityAnswer:
        return cls.from_fields(JsonObject(value))

    @classmethod
    def from_fields(cls, fields: JsonObject) -> IdentityAnswer:
        return cls(
            status=fields.choice("status", IdentityStatus),
            checked_at=fields.moment("checked_at"),
            personal_id=fields.optional_personal_id("personal_id"),
            mismatched=fields.choices("mismatched_fields", ChildField),
            retry_after=fields.optional_moment("retry_after"),
        )


@dataclass(frozen=True)
class RegisteredChild:
    """A child the register links to its mother: its number (None before one is assigned), birth date, and whether it
    is alive, with the date of death when the register has it."""

    date_of_birth: dt.date
    alive: bool = True
    personal_id: str | None = None
    date_of_death: dt.date | None = None

    def __post_init__(self) -> None:
        require_personal_id(self.personal_id, "personal_id")
        if self.alive and self.date_of_death is not None:
            raise ValueError("a living child has no date of death")
        if self.date_of_death is not None and self.date_of_death < self.date_of_birth:
            raise ValueError("date_of_death is before date_of_birth")

    def alive_on(self, day: dt.date) -> bool:
        """Whether the child was born before `day` and alive on it; a death without a date counts as before it (the
        register says the child is dead and cannot say since when)."""
        if self.date_of_birth >= day:
            return False
        return self.alive or (self.date_of_death is not None and self.date_of_death >= day)

    def to_json(self) -> dict[str, object]:
        return {
            "personal_id": self.personal_id,
            "date_of_birth": self.date_of_birth.isoformat(),
            "alive": self.alive,
            "date_of_death": None if self.date_of_death is None else self.date_of_death.isoformat(),
        }

    @classmethod
    def from_fields(cls, fields: JsonObject) -> RegisteredChild:
        alive = fields.flag("alive")
        return cls(
            date_of_birth=fields.date("date_of_birth"),
            alive=alive,
            personal_id=fields.optional_personal_id("personal_id"),
            date_of_death=fields.optional_date("date_of_death"),
        )


@dataclass(frozen=True)
class ChildrenAnswer:
    """The register's answer about a mother's children; `found` False (no children then): it does not know her."""

    mother_personal_id: str
    found: bool
    children: tuple[RegisteredChild, ...]
    checked_at: dt.datetime

    def __post_init__(self) -> None:
        require_personal_id(self.mother_personal_id, "mother_personal_id")
        require_aware(self.checked_at, "checked_at")
        if self.children and not self.found:
            raise ValueError("children are listed only for a mother the register knows")

    def living_before(self, born: dt.date) -> int:
        """The children born before `born` and alive on that day: the living children a birth on `born` follows."""
        return sum(child.alive_on(born) for child in self.children)

    def to_json(self) -> dict[str, object]:
        return {
            "mother_personal_id": self.mother_personal_id,
            "found": self.found,
            "children": [child.to_json() for child in self.children],
            "checked_at": utc_text(self.checked_at),
        }

    @classmethod
    def from_json(cls, value: object) -> ChildrenAnswer:
        fields = JsonObject(value)
        return cls(
            mother_personal_id=fields.personal_id("mother_personal_id"),
            found=fields.flag("found"),
            children=tuple(RegisteredChild.from_fields(item) for item in fields.objects("children")),
            checked_at=fields.moment("checked_at"),
        )


class PopulationClient(JsonHttpClient):
    """Client of the population database's newborn identity check.

    Raises `TransientError` when the register cannot answer now, `PermanentError` when it refuses the query or
    answers something unusable; NOT_FOUND, MISMATCH and PENDING are answers, not errors.
    """

    async def verify_child(self, query: ChildQuery) -> IdentityAnswer:
        return await self.request("POST", VERIFY_CHILD_PATH, body=query.to_json(), parse=IdentityAnswer.from_json)

    async def verify_children(self, queries: Sequence[ChildQuery]) -> tuple[IdentityAnswer, ...]:
        """Up to MAX_BATCH checks in one call; the answers in the order of the queries."""
        if not 0 < len(queries) <= MAX_BATCH:
            raise ValueError(f"a batch holds 1 to {MAX_BATCH} queries, not {len(queries)}")
        body = {"queries": [query.to_json() for query in queries]}
        answers = await self.request("POST", VERIFY_CHILDREN_PATH, body=body, parse=_answers)
        if len(answers) != len(queries):
            raise PermanentError(f"POST {VERIFY_CHILDREN_PATH}: {len(answers)} answers to {len(queries)} queries")
        return answers

    async def children_of(self, mother_personal_id: str) -> ChildrenAnswer:
        """The children the register links to this mother (family relationships)."""
        require_personal_id(mother_personal_id, "mother_personal_id")
        body = {"mother_personal_id": mother_personal_id}
        answer = await self.request("POST", CHILDREN_PATH, body=body, parse=ChildrenAnswer.from_json)
        if answer.mother_personal_id != mother_personal_id:
            raise PermanentError(f"POST {CHILDREN_PATH}: an answer about {answer.mother_personal_id}")
        return answer


def _answers(value: object) -> tuple[IdentityAnswer, ...]:
    return tuple(IdentityAnswer.from_fields(item) for item in JsonObject(value).objects("answers"))
