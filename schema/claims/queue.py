"""GraphQL reads of claims: the processors' work queue, one claim with evidence and history, the portal's status."""

from __future__ import annotations

import datetime as dt
import uuid

import strawberry

from hub.claims.letters import refusal_letter
from hub.claims.models import Claim, ClaimKind, ClaimState
from hub.claims.queries import ClaimFilter, Due, QueuePosition, case_status, queue_position, read_claim, search_claims
from hub.claims.rules.inputs import ContributionKind
from hub.claims.usage import ClaimUsage, claim_usage
from hub.clients.permissions import Role
from hub.documents.models import Document, DocumentState
from hub.documents.queries import DocumentFilter, search_documents
from hub.infra.errors import InvalidRequest
from schema.claims.types import CaseStatus, ClaimEventType, ClaimType, PaymentOrderType, asks_for_explanation, today
from schema.context import Info, read, write
from schema.documents.types import DocumentType
from schema.ids import parse_uuid
from schema.pagination import PageInfo, decode_cursor, encode_cursor, page_info

CURSOR_KIND = "claim-due"  # a position in the queue's order: due date, id
MAX_SEARCH = 200


strawberry.enum(Due, name="ClaimDue")


@strawberry.input
class ClaimFilterInput:
    kinds: list[ClaimKind] | None = None
    states: list[ClaimState] | None = strawberry.field(
        default=None,
        description="Without states (nor needsConfirmation): the work waiting, EVIDENCE_PENDING and COMPUTED.",
    )
    province_code: str | None = None
    overdue: bool = strawberry.field(default=False, description="Past BHXH's settlement deadline, still waiting.")
    due: Due | None = strawberry.field(
        default=None, description="Waiting work due today, by the end of this week (Sunday), or overdue."
    )
    needs_confirmation: bool = strawberry.field(
        default=False, description="A recalculation changed an approved amount."
    )
    person_id: strawberry.ID | None = None
    mine: bool = strawberry.field(default=False, description="The claims you took.")
    unassigned: bool = strawberry.field(default=False, description="The claims nobody took.")
    search: str | None = strawberry.field(
        default=None,
        description="A claim reference, a personal identification number (12 digits), a BHXH code (10 digits), or "
        "the start of a name, with or without diacritics (among the work waiting unless states are given).",
    )

    def to_filter(self) -> ClaimFilter:
        if self.search is not None and len(self.search) > MAX_SEARCH:
            raise InvalidRequest(f"search: at most {MAX_SEARCH} characters.")
        return ClaimFilter(
            kinds=tuple(self.kinds or ()),
            states=tuple(self.states or ()),
            province_code=self.province_code,
            overdue=self.overdue,
            due=self.due,
            needs_confirmation=self.needs_confirmation,
            person_id=parse_uuid(self.person_id) if self.person_id else None,
            mine=self.mine,
            unassigned=self.unassigned,
            search=self.search,
        )


@strawberry.type
class ClaimEdge:
    cursor: str
    node: ClaimType


@strawberry.type
class ClaimConnection:
    total_count: int
    edges: list[ClaimEdge]
    page_info: PageInfo


@strawberry.type
class EvidenceMetadata:
    """What a document the claim was computed from is, without its content: every reader of the claim sees it."""

    id: strawberry.ID
    issuer: str = strawberry.field(description="The signing party: facility:48001, civil-registry:…, …")
    doc_type: str
    number: str
    version: int
    state: DocumentState
    issued_on: dt.date | None
    received_at: dt.datetime

    @classmethod
    def of(cls, document: Document) -> EvidenceMetadata:
        return cls(
            id=strawberry.ID(str(document.id)),
            issuer=document.issuer,
            doc_type=document.doc_type,
            number=document.number,
            version=document.version,
            state=DocumentState(document.state),
            issued_on=document.issued_on,
            received_at=document.received_at,
        )


@strawberry.type
class RefusalLetterType:
    reference: str
    file_name: str
    xml: str = strawberry.field(
        description="The letter as XML signed by the hub (enveloped XMLDSig in CHUKYDONVI), in Vietnamese: the "
        "claim, the person, the employer, the dates, the reasons, the legal basis and the right to complain."
    )


@strawberry.type
class ContributionMonthType:
    month: dt.date = strawberry.field(description="The month's first day.")
    salary_vnd: int
    compulsory: bool
    work_type: str


@strawberry.type
class DaysUsedType:
    kind: ClaimKind
    child: str | None = strawberry.field(description="Child care: the child the days count for (per child).")
    days: float = strawberry.field(description="Days counted by the person's other claims computed or decided.")


