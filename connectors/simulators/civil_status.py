"""A simulator of the civil-status software's extracts: birth and death registrations in memory, each extract signed
by the registry office that holds the record, behind a real HTTP API.

    GET    /v1/extracts/birth?personal_id= | ?office=&book=&number=   signed birth extract (`connectors.civil_status`)
    GET    /v1/extracts/death?personal_id=                            signed death extract
    GET    /v1/certificates        the certificate of every office holding a record, for the hub's trust store
    POST   /sim/births             load registrations: a JSON list of `BirthRegistration.to_json()` objects
    POST   /sim/deaths             load registrations: a JSON list of `DeathRegistration.to_json()` objects
    POST   /sim/births/correction  {"office_code", "book_number", "record_number", "corrected_on",
                                    "child"?, "mother"?, "father"?}: record a correction (cải chính), replacing the
                                    parts given → 200 {"extract_number", "status"}; 404 unknown; 409 cancelled
    POST   /sim/births/cancellation {"office_code", "book_number", "record_number", "cancelled_on", "reason"}
                                    → 200; 404 unknown record; 409 already cancelled
    DELETE /sim/records            forget every registration
    GET    /healthz

Each office signs with its own identity (`connectors.simulators.kit.SimulatedSigners`), generated on first use or
kept in a directory across restarts. Extract numbers are given per office in loading order (`000001/TLKS`,
`000002/TLKT` …) and stay with the record; an extract's signed bytes are cached until its record changes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

from cryptography import x509
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.civil_status import BIRTH_EXTRACT_PATH, DEATH_EXTRACT_PATH, MAX_REFERENCE_LENGTH
from connectors.signed import CERTIFICATES_PATH, NOT_FOUND, SIGNER_HEADER
from connectors.simulators.kit import (
    ApiGuard,
    ClockLike,
    SimulatedSigners,
    error_response,
    read_json,
    sign_record,
)
from connectors.wire import PERSONAL_ID, JsonObject, objects
from hub.documents.evidence import (
    MAX_NAME,
    MAX_PLACE,
    MAX_REASON,
    BirthExtract,
    Child,
    DeathExtract,
    EvidenceRecord,
    Parent,
    RecordState,
    RecordStatus,
)
from hub.persons.models import Gender
from signing.parties import civil_registry

# (office code, book number, record number): where a registration is kept.
RecordKey: TypeAlias = tuple[str, str, str]


# -- the registrations, as loaded -------------------------------------------------------------------------------


def _optional_date(fields: JsonObject, name: str) -> dt.date | None:
    return fields.date(name) if fields.has(name) else None


def child_to_json(child: Child) -> dict[str, object]:
    return {
        "full_name": child.full_name,
        "gender": child.gender.value,
        "date_of_birth": child.date_of_birth.isoformat(),
        "place_of_birth": child.place_of_birth,
        "personal_id": child.personal_id,
    }


def child_from_fields(fields: JsonObject) -> Child:
    return Child(
        full_name=fields.text("full_name", max_length=MAX_NAME),
        gender=fields.choice("gender", Gender),
        date_of_birth=fields.date("date_of_birth"),
        place_of_birth=fields.text("place_of_birth", max_length=MAX_PLACE),
        personal_id=fields.optional_personal_id("personal_id"),
    )


def parent_to_json(parent: Parent | None) -> dict[str, object] | None:
    if parent is None:
        return None
    born = None if parent.date_of_birth is None else parent.date_of_birth.isoformat()
    return {"full_name": parent.full_name, "date_of_birth": born, "personal_id": parent.personal_id}


def parent_from_fields(fields: JsonObject | None) -> Parent | None:
    if fields is None:
        return None
    return Parent(
        full_name=fields.text("full_name", max_length=MAX_NAME),
        date_of_birth=_optional_date(fields, "date_of_birth"),
        personal_id=fields.optional_personal_id("personal_id"),
    )


def _key_from_fields(fields: JsonObject) -> RecordKey:
    return tuple(  # type: ignore[return-value]  # three names, three texts
        fields.text(name, max_length=MAX_REFERENCE_LENGTH) for name in ("office_code", "book_number", "record_number")
    )


@dataclass(frozen=True)
class BirthRegistration:
    """A birth registration (đăng ký khai sinh) as the registry keeps it: what its extract shows, less the extract
    number and the status, which the simulator keeps."""

    office_code: str
    book_number: str
    record_number: str
    registered_on: dt.date
    child: Child
    mother: Parent | None = None
    father: Parent | None = None

    @property
    def key(self) -> RecordKey:
        return self.office_code, self.book_number, self.record_number

    def extract(self, extract_number: str, status: RecordStatus) -> BirthExtract:
        """The extract of this registration; ValueError when a field cannot be written (a bad office code)."""
        return BirthExtract(
            extract_number,
            *self.key,
            self.registered_on,
            child=self.child,
            mother=self.mother,
            father=self.father,
            status=status,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "office_code": self.office_code,
            "book_number": self.book_number,
            "record_number": self.record_number,
            "registered_on": self.registered_on.isoformat(),
            "child": child_to_json(self.child),
            "mother": parent_to_json(self.mother),
            "father": parent_to_json(self.father),
        }

    @classmethod
    def from_fields(cls, fields: JsonObject) -> BirthRegistration:
        return cls(
            *_key_from_fields(fields),
            registered_on=fields.date("registered_on"),
            child=child_from_fields(fields.obj("child")),
            mother=parent_from_fields(fields.optional_obj("mother")),
            father=parent_from_fields(fields.optional_obj("father")),
        )


@dataclass(frozen=True)
class DeathRegistration:
    """A death registration (đăng ký khai tử) as the registry keeps it."""

    office_code: str
    book_number: str
    record_number: str
    registered_on: dt.date
    full_name: str
    personal_id: str
    date_of_death: dt.date
    place_of_death: str
    date_of_birth: dt.date | None = None

    @property
    def key(self) -> RecordKey:
        return self.office_code, self.book_number, self.record_number

    def extract(self, extract_number: str, status: RecordStatus) -> DeathExtract:
        return DeathExtract(
            extract_number,
            *self.key,
            self.registered_on,
            full_name=self.full_name,
            personal_id=self.personal_id,
            date_of_death=self.date_of_death,
            place_of_death=self.place_of_death,
            date_of_birth=self.date_of_birth,
            status=status,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "office_code": self.office_code,
            "book_number": self.book_number,
            "record_number": self.record_number,
            "registered_on": self.registered_on.isoformat(),
            "full_name": self.full_name,
            "personal_id": self.personal_id,
            "date_of_death": self.date_of_death.isoformat(),
            "place_of_death": self.place_of_death,
            "date_of_birth": None if self.date_of_birth is None else self.date_of_birth.isoformat(),
        }

    @classmethod
    def from_fields(cls, fields: JsonObject) -> DeathRegistration:
        return cls(
            *_key_from_fields(fields),
            registered_on=fields.date("registered_on"),
            full_name=fields.text("full_name", max_length=MAX_NAME),
            personal_id=fields.personal_id("personal_id"),
            date_of_death=fields.date("date_of_death"),
            place_of_death=fields.text("place_of_death", max_length=MAX_PLACE),
            date_of_birth=_optional_date(fields, "date_of_birth"),
        )


class UnknownRecord(LookupError):
    """No registration is kept under this office, book and record number."""


class RecordCancelled(ValueError):
    """The registration was cancelled: it cannot be corrected or cancelled again."""


class CivilStatusRegister:
    """The registrations, each with its extract (number and status), indexed by record and by personal id number.

    A child's number leads to its latest registration that is not cancelled, else to the cancelled one; a person
    has one death registration.
    """

    def __init__(self) -> None:
        self._births: dict[RecordKey, BirthExtract] = {}
        self._births_by_child: dict[str, RecordKey] = {}
        self._deaths: dict[RecordKey, DeathExtract] = {}
        self._deaths_by_person: dict[str, RecordKey] = {}
        self._issued: Counter[str] = Counter()  # extracts numbered per office

    def __len__(self) -> int:
        return len(self._births) + len(self._deaths)

    def offices(self) -> list[str]:
        """The code of every office holding a registration, sorted."""
        return sorted({key[0] for key in (*self._births, *self._deaths)})

    def _number(self, office: str, suffix: str) -> str:
        self._issued[office] += 1
        return f"{self._issued[office]:06d}/{suffix}"

    def add_births(self, registrations: Iterable[BirthRegistration]) -> int:
        """Keep every registration, or none (ValueError) when one conflicts: a record kept with other content, or a
        child's number held by another registration that is not cancelled. The count added (repeats are skipped)."""
        fresh: dict[RecordKey, BirthRegistration] = {}
        children: dict[str, RecordKey] = {}
        for registration in registrations:
            key, number = registration.key, registration.child.personal_id
            held = self._births.get(key)
            if held is not None and _birth_of(held) != registration:
                raise ValueError(f"record {'/'.join(key)} is already kept with other content")
            if held is not None:
                continue
            if fresh.setdefault(key, registration) != registration:
                raise ValueError(f"record {'/'.join(key)} is given twice with different content")
            if number is not None:
                if number in children or not self._free(number, key):
                    raise ValueError(f"record {'/'.join(key)}: the child's number is held by another registration")
                children[number] = key
        extracts = {key: registration.extract("-", RecordStatus()) for key, registration in fresh.items()}
        for key, extract in extracts.items():  # every one valid before any is kept or numbered
            self._births[key] = dataclasses.replace(extract, extract_number=self._number(key[0], "TLKS"))
        self._births_by_child.update(children)
        return len(extracts)

    def add_deaths(self, registrations: Iterable[DeathRegistration]) -> int:
        """Keep every registration, or none (ValueError) when a record or a person's death is kept with other
        content. The count added (repeats are skipped)."""
        fresh: dict[RecordKey, DeathRegistration] = {}
        people: dict[str, RecordKey] = {}
        for registration in registrations:
            key, number = registration.key, registration.personal_id
            held = self._deaths.get(key)
            if held is not None and _death_of(held) != registration:
                raise ValueError(f"record {'/'.join(key)} is already kept with other content")
            if held is not None:
                continue
            other = people.get(number) or self._deaths_by_person.get(number)
            if (other is not None and other != key) or fresh.setdefault(key, registration) != registration:
                raise ValueError(f"record {'/'.join(key)} conflicts with another death registration")
            people[number] = key
        extracts = {key: registration.extract("-", RecordStatus()) for key, registration in fresh.items()}
        for key, extract in extracts.items():
            self._deaths[key] = dataclasses.replace(extract, extract_number=self._number(key[0], "TLKT"))
        self._deaths_by_person.update(people)
        return len(extracts)

    def birth_by_child(self, personal_id: str) -> BirthExtract | None:
        key = self._births_by_child.get(personal_id)
        return None if key is None else self._births[key]

    def birth_by_record(self, key: RecordKey) -> BirthExtract | None:
        return self._births.get(key)

    def death_by_person(self, personal_id: str) -> DeathExtract | None:
        key = self._deaths_by_person.get(personal_id)
        return None if key is None else self._deaths[key]

    def correct_birth(
        self,
        key: RecordKey,
        corrected_on: dt.date,
        *,
        child: Child | None = None,
        mother: Parent | None = None,
        father: Parent | None = None,
    ) -> BirthExtract:
        """Record a correction on `corrected_on`, replacing the parts given; the extract keeps its number."""
        held = self._held(key)
        corrected = dataclasses.replace(
            held,
            child=held.child if child is None else child,
            mother=held.mother if mother is None else mother,
            father=held.father if father is None else father,
            status=RecordStatus(RecordState.CORRECTED, corrected_on=corrected_on),
        )
        old, new = held.child.personal_id, corrected.child.personal_id
        if new is not None and new != old:
            if not self._free(new, key):
                raise ValueError(f"record {'/'.join(key)}: the child's number is held by another registration")
            self._births_by_child[new] = key
        if old is not None and old != new and self._births_by_child.get(old) == key:
            del self._births_by_child[old]
        self._births[key] = corrected
        return corrected

    def cancel_birth(self, key: RecordKey, cancelled_on: dt.date, reason: str) -> BirthExtract:
        """Record the cancellation of a registration (a correction before it stays on the extract)."""
        held = self._held(key)
        status = RecordStatus(RecordState.CANCELLED, held.status.corrected_on, cancelled_on, reason)
        self._births[key] = cancelled = dataclasses.replace(held, status=status)
        return cancelled

    def clear(self) -> None:
        for index in (self._births, self._births_by_child, self._deaths, self._deaths_by_person, self._issued):
            index.clear()

    def _held(self, key: RecordKey) -> BirthExtract:
        held = self._births.get(key)
        if held is None:
            raise UnknownRecord(f"no birth registration {'/'.join(key)}")
        if held.status.state is RecordState.CANCELLED:
            raise RecordCancelled(f"birth registration {'/'.join(key)} is cancelled")
        return held

    def _free(self, child_number: str, key: RecordKey) -> bool:
        """Whether registration `key` may take the child's number: no other live (not cancelled) registration has it."""
        other = self._births_by_child.get(child_number)
        return other is None or other == key or self._births[other].status.state is RecordState.CANCELLED


