"""What happens to a case after it was sent: a BHXH officer decides a probable duplicate; the registry office
cancels a registration (entered in error, wrong authority) and the card is revoked with the reason; the office
where a child lives asks for the card of a child registered elsewhere.

A correction is the registration sent again with the same office, book and number: intake versions it and the
card is reissued (see intake.submit_registrations). An office may also send only what it corrects
(`amend_registration`): the same path, refused whole if the corrected record fails a check."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.audit.purpose import Purpose
from hub.audit.service import AuditEvent, JsonValue, record
from hub.catalogs.adminunits import Era, UnitLevel, admin_catalog
from hub.childcards.access import may_reissue, may_review, reaches
from hub.childcards.errors import ChildCardErrorCode as E
from hub.childcards.errors import childcard_error
from hub.childcards.events import change_state, change_states
from hub.childcards.intake import card_requested, create_child, known_mothers, submit_registrations
from hub.childcards.issuance import CardOrder, CaseRef, ChildRef, put_cards, queue_cards
from hub.childcards.loading import current_births
from hub.childcards.models import (
    CaseState,
    ChildCard,
    ChildCardCase,
    DeliveryMethod,
    ReviewItem,
    ReviewState,
)
from hub.childcards.outcomes import CARD_MOVED
from hub.childcards.records import BirthRecord
from hub.childcards.rules import GuardianRole
from hub.clients.permissions import JurisdictionLevel, Principal, Role
from hub.infra.errors import BusinessErrors
from hub.infra.text import clean_text
from hub.persons.identity import number_is_taken, person_by_identifier, record_number_change
from hub.persons.models import Gender, NumberChangeReason, Person
from hub.persons.service import IdentityCorrection, correct_identity


async def open_reviews(
    session: AsyncSession, *, now: dt.datetime, actor: Principal
) -> Sequence[tuple[ReviewItem, ChildCardCase, Person]]:
    """Probable duplicates waiting for a decision, in the officer's jurisdiction, oldest first; the candidates'
    records shown are audited."""
    actor.require(Role.CHILD_CARD_REVIEW)
    rows = await session.execute(
        select(ReviewItem, ChildCardCase, Person)
        .join(ChildCardCase, ChildCardCase.id == ReviewItem.case_id)
        .join(Person, Person.id == ReviewItem.candidate_person_id)
        .where(ReviewItem.state == ReviewState.OPEN.value)
        .order_by(ReviewItem.created_at)
    )
    visible = [(r, c, p) for r, c, p in rows if may_review(actor, c, p)]
    events = [
        AuditEvent("childcard.read_review", Purpose.CARD_ISSUANCE, p.id, {"case": c.reference}) for _, c, p in visible
    ]
    await record(session, now=now, actor=actor, events=events)
    return visible


async def decide_review(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, review_id: uuid.UUID, same_person: bool
) -> ChildCardCase:
    """Link the child to the existing person (same person) or record a new one; either way the card follows."""
    actor.require(Role.CHILD_CARD_REVIEW)
    review = await session.get(ReviewItem, review_id, with_for_update=True, populate_existing=True)
    case = await session.get(ChildCardCase, review.case_id, with_for_update=True) if review else None
    candidate = await session.get(Person, review.candidate_person_id) if review else None
    if review is None or case is None or not may_review(actor, case, candidate, note=True):
        raise BusinessErrors([childcard_error(E.REVIEW_UNKNOWN, field="id")])
    if review.state != ReviewState.OPEN.value or case.state != CaseState.NEEDS_REVIEW.value:
        raise BusinessErrors([childcard_error(E.REVIEW_ALREADY_DECIDED, field="id")])
    birth = await current_record(session, case)
    created: list[AuditEvent] = []
    if same_person:
        person = candidate
        assert person is not None
        if birth.child.personal_id_number and not person.personal_id_number:
            person.personal_id_number = birth.child.personal_id_number
    else:
        person = create_child(session.add, birth, now, created, await known_mothers(session, [birth]))
    review.state = (ReviewState.SAME_PERSON if same_person else ReviewState.DIFFERENT_PERSON).value
    review.decided_by_name, review.decided_at = actor.name, now
    case.person_id = person.id
    await change_states(session, [card_requested(case)], now)
    await queue_cards(session, [case], now)
    await record(
        session,
        now=now,
        actor=actor,
        events=[
            *created,
            AuditEvent(
                "childcard.decide_review",
                Purpose.CARD_ISSUANCE,
                person.id,
                {"case": case.reference, "same_person": same_person},
            ),
        ],
    )
    return case


@dataclass(frozen=True)
class Amendment:
    """What a registry office corrects on a registration it sent: each field given replaces the one on record;
    None leaves it as it was."""

    full_name: str | None = None
    date_of_birth: dt.date | None = None
    gender: Gender | None = None
    ethnicity_code: str | None = None
    personal_id_number: str | None = None
    facility_code: str | None = None
    guardian: GuardianRole | None = None
    delivery: DeliveryMethod | None = None
    delivery_address: str | None = None

    def applied_to(self, birth: BirthRecord) -> BirthRecord:
        child = _given(self, "full_name", "date_of_birth", "gender", "ethnicity_code", "personal_id_number")
        rest = _given(self, "facility_code", "guardian", "delivery", "delivery_address")
        return replace(birth, child=replace(birth.child, **child), **rest)


def _given(amendment: Amendment, *names: str) -> dict[str, Any]:
    return {name: value for name in names if (value := getattr(amendment, name)) is not None}


async def amend_registration(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, key: tuple[str, str, str], amendment: Amendment
) -> ChildCardCase:
    """Correct a registration sent earlier: the record on file with `amendment` applied goes through intake as a new
    version, and its card is reissued with the earlier one kept. A corrected record that fails a check is refused
    with every reason (BusinessErrors) and nothing changes: the case keeps its card."""
    case = await _sent_case(session, actor, key)
    corrected = amendment.applied_to(await current_record(session, case))
    number = amendment.personal_id_number
    if number and case.person_id is not None and await number_is_taken(session, number, case.person_id):
        raise BusinessErrors([childcard_error(E.ID_NUMBER_HELD_BY_ANOTHER, field="personalIdNumber", number=number)])
    (outcome,) = await submit_registrations(session, now=now, actor=actor, records=[corrected])
    if outcome.errors:
        raise BusinessErrors(outcome.errors)  # the caller's transaction rolls back: nothing was stored
    assert outcome.case is not None
    await _correct_child(session, outcome.case, amendment, corrected, now=now, actor=actor)
    return outcome.case


async def _correct_child(
    session: AsyncSession,
    case: ChildCardCase,
    amendment: Amendment,
    corrected: BirthRecord,
    *,
    now: dt.datetime,
    actor: Principal,
) -> None:
    """The child's person record as the amendment corrects it (name, date of birth, gender, ID number), so that
    later matching and cards use the corrected values; each change audited with its values before and after. A
    case still waiting for an officer has no child yet: the decision uses the corrected record. The ethnicity is
    kept on the registration's versions: a person has none."""
    if case.person_id is None:
        return
    person = await session.get(Person, case.person_id, with_for_update=True)
    assert person is not None
    child = corrected.child  # the amendment's values as intake read them (trimmed)
    correction = IdentityCorrection(
        full_name=child.full_name if amendment.full_name is not None else None,
        date_of_birth=child.date_of_birth if amendment.date_of_birth is not None else None,
        gender=child.gender if amendment.gender is not None else None,
        personal_id_number=child.personal_id_number if amendment.personal_id_number is not None else None,
    )
    audit: list[AuditEvent] = []
    details: dict[str, JsonValue] = {"case": case.reference, "version": case.version}
    held = person.personal_id_number
    if correct_identity(person, correction, now=now, purpose=Purpose.DATA_CORRECTION, audit=audit, details=details):
        if person.personal_id_number and person.personal_id_number != held:
            # An amended registration: the number was established in error (NĐ 70/2024 Art 11(11)).
            await record_number_change(
                session,
                person_id=person.id,
                old=held,
                new=person.personal_id_number,
                on=now.date(),
                reason=NumberChangeReason.REGISTRATION_ERROR,
                now=now,
            )
        await record(session, now=now, actor=actor, events=audit)