@strawberry.type
class ClaimUsageType:
    """The months and days a claim is weighed against."""

    months12: list[ContributionMonthType] = strawberry.field(
        description="Months contributed in the 12 before the event's month, oldest first, with each month's salary."
    )
    months24: list[ContributionMonthType] = strawberry.field(description="The same in the 24 months before it.")
    days_used_this_year: list[DaysUsedType] = strawberry.field(
        description="Days of each yearly-limited benefit (sickness, child care per child, convalescence) already "
        "counted in the event's calendar year, this claim's own excepted."
    )

    @classmethod
    def of(cls, usage: ClaimUsage) -> ClaimUsageType:
        def months(length: int) -> list[ContributionMonthType]:
            return [
                ContributionMonthType(
                    month=m.month.first_day,
                    salary_vnd=m.salary_vnd,
                    compulsory=m.kind is ContributionKind.COMPULSORY,
                    work_type=m.work_type.value,
                )
                for m in usage.in_window(length)
            ]

        return cls(
            months12=months(12),
            months24=months(24),
            days_used_this_year=[
                DaysUsedType(kind=ClaimKind(u.kind), child=u.child or None, days=float(u.days)) for u in usage.days_used
            ],
        )


@strawberry.type
class ClaimDetail:
    claim: ClaimType
    history: list[ClaimEventType]
    payments: list[PaymentOrderType]
    evidence_metadata: list[EvidenceMetadata] = strawberry.field(
        description="The documents the claim was computed from: what they are, not what they say."
    )
    evidence: list[DocumentType] | None = strawberry.field(
        description="The same documents with their content (audited); null for a caller who may not read documents "
        "(an employer, the insured person)."
    )
    usage: ClaimUsageType | None = strawberry.field(
        description="Contribution months in the 12- and 24-month windows and the days already used this year; null "
        "for a caller who may not read persons."
    )


@strawberry.type
class ClaimQuery:
    @strawberry.field(
        description="The work queue within your jurisdiction, by due date (a claim not yet due last), with the total."
    )
    async def claims(
        self, info: Info, filter: ClaimFilterInput | None = None, first: int = 50, after: str | None = None
    ) -> ClaimConnection:
        where = filter.to_filter() if filter else ClaimFilter()
        start = _decode(after) if after else None
        explained = asks_for_explanation(info)
        page = await write(
            info,
            lambda s, now, actor: search_claims(
                s, now=now, actor=actor, where=where, first=first, after=start, explained=explained
            ),
        )
        day = today(info)
        edges = [ClaimEdge(cursor=_cursor(c), node=ClaimType.of(c, today=day)) for c in page.claims]
        return ClaimConnection(
            total_count=page.total, edges=edges, page_info=page_info([e.cursor for e in edges], page.has_next)
        )

    @strawberry.field(description="One claim with its computation, history, payments and evidence (audited).")
    async def claim(self, info: Info, reference: str) -> ClaimDetail:
        explained = asks_for_explanation(info)
        view = await write(
            info, lambda s, now, actor: read_claim(s, now=now, actor=actor, reference=reference, explained=explained)
        )
        evidence = await _evidence(info, view.document_ids) if info.context.principal.may(Role.DOCUMENT_READ) else None
        usage = None
        if info.context.principal.may(Role.PERSON_READ):
            usage = ClaimUsageType.of(await read(info, lambda s: claim_usage(s, view.claim)))
        return ClaimDetail(
            claim=ClaimType.of(view.claim, today=today(info)),
            history=[ClaimEventType.of(e) for e in view.events],
            payments=[PaymentOrderType.of(p) for p in view.payments],
            evidence_metadata=[EvidenceMetadata.of(d) for d in view.evidence],
            evidence=evidence,
            usage=usage,
        )

    @strawberry.field(
        description="The refusal letter of a rejected claim, signed by the hub, for the insured person, their "
        "employer and the processors of the claim's province (audited; NOT_REFUSED for a claim not rejected)."
    )
    async def refusal_letter(self, info: Info, reference: str) -> RefusalLetterType:
        identity = info.context.services.intake.identity
        letter = await write(
            info,
            lambda s, now, actor: refusal_letter(s, now=now, actor=actor, reference=reference, identity=identity),
        )
        return RefusalLetterType(reference=letter.reference, file_name=letter.file_name, xml=letter.xml.decode("utf-8"))

    @strawberry.field(description="For the national service portal: a case's state, dates and amounts by reference.")
    async def case_status(self, info: Info, reference: str) -> CaseStatus:
        claim = await write(info, lambda s, now, actor: case_status(s, now=now, actor=actor, reference=reference))
        return CaseStatus.of(claim, today=today(info))


def _cursor(claim: Claim) -> str:
    due, claim_id = queue_position(claim)
    return encode_cursor(CURSOR_KIND, due.isoformat() if due else "", str(claim_id))


def _decode(cursor: str) -> QueuePosition:
    due, claim_id = decode_cursor(CURSOR_KIND, cursor, 2)
    try:
        return dt.date.fromisoformat(due) if due else None, uuid.UUID(claim_id)
    except ValueError:
        raise InvalidRequest("Malformed cursor.") from None


async def _evidence(info: Info, document_ids: list[uuid.UUID]) -> list[DocumentType]:
    """The claim's documents with their content, read (and audited) as any document read is."""
    if not document_ids:
        return []
    where = DocumentFilter(ids=tuple(document_ids), current_only=False)
    page = await write(info, lambda s, now, actor: search_documents(s, now=now, actor=actor, where=where, first=200))
    return [DocumentType.of(d) for d in page.documents]
