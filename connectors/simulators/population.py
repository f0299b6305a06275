"""A simulator of the population database's newborn identity check: an in-memory register behind a real HTTP API.

    POST   /v1/identity/verify-child   the check (see `connectors.population`)
    POST   /v1/identity/verify-children  many checks in one call
    POST   /v1/family/children         a mother's children: every person whose `mother_personal_id` is hers
    POST   /sim/people                 load people: a JSON list of `RegisteredPerson.to_json()` objects
    DELETE /sim/people                 empty the register
    GET    /healthz

How the register answers a `ChildQuery`:
- with the child's number: the person holding it; MISMATCH listing every field that disagrees (the mother's number
  only when the query gives one), otherwise MATCH; NOT_FOUND when nobody holds it;
- without it: the one person with the same folded name, date of birth and gender (and mother, when the query gives
  her number) → MATCH. Several such people → NOT_FOUND: the register does not guess. None, but the query gives the
  mother and exactly one of her children differs in just one of name, date of birth and gender → MISMATCH;
- a person who agrees but has no number yet, or whose `number_available_at` is still ahead → PENDING, with that time
  as `retry_after` when there is one.

A mother's children (`ChildrenAnswer`): found when her number is registered or a child names her; each child dead
when it has a `date_of_death`; in order of birth.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeAlias

from cryptography import x509
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.population import (
    CHILDREN_PATH,
    MAX_BATCH,
    MAX_NAME_LENGTH,
    VERIFY_CHILD_PATH,
    VERIFY_CHILDREN_PATH,
    ChildField,
    ChildQuery,
    ChildrenAnswer,
    IdentityAnswer,
    RegisteredChild,
)
from connectors.simulators.kit import ApiGuard, ClockLike, error_response, now_function, read_batch, read_json
from connectors.wire import JsonObject, objects, require_aware, require_personal_id, utc_text
from hub.infra.clock import SystemClock
from hub.infra.text import fold
from hub.persons.models import Gender

if TYPE_CHECKING:
    from devkit.synthetic import Family

# (folded full name, date of birth, gender)
_Key: TypeAlias = tuple[str, dt.date, Gender]


@dataclass(frozen=True)
class RegisteredPerson:
    """One person in the simulated register. `personal_id` None: known, number not assigned (PENDING for good);
    `number_available_at`: the number exists but is PENDING until then; `date_of_death`: the person has died."""

    full_name: str
    date_of_birth: dt.date
    gender: Gender
    personal_id: str | None = None
    mother_personal_id: str | None = None
    number_available_at: dt.datetime | None = None
    date_of_death: dt.date | None = None

    def __post_init__(self) -> None:
        if not self.full_name.strip():
            raise ValueError("full_name must not be empty")
        require_personal_id(self.personal_id, "personal_id")
        require_personal_id(self.mother_personal_id, "mother_personal_id")
        if self.number_available_at is not None:
            require_aware(self.number_available_at, "number_available_at")
            if self.personal_id is None:
                raise ValueError("number_available_at needs the personal_id that becomes available")
        if self.date_of_death is not None and self.date_of_death < self.date_of_birth:
            raise ValueError("date_of_death is before date_of_birth")

    @property
    def key(self) -> _Key:
        return fold(self.full_name), self.date_of_birth, self.gender

    def to_json(self) -> dict[str, object]:
        return {
            "personal_id": self.personal_id,
            "full_name": self.full_name,
            "date_of_birth": self.date_of_birth.isoformat(),
            "gender": self.gender.value,
            "mother_personal_id": self.mother_personal_id,
            "number_available_at": None if self.number_available_at is None else utc_text(self.number_available_at),
            "date_of_death": None if self.date_of_death is None else self.date_of_death.isoformat(),
        }

    @classmethod
    def from_fields(cls, fields: JsonObject) -> RegisteredPerson:
        return cls(
            full_name=fields.text("full_name", max_length=MAX_NAME_LENGTH),
            date_of_birth=fields.date("date_of_birth"),
            gender=fields.choice("gender", Gender),
            personal_id=fields.optional_personal_id("personal_id"),
            mother_personal_id=fields.optional_personal_id("mother_personal_id"),
            number_available_at=fields.optional_moment("number_available_at"),
            date_of_death=fields.optional_date("date_of_death"),
        )


class PopulationRegister:
    """The simulated register, indexed for the two lookups of a check; a number belongs to one person."""

    def __init__(self) -> None:
        self._by_number: dict[str, RegisteredPerson] = {}
        self._by_key: defaultdict[_Key, list[RegisteredPerson]] = defaultdict(list)
        self._by_mother: defaultdict[str, list[RegisteredPerson]] = defaultdict(list)
        self._count = 0

    def __len__(self) -> int:
        return self._count

    def add(self, person: RegisteredPerson) -> bool:
        """Register `person`; False when the very same record is there already. ValueError when someone else holds
        the number."""
        return self.add_many((person,)) == 1

    def add_many(self, people: Iterable[RegisteredPerson]) -> int:
        """Register everyone, or no one when a number is already held by a different record; the count added."""
        batch: dict[str, RegisteredPerson] = {}
        fresh: list[RegisteredPerson] = []
        for person in people:
            number = person.personal_id
            if number is None:
                fresh.append(person)
                continue
            held = self._by_number.get(number) or batch.get(number)
            if held is not None and held != person:
                raise ValueError(f"personal_id {number} is already registered to someone else")
            if held is None:
                batch[number] = person
                fresh.append(person)
        for person in fresh:
            if person.personal_id is not None:
                self._by_number[person.personal_id] = person
            self._by_key[person.key].append(person)
            if person.mother_personal_id is not None:
                self._by_mother[person.mother_personal_id].append(person)
        self._count += len(fresh)
        return len(fresh)

    def add_families(self, families: Iterable[Family]) -> int:
        """Register every member of generated families (`devkit.synthetic`), children linked to their mother."""

        def members() -> Iterable[RegisteredPerson]:
            for family in families:
                mother_number = family.mother.personal_id if family.mother is not None else None
                for adult in (family.mother, family.father, family.registrant):
                    if adult is not None:
                        yield RegisteredPerson(adult.full_name, adult.date_of_birth, adult.gender, adult.personal_id)
                for child in family.children:
                    yield RegisteredPerson(
                        child.full_name, child.date_of_birth, child.gender, child.personal_id, mother_number
                    )

        return self.add_many(members())

    def person(self, personal_id: str) -> RegisteredPerson | None:
        """The person holding `personal_id`, whether or not the number is available yet; None when nobody does."""
        return self._by_number.get(personal_id)

    def children_of(self, mother_personal_id: str, now: dt.datetime) -> ChildrenAnswer:
        """The register's answer about this mother's children at `now` (a number not yet available is not given)."""
        children = sorted(self._by_mother.get(mother_personal_id, ()), key=lambda child: child.date_of_birth)
        found = bool(children) or mother_personal_id in self._by_number
        listed = tuple(
            RegisteredChild(
                child.date_of_birth,
                alive=child.date_of_death is None,
                personal_id=_available(child, now),
                date_of_death=child.date_of_death,
            )
            for child in children
        )
        return ChildrenAnswer(mother_personal_id, found, listed, now)

    def clear(self) -> None:
        self._by_number.clear()
        self._by_key.clear()
        self._by_mother.clear()
        self._count = 0

    def verify(self, query: ChildQuery, now: dt.datetime) -> IdentityAnswer:
        """The register's answer to `query` at `now` (the rules are in the module docstring)."""
        if query.personal_id is not None:
            person = self._by_number.get(query.personal_id)
            if person is None:
                return IdentityAnswer.not_found(now)
            wrong = _disagreements(person, query)
            return IdentityAnswer.mismatch(wrong, now) if wrong else _agreeing(person, now)

        mother = query.mother_personal_id
        key = (fold(query.full_name), query.date_of_birth, query.gender)
        same = [person for person in self._by_key.get(key, ()) if mother is None or person.mother_personal_id == mother]
        if len(same) == 1:
            return _agreeing(same[0], now)
        if same or mother is None:
            return IdentityAnswer.not_found(now)
        # Only the mother's children are near candidates: a namesake born the same day to another mother is far more
        # likely another child than a typo in the mother's number.
        near = [wrong for person in self._by_mother.get(mother, ()) if len(wrong := _disagreements(person, query)) == 1]
        return IdentityAnswer.mismatch(near[0], now) if len(near) == 1 else IdentityAnswer.not_found(now)


