"""The population database simulator's signed checks: identity and family relationships, answered from the same
in-memory register as the newborn check, each answer signed as `population-database`.

    POST /v1/evidence/identity       signed XACMINHCONGDAN (see `connectors.population_evidence`)
    POST /v1/evidence/relationship   signed XACMINHQUANHE
    GET  /v1/certificates            the database's certificate, for the hub's trust store
    POST /sim/relationships          load fathers and spouses: a JSON list of `RelationshipQuery.to_json()` objects
    (and every route of `connectors.simulators.population`: /sim/people loads the people, mothers included)

How the register answers:
- identity: nobody holds the number (or it is not yet available) → not_found; otherwise every field that disagrees
  (the name folded, as the newborn check compares it; the gender only when asked) → mismatch, else match;
- relationship: either number unknown → unknown_person; mother_child is confirmed by the child's mother on record,
  father_child and spouses by the links loaded (a synthetic household's father is its children's father and the
  mother's spouse) → confirmed, else not_confirmed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.population_evidence import (
    IDENTITY_PATH,
    RELATIONSHIP_PATH,
    RelationshipQuery,
    identity_query_from_fields,
)
from connectors.signed import CERTIFICATES_PATH, SIGNER_HEADER
from connectors.simulators.kit import (
    ApiGuard,
    ClockLike,
    SimulatedSigners,
    error_response,
    now_function,
    read_json,
    sign_record,
)
from connectors.simulators.population import PopulationRegister, RegisteredPerson, create_population_simulator
from connectors.wire import JsonObject, objects
from hub.documents.evidence import (
    EvidenceRecord,
    IdentityCheck,
    IdentityField,
    IdentityQuery,
    IdentityResult,
    RelationshipCheck,
    RelationshipKind,
    RelationshipResult,
)
from hub.infra.clock import SystemClock
from hub.infra.text import fold
from signing.parties import POPULATION_DATABASE

if TYPE_CHECKING:
    from devkit.synthetic import Family


class KinshipRegister(PopulationRegister):
    """The population register with what relationship checks need beyond a child's mother: fathers and spouses."""

    def __init__(self) -> None:
        super().__init__()
        self._fathers: dict[str, str] = {}  # child's number → father's number
        self._spouses: set[frozenset[str]] = set()

    def person_at(self, personal_id: str, now: dt.datetime) -> RegisteredPerson | None:
        """The person holding `personal_id` at `now`; None when nobody does, or not yet."""
        person = self.person(personal_id)
        if person is None or (person.number_available_at is not None and now < person.number_available_at):
            return None
        return person

    def add_relationships(self, links: Iterable[RelationshipQuery]) -> int:
        """Record fathers and spouses, all or none (ValueError): a child has one father, nobody marries themself,
        and a mother is given with her child (`RegisteredPerson.mother_personal_id`). The count of new links."""
        fathers, spouses = self._new_links(links)
        self._fathers.update(fathers)
        self._spouses |= spouses
        return len(fathers) + len(spouses)

    def add_families(self, families: Iterable[Family]) -> int:
        """Register every member of generated families, and their links: the household's father is the father of
        its children and the mother's spouse."""
        households = list(families)
        links: list[RelationshipQuery] = []
        for family in households:
            mother, father = family.mother, family.father
            if father is None or father.personal_id is None:
                continue
            for child in family.children:
                if child.personal_id is not None:
                    links.append(
                        RelationshipQuery(RelationshipKind.FATHER_CHILD, father.personal_id, child.personal_id)
                    )
            if mother is not None and mother.personal_id is not None:
                links.append(RelationshipQuery(RelationshipKind.SPOUSES, mother.personal_id, father.personal_id))
        fathers, spouses = self._new_links(links)  # checked before anyone is added
        added = super().add_families(households)
        self._fathers.update(fathers)
        self._spouses |= spouses
        return added

    def _new_links(self, links: Iterable[RelationshipQuery]) -> tuple[dict[str, str], set[frozenset[str]]]:
        fathers: dict[str, str] = {}
        spouses: set[frozenset[str]] = set()
        for link in links:
            first, second = link.first_personal_id, link.second_personal_id
            if link.kind is RelationshipKind.MOTHER_CHILD:
                raise ValueError("a child's mother is loaded with the child (mother_personal_id), not as a link")
            if link.kind is RelationshipKind.FATHER_CHILD:
                if fathers.setdefault(second, first) != first or self._fathers.get(second, first) != first:
                    raise ValueError("a child has one father on record")
            elif first == second:
                raise ValueError("a person cannot be their own spouse")
            else:
                spouses.add(frozenset((first, second)))
        return {
            child: father for child, father in fathers.items() if child not in self._fathers
        }, spouses - self._spouses

    def clear(self) -> None:
        super().clear()
        self._fathers.clear()
        self._spouses.clear()

    def check_identity(
        self, query: IdentityQuery, now: dt.datetime
    ) -> tuple[IdentityResult, tuple[IdentityField, ...]]:
        """The result of an identity check at `now` and, for a mismatch, the fields that disagree."""
        person = self.person_at(query.personal_id, now)
        if person is None:
            return IdentityResult.NOT_FOUND, ()
        wrong: list[IdentityField] = []
        if fold(person.full_name) != fold(query.full_name):
            wrong.append(IdentityField.FULL_NAME)
        if person.date_of_birth != query.date_of_birth:
            wrong.append(IdentityField.DATE_OF_BIRTH)
        if query.gender is not None and person.gender is not query.gender:
            wrong.append(IdentityField.GENDER)
        return (IdentityResult.MISMATCH, tuple(wrong)) if wrong else (IdentityResult.MATCH, ())

    def check_relationship(self, query: RelationshipQuery, now: dt.datetime) -> RelationshipResult:
        """The result of a relationship check at `now`."""
        first, second = query.first_personal_id, query.second_personal_id
        child = self.person_at(second, now)
        if self.person_at(first, now) is None or child is None:
            return RelationshipResult.UNKNOWN_PERSON
        if query.kind is RelationshipKind.MOTHER_CHILD:
            confirmed = child.mother_personal_id == first
        elif query.kind is RelationshipKind.FATHER_CHILD:
            confirmed = self._fathers.get(second) == first
        else:
            confirmed = frozenset((first, second)) in self._spouses
        return RelationshipResult.CONFIRMED if confirmed else RelationshipResult.NOT_CONFIRMED


