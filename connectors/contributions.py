"""Client of BHXH's contribution system (hệ thống quản lý thu BHXH): who paid social insurance for a person, for which
months, on what salary, as which kind of work, compulsory or voluntary.

    GET  /v1/contributions?personal_id=001190012345&bhxh_code=0123456789   (either or both)
    → 200 record
    → 404 {"error": "not_found", "reason": …}   the system knows no such person
    POST /v1/contributions/query  {"people": [{"personal_id": "…" | null, "bhxh_code": "…" | null}, …]} (at most 500)
    → 200 {"answers": [{"found": true, "record": record} | {"found": false}, …]}, one per person, in the order asked

    record = {"personal_id": "001190012345" | null, "bhxh_code": "0123456789" | null, "full_name": "Trần Thị Mai",
              "gender": "female", "date_of_birth": "1990-03-04", "province_code": "01", "commune_code": "00004",
              "address": "Số 3 Lê Lợi",
              "periods": [{"from": "2019-01", "to": "2021-06", "salary_vnd": 8500000,
                           "work_type": "normal" | "heavy_hazardous", "kind": "compulsory" | "voluntary",
                           "employer": {"code": "YN0123A", "name": "…", "tax_code": "0101234567" | null,
                                        "province_code": "01"} | null}, …]}

The system looks a person up by ID number, then by BHXH code; the record it answers with carries one of the
identifiers asked by.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from connectors import PermanentError
from connectors.http import JsonHttpClient
from connectors.wire import JsonObject, require_personal_id
from hub.claims.rules.inputs import ContributionKind, WorkType
from hub.claims.rules.months import Month
from hub.contributions.records import (
    BHXH_CODE,
    MAX_ADDRESS,
    MAX_EMPLOYER_NAME,
    MAX_NAME,
    ContributionPeriod,
    ContributionRecord,
    EmployerInfo,
)
from hub.persons.models import Gender

CONTRIBUTIONS_PATH = "/v1/contributions"
QUERY_PATH = "/v1/contributions/query"
NOT_FOUND = "not_found"
MAX_BATCH = 500
MAX_PERIODS = 1_000  # a working life is a few dozen periods; a month per period for 80 years is under this


@dataclass(frozen=True)
class PersonKey:
    """Whom to ask about: the person's ID number and BHXH code, as far as the hub knows them (at least one)."""

    personal_id: str | None = None
    bhxh_code: str | None = None

    def __post_init__(self) -> None:
        if self.personal_id is None and self.bhxh_code is None:
            raise ValueError("ask by personal_id or bhxh_code")
        require_personal_id(self.personal_id, "personal_id")
        if self.bhxh_code is not None and not BHXH_CODE.fullmatch(self.bhxh_code):
            raise ValueError("bhxh_code must be 10 digits")

    def answers(self, found: ContributionRecord) -> bool:
        """Whether `found` can be about this person: it carries one of the identifiers asked by."""
        return (self.personal_id is not None and found.personal_id_number == self.personal_id) or (
            self.bhxh_code is not None and found.bhxh_code == self.bhxh_code
        )

    def to_json(self) -> dict[str, object]:
        return {"personal_id": self.personal_id, "bhxh_code": self.bhxh_code}

    @classmethod
    def from_fields(cls, fields: JsonObject) -> PersonKey:
        code = fields.text("bhxh_code", max_length=10) if fields.has("bhxh_code") else None
        return cls(fields.optional_personal_id("personal_id"), code)


class Fields(JsonObject):
    """`JsonObject` with the readers a contribution record needs: whole numbers, months, nested lists."""

    def integer(self, name: str) -> int:
        value = self._get(name, "a whole number")
        if isinstance(value, bool) or not isinstance(value, int):
            raise self._fail(name, "a whole number")
        return value

    def month(self, name: str) -> Month:
        value = self._get(name, "a month YYYY-MM")
        try:
            if not isinstance(value, str) or len(value) != 7 or value[4] != "-":
                raise ValueError
            return Month(int(value[:4]), int(value[5:]))
        except ValueError:
            raise self._fail(name, "a month YYYY-MM") from None

    def flag(self, name: str) -> bool:
        value = self._get(name, "true or false")
        if not isinstance(value, bool):
            raise self._fail(name, "true or false")
        return value

    def obj_fields(self, name: str) -> Fields:
        return Fields(self._get(name, "a JSON object"), self._name(name))

    def optional_text(self, name: str, *, max_length: int) -> str | None:
        return self.text(name, max_length=max_length) if self.has(name) else None

    def child(self, name: str) -> Fields | None:
        return self.obj_fields(name) if self.has(name) else None

    def children(self, name: str, *, limit: int) -> list[Fields]:
        if not self.has(name):
            return []
        value = self._fields[name]
        if not isinstance(value, list) or len(value) > limit:
            raise self._fail(name, f"a list of at most {limit} objects")
        return [Fields(item, f"{self._name(name)}[{index}]") for index, item in enumerate(value)]


