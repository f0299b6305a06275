"""What document tests share: facility identities, signed corpus envelopes, clients and trusted facilities."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import functools
from typing import Any

from sqlalchemy import func, select

from devkit.qd4750_samples import FACILITY, PREMATURE, SENT, corpus, visit_of
from hub.audit.models import AuditEntry
from hub.catalogs.facilities import FacilityFields, add_facility
from hub.catalogs.models import FacilityLevel
from hub.clients.permissions import ClientKind, Role
from hub.documents.models import Document, DocumentUse, LinkState, Submission
from hub.documents.qd4750 import FileContent, build_envelope, table_file
from hub.entry.worker import WorkerService
from hub.infra.ids import new_id
from hub.jobs.models import OutboxJob
from hub.signatures.certificates import import_certificates
from signing.devpki import certificates_pem, generate_identity
from signing.keys import SigningIdentity
from signing.parties import HUB, facility
from signing.sign import sign_enveloped
from signing.trust import TrustStore
from signing.verify import verify_enveloped
from tests.conftest import START
from tests.helpers import make_client

OTHER_FACILITY = "48002"
YEAR = dt.timedelta(days=365)


def facility_identity(code: str = FACILITY, *, start: dt.datetime = START - YEAR, years: int = 2) -> SigningIdentity:
    """A facility's key and certificate, valid around the tests' clock (generated once per run)."""
    return _identity(code, start, years)


@functools.cache
def _identity(code: str, start: dt.datetime, years: int) -> SigningIdentity:
    return generate_identity(facility(code), not_before=start, not_after=start + years * YEAR)


def full_corpus() -> list[list[FileContent]]:
    """The corpus of every benefit table (twins by caesarean, a temporary card code) plus a birth under 32 weeks."""
    premature_mother = visit_of(PREMATURE.ma_lk, PREMATURE.ho_ten_nnd, PREMATURE.so_cccd_nnd)
    return [*corpus(), [table_file(premature_mother), table_file(PREMATURE)]]


def signed_envelope(
    hoso: list[list[FileContent]] | None = None, *, code: str = FACILITY, identity: SigningIdentity | None = None
) -> bytes:
    unsigned = build_envelope(code, SENT, full_corpus() if hoso is None else hoso)
    return sign_enveloped(unsigned, identity or facility_identity(code))


async def documents_world(hub: Any, signer: Any, clock: Any, backend: str) -> Any:
    """Clients (two hospitals, an operator, readers), facilities 48001 and 48002 with trusted certificates, and a
    worker beside the app on PostgreSQL. Yields the tokens."""
    _, state = hub
    db = state.services.db
    tokens: dict[str, str] = {}
    principals = {}
    for name, kind, where, roles in [
        ("bv-48001", ClientKind.HOSPITAL, f"facility:{FACILITY}", None),
        ("bv-48002", ClientKind.HOSPITAL, f"facility:{OTHER_FACILITY}", None),
        ("operator", ClientKind.OPERATOR, "national", None),
        ("processor-48", ClientKind.CLAIM_PROCESSOR, "province:48", None),
        ("processor-01", ClientKind.CLAIM_PROCESSOR, "province:01", None),
        ("auditor-48", ClientKind.SUPERVISOR, "province:48", frozenset({Role.DOCUMENT_READ, Role.AUDIT_READ})),
        ("portal", ClientKind.PORTAL, "national", None),
    ]:
        extra = {} if roles is None else {"roles": roles}
        principals[name], tokens[name] = await make_client(db, signer, clock, name, kind, where, **extra)
    async with db.transaction() as session:
        for code in (FACILITY, OTHER_FACILITY):
            fields = FacilityFields(code, f"Bệnh viện {code}", "48", FacilityLevel.PROVINCE, True)
            await add_facility(session, now=clock.now(), actor=principals["operator"], fields=fields)
    for code in (FACILITY, OTHER_FACILITY):
        async with db.transaction() as session:
            await import_certificates(
                session,
                now=clock.now(),
                actor=principals["operator"],
                party=facility(code),
                data=certificates_pem(facility_identity(code)),
            )
    return tokens, principals


def worker_for(settings: Any, clock: Any, backend: str) -> WorkerService | None:
    if backend != "postgresql":
        return None
    worker = WorkerService(settings, clock, threads=2)
    worker.start()
    return worker


async def stop(worker: WorkerService | None) -> None:
    if worker is not None:
        await asyncio.to_thread(worker.stop)


async def stored_rows(state: Any) -> tuple[int, int]:
    """How many submissions and documents are stored."""
    async with state.services.db.sessions() as session:
        submissions = await session.scalar(select(func.count()).select_from(Submission))
        documents = await session.scalar(select(func.count()).select_from(Document))
    return int(submissions or 0), int(documents or 0)


async def rows_left(state: Any) -> dict[str, int]:
    """What a submission or an evidence answer may have written, counted by kind: a refusal must leave none."""
    counts = {
        "submissions": select(func.count()).select_from(Submission),
        "documents": select(func.count()).select_from(Document),
        "document uses": select(func.count()).select_from(DocumentUse),
        "audit entries": select(func.count()).where(AuditEntry.operation.startswith("document.")),
        "jobs": select(func.count()).where(OutboxJob.kind.startswith("documents.")),
    }
    async with state.services.db.sessions() as session:
        found = {kind: int(await session.scalar(query) or 0) for kind, query in counts.items()}
    return {kind: count for kind, count in found.items() if count}


def signed_by_hub(state: Any, signed: bytes, *, at: dt.datetime) -> Any:
    """The root of an XML document the hub signed (a receipt, a refusal), verified against the hub's certificate."""
    store = TrustStore()
    store.add_certificate(HUB, state.services.intake.identity.certificate)
    return verify_enveloped(signed, store, expected_signer=HUB, at=at).signed_root


def replaced(record: Any, **changes: Any) -> Any:
    return dataclasses.replace(record, **changes)


async def bare_documents(
    session, now: dt.datetime, numbers: list[str], *, version: int = 1, subject: dict[str, str] | None = None
) -> list[Document]:
    """Sick-leave certificates (XML11) of facility 48001 stored as they would be, without an envelope behind them
    (an empty submission of their own): for tests of what uses documents, not of how they arrive. `subject`: the
    Document columns naming whom they are about (subject_personal_id …)."""
    unique = new_id().hex
    submission = Submission(
        transaction_id=f"T{unique[:12]}",
        kind="qd4750",
        sender="facility:48001",
        channel="graphql",
        sha256=unique.ljust(64, "0"),
        payload=b"<GIAMDINHHS/>",
        size=13,
        verification={},
        received_at=now,
        document_count=len(numbers),
        receipt=b"",
    )
    session.add(submission)
    await session.flush()
    documents = [
        Document(
            submission_id=submission.id,
            issuer="facility:48001",
            doc_type="XML11",
            number=number,
            version=version,
            content_hash="0" * 64,
            state="current",
            position={},
            fields={},
            link_state=LinkState.UNMATCHED.value,
            received_at=now,
            changed_at=now,
            **(subject or {}),
        )
        for number in numbers
    ]
    session.add_all(documents)
    await session.flush()
    return documents
