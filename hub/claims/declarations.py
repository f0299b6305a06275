"""What a processor declares about a claim that the evidence does not say: a long-term disease (bệnh cần chữa trị
dài ngày) on a sickness claim. The claim is computed again; a decided one orders the difference, to be confirmed."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, record
from hub.claims import states
from hub.claims.details import SicknessDetails, from_json, to_json
from hub.claims.errors import ClaimErrorCode as E
from hub.claims.errors import claim_error
from hub.claims.models import Claim, ClaimKind, ClaimState
from hub.claims.rules.long_term import compact, dotted, listed_disease
from hub.claims.service import claim_for_decision, request_computation
from hub.clients.permissions import Principal


async def declare_long_term_disease(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, reference: str, icd10: str
) -> Claim:
    """Record that the sickness claim's leave is for a long-term disease with this ICD-10 code, and have it computed
    again. A code not on the hub's list is accepted (the list is incomplete [to confirm long-term-list]); the history
    says so."""
    claim = await claim_for_decision(session, actor, reference)
    if claim.kind != ClaimKind.SICKNESS.value or claim.state == ClaimState.REJECTED.value:
        raise claim_error(E.NOT_DECLARABLE, field="reference", kind=claim.kind, state=claim.state)
    code = compact(icd10)
    if code is None:
        raise claim_error(E.DETAILS_INVALID, field="icd10", detail=f"{icd10!r} is not an ICD-10 code")
    details = from_json(ClaimKind.SICKNESS, claim.details)
    assert isinstance(details, SicknessDetails)
    declared = SicknessDetails(
        details.start,
        details.end,
        details.half_days,
        long_term_disease=True,
        certificate=details.certificate,
        diagnosis=dotted(code),
        long_term_declared=True,
    )
    claim.details = to_json(declared)
    listed = listed_disease(code) is not None
    event = states.change(claim, None, now, actor, "long_term_declared", icd10=dotted(code), on_list=listed)
    await session.flush()
    await states.record(session, [event])
    await record(
        session,
        now=now,
        actor=actor,
        events=[
            # The code is medical: the claim's history keeps it, the audit trail only the act.
            AuditEvent(
                "claim.declare_long_term_disease", Purpose.CLAIM_SETTLEMENT, claim.person_id, {"claim": claim.reference}
            )
        ],
    )
    await request_computation(session, [claim.id], now=now)
    return claim
