"""What the clients of systems that answer with signed XML share (the civil-status software, the population
database's checks): the answer kept byte for byte, the certificates a system publishes, and the client base.

    → 200 application/xml: the signed document, with header X-Signer-Party: <party> (who should have signed it: a
          hint, not a proof)
    → 404 {"error": "not_found", "reason": …}   the system holds no such record
    GET /v1/certificates → 200 {"certificates": [{"party": "civil-registry:20242", "pem": "-----BEGIN CERTIFICATE…"}]}
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from connectors import PermanentError
from connectors.http import JsonHttpClient
from connectors.wire import JsonObject
from signing.parties import validate_party

CERTIFICATES_PATH = "/v1/certificates"
SIGNER_HEADER = "X-Signer-Party"
XML_TYPES = frozenset({"application/xml", "text/xml"})
NOT_FOUND = "not_found"
MAX_PEM_LENGTH = 20_000
_ACCEPT_XML = {"Accept": "application/xml, application/json;q=0.5"}


@dataclass(frozen=True)
class SignedAnswer:
    """A signed XML document exactly as received. `signer` is the party the sender says signed it (X-Signer-Party),
    to verify against; only verification proves it."""

    payload: bytes
    content_type: str
    signer: str | None = None

    @property
    def sha256(self) -> str:
        """The SHA-256 of the payload, lower-case hex: what the hub stores with it."""
        return hashlib.sha256(self.payload).hexdigest()


@dataclass(frozen=True)
class PublishedCertificate:
    """A certificate a simulated (or real) system publishes for one party, as PEM, for the hub's trust store."""

    party: str
    pem: bytes

    def to_json(self) -> dict[str, object]:
        return {"party": self.party, "pem": self.pem.decode("ascii")}

    @classmethod
    def from_fields(cls, fields: JsonObject) -> PublishedCertificate:
        party = fields.text("party", max_length=200)
        validate_party(party)
        return cls(party, fields.text("pem", max_length=MAX_PEM_LENGTH).encode("ascii"))


def _certificates(value: object) -> tuple[PublishedCertificate, ...]:
    return tuple(PublishedCertificate.from_fields(item) for item in JsonObject(value).objects("certificates"))


class SignedXmlClient(JsonHttpClient):
    """A client of a system that answers with signed XML documents (and with JSON errors, like the others).

    Failures split as in `JsonHttpClient.request`: `TransientError` for a connection failure, a timeout, 5xx, 408 or
    429; `PermanentError` for any other refusal and for an answer that is not an XML document.
    """

    async def fetch_signed(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        body: object = None,
    ) -> SignedAnswer | None:
        """The signed document answering the call, its bytes untouched; None when the system says it holds no such
        record (404 with error `not_found`: any other 404, such as a wrong path, is a PermanentError)."""
        where = f"{method} {path}"
        response = await self.send(method, path, params=params, body=body, headers=_ACCEPT_XML, accept=_not_found)
        if not response.is_success:  # the only refusal `send` lets through
            return None
        status = response.status_code
        content_type = response.headers.get("Content-Type", "")
        if content_type.split(";")[0].strip().lower() not in XML_TYPES or not response.content.strip():
            raise PermanentError(
                f"{where}: the answer is not an XML document ({content_type or 'no type'})", status=status
            )
        signer = response.headers.get(SIGNER_HEADER)
        if signer is not None:
            try:
                validate_party(signer)
            except ValueError:
                raise PermanentError(f"{where}: {SIGNER_HEADER} is not a party name", status=status) from None
        return SignedAnswer(response.content, content_type, signer)

    async def certificates(self) -> tuple[PublishedCertificate, ...]:
        """The certificates the system signs with, one or more per party, to import into the trust store."""
        return await self.request("GET", CERTIFICATES_PATH, parse=_certificates)


def _not_found(response: httpx.Response) -> bool:
    """Whether a refusal says the system holds no such record (404 with error `not_found`)."""
    return response.status_code == 404 and _error_code(response) == NOT_FOUND


def _error_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) and isinstance(body.get("error"), str) else None