async def _sent_case(session: AsyncSession, actor: Principal, key: tuple[str, str, str]) -> ChildCardCase:
    """The case of a registration the actor's office sent, row-locked, unless it was cancelled."""
    actor.require(Role.BIRTH_REGISTRATION_SUBMIT)
    office, book, number = (clean_text(part) for part in key)  # as the intake stored them
    case = await session.scalar(
        select(ChildCardCase)
        .where(
            ChildCardCase.registry_office_code == office,
            ChildCardCase.book_number == book,
            ChildCardCase.record_number == number,
        )
        .with_for_update()
    )
    if case is None or not reaches(actor, case, Role.BIRTH_REGISTRATION_SUBMIT):
        raise BusinessErrors(
            [childcard_error(E.CASE_UNKNOWN, field="recordNumber", office=office, book=book, record=number)]
        )
    if case.state == CaseState.CARD_REVOKED.value:
        raise BusinessErrors([childcard_error(E.ALREADY_CANCELLED, field="recordNumber")])
    return case


async def cancel_registration(
    session: AsyncSession, *, now: dt.datetime, actor: Principal, key: tuple[str, str, str], reason: str
) -> ChildCardCase:
    """Cancel a registration: its card, if one was issued, is revoked with the reason, and no card follows."""
    case = await _sent_case(session, actor, key)
    if not reason.strip():
        raise BusinessErrors([childcard_error(E.REASON_REQUIRED, field="reason")])
    card = await session.scalar(
        select(ChildCard).where(
            ChildCard.case_id == case.id, ChildCard.superseded_at.is_(None), ChildCard.revoked_at.is_(None)
        )
    )
    if card is not None:
        card.revoked_at, card.revoke_reason = now, reason.strip()
    for review in (
        await session.scalars(
            select(ReviewItem).where(ReviewItem.case_id == case.id, ReviewItem.state == ReviewState.OPEN.value)
        )
    ).all():
        review.state, review.decided_by_name, review.decided_at = ReviewState.DIFFERENT_PERSON.value, actor.name, now
    details: dict[str, Any] = {"reason": reason.strip(), "card_number": card.card_number if card else None}
    if card is not None:
        details["version"] = card.version  # the revoked card, described to the registry
    await change_state(session, case, CaseState.CARD_REVOKED, now, details)
    await record(
        session,
        now=now,
        actor=actor,
        events=[AuditEvent("childcard.cancel", Purpose.CARD_ISSUANCE, case.person_id, {"case": case.reference})],
    )
    return case


