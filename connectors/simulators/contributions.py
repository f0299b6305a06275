"""A simulator of BHXH's contribution system: contribution records in memory, loaded over HTTP or from the synthetic
population (`devkit.synthetic`), behind a real HTTP API.

    GET    /v1/contributions?personal_id= | ?bhxh_code=   a person's record (see `connectors.contributions`)
    POST   /v1/contributions/query                         up to 500 people in one call
    POST   /sim/records     load records: a JSON list of `record_to_json` objects; a person loaded again (same ID
                            number or BHXH code) is replaced, as a corrected history would be
    DELETE /sim/records     forget every record
    GET    /healthz

Synthetic people are known to the system when they ever contributed; their employers get the unit code "DN" + the
employer's tax code (the real system's codes are opaque to the hub as well).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from cryptography import x509
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.contributions import (
    CONTRIBUTIONS_PATH,
    MAX_BATCH,
    NOT_FOUND,
    QUERY_PATH,
    Fields,
    PersonKey,
    record_from_fields,
    record_to_json,
)
from connectors.simulators.kit import ApiGuard, error_response, read_batch, read_json
from connectors.wire import MalformedJson
from hub.claims.rules.inputs import ContributionKind, WorkType
from hub.claims.rules.months import Month
from hub.contributions.records import ContributionPeriod, ContributionRecord, EmployerInfo

if TYPE_CHECKING:
    from devkit.synthetic import ContributionPeriod as SyntheticPeriod
    from devkit.synthetic import Employer as SyntheticEmployer
    from devkit.synthetic import Family
    from devkit.synthetic import Person as SyntheticPerson


class ContributionRegister:
    """The simulated system's records, found by ID number or BHXH code; one record per person."""

    def __init__(self) -> None:
        self._by_number: dict[str, ContributionRecord] = {}
        self._by_code: dict[str, ContributionRecord] = {}
        self._records: set[ContributionRecord] = set()

    def __len__(self) -> int:
        return len(self._records)

    def add(self, record: ContributionRecord) -> None:
        """Hold `record`, replacing whatever was held for the same ID number or BHXH code."""
        for earlier in (
            self._by_number.get(record.personal_id_number or ""),
            self._by_code.get(record.bhxh_code or ""),
        ):
            if earlier is not None:
                self._forget(earlier)
        self._records.add(record)
        if record.personal_id_number:
            self._by_number[record.personal_id_number] = record
        if record.bhxh_code:
            self._by_code[record.bhxh_code] = record

    def add_many(self, records: Iterable[ContributionRecord]) -> int:
        count = 0
        for record in records:
            self.add(record)
            count += 1
        return count

    def add_people(self, people: Iterable[SyntheticPerson]) -> int:
        """Hold the record of each generated person who ever contributed; how many that was."""
        return self.add_many(record for person in people if (record := synthetic_record(person)) is not None)

    def add_families(self, families: Iterable[Family]) -> int:
        return self.add_people(person for family in families for person in family.members)

    def find(self, person: PersonKey) -> ContributionRecord | None:
        """The record of the person asked about: by ID number, then by BHXH code."""
        found = self._by_number.get(person.personal_id) if person.personal_id else None
        return found or (self._by_code.get(person.bhxh_code) if person.bhxh_code else None)

    def clear(self) -> None:
        self._by_number.clear()
        self._by_code.clear()
        self._records.clear()

    def _forget(self, record: ContributionRecord) -> None:
        self._records.discard(record)
        if record.personal_id_number and self._by_number.get(record.personal_id_number) is record:
            del self._by_number[record.personal_id_number]
        if record.bhxh_code and self._by_code.get(record.bhxh_code) is record:
            del self._by_code[record.bhxh_code]


