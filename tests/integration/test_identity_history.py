"""A person named by ID number or BHXH code, and by a number since cancelled (NĐ 70/2024 Art 11), on both backends."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from devkit.qd4750_samples import MOTHER, SUMMARY
from hub.claims.details import SicknessDetails
from hub.claims.filing import Filing, _people
from hub.claims.models import ClaimKind
from hub.clients.permissions import ClientKind, Principal, Role
from hub.documents.linking import PersonIndex, Subject
from hub.documents.models import Document
from hub.infra.errors import BusinessError
from hub.persons.identity import identity_history, people_by_identifiers
from hub.persons.models import Gender, NumberChangeReason
from hub.persons.service import change_personal_id
from tests.helpers import make_client, make_person
from tests.integration.documents_kit import signed_envelope
from tests.integration.test_documents import documents, submit, world  # noqa: F401  (the fixture)

OLD = "048192001234"  # the number the sample documents name (MOTHER, SUMMARY)
NEW = "048192007777"
CODE = "4819200123"


async def _cancel_and_reestablish(state: Any, clock: Any, person_id: uuid.UUID, signer: Any) -> Principal:
    operator, _ = await make_client(
        state.services.db,
        signer,
        clock,
        "supervisor-id",
        ClientKind.SUPERVISOR,
        "province:48",
        roles=frozenset({Role.PERSON_READ, Role.PERSON_WRITE}),
    )
    await _renumber(state.services.db, clock, operator, person_id)
    return operator


async def _renumber(
    db: Any,
    clock: Any,
    operator: Principal,
    person_id: uuid.UUID,
    number: str = NEW,
    reason: NumberChangeReason = NumberChangeReason.BIRTH_YEAR_CORRECTED,
    on: dt.date = dt.date(2026, 11, 2),
) -> None:
    async with db.transaction() as session:
        await change_personal_id(
            session, now=clock.now(), actor=operator, person_id=person_id, new_number=number, reason=reason, on=on
        )


async def test_a_document_naming_a_cancelled_number_links_to_the_person(hub, world, clock, signer):  # noqa: F811
    client, state = hub
    tokens, _ = world
    mother = await make_person(
        state.services.db, clock, commune="20194", province="48", name="Nguyễn Thị Lan", personal_id_number=OLD
    )
    await _cancel_and_reestablish(state, clock, mother.id, signer)
    await submit(client, tokens["bv-48001"], signed_envelope())
    found = {(d["docType"], d["number"]): d for d in await documents(client, tokens["bv-48001"])}
    for key in (("XML1", MOTHER.ma_lk), ("XML8", SUMMARY.ma_lk)):
        assert found[key]["personId"] == str(mother.id) and found[key]["linkState"] == "LINKED"
    async with state.services.db.sessions() as session:
        history = await identity_history(session, mother.id)
        linked = (await session.scalars(select(Document.id).where(Document.person_id == mother.id))).all()
    assert [(h.number, h.cancelled_on, h.reason) for h in history] == [
        (OLD, dt.date(2026, 11, 2), "birth_year_corrected"),
        (NEW, None, None),
    ]
    assert linked


async def test_filing_by_bhxh_code_or_any_id_number_finds_the_same_person(hub, clock, signer):
    _, state = hub
    db = state.services.db
    person = await make_person(
        db, clock, commune="20194", province="48", gender=Gender.FEMALE, personal_id_number=OLD, bhxh_code=CODE
    )
    other = await make_person(db, clock, commune="20194", province="48", name="Trần Văn Bình", bhxh_code="4819200999")
    operator = await _cancel_and_reestablish(state, clock, person.id, signer)
    details = SicknessDetails.__new__(SicknessDetails)  # _people reads only who is named
    filings = [
        Filing(ClaimKind.SICKNESS, details, personal_id=NEW),
        Filing(ClaimKind.SICKNESS, details, personal_id=OLD),  # cancelled: still her
        Filing(ClaimKind.SICKNESS, details, bhxh_code=CODE),
        Filing(ClaimKind.SICKNESS, details, personal_id=CODE),  # a BHXH code in the ID field: read by its length
        Filing(ClaimKind.SICKNESS, details, bhxh_code=NEW),  # the ID number in place of the BHXH code (from 1/8/2025)
        Filing(ClaimKind.SICKNESS, details, personal_id="048192000000"),
    ]
    async with db.sessions() as session:
        people = await _people(session, filings)
        assert [p.id if p else None for p in people] == [person.id] * 5 + [None]
        cards = await people_by_identifiers(session, [f"GD448{CODE}", "4819200999"])
        assert {k: p.id for k, p in cards.items()} == {f"GD448{CODE}": person.id, "4819200999": other.id}
    # A cancelled number is never reissued: giving it to someone else is refused
    with pytest.raises(BusinessError) as refused:
        await _renumber(db, clock, operator, other.id, OLD, NumberChangeReason.REGISTRATION_ERROR, dt.date(2026, 11, 3))
    assert refused.value.code == "ID_NUMBER_TAKEN"


async def test_one_look_up_finds_people_by_number_code_and_cancelled_number(db, clock, signer):
    """PersonIndex.load: the current ID number decides before a cancelled one, then the BHXH code or card number."""
    lan = await make_person(db, clock, commune="20194", province="48", name="Nguyễn Thị Lan", personal_id_number=OLD)
    operator, _ = await make_client(
        db, signer, clock, "supervisor-ix", ClientKind.SUPERVISOR, "province:48", roles=frozenset({Role.PERSON_WRITE})
    )
    await _renumber(db, clock, operator, lan.id)
    an = await make_person(db, clock, commune="20194", province="48", bhxh_code=CODE)
    by_old, by_new = Subject(personal_id=OLD), Subject(personal_id=NEW)
    by_card, unknown = Subject(card_number=f"GD4{CODE[:2]}{CODE}"), Subject(personal_id="048192000000")
    both = Subject(personal_id=NEW, bhxh_code=CODE)
    async with db.transaction() as session:
        people = await PersonIndex.load(session, [by_old, by_new, by_card, unknown, both])
        nobody = await PersonIndex.load(session, [unknown, Subject()])
    assert [people.person_of(s) for s in (by_old, by_new, by_card, unknown, both)] == [
        lan.id,
        lan.id,
        an.id,
        None,
        lan.id,
    ]
    assert nobody.person_of(unknown) is None
