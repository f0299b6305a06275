"""Client of the civil-status software's extracts (phần mềm hộ tịch): signed birth-registration and death extracts,
fetched as evidence for benefit claims and handed back byte for byte, for the hub to verify and store.

    GET /v1/extracts/birth?personal_id=048226000777               the birth extract of the child holding the number
    GET /v1/extracts/birth?office=20242&book=01/2026&number=16    the same, by where the record is kept
    GET /v1/extracts/death?personal_id=048060000001               the death extract of the person holding the number
        → 200 application/xml: the signed TRICHLUCKHAISINH / TRICHLUCKHAITU (`hub.documents.evidence`), with
              header X-Signer-Party: civil-registry:<office> (who should have signed it: a hint, not a proof)
        → 404 {"error": "not_found", "reason": …}   the registry holds no such record
        → 400 {"error": "malformed", "reason": …}   a malformed query
    GET /v1/certificates → 200 {"certificates": [{"party": "civil-registry:20242", "pem": "-----BEGIN CERTIFICATE…"}]}
        (the answers, the certificates and the client base are shared with the population checks: `connectors.signed`)

An extract is the same document, byte for byte, on every fetch until its record changes (a correction or a
cancellation changes its status, never its extract number), so a repeated fetch is recognised by its hash.
"""

from __future__ import annotations

from connectors.signed import SignedAnswer, SignedXmlClient
from connectors.wire import require_personal_id

BIRTH_EXTRACT_PATH = "/v1/extracts/birth"
DEATH_EXTRACT_PATH = "/v1/extracts/death"
MAX_REFERENCE_LENGTH = 50


def _require_reference(value: str, name: str) -> None:
    if not value.strip() or len(value) > MAX_REFERENCE_LENGTH:
        raise ValueError(f"{name} must be non-empty and at most {MAX_REFERENCE_LENGTH} characters")


class CivilStatusClient(SignedXmlClient):
    """Client of the civil-status software's extracts. A record the registry does not hold is None, not an error;
    a malformed number or reference is the caller's bug (ValueError), found before any call."""

    async def birth_extract_by_id(self, personal_id: str) -> SignedAnswer | None:
        """The birth extract of the child holding `personal_id` (the latest registration, even cancelled)."""
        require_personal_id(personal_id, "personal_id")
        return await self.fetch_signed("GET", BIRTH_EXTRACT_PATH, params={"personal_id": personal_id})

    async def birth_extract_by_record(self, office: str, book: str, number: str) -> SignedAnswer | None:
        """The birth extract of record `number` in book `book` (quyển số) of registry office `office`."""
        for value, name in ((office, "office"), (book, "book"), (number, "number")):
            _require_reference(value, name)
        params = {"office": office, "book": book, "number": number}
        return await self.fetch_signed("GET", BIRTH_EXTRACT_PATH, params=params)

    async def death_extract(self, personal_id: str) -> SignedAnswer | None:
        """The death extract of the person who held `personal_id`."""
        require_personal_id(personal_id, "personal_id")
        return await self.fetch_signed("GET", DEATH_EXTRACT_PATH, params={"personal_id": personal_id})