def _disagreements(person: RegisteredPerson, query: ChildQuery) -> tuple[ChildField, ...]:
    wrong: list[ChildField] = []
    if fold(person.full_name) != fold(query.full_name):
        wrong.append(ChildField.FULL_NAME)
    if person.date_of_birth != query.date_of_birth:
        wrong.append(ChildField.DATE_OF_BIRTH)
    if person.gender is not query.gender:
        wrong.append(ChildField.GENDER)
    if query.mother_personal_id is not None and person.mother_personal_id != query.mother_personal_id:
        wrong.append(ChildField.MOTHER_PERSONAL_ID)
    return tuple(wrong)


def _available(person: RegisteredPerson, now: dt.datetime) -> str | None:
    if person.number_available_at is not None and now < person.number_available_at:
        return None
    return person.personal_id


def _agreeing(person: RegisteredPerson, now: dt.datetime) -> IdentityAnswer:
    if person.personal_id is None:
        return IdentityAnswer.pending(now)
    if person.number_available_at is not None and now < person.number_available_at:
        return IdentityAnswer.pending(now, retry_after=person.number_available_at)
    return IdentityAnswer.match(person.personal_id, now)


def create_population_simulator(
    *,
    clock: ClockLike | None = None,
    failure_rate: float = 0.0,
    latency_ms: int = 0,
    seed: int = 0,
    register: PopulationRegister | None = None,
    token: str | None = None,
    hub_certificate: x509.Certificate | None = None,
) -> Starlette:
    """The simulator as an ASGI app. Pass `register` to load or inspect it in process (it is also
    `app.state.register`); `token`, when set, is required as a bearer token on /v1 calls, and `hub_certificate`, when
    set, the signature of its holder."""
    people = PopulationRegister() if register is None else register
    now = now_function(SystemClock() if clock is None else clock)
    guard = ApiGuard(
        failure_rate=failure_rate, latency_ms=latency_ms, seed=seed, token=token, hub_certificate=hub_certificate
    )

    async def verify_child(request: Request) -> Response:
        try:
            query = ChildQuery.from_json(await read_json(request))
        except ValueError as exc:
            return error_response(400, "malformed", str(exc))
        return JSONResponse(people.verify(query, now()).to_json())

    async def verify_children(request: Request) -> Response:
        try:
            queries = await read_batch(request, "queries", MAX_BATCH, ChildQuery.from_fields)
        except ValueError as exc:
            return error_response(400, "malformed", str(exc))
        at = now()
        return JSONResponse({"answers": [people.verify(query, at).to_json() for query in queries]})

    async def children(request: Request) -> Response:
        try:
            mother = JsonObject(await read_json(request)).personal_id("mother_personal_id")
        except ValueError as exc:
            return error_response(400, "malformed", str(exc))
        return JSONResponse(people.children_of(mother, now()).to_json())

    async def load_people(request: Request) -> Response:
        try:
            loaded = people.add_many([RegisteredPerson.from_fields(item) for item in objects(await read_json(request))])
        except ValueError as exc:
            return error_response(400, "malformed", str(exc))
        return JSONResponse({"loaded": loaded, "total": len(people)}, status_code=201)

    async def clear_people(request: Request) -> Response:
        people.clear()
        return JSONResponse({"total": 0})

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok", "people": len(people)})

    app = Starlette(
        routes=[
            Route(VERIFY_CHILD_PATH, guard(verify_child), methods=["POST"]),
            Route(VERIFY_CHILDREN_PATH, guard(verify_children), methods=["POST"]),
            Route(CHILDREN_PATH, guard(children), methods=["POST"]),
            Route("/sim/people", load_people, methods=["POST"]),
            Route("/sim/people", clear_people, methods=["DELETE"]),
            Route("/healthz", health, methods=["GET"]),
        ]
    )
    app.state.register = people
    return app