async def current_record(session: AsyncSession, case: ChildCardCase) -> BirthRecord:
    return (await current_births(session, {case.id: case.version}))[case.id]


async def request_card_elsewhere(
    session: AsyncSession,
    *,
    now: dt.datetime,
    actor: Principal,
    personal_id_number: str | None = None,
    key: tuple[str, str, str] | None = None,
    delivery_address: str | None = None,
) -> tuple[ChildCardCase, ChildCard]:
    """A registry office where the child lives asks for the card of a child registered elsewhere (found by ID
    number, or by the original office + book + number): the card is reissued for delivery there."""
    actor.require(Role.BIRTH_REGISTRATION_SUBMIT)
    query = select(ChildCardCase).with_for_update()
    if key is not None:
        office, book, number = key
        query = query.where(
            ChildCardCase.registry_office_code == office,
            ChildCardCase.book_number == book,
            ChildCardCase.record_number == number,
        )
        unknown = childcard_error(E.CASE_UNKNOWN, field="recordNumber", office=office, book=book, record=number)
    elif personal_id_number:
        # The child's ID number as registered, or whatever names the child now: its current or a cancelled ID
        # number, its BHXH code or card number (BHXH uses the ID number in place of the code from 1/8/2025).
        named = await person_by_identifier(session, personal_id_number)
        condition = ChildCardCase.child_personal_id == personal_id_number
        if named is not None:
            condition = or_(condition, ChildCardCase.person_id == named.id)
        query = query.where(condition).order_by(ChildCardCase.received_at.desc()).limit(1)
        unknown = childcard_error(E.CHILD_UNKNOWN, field="personalIdNumber", number=personal_id_number)
    else:
        raise BusinessErrors([childcard_error(E.CHILD_UNKNOWN, field="personalIdNumber", number="")])
    case = await session.scalar(query)
    person = await session.get(Person, case.person_id) if case and case.person_id else None
    if case is None or not may_reissue(actor, case, person):
        raise BusinessErrors([unknown])  # a child outside the office's reach is answered as unknown
    if case.state not in (CaseState.CARD_ISSUED.value, CaseState.CARD_CHANGED.value):
        raise BusinessErrors(
            [childcard_error(E.NO_CARD_YET, field="reference", reference=case.reference, state=case.state)]
        )
    assert person is not None  # a case with a card has its child
    delivery, details = _delivery_for(actor, case, delivery_address)
    order = CardOrder(
        CaseRef(case.id, case.reference, case.province_code),
        await current_record(session, case),
        ChildRef(person.id, person.bhxh_code, person.address),
        delivery,
        {"requested_by": actor.name, **details},
    )
    (card,) = await put_cards(session, [order], now, actor=actor)
    await session.refresh(case)  # its new state, written by put_cards
    return case, card


def _delivery_for(
    actor: Principal, case: ChildCardCase, address: str | None
) -> tuple[tuple[DeliveryMethod, str], dict[str, str]]:
    """Where a card asked for by `actor` goes: posted to `address`, or collected at the asking office, which needs an
    office of its own (a commune's people's committee): a province's or the nation's client gives an address. With
    it, what the case event tells the registry: the delivery, the asking office and province, and `change`
    card_moved when that is another office than the one that registered the child."""
    jurisdiction = actor.jurisdiction
    office = admin_catalog().get(UnitLevel.COMMUNE, jurisdiction.code or "", Era.CURRENT)
    if jurisdiction.level is not JurisdictionLevel.COMMUNE:
        office = None
    if address and address.strip():
        delivery = (DeliveryMethod.BY_POST, address.strip())
    elif office is not None:
        delivery = (DeliveryMethod.AT_OFFICE, f"UBND {office.name}")
    else:
        raise BusinessErrors([childcard_error(E.DELIVERY_ADDRESS_REQUIRED, field="deliveryAddress")])
    details = {"delivery_method": delivery[0].value, "delivery_address": delivery[1]}
    if office is not None:
        details |= {"delivery_office": office.code, "delivery_province": office.province_code}
        moved = office.code not in (case.registry_office_code, case.commune_code)
    elif jurisdiction.level is JurisdictionLevel.PROVINCE and jurisdiction.code:
        details["delivery_province"] = jurisdiction.code
        moved = jurisdiction.code != case.province_code
    else:
        moved = False
    if moved:
        details["change"] = CARD_MOVED
    return delivery, details
