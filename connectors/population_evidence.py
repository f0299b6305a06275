"""Client of the national population database's signed checks, kept as evidence for benefit claims: is this citizen
who the claim says, and are these two people mother and child, father and child, or spouses.

    POST /v1/evidence/identity
         {"personal_id": "048194000123", "full_name": "Trần Thị Mai", "date_of_birth": "1994-03-04",
          "gender": "female" | null}
    POST /v1/evidence/relationship
         {"kind": "mother_child" | "father_child" | "spouses", "first_personal_id": "…", "second_personal_id": "…"}
         (the parent first, the child second)
        → 200 application/xml: the signed XACMINHCONGDAN / XACMINHQUANHE (`hub.documents.evidence`), signed by
              `population-database`; "not found" and "not confirmed" are answers, signed like the others
        → 400 {"error": "malformed", "reason": …}
    GET /v1/certificates → 200 {"certificates": [{"party": "population-database", "pem": "-----BEGIN CERTIFICATE…"}]}

Every answer has its own id and time of check: asking twice gives two pieces of evidence.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors import PermanentError
from connectors.signed import SignedAnswer, SignedXmlClient
from connectors.wire import JsonObject, require_personal_id
from hub.documents.evidence import MAX_NAME, IdentityQuery, RelationshipKind
from hub.persons.models import Gender

IDENTITY_PATH = "/v1/evidence/identity"
RELATIONSHIP_PATH = "/v1/evidence/relationship"


def identity_query_to_json(query: IdentityQuery) -> dict[str, object]:
    return {
        "personal_id": query.personal_id,
        "full_name": query.full_name,
        "date_of_birth": query.date_of_birth.isoformat(),
        "gender": None if query.gender is None else query.gender.value,
    }


def identity_query_from_fields(fields: JsonObject) -> IdentityQuery:
    return IdentityQuery(
        personal_id=fields.personal_id("personal_id"),
        full_name=fields.text("full_name", max_length=MAX_NAME),
        date_of_birth=fields.date("date_of_birth"),
        gender=fields.choice("gender", Gender) if fields.has("gender") else None,
    )


@dataclass(frozen=True)
class RelationshipQuery:
    """Two people and the relationship asked about: for a parent and a child, the parent is `first`."""

    kind: RelationshipKind
    first_personal_id: str
    second_personal_id: str

    def __post_init__(self) -> None:
        require_personal_id(self.first_personal_id, "first_personal_id")
        require_personal_id(self.second_personal_id, "second_personal_id")

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind.value,
            "first_personal_id": self.first_personal_id,
            "second_personal_id": self.second_personal_id,
        }

    @classmethod
    def from_fields(cls, fields: JsonObject) -> RelationshipQuery:
        return cls(
            fields.choice("kind", RelationshipKind),
            fields.personal_id("first_personal_id"),
            fields.personal_id("second_personal_id"),
        )


class PopulationEvidenceClient(SignedXmlClient):
    """Client of the population database's signed checks. Raises `TransientError` when the database cannot answer
    now, `PermanentError` when it refuses the query or answers something that is not a signed document."""

    async def verify_identity(self, query: IdentityQuery) -> SignedAnswer:
        """The signed XACMINHCONGDAN: match, mismatch (with the fields) or not found."""
        return _found(await self.fetch_signed("POST", IDENTITY_PATH, body=identity_query_to_json(query)), IDENTITY_PATH)

    async def verify_relationship(
        self, kind: RelationshipKind, first_personal_id: str, second_personal_id: str
    ) -> SignedAnswer:
        """The signed XACMINHQUANHE: confirmed, not confirmed or unknown person."""
        query = RelationshipQuery(kind, first_personal_id, second_personal_id)
        return _found(await self.fetch_signed("POST", RELATIONSHIP_PATH, body=query.to_json()), RELATIONSHIP_PATH)


def _found(answer: SignedAnswer | None, path: str) -> SignedAnswer:
    if answer is None:  # the database answers every check, "not found" included, with a signed document
        raise PermanentError(f"POST {path}: answered 404 not_found instead of a signed answer", status=404)
    return answer