def _key_of(extract: BirthExtract | DeathExtract) -> RecordKey:
    return extract.office_code, extract.book_number, extract.record_number


def _birth_of(extract: BirthExtract) -> BirthRegistration:
    """The registration as first loaded (a corrected record differs from it, so reloading it conflicts)."""
    return BirthRegistration(*_key_of(extract), extract.registered_on, extract.child, extract.mother, extract.father)


def _death_of(extract: DeathExtract) -> DeathRegistration:
    return DeathRegistration(
        *_key_of(extract),
        extract.registered_on,
        extract.full_name,
        extract.personal_id,
        extract.date_of_death,
        extract.place_of_death,
        extract.date_of_birth,
    )


# -- the HTTP service -------------------------------------------------------------------------------------------


class _Malformed(ValueError):
    """A query the simulator answers with 400."""


def _birth_lookup(request: Request) -> str | RecordKey:
    """The child's number, or the record's key, the query string asks for."""
    query = request.query_params
    number = query.get("personal_id")
    office, book, record = (query.get(name, "") for name in ("office", "book", "number"))
    if number is not None and not (office or book or record):
        return _personal_id(number)
    if number is None and office and book and record:
        if max(len(office), len(book), len(record)) > MAX_REFERENCE_LENGTH:
            raise _Malformed(f"office, book and number are at most {MAX_REFERENCE_LENGTH} characters")
        return office, book, record
    raise _Malformed("ask by personal_id, or by office, book and number together")