def record_to_json(record: ContributionRecord) -> dict[str, object]:
    return {
        "personal_id": record.personal_id_number,
        "bhxh_code": record.bhxh_code,
        "full_name": record.full_name,
        "gender": record.gender.value,
        "date_of_birth": record.date_of_birth.isoformat(),
        "province_code": record.province_code,
        "commune_code": record.commune_code,
        "address": record.address,
        "periods": [_period_to_json(period) for period in record.periods],
    }


def record_from_fields(fields: Fields) -> ContributionRecord:
    """A record read from its JSON; `MalformedJson` (or `ValueError`) naming what is wrong."""
    code = fields.optional_text("bhxh_code", max_length=10)
    return ContributionRecord(
        full_name=fields.text("full_name", max_length=MAX_NAME),
        gender=fields.choice("gender", Gender),
        date_of_birth=fields.date("date_of_birth"),
        province_code=fields.text("province_code", max_length=2),
        commune_code=fields.text("commune_code", max_length=5),
        address=fields.optional_text("address", max_length=MAX_ADDRESS) or "",
        personal_id_number=fields.optional_personal_id("personal_id"),
        bhxh_code=code,
        periods=tuple(_period_from_fields(item) for item in fields.children("periods", limit=MAX_PERIODS)),
    )


def _period_to_json(period: ContributionPeriod) -> dict[str, object]:
    employer = period.employer
    return {
        "from": f"{period.first.year:04d}-{period.first.month:02d}",
        "to": f"{period.last.year:04d}-{period.last.month:02d}",
        "salary_vnd": period.salary_vnd,
        "work_type": period.work_type.value,
        "kind": period.kind.value,
        "employer": None
        if employer is None
        else {
            "code": employer.code,
            "name": employer.name,
            "tax_code": employer.tax_code,
            "province_code": employer.province_code,
        },
    }


def _period_from_fields(fields: Fields) -> ContributionPeriod:
    employer = fields.child("employer")
    return ContributionPeriod(
        first=fields.month("from"),
        last=fields.month("to"),
        salary_vnd=fields.integer("salary_vnd"),
        work_type=fields.choice("work_type", WorkType),
        kind=fields.choice("kind", ContributionKind),
        employer=None
        if employer is None
        else EmployerInfo(
            code=employer.text("code", max_length=20),
            name=employer.text("name", max_length=MAX_EMPLOYER_NAME),
            province_code=employer.text("province_code", max_length=2),
            tax_code=employer.optional_text("tax_code", max_length=14),
        ),
    )


class ContributionsClient(JsonHttpClient):
    """Client of the contribution system.

    Raises `TransientError` when it cannot answer now, `PermanentError` when it refuses the query or answers
    something unusable (including a record about someone other than the person asked about); a person it does not
    know is None, not an error.
    """

    async def by_personal_id(self, personal_id: str) -> ContributionRecord | None:
        return await self.lookup(PersonKey(personal_id=personal_id))

    async def by_bhxh_code(self, bhxh_code: str) -> ContributionRecord | None:
        return await self.lookup(PersonKey(bhxh_code=bhxh_code))

    async def query(self, people: Sequence[PersonKey]) -> tuple[ContributionRecord | None, ...]:
        """Up to MAX_BATCH people in one call; their records (None: unknown) in the order asked."""
        if not 0 < len(people) <= MAX_BATCH:
            raise ValueError(f"a batch holds 1 to {MAX_BATCH} people, not {len(people)}")
        body = {"people": [person.to_json() for person in people]}
        answers = await self.request("POST", QUERY_PATH, body=body, parse=_answers)
        if len(answers) != len(people):
            raise PermanentError(f"POST {QUERY_PATH}: {len(answers)} answers to {len(people)} people")
        for position, (person, found) in enumerate(zip(people, answers, strict=True)):
            if found is not None and not person.answers(found):
                raise PermanentError(f"POST {QUERY_PATH}: answer {position} is about someone else")
        return answers

    async def lookup(self, person: PersonKey) -> ContributionRecord | None:
        """One person's record, or None when the system does not know them."""
        params = {name: value for name, value in person.to_json().items() if isinstance(value, str)}
        where = f"GET {CONTRIBUTIONS_PATH}"
        response = await self.send("GET", CONTRIBUTIONS_PATH, params=params, accept=_not_found)
        if response.status_code == 404:
            return None
        try:
            found = record_from_fields(Fields(response.json()))
        except ValueError as exc:  # MalformedJson, a JSON decoding error and a refused value alike
            raise PermanentError(f"{where}: malformed answer: {exc}", status=response.status_code) from None
        if not person.answers(found):
            raise PermanentError(f"{where}: the answer is about someone else", status=response.status_code)
        return found


def _answers(value: object) -> tuple[ContributionRecord | None, ...]:
    answers: list[ContributionRecord | None] = []
    for item in Fields(value).children("answers", limit=MAX_BATCH):
        answers.append(record_from_fields(item.obj_fields("record")) if item.flag("found") else None)
    return tuple(answers)


def _not_found(response: httpx.Response) -> bool:
    """A 404 that says the system knows no such person (any other 404, a wrong path say, is a PermanentError)."""
    try:
        body = response.json()
    except ValueError:
        return False
    return response.status_code == 404 and isinstance(body, dict) and body.get("error") == NOT_FOUND
