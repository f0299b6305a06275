"""Computing claims in batches (the work of the claims.compute job, hub.claims.jobs)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from hub.claims import ledger, states
from hub.claims.compute import (
    ConvalescenceEvidence,
    EvidencePending,
    MothersLeave,
    computation_json,
    compute,
    explanation_json,
)
from hub.claims.deadlines import bhxh_due_on, leave_end
from hub.claims.details import BirthDetails, from_json, lump_sum_key, remaining_key
from hub.claims.models import Claim, ClaimKind, ClaimState
from hub.claims.opening import BIRTH_CERTIFICATE, PREGNANCY_REST, details_of, document_date, insured_employers
from hub.claims.rules import AfterBirth, Birth, MotherLeave, add_months, birth_leave_months
from hub.claims.service import ComputeClaims, request_computation
from hub.claims.tally import COUNTED, COUNTED_KINDS, paid_before
from hub.contributions.service import contribution_histories, recent_since
from hub.documents.models import Document, DocumentState
from hub.infra.clock import vietnam_date

log = logging.getLogger(__name__)
DECIDED = states.DECIDED


async def compute_claims(session: AsyncSession, request: ComputeClaims, now: dt.datetime) -> None:
    """Compute each claim from its details and the person's contributions, oldest event first per person (so that
    days paid by one claim count against the next one's yearly limit)."""
    claims = (
        await session.scalars(
            select(Claim)
            # A rejected claim is decided for good: a computation asked for before the rejection (a recalculation
            # still queued when the processor decided) leaves it rejected.
            .where(Claim.id.in_(request.claim_ids), Claim.state != ClaimState.REJECTED.value)
            .options(undefer(Claim.explanation))
            .order_by(Claim.id)
            .with_for_update()
        )
    ).all()
    if not claims:
        return
    people = {c.person_id for c in claims}
    histories = await contribution_histories(session, people, since=recent_since(c.event_date for c in claims))
    tally = await paid_before(session, claims)
    evidence = await convalescence_evidence(session, {c.person_id for c in claims if c.kind == ClaimKind.CONVALESCENCE})
    rested = await pregnancy_rests(session, [c for c in claims if c.kind == ClaimKind.MATERNITY])
    mothers = await mothers_eligible(session, [c for c in claims if c.kind == ClaimKind.LUMP_SUM])
    visits = await visits_before(session, [c for c in claims if c.kind == ClaimKind.PRENATAL_VISIT])
    leaves = await mothers_leaves(session, [c for c in claims if c.kind == ClaimKind.REMAINING_MATERNITY])
    handed = await handed_over(session, [c for c in claims if c.kind == ClaimKind.MATERNITY])
    events, recounted = [], []
    for claim in sorted(claims, key=lambda c: (c.person_id, c.event_date, c.created_at)):
        if claim.withdrawn_evidence is not None:
            continue  # its evidence was taken away after this computation was asked for
        kind = ClaimKind(claim.kind)
        before = tally.before(claim)
        details = from_json(kind, claim.details)
        if claim.id in rested and isinstance(details, BirthDetails):
            details = dataclasses.replace(details, pregnancy_rest_ordered=True)  # Art 50: 3 of 12 months suffice
        try:
            computation = compute(
                kind,
                details,
                histories[claim.person_id],
                before,
                evidence.get(claim.person_id),
                mother_eligible=mothers.get(claim.id),
                visits_before=visits.get(claim.id, 0),
                mothers_leave=leaves.get(claim.id),
                handed_over=handed.get(claim.id),
            )
        except EvidencePending as missing:
            # A decided claim keeps its state and amount (what is owed moves only with a computation)
            waiting = None if ClaimState(claim.state) in DECIDED else ClaimState.EVIDENCE_PENDING
            events.append(states.change(claim, waiting, now, None, "evidence_pending", missing=missing.what_en))
            continue
        except ValueError as exc:  # details the rules cannot take (e.g. a leave ending before it starts)
            returned = None if ClaimState(claim.state) in DECIDED else ClaimState.RETURNED
            if returned:
                claim.decision_reason = f"details not valid: {exc}"
            events.append(states.change(claim, returned, now, None, "invalid", detail=str(exc)))
            continue
        stored, explanation = computation_json(computation), explanation_json(computation)
        tally.add(claim, computation.paid_days)
        changed = claim.computation != stored or claim.explanation != explanation
        if changed:
            if claim.kind in COUNTED_KINDS:
                recounted.append(claim)
            claim.computation, claim.explanation = stored, explanation
            claim.eligible, claim.amount_vnd = computation.eligible, computation.amount_vnd
            claim.computed_version += 1
            claim.updated_at = now
        if ClaimState(claim.state) in DECIDED:
            if changed:
                events.append(await _adjust(session, claim, now))
            continue
        if not changed and claim.state == ClaimState.COMPUTED:
            continue  # a repeated delivery: nothing to do
        claim.due_on = claim.due_on or bhxh_due_on(kind, claim.filed_by, vietnam_date(now))
        events.append(
            states.change(
                claim,
                ClaimState.COMPUTED,
                now,
                None,
                "computed",
                eligible=computation.eligible,
                amount_vnd=claim.amount_vnd,
            )
        )
    await states.record(session, events)
    await recount_later(session, recounted, {c.id for c in claims}, now=now)
    await convalescence_after_births(session, [c for c in claims if c.kind == ClaimKind.MATERNITY], now=now)
    await dependants_after_births(session, [c for c in claims if c.kind == ClaimKind.MATERNITY], now=now)


