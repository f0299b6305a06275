"""What the simulators share: an injectable clock, injected failures and latency, bearer-token checks, the check of
the hub's signature on what it sends, JSON error answers (`{"error": "<code>", "reason": "<text>"}`) and, for the
simulators of signed evidence, the parties' signing identities."""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import random
import threading
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import TypeVar

from cryptography import x509
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from connectors.signed import PublishedCertificate
from connectors.wire import JsonObject, MalformedJson
from hub.documents.evidence import SIGNATURE_CONTAINER, EvidenceRecord, build_evidence
from hub.infra.clock import Clock, SystemClock
from signing.detached import SIGNATURE_HEADER, verify_message
from signing.devpki import KeyType, certificates_pem, generate_identity, read_identity, write_identity
from signing.keys import SigningIdentity
from signing.parties import file_stem
from signing.sign import sign_enveloped

T = TypeVar("T")

# A clock object (`hub.infra.clock.SystemClock`, `FixedClock`) or a bare function returning aware datetimes.
ClockLike = Clock | Callable[[], dt.datetime]
Endpoint = Callable[[Request], Awaitable[Response]]

# Seconds a simulated outage asks callers to wait, in Retry-After.
OUTAGE_RETRY_AFTER_S = 1
# A simulated party's certificate is valid from a year before it is made to ten years after.
CERTIFICATE_VALID_BEFORE = dt.timedelta(days=365)
CERTIFICATE_VALID_AFTER = dt.timedelta(days=3650)


def now_function(clock: ClockLike) -> Callable[[], dt.datetime]:
    """A function giving the current instant in UTC from either kind of clock; a naive datetime is a bug."""
    read: Callable[[], dt.datetime] = getattr(clock, "now", None) or clock  # type: ignore[assignment]

    def now() -> dt.datetime:
        moment = read()
        if moment.tzinfo is None:
            raise ValueError("the simulator's clock must return timezone-aware datetimes")
        return moment.astimezone(dt.UTC)

    return now


def error_response(status: int, code: str, reason: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": code, "reason": reason}, status_code=status, headers=headers)


async def read_json(request: Request) -> object:
    """The request's body decoded as JSON; `MalformedJson` when it is not."""
    try:
        return await request.json()
    except ValueError:
        raise MalformedJson("body: not valid JSON") from None


async def read_batch(request: Request, name: str, limit: int, parse: Callable[[JsonObject], T]) -> list[T]:
    """The list `name` of the request's JSON body, each item read with `parse`; `ValueError` (a 400 for the caller)
    when the body is malformed, any item is, or there are more than `limit`: a batch is taken whole or not at all."""
    items = JsonObject(await read_json(request)).objects(name)
    if len(items) > limit:
        raise ValueError(f"a batch holds at most {limit} {name}, not {len(items)}")
    return [parse(item) for item in items]


class ApiGuard:
    """Wraps a simulator's API endpoints: sleeps `latency_ms`, answers 503 to a share `failure_rate` of calls (the
    same calls for the same `seed`), and answers 401 when a `token` is set and the call does not carry it, or when a
    `hub_certificate` is set and the call does not carry its holder's signature (signing.detached), as a receiver
    that keeps proof of what the hub sent would."""

    def __init__(
        self,
        *,
        failure_rate: float,
        latency_ms: int,
        seed: int,
        token: str | None,
        hub_certificate: x509.Certificate | None = None,
    ) -> None:
        if not 0.0 <= failure_rate <= 1.0:
            raise ValueError(f"failure_rate must be between 0 and 1, got {failure_rate}")
        if latency_ms < 0:
            raise ValueError(f"latency_ms must not be negative, got {latency_ms}")
        self._failure_rate = failure_rate
        self._latency_s = latency_ms / 1000
        self._random = random.Random(seed)
        self._authorization = f"Bearer {token}" if token else None
        self._hub_certificate = hub_certificate

    def __call__(self, endpoint: Endpoint) -> Endpoint:
        async def guarded(request: Request) -> Response:
            if self._latency_s:
                await asyncio.sleep(self._latency_s)
            # Drawn on every call, so that the sequence of failures depends only on the seed and the call order.
            if self._random.random() < self._failure_rate:
                return error_response(
                    503, "unavailable", "simulated outage", headers={"Retry-After": str(OUTAGE_RETRY_AFTER_S)}
                )
            given = request.headers.get("Authorization", "")
            if self._authorization and not hmac.compare_digest(given.encode(), self._authorization.encode()):
                return error_response(401, "unauthorised", "missing or wrong bearer token")
            if self._hub_certificate is not None and not await signed_by(self._hub_certificate, request):
                return error_response(401, "unsigned", f"missing or wrong hub signature ({SIGNATURE_HEADER})")
            return await endpoint(request)

        return guarded


async def signed_by(certificate: x509.Certificate, request: Request) -> bool:
    """Whether the request carries the certificate holder's signature of its method, path, query and body."""
    signature = request.headers.get(SIGNATURE_HEADER)
    if not signature:
        return False
    target: bytes = request.scope.get("raw_path") or request.url.path.encode()
    query: bytes = request.scope.get("query_string", b"")
    if query and b"?" not in target:  # some ASGI servers put the query in raw_path, as the ASGI spec does not
        target += b"?" + query
    return verify_message(certificate, request.method, target.decode("ascii"), await request.body(), signature)


class SimulatedSigners:
    """The signing identities of simulated parties: one per party, made on first use (a new key and a self-signed
    certificate valid from a year before to ten years after that moment), then kept.

    With `directory`, an identity written there before is read back instead, and a new one is written there, so
    that a restarted simulator signs with the certificates the hub already trusts. Safe to share between simulators
    and threads.
    """

    def __init__(
        self, *, clock: ClockLike | None = None, directory: Path | None = None, key_type: KeyType = "rsa"
    ) -> None:
        self._now = now_function(SystemClock() if clock is None else clock)
        self._directory = directory
        self._key_type: KeyType = key_type
        self._identities: dict[str, SigningIdentity] = {}
        self._lock = threading.Lock()

    def identity(self, party: str) -> SigningIdentity:
        """The identity `party` signs with."""
        with self._lock:
            held = self._identities.get(party)
            if held is None:
                held = self._identities[party] = self._load_or_make(party)
            return held

    def published(self, parties: Iterable[str]) -> list[PublishedCertificate]:
        """The certificate chain of each of `parties` (made if need be), as PEM."""
        return [PublishedCertificate(party, certificates_pem(self.identity(party))) for party in parties]

    def _load_or_make(self, party: str) -> SigningIdentity:
        directory = self._directory
        if directory is not None and (directory / f"{file_stem(party)}.key.pem").exists():
            return read_identity(party, directory)
        now = self._now()
        made = generate_identity(
            party,
            not_before=now - CERTIFICATE_VALID_BEFORE,
            not_after=now + CERTIFICATE_VALID_AFTER,
            key_type=self._key_type,
            organisation="Simulated",
        )
        if directory is not None:
            write_identity(made, directory)
        return made


def sign_record(record: EvidenceRecord, signers: SimulatedSigners) -> bytes:
    """The record as XML, signed by its issuer in CHUKYDONVI."""
    identity = signers.identity(record.issuer_party)
    return sign_enveloped(build_evidence(record), identity, container=SIGNATURE_CONTAINER)