def synthetic_record(person: SyntheticPerson) -> ContributionRecord | None:
    """What the contribution system holds about a generated person; None for someone who never contributed."""
    if not person.contributions or not (person.personal_id or person.bhxh_code):
        return None
    address = person.address
    return ContributionRecord(
        full_name=person.full_name,
        gender=person.gender,
        date_of_birth=person.date_of_birth,
        province_code=address.province_code,
        commune_code=address.commune_code,
        address=address.line,
        personal_id_number=person.personal_id,
        bhxh_code=person.bhxh_code,
        periods=tuple(_period(period) for period in person.contributions),
    )


def employer_code(employer: SyntheticEmployer) -> str:
    """The unit code the simulator gives a generated employer."""
    return f"DN{employer.tax_code}"


def _period(period: SyntheticPeriod) -> ContributionPeriod:
    first = Month(period.start.year, period.start.month)
    employer = period.employer
    return ContributionPeriod(
        first=first,
        last=first.shift(period.months - 1),
        salary_vnd=period.monthly_salary,
        # The generator's kinds are named as the rules' work types and contribution kinds are.
        work_type=WorkType.HEAVY_HAZARDOUS if period.kind.value == WorkType.HEAVY_HAZARDOUS.value else WorkType.NORMAL,
        kind=ContributionKind.VOLUNTARY
        if period.kind.value == ContributionKind.VOLUNTARY.value
        else ContributionKind.COMPULSORY,
        employer=None
        if employer is None
        else EmployerInfo(employer_code(employer), employer.name, employer.province_code, employer.tax_code),
    )


def create_contributions_simulator(
    *,
    failure_rate: float = 0.0,
    latency_ms: int = 0,
    seed: int = 0,
    register: ContributionRegister | None = None,
    token: str | None = None,
    hub_certificate: x509.Certificate | None = None,
) -> Starlette:
    """The simulator as an ASGI app. Pass `register` to load or inspect it in process (it is also
    `app.state.register`); `token`, when set, is required as a bearer token on /v1 calls, and `hub_certificate`, when
    set, the signature of its holder."""
    records = ContributionRegister() if register is None else register
    guard = ApiGuard(
        failure_rate=failure_rate, latency_ms=latency_ms, seed=seed, token=token, hub_certificate=hub_certificate
    )

    def answer(found: ContributionRecord | None) -> Response:
        if found is None:
            return error_response(404, NOT_FOUND, "no contributions are recorded for this person")
        return JSONResponse(record_to_json(found))

    async def one(request: Request) -> Response:
        params = request.query_params
        try:
            person = PersonKey(params.get("personal_id") or None, params.get("bhxh_code") or None)
        except ValueError as exc:
            return error_response(400, "malformed", str(exc))
        return answer(records.find(person))

    async def query(request: Request) -> Response:
        try:
            people = await read_batch(request, "people", MAX_BATCH, PersonKey.from_fields)
        except ValueError as exc:
            return error_response(400, "malformed", str(exc))
        answers = []
        for person in people:
            found = records.find(person)
            answers.append({"found": False} if found is None else {"found": True, "record": record_to_json(found)})
        return JSONResponse({"answers": answers})

    async def load(request: Request) -> Response:
        try:
            value = await read_json(request)
            if not isinstance(value, list):
                raise MalformedJson("body: expected a JSON list")
            loaded = records.add_many([record_from_fields(Fields(item, f"body[{i}]")) for i, item in enumerate(value)])
        except ValueError as exc:
            return error_response(400, "malformed", str(exc))
        return JSONResponse({"loaded": loaded, "total": len(records)}, status_code=201)

    async def clear(request: Request) -> Response:
        records.clear()
        return JSONResponse({"total": 0})

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "people": len(records)})

    app = Starlette(
        routes=[
            Route(CONTRIBUTIONS_PATH, guard(one), methods=["GET"]),
            Route(QUERY_PATH, guard(query), methods=["POST"]),
            Route("/sim/records", load, methods=["POST"]),
            Route("/sim/records", clear, methods=["DELETE"]),
            Route("/healthz", health, methods=["GET"]),
        ]
    )
    app.state.register = records
    return app