async def visits_before(session: AsyncSession, claims: Sequence[Claim]) -> dict[uuid.UUID, int]:
    """For each prenatal-visit claim, the visits of the same woman's earlier prenatal-visit claims computed eligible
    in the 42 weeks before its first visit: the same pregnancy's, which count against its 5 (Art 51)
    [to confirm prenatal-visits-window]. One query for the batch."""
    if not claims:
        return {}
    rows = await session.execute(
        select(Claim.id, Claim.person_id, Claim.event_date, Claim.details).where(
            Claim.person_id.in_({claim.person_id for claim in claims}),
            Claim.kind == ClaimKind.PRENATAL_VISIT.value,
            Claim.state.in_([s.value for s in COUNTED]),
            Claim.eligible.is_(True),
            Claim.withdrawn_evidence.is_(None),
        )
    )
    earlier = [
        (claim_id, person_id, day, len(details.get("visits") or ())) for claim_id, person_id, day, details in rows
    ]
    return {
        claim.id: sum(
            count
            for other, person_id, day, count in earlier
            if person_id == claim.person_id
            and other != claim.id
            and claim.event_date - dt.timedelta(weeks=PREGNANCY_WEEKS) <= day < claim.event_date
        )
        for claim in claims
    }


async def mothers_eligible(session: AsyncSession, lump_sums: Sequence[Claim]) -> dict[uuid.UUID, bool | None]:
    """For each father's lump-sum claim, whether the mother's maternity claim was computed eligible (None: not
    computed yet). One query for the batch."""
    if not lump_sums:
        return {}
    wanted = {claim.id: uuid.UUID(claim.details["mother_claim"]) for claim in lump_sums}
    rows = await session.execute(select(Claim.id, Claim.eligible).where(Claim.id.in_(set(wanted.values()))))
    eligible: dict[uuid.UUID, bool | None] = {claim_id: value for claim_id, value in rows}
    return {claim_id: eligible.get(mother) for claim_id, mother in wanted.items()}


async def dependants_after_births(session: AsyncSession, births: Sequence[Claim], *, now: dt.datetime) -> None:
    """A mother's maternity claim computed: the claims that rest on it are computed again, the father's lump sum and
    the rest of her leave taken by the father or caregiver."""
    if not births:
        return
    lump_sums = [lump_sum_key(str(claim.id)) for claim in births]
    remaining = [remaining_key(str(claim.person_id), claim.event_date) for claim in births]  # event_date: the birth
    found = await session.scalars(
        select(Claim.id).where(
            or_(
                and_(Claim.kind == ClaimKind.LUMP_SUM.value, Claim.event_key.in_(lump_sums)),
                and_(Claim.kind == ClaimKind.REMAINING_MATERNITY.value, Claim.event_key.in_(remaining)),
            )
        )
    )
    ids = list(found)
    if ids:
        await request_computation(session, ids, now=now)


async def handed_over(session: AsyncSession, births: Sequence[Claim]) -> dict[uuid.UUID, tuple[AfterBirth, dt.date]]:
    """For each maternity claim whose rest of leave a father's or caregiver's claim (not rejected) takes over: the
    event and its day, where her own leave ends (Art 53). One query for the batch."""
    if not births:
        return {}
    keys = {remaining_key(str(claim.person_id), claim.event_date): claim.id for claim in births}
    rows = await session.execute(
        select(Claim.event_key, Claim.details).where(
            Claim.kind == ClaimKind.REMAINING_MATERNITY.value,
            Claim.event_key.in_(list(keys)),
            Claim.state != ClaimState.REJECTED.value,
            Claim.withdrawn_evidence.is_(None),
        )
    )
    return {keys[key]: (AfterBirth(details["event"]), dt.date.fromisoformat(details["on"])) for key, details in rows}