def _personal_id(number: str | None) -> str:
    if number is None or not PERSONAL_ID.fullmatch(number):
        raise _Malformed("personal_id must be 12 digits")
    return number


def create_civil_status_simulator(
    *,
    clock: ClockLike | None = None,
    failure_rate: float = 0.0,
    latency_ms: int = 0,
    seed: int = 0,
    register: CivilStatusRegister | None = None,
    signers: SimulatedSigners | None = None,
    identity_dir: Path | None = None,
    token: str | None = None,
    hub_certificate: x509.Certificate | None = None,
) -> Starlette:
    """The simulator as an ASGI app. Pass `register` to load or inspect it in process (also `app.state.register`),
    `signers` to share identities between simulators (tests: RSA keys are slow to make) or `identity_dir` to keep
    them across restarts; `token`, when set, is required as a bearer token on /v1 calls, and `hub_certificate`, when
    set, the signature of its holder."""
    records = CivilStatusRegister() if register is None else register
    identities = SimulatedSigners(clock=clock, directory=identity_dir) if signers is None else signers
    guard = ApiGuard(
        failure_rate=failure_rate, latency_ms=latency_ms, seed=seed, token=token, hub_certificate=hub_certificate
    )
    signed: dict[EvidenceRecord, bytes] = {}  # the same record state signs to the same bytes: sign it once

    def answer(record: EvidenceRecord | None, what: str) -> Response:
        if record is None:
            return error_response(404, NOT_FOUND, f"no {what} registration answers the query")
        payload = signed.get(record)
        if payload is None:
            payload = signed[record] = sign_record(record, identities)
        return Response(payload, media_type="application/xml", headers={SIGNER_HEADER: record.issuer_party})

    async def birth_extract(request: Request) -> Response:
        try:
            value = _birth_lookup(request)
        except _Malformed as exc:
            return error_response(400, "malformed", str(exc))
        found = records.birth_by_child(value) if isinstance(value, str) else records.birth_by_record(value)
        return answer(found, "birth")

    async def death_extract(request: Request) -> Response:
        try:
            number = _personal_id(request.query_params.get("personal_id"))
        except _Malformed as exc:
            return error_response(400, "malformed", str(exc))
        return answer(records.death_by_person(number), "death")

    async def certificates(request: Request) -> Response:
        published = identities.published(civil_registry(office) for office in records.offices())
        return JSONResponse({"certificates": [certificate.to_json() for certificate in published]})

    async def load_births(request: Request) -> Response:
        try:
            loaded = records.add_births(
                BirthRegistration.from_fields(item) for item in objects(await read_json(request))
            )
        except ValueError as exc:
            return error_response(400, "malformed", str(exc))
        return JSONResponse({"loaded": loaded, "total": len(records)}, status_code=201)

    async def load_deaths(request: Request) -> Response:
        try:
            loaded = records.add_deaths(
                DeathRegistration.from_fields(item) for item in objects(await read_json(request))
            )
        except ValueError as exc:
            return error_response(400, "malformed", str(exc))
        return JSONResponse({"loaded": loaded, "total": len(records)}, status_code=201)

    def correct(fields: JsonObject) -> BirthExtract:
        child = fields.optional_obj("child")
        return records.correct_birth(
            _key_from_fields(fields),
            fields.date("corrected_on"),
            child=None if child is None else child_from_fields(child),
            mother=parent_from_fields(fields.optional_obj("mother")),
            father=parent_from_fields(fields.optional_obj("father")),
        )

    def cancel(fields: JsonObject) -> BirthExtract:
        reason = fields.text("reason", max_length=MAX_REASON)
        return records.cancel_birth(_key_from_fields(fields), fields.date("cancelled_on"), reason)

    async def change_birth(request: Request, change: Callable[[JsonObject], BirthExtract]) -> Response:
        try:
            changed = change(JsonObject(await read_json(request)))
        except UnknownRecord as exc:
            return error_response(404, NOT_FOUND, str(exc))
        except RecordCancelled as exc:
            return error_response(409, "cancelled", str(exc))
        except ValueError as exc:
            return error_response(400, "malformed", str(exc))
        return JSONResponse({"extract_number": changed.extract_number, "status": changed.status.state.value})

    async def clear_records(request: Request) -> Response:
        records.clear()
        signed.clear()
        return JSONResponse({"total": 0})

    async def correct_birth(request: Request) -> Response:
        return await change_birth(request, correct)

    async def cancel_birth(request: Request) -> Response:
        return await change_birth(request, cancel)

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "records": len(records)})

    app = Starlette(
        routes=[
            Route(BIRTH_EXTRACT_PATH, guard(birth_extract), methods=["GET"]),
            Route(DEATH_EXTRACT_PATH, guard(death_extract), methods=["GET"]),
            Route(CERTIFICATES_PATH, guard(certificates), methods=["GET"]),
            Route("/sim/births", load_births, methods=["POST"]),
            Route("/sim/deaths", load_deaths, methods=["POST"]),
            Route("/sim/births/correction", correct_birth, methods=["POST"]),
            Route("/sim/births/cancellation", cancel_birth, methods=["POST"]),
            Route("/sim/records", clear_records, methods=["DELETE"]),
            Route("/healthz", health, methods=["GET"]),
        ]
    )
    app.state.register = records
    app.state.signers = identities
    return app
