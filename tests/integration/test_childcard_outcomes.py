"""Issue 18, on both backends: every state change the registry needs is pushed to it: the ID number attached later,
a revocation with its reason, a card moved to another province; each outcome as the hub builds it, then through the
registry's simulator over HTTP."""

from __future__ import annotations

from sqlalchemy import select, update

from connectors.civil_registry import (
    Acknowledgement,
    CaseOutcome,
    Change,
    CivilRegistryClient,
    Delivery,
    DeliveryMethod,
)
from connectors.simulators.civil_registry import create_civil_registry_simulator
from connectors.simulators.serve import running
from hub.childcards.events import record_id_number_attached
from hub.childcards.models import CaseEvent, ChildCardCase
from hub.childcards.outcomes import PushOutcomes, outcomes_to_push
from hub.persons.id_numbers import compose_personal_id
from hub.persons.models import Gender, Person
from signing.detached import MessageSigner
from tests.conftest import hub_certificate, hub_signing_identity
from tests.helpers import graphql_data
from tests.integration.test_childcards import (
    CANCEL,
    CHILD_ID,
    REQUEST,
    birth,
    case_when,
    office,  # noqa: F401  (a fixture)
    submit,
)

LATE_ID = compose_personal_id("48", Gender.MALE, 2026, 6130)


async def outcomes(hub, reference: str) -> list[CaseOutcome]:
    """The outcomes the hub sends the registry for the case's events, oldest first."""
    async with hub[1].services.db.sessions() as session:
        query = select(CaseEvent.id).join(ChildCardCase).where(ChildCardCase.reference == reference)
        ids = (await session.scalars(query.order_by(CaseEvent.id))).all()
        batch = await outcomes_to_push(session, PushOutcomes(list(ids)))
    assert batch is not None
    return batch.outcomes


async def through_the_registry(sent: list[CaseOutcome]) -> list[CaseOutcome]:
    """`sent` pushed to the registry's simulator, and read back from it."""

    app = create_civil_registry_simulator(hub_certificate=hub_certificate())
    with running(app) as url:
        async with CivilRegistryClient(url, signer=MessageSigner(hub_signing_identity())) as registry:
            results = await registry.push_outcomes(sent)
            assert all(isinstance(r, Acknowledgement) for r in results)
            received = await registry.list_outcomes()
    return [r.outcome for r in received]


async def test_a_revocation_reaches_the_registry_with_its_reason_and_card(hub, office):  # noqa: F811
    client, _ = hub
    (result,) = (await submit(client, office, birth()))["results"]
    issued = await case_when(client, office, result["caseReference"], "CARD_ISSUED")
    key = {"office": "20242", "book": "01/2026", "record": "15", "reason": "Đăng ký sai thẩm quyền"}
    await graphql_data(client, CANCEL, key, token=office["ubnd-hai-chau"])
    revoked = (await outcomes(hub, result["caseReference"]))[-1]
    assert revoked.state.value == "card_revoked" and revoked.change is Change.STATE
    (reason,) = revoked.reasons
    assert reason.code == "REGISTRATION_CANCELLED"
    assert reason.message_vi == "Đăng ký khai sinh đã bị hủy: Đăng ký sai thẩm quyền"
    assert reason.message_en == "The birth registration was cancelled: Đăng ký sai thẩm quyền"
    assert revoked.card is not None and revoked.card.number == issued["card"]["cardNumber"]
    assert (await through_the_registry([revoked])) == [revoked]


async def test_a_card_moved_to_another_province_reaches_the_registry(hub, office):  # noqa: F811
    client, _ = hub
    (result,) = (await submit(client, office, birth()))["results"]
    await case_when(client, office, result["caseReference"], "CARD_ISSUED")
    async with hub[1].services.db.transaction() as session:  # the family moved to Ba Đình, Hà Nội
        await session.execute(
            update(Person).where(Person.personal_id_number == CHILD_ID).values(province_code="01", commune_code="00004")
        )
    asked = (await graphql_data(client, REQUEST, {"id": CHILD_ID}, token=office["ubnd-ba-dinh"]))["requestChildCard"]
    assert asked["errors"] == [] and asked["cardVersion"] == 2
    sent = await outcomes(hub, result["caseReference"])
    moved = sent[-1]
    assert (moved.state.value, moved.change) == ("card_changed", Change.CARD_MOVED)
    assert moved.card is not None and moved.card.number == asked["cardNumber"]
    assert moved.delivery == Delivery(DeliveryMethod.AT_OFFICE, asked["deliveryAddress"], "00004", "01")
    # The registering office's own outcomes say nothing of a move
    assert [(o.state.value, o.change, o.delivery) for o in sent[:-1]] == [
        ("received", Change.STATE, None),
        ("card_issued", Change.STATE, None),
    ]
    assert (await through_the_registry(sent))[-1] == moved


async def test_an_id_number_attached_later_reaches_the_registry(hub, office, clock):  # noqa: F811
    client, _ = hub
    (result,) = (await submit(client, office, birth(**{"child.personalIdNumber": None})))["results"]
    issued = await case_when(client, office, result["caseReference"], "CARD_ISSUED")
    # When the population check attaches the number (hub.childcards.population.store_answers, which calls this)
    async with hub[1].services.db.transaction() as session:
        case = await session.scalar(select(ChildCardCase).where(ChildCardCase.reference == result["caseReference"]))
        assert case is not None
        case.child_personal_id = LATE_ID
        await session.flush()
        (event_id,) = await record_id_number_attached(session, [case.id], clock.now())
    attached = (await outcomes(hub, result["caseReference"]))[-1]
    assert attached.event_id.endswith(f"-{event_id}")
    assert (attached.state.value, attached.change, attached.child_personal_id) == (
        "card_issued",
        Change.PERSONAL_ID_ATTACHED,
        LATE_ID,
    )
    assert attached.card is not None and attached.card.number == issued["card"]["cardNumber"]
    # The case keeps its state; its history shows the number
    case_now = await case_when(client, office, result["caseReference"], "CARD_ISSUED")
    assert [h["state"] for h in case_now["history"]] == ["RECEIVED", "CARD_ISSUED", "CARD_ISSUED"]
    assert (await through_the_registry([attached])) == [attached]