async def mothers_leaves(session: AsyncSession, claims: Sequence[Claim]) -> dict[uuid.UUID, MothersLeave]:
    """For each claim for the rest of a mother's leave, her own leave once known (absent: not known yet, the claim
    waits): her maternity claim for the birth (not rejected) computed eligible gives its period, computed not
    eligible none; without such a claim, a mother who was not insured in the year before the birth had none, and
    an insured one's claim is awaited (her birth certificate opens it). Two or three queries for the batch."""
    if not claims:
        return {}
    wanted = {claim.id: (uuid.UUID(claim.details["mother_id"]), claim.details["born"]) for claim in claims}
    rows = await session.execute(
        select(Claim.person_id, Claim.details, Claim.eligible).where(
            Claim.person_id.in_({mother for mother, _ in wanted.values()}),
            Claim.kind == ClaimKind.MATERNITY.value,
            Claim.state != ClaimState.REJECTED.value,
            Claim.withdrawn_evidence.is_(None),
        )
    )
    births: dict[tuple[uuid.UUID, str], MothersLeave | None] = {}
    for mother, details, eligible in rows:
        if eligible is None:
            births[(mother, details["born"])] = None  # not computed yet
        elif eligible:
            # Her whole leave, as the birth gives it (her own computation stops where the rest is handed over)
            birth = from_json(ClaimKind.MATERNITY, details)
            assert isinstance(birth, BirthDetails)
            start = birth.leave_start or birth.born
            end = add_months(start, birth_leave_months(birth.birth())) - dt.timedelta(days=1)
            births[(mother, details["born"])] = MothersLeave(MotherLeave(start, end))
        else:
            births[(mother, details["born"])] = MothersLeave(None)
    found: dict[uuid.UUID, MothersLeave] = {}
    for claim_id, key in wanted.items():
        if key in births:
            if (leave := births[key]) is not None:
                found[claim_id] = leave
            continue
        mother, born = key
        if mother not in await insured_employers(session, {mother}, dt.date.fromisoformat(born)):
            found[claim_id] = MothersLeave(None)  # no maternity of her own to wait for
    return found


async def convalescence_after_births(session: AsyncSession, births: Sequence[Claim], *, now: dt.datetime) -> None:
    """A birth now known (its maternity claim computed): the same mothers' convalescence claims that were waiting
    for a birth to check their cause against are computed again."""
    if not births:
        return
    waiting = await session.scalars(
        select(Claim.id).where(
            Claim.person_id.in_({c.person_id for c in births}),
            Claim.kind == ClaimKind.CONVALESCENCE.value,
            Claim.state == ClaimState.EVIDENCE_PENDING.value,
        )
    )
    ids = list(waiting)
    if ids:
        await request_computation(session, ids, now=now)


async def recount_later(
    session: AsyncSession, recounted: Sequence[Claim], computed: set[uuid.UUID], *, now: dt.datetime
) -> None:
    """Days paid count against the yearly limit of the claims after them: when a claim's days change (a certificate
    arriving late, an amended one), the same person's later claims of that kind and year are computed again."""
    if not recounted:
        return
    earliest: dict[tuple[uuid.UUID, str, int], dt.date] = {}
    for claim in recounted:
        key = (claim.person_id, claim.kind, claim.event_date.year)
        earliest[key] = min(earliest.get(key, claim.event_date), claim.event_date)
    later = await session.execute(
        select(Claim.id, Claim.person_id, Claim.kind, Claim.event_date).where(
            Claim.person_id.in_({person_id for person_id, _, _ in earliest}),
            Claim.kind.in_(COUNTED_KINDS),
            Claim.state.in_([s.value for s in COUNTED]),
            Claim.id.not_in(computed),
        )
    )
    ids = [
        claim_id
        for claim_id, person_id, kind, day in later
        if day > earliest.get((person_id, kind, day.year), dt.date.max)
    ]
    if ids:
        await request_computation(session, ids, now=now)


async def _adjust(session: AsyncSession, claim: Claim, now: dt.datetime) -> dict[str, Any]:
    """A decided claim recomputed: its pending payment (unpaid) or the top-up or recovery of the difference to what
    was settled (paid) follows what is owed, for a processor to confirm (hub.claims.ledger)."""
    difference = await ledger.reconcile(session, claim, now=now)
    return states.change(claim, None, now, None, "recomputed", amount_vnd=claim.amount_vnd, difference_vnd=difference)


