"""The certificates the hub trusts, kept in the database and held in memory by each process.

The operator imports certificates (GraphQL or `hub cert import`) and retires them. Each process keeps one
`signing.trust.TrustStore` built from the table and rebuilds it when it is older than `max_age`, or at once when a
signature names a certificate the store does not know (a certificate imported a moment ago by another process).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Sequence

from cryptography.hazmat.primitives.serialization import Encoding
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.refusals import RefusedRecord, note_refusal
from hub.audit.service import AuditEvent, record
from hub.catalogs.facilities import get_facility
from hub.catalogs.places import commune_location
from hub.clients.permissions import JurisdictionLevel, Location, Principal, Role
from hub.documents.errors import DocumentErrorCode as E
from hub.documents.errors import document_error
from hub.infra.db import Database
from hub.infra.ids import new_id
from hub.signatures.models import TrustedCertificateRow
from signing.errors import TrustStoreError
from signing.parties import validate_party
from signing.trust import CertificateRecord, TrustedCertificate, TrustStore, load_certificates, normalise_fingerprint


async def import_certificates(
    session: AsyncSession, *, now: dt.datetime, actor: Principal | None, party: str, data: bytes
) -> list[TrustedCertificateRow]:
    """Trust every certificate in `data` (PEM, one or more, or DER) for `party`; importing one again changes nothing.

    A facility party must name a facility of the catalog. All or nothing: one bad certificate refuses the file."""
    if actor is not None:
        actor.require(Role.CERTIFICATE_MANAGE)
    party = party.strip()
    try:
        validate_party(party)
    except ValueError:
        raise document_error(E.PARTY_INVALID, field="party", party=party) from None
    kind, _, code = party.partition(":")
    if kind == "facility" and await get_facility(session, code) is None:
        raise document_error(E.FACILITY_UNKNOWN, field="party", code=code)
    if actor is not None:
        actor.require(
            Role.CERTIFICATE_MANAGE, await party_location(session, party), record=RefusedRecord("certificate", party)
        )
    try:
        entries = [TrustedCertificate.of(party, certificate) for certificate in load_certificates(data)]
    except TrustStoreError as exc:
        raise document_error(E.CERTIFICATE_UNREADABLE, field="certificate", detail=str(exc)) from None
    known = {
        row.fingerprint: row
        for row in (
            await session.scalars(
                select(TrustedCertificateRow).where(
                    TrustedCertificateRow.fingerprint.in_([entry.fingerprint for entry in entries])
                )
            )
        ).all()
    }
    rows: list[TrustedCertificateRow] = []
    added: list[TrustedCertificateRow] = []
    for entry in entries:
        row = known.get(entry.fingerprint)
        if row is not None and row.party != party:
            raise document_error(E.CERTIFICATE_OF_ANOTHER_PARTY, field="certificate", party=row.party)
        if row is None:
            row = TrustedCertificateRow(
                id=new_id(),
                party=party,
                fingerprint=entry.fingerprint,
                subject=entry.subject,
                serial=entry.serial_hex,
                not_before=entry.not_before,
                not_after=entry.not_after,
                der=entry.certificate.public_bytes(Encoding.DER),
                added_at=now,
                added_by=actor.name if actor else "hub",
                retired_at=None,
                retired_reason=None,
            )
            known[entry.fingerprint] = row
            session.add(row)
            added.append(row)
        rows.append(row)
    await session.flush()
    await record(
        session,
        now=now,
        actor=actor,
        events=[AuditEvent("certificate.import", Purpose.ADMINISTRATION, details=_audit_details(row)) for row in added],
    )
    return rows


async def retire_certificate(
    session: AsyncSession, *, now: dt.datetime, actor: Principal | None, fingerprint: str, reason: str
) -> TrustedCertificateRow:
    """Stop trusting a certificate for new signatures (a key lost or replaced); retiring twice changes nothing."""
    if actor is not None:
        actor.require(Role.CERTIFICATE_MANAGE)
    if not reason.strip():
        raise document_error(E.REASON_REQUIRED, field="reason")
    wanted = normalise_fingerprint(fingerprint)
    row = await session.scalar(select(TrustedCertificateRow).where(TrustedCertificateRow.fingerprint == wanted))
    if (
        row is not None
        and actor is not None
        and not actor.may(Role.CERTIFICATE_MANAGE, await party_location(session, row.party))
    ):
        note_refusal(RefusedRecord("certificate", f"{row.party}/{row.fingerprint}"))
        row = None  # another province's certificate is answered as unknown
    if row is None:
        raise document_error(E.CERTIFICATE_NOT_FOUND, field="fingerprint", fingerprint=fingerprint)
    if row.retired_at is None:
        row.retired_at, row.retired_reason = now, reason.strip()
        await session.flush()
        await record(
            session,
            now=now,
            actor=actor,
            events=[
                AuditEvent(
                    "certificate.retire", Purpose.ADMINISTRATION, details={**_audit_details(row), "reason": reason}
                )
            ],
        )
    return row


async def list_certificates(
    session: AsyncSession, actor: Principal | None, *, party: str | None = None, include_retired: bool = False
) -> Sequence[TrustedCertificateRow]:
    if actor is not None:
        actor.require(Role.CERTIFICATE_MANAGE)
    query = select(TrustedCertificateRow).order_by(TrustedCertificateRow.party, TrustedCertificateRow.not_before)
    if party is not None:
        query = query.where(TrustedCertificateRow.party == party)
    if not include_retired:
        query = query.where(TrustedCertificateRow.retired_at.is_(None))
    rows = (await session.scalars(query)).all()
    if actor is None or actor.jurisdiction.level is JurisdictionLevel.NATIONAL:
        return rows
    places = {party: await party_location(session, party) for party in {row.party for row in rows}}
    return [row for row in rows if actor.may(Role.CERTIFICATE_MANAGE, places[row.party])]


async def party_location(session: AsyncSession, party: str) -> Location:
    """Where a signing party belongs, for an operator's reach: a facility's province, a civil registry office's
    commune and province; a national party (the population database, the hub) belongs to the national level only."""
    kind, _, code = party.partition(":")
    if kind == "facility":
        facility = await get_facility(session, code)
        return Location(province_code=facility.province_code, facility_code=code) if facility else Location()
    if kind == "civil-registry":
        return commune_location(code)
    return Location()


def _audit_details(row: TrustedCertificateRow) -> dict[str, str | None]:
    return {"party": row.party, "fingerprint": row.fingerprint, "subject": row.subject, "serial": row.serial}


class TrustCache:
    """One process's trust store, rebuilt from the certificate table when stale or when a signer is unknown."""

    def __init__(self, db: Database, *, max_age_seconds: float = 30.0) -> None:
        self._db = db
        self._max_age = max_age_seconds
        self._store: TrustStore | None = None
        self._loaded_at = 0.0
        self._lock = asyncio.Lock()

    async def store(self) -> TrustStore:
        """The current store, rebuilt first if it is older than `max_age`."""
        if self._store is None or time.monotonic() - self._loaded_at > self._max_age:
            return await self.reload()
        return self._store

    def invalidate(self) -> None:
        """Rebuild the store at its next use: this process imported or retired a certificate."""
        self._store = None

    async def reload(self) -> TrustStore:
        """Rebuild the store from the table now (concurrent callers share one rebuild)."""
        started = time.monotonic()
        async with self._lock:
            if self._store is not None and self._loaded_at >= started:
                return self._store  # another caller rebuilt it while this one waited
            async with self._db.sessions() as session:
                rows = (
                    await session.execute(
                        select(TrustedCertificateRow.party, TrustedCertificateRow.der).where(
                            TrustedCertificateRow.retired_at.is_(None)
                        )
                    )
                ).all()
            self._store = TrustStore(CertificateRecord(party, der) for party, der in rows)
            self._loaded_at = time.monotonic()
            return self._store
