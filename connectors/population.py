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


def _answers(value: object) -> tuple[IdentityAnswer, ...]:
    return tuple(IdentityAnswer.from_fields(item) for item in JsonObject(value).objects("answers"))