PREGNANCY_WEEKS = 42  # the longest pregnancy a certificate records (QĐ 4750 TUOI_THAI ≤ 42)


async def pregnancy_rests(session: AsyncSession, births: Sequence[Claim]) -> set[uuid.UUID]:
    """The maternity claims whose mother holds a current pregnancy-rest certificate (XML10) starting during the
    pregnancy (the 42 weeks before the birth): a doctor ordered rest, so 3 of the 12 months before the birth suffice
    with 12 months paid in all (2014 law Art 31(3), 2024 law Art 50). One query for the batch."""
    if not births:
        return set()
    certificates = await session.execute(
        select(Document.person_id, Document.fields).where(
            Document.person_id.in_({claim.person_id for claim in births}),
            Document.doc_type == PREGNANCY_REST,
            Document.state == DocumentState.CURRENT.value,
        )
    )
    starts: dict[uuid.UUID, list[dt.date]] = defaultdict(list)
    for person_id, fields in certificates:
        if (start := document_date(fields.get("TU_NGAY"))) is not None:
            starts[person_id].append(start)
    return {
        claim.id
        for claim in births
        if any(
            claim.event_date - dt.timedelta(weeks=PREGNANCY_WEEKS) <= start <= claim.event_date
            for start in starts.get(claim.person_id, [])
        )
    }


async def convalescence_evidence(
    session: AsyncSession, people: set[uuid.UUID]
) -> dict[uuid.UUID, ConvalescenceEvidence]:
    """For the people with a convalescence claim: their births, read from their birth certificates (XML9, current
    versions; twins' certificates give one birth) or, for a birth with no certificate, from their maternity claims;
    and the years of their sickness claims for a long-term disease (three queries)."""
    if not people:
        return {}
    certificates = await session.scalars(
        select(Document).where(
            Document.person_id.in_(people),
            Document.doc_type == BIRTH_CERTIFICATE,
            Document.state == DocumentState.CURRENT.value,
        )
    )
    births: dict[uuid.UUID, dict[dt.date, tuple[Birth, str, str]]] = defaultdict(dict)
    for document in certificates:
        read = details_of(document)
        if read is None or not isinstance(read[1], BirthDetails) or document.person_id is None:
            continue
        birth = read[1].birth()
        known = births[document.person_id].get(birth.date)
        if known is not None:  # another child's certificate of the same birth
            birth = Birth(birth.date, max(birth.children, known[0].children), birth.caesarean or known[0].caesarean)
        births[document.person_id][birth.date] = (birth, "giấy chứng sinh (XML9)", "birth certificate (XML9)")
    claims = await session.execute(
        select(Claim.person_id, Claim.kind, Claim.event_date, Claim.details, Claim.computation).where(
            Claim.person_id.in_(people),
            Claim.kind.in_([ClaimKind.MATERNITY.value, ClaimKind.SICKNESS.value]),
            Claim.state != ClaimState.REJECTED.value,
            Claim.withdrawn_evidence.is_(None),
        )
    )
    long_term: dict[uuid.UUID, set[int]] = defaultdict(set)
    sick_ends: dict[uuid.UUID, list[dt.date]] = defaultdict(list)
    maternity_leaves: dict[uuid.UUID, list[tuple[dt.date, dt.date]]] = defaultdict(list)
    for person_id, kind, day, details, computation in claims:
        claim_kind = ClaimKind(kind)
        ended = leave_end(claim_kind, details, computation)
        if kind == ClaimKind.SICKNESS.value:
            if details.get("long_term_disease"):
                long_term[person_id].add(day.year)
            if ended is not None:
                sick_ends[person_id].append(ended)
            continue
        if ended is not None:
            maternity_leaves[person_id].append((dt.date.fromisoformat(details["born"]), ended))
        birth_details = from_json(ClaimKind.MATERNITY, details)
        if isinstance(birth_details, BirthDetails) and birth_details.born not in births[person_id]:
            births[person_id][birth_details.born] = (birth_details.birth(), "hồ sơ thai sản", "maternity claim")
    return {
        person_id: ConvalescenceEvidence(
            tuple(births[person_id].values()),
            frozenset(long_term[person_id]),
            tuple(sick_ends[person_id]),
            tuple(maternity_leaves[person_id]),
        )
        for person_id in people
    }