def evidence_routes(
    register: KinshipRegister, *, clock: ClockLike, guard: ApiGuard, signers: SimulatedSigners
) -> list[Route]:
    """The routes of the signed checks over `register`, to add to a population simulator (or any Starlette app)."""
    now = now_function(clock)

    def signed(record: EvidenceRecord) -> Response:
        payload = sign_record(record, signers)
        return Response(payload, media_type="application/xml", headers={SIGNER_HEADER: record.issuer_party})

    async def answer(request: Request, make: Callable[[JsonObject], EvidenceRecord]) -> Response:
        try:
            record = make(JsonObject(await read_json(request)))
        except ValueError as exc:
            return error_response(400, "malformed", str(exc))
        return signed(record)

    def identity(fields: JsonObject) -> IdentityCheck:
        query, at = identity_query_from_fields(fields), now()
        result, mismatched = register.check_identity(query, at)
        return IdentityCheck(uuid.uuid4().hex, at, query=query, result=result, mismatched=mismatched)

    def relationship(fields: JsonObject) -> RelationshipCheck:
        query, at = RelationshipQuery.from_fields(fields), now()
        return RelationshipCheck(
            uuid.uuid4().hex,
            at,
            kind=query.kind,
            first_personal_id=query.first_personal_id,
            second_personal_id=query.second_personal_id,
            result=register.check_relationship(query, at),
        )

    async def verify_identity(request: Request) -> Response:
        return await answer(request, identity)

    async def verify_relationship(request: Request) -> Response:
        return await answer(request, relationship)

    async def certificates(request: Request) -> Response:
        published = signers.published([POPULATION_DATABASE])
        return JSONResponse({"certificates": [certificate.to_json() for certificate in published]})

    async def load_relationships(request: Request) -> Response:
        try:
            links = [RelationshipQuery.from_fields(item) for item in objects(await read_json(request))]
            loaded = register.add_relationships(links)
        except ValueError as exc:
            return error_response(400, "malformed", str(exc))
        return JSONResponse({"loaded": loaded}, status_code=201)

    return [
        Route(IDENTITY_PATH, guard(verify_identity), methods=["POST"]),
        Route(RELATIONSHIP_PATH, guard(verify_relationship), methods=["POST"]),
        Route(CERTIFICATES_PATH, guard(certificates), methods=["GET"]),
        Route("/sim/relationships", load_relationships, methods=["POST"]),
    ]


def create_population_evidence_simulator(
    *,
    clock: ClockLike | None = None,
    failure_rate: float = 0.0,
    latency_ms: int = 0,
    seed: int = 0,
    register: KinshipRegister | None = None,
    signers: SimulatedSigners | None = None,
    identity_dir: Path | None = None,
    token: str | None = None,
    hub_certificate: x509.Certificate | None = None,
) -> Starlette:
    """The population simulator (`create_population_simulator`, same arguments) with the signed checks added. Pass
    `signers` to share identities between simulators or `identity_dir` to keep them across restarts."""
    people = KinshipRegister() if register is None else register
    clock = SystemClock() if clock is None else clock
    identities = SimulatedSigners(clock=clock, directory=identity_dir) if signers is None else signers
    app = create_population_simulator(
        clock=clock,
        failure_rate=failure_rate,
        latency_ms=latency_ms,
        seed=seed,
        register=people,
        token=token,
        hub_certificate=hub_certificate,
    )
    guard = ApiGuard(
        failure_rate=failure_rate, latency_ms=latency_ms, seed=seed, token=token, hub_certificate=hub_certificate
    )
    app.router.routes.extend(evidence_routes(people, clock=clock, guard=guard, signers=identities))
    app.state.signers = identities
    return app
