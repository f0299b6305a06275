"""Client of the civil-status software (phần mềm đăng ký, quản lý hộ tịch) on the registry side: the hub pushes the
outcome of each birth-registration case back to the registry office that sent it.

    POST /v1/outcomes   an outcome (below)  → 201 (first time) or 200 (a repeat) {"event_id": ..., "received_at": ...}
    {"event_id": "…", "office_code": "…", "book_number": "01/2026", "record_number": "123",
     "case_reference": "…", "state": "card_issued", "changed_at": "2026-11-02T03:00:00+00:00",
     "card": {"number": "TE1790123456789", "valid_from": "2026-10-01", "valid_to": "2032-09-30"} | null,
     "reasons": [{"code": "…", "message_vi": "…", "message_en": "…"}],
     "change": "personal_id_attached" | "card_moved",                   (absent: "state", a change of state)
     "child_personal_id": "048226004512",                               (absent: none attached by this outcome)
     "delivery": {"method": "at_office" | "by_post", "address": "…" | null,
                  "office_code": "20209" | null, "province_code": "48" | null}}  (absent: as the office chose)
    POST /v1/outcomes/batch   {"outcomes": [outcome, …]} (at most 1,000, any offices) → 200
         {"results": [{"event_id": …, "received_at": …} | {"event_id": …, "refused": {"code": …, "reason": …}}]}
         one result per outcome, in the order sent; a malformed body refuses the whole batch (400)
    GET /v1/outcomes?office=…&case=…   → 200 {"outcomes": [{...outcome, "received_at": ...}]}, oldest first

The last three fields came later: an outcome without them is read as before, and the hub leaves out each one it
does not use, so an outcome that needs none of them is sent exactly as it was. `change` says what an outcome
reports besides its state: `personal_id_attached`, the child's personal identification number found later by the
population database (`child_personal_id`; the state is the case's, unchanged); `card_moved`, the card reissued for
delivery by another office, maybe in another province (`delivery`). A revocation carries the reason the office gave
(code `REGISTRATION_CANCELLED`) and, when a card was in force, that card.

The receiver deduplicates on `event_id`: pushing the same event again returns the first acknowledgement, so a push
can be retried until acknowledged. The civil-status software is one national system serving every office, so the
hub sends the outcomes of many offices in one batch.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass

from connectors import PermanentError
from connectors.http import JsonHttpClient
from connectors.wire import JsonObject, require_aware, require_personal_id, utc_text

OUTCOMES_PATH = "/v1/outcomes"
OUTCOMES_BATCH_PATH = "/v1/outcomes/batch"
MAX_ID_LENGTH = 100
MAX_BATCH = 1000


class CaseState(enum.StrEnum):
    RECEIVED = "received"
    CARD_ISSUED = "card_issued"
    REJECTED = "rejected"
    NEEDS_REVIEW = "needs_review"
    CARD_CHANGED = "card_changed"
    CARD_REVOKED = "card_revoked"


class Change(enum.StrEnum):
    """What an outcome reports besides the case's state."""

    STATE = "state"  # a change of state, nothing more (every outcome before this field existed)
    PERSONAL_ID_ATTACHED = "personal_id_attached"  # the child's ID number, found later; the state is unchanged
    CARD_MOVED = "card_moved"  # the card reissued for delivery by another office (another province maybe)


class DeliveryMethod(enum.StrEnum):
    AT_OFFICE = "at_office"
    BY_POST = "by_post"


# States after which the case has a card the outcome must describe.
STATES_WITH_CARD = frozenset({CaseState.CARD_ISSUED, CaseState.CARD_CHANGED})


@dataclass(frozen=True)
class Card:
    """The child's health-insurance card (thẻ BHYT): 15-character number and validity, both ends included."""

    number: str
    valid_from: dt.date
    valid_to: dt.date

    def __post_init__(self) -> None:
        if not self.number.strip():
            raise ValueError("card number must not be empty")
        if self.valid_to < self.valid_from:
            raise ValueError("card valid_to is before valid_from")

    def to_json(self) -> dict[str, object]:
        return {"number": self.number, "valid_from": self.valid_from.isoformat(), "valid_to": self.valid_to.isoformat()}

    @classmethod
    def from_fields(cls, fields: JsonObject) -> Card:
        return cls(fields.text("number", max_length=20), fields.date("valid_from"), fields.date("valid_to"))


@dataclass(frozen=True)
class Reason:
    """Why a record was rejected (or a card revoked): a code from the hub's enum, in Vietnamese and English."""

    code: str
    message_vi: str
    message_en: str

    def __post_init__(self) -> None:
        if not (self.code.strip() and self.message_vi.strip() and self.message_en.strip()):
            raise ValueError("a reason needs a code and both messages")

    def to_json(self) -> dict[str, object]:
        return {"code": self.code, "message_vi": self.message_vi, "message_en": self.message_en}

    @classmethod
    def from_fields(cls, fields: JsonObject) -> Reason:
        return cls(
            fields.text("code", max_length=MAX_ID_LENGTH),
            fields.text("message_vi", max_length=1000),
            fields.text("message_en", max_length=1000),
        )


@dataclass(frozen=True)
class Delivery:
    """Where a reissued card goes: collected at an office, or posted to `address`; `office_code` (a commune) and
    `province_code` name the office that asked for it, when known."""

    method: DeliveryMethod
    address: str | None = None
    office_code: str | None = None
    province_code: str | None = None

    def __post_init__(self) -> None:
        if self.method is DeliveryMethod.BY_POST and not (self.address and self.address.strip()):
            raise ValueError("a delivery by post needs an address")

    def to_json(self) -> dict[str, object]:
        return {
            "method": self.method.value,
            "address": self.address,
            "office_code": self.office_code,
            "province_code": self.province_code,
        }

    @classmethod
    def from_fields(cls, fields: JsonObject) -> Delivery:
        return cls(
            fields.choice("method", DeliveryMethod),
            _optional_text(fields, "address", 500),
            _optional_text(fields, "office_code", MAX_ID_LENGTH),
            _optional_text(fields, "province_code", MAX_ID_LENGTH),
        )


def _optional_text(fields: JsonObject, name: str, max_length: int) -> str | None:
    return fields.text(name, max_length=max_length) if fields.has(name) else None


@dataclass(frozen=True)
class CaseOutcome:
    """One state change of a case, as the registry office sees it. The registration is identified the registry's
    way: office code, book number (quyển số) and record number (số); `case_reference` is the hub's.

    `card` is required when a card is issued or changed and may describe the revoked card; `reasons` are required
    when rejected and may explain a review or a revocation. `change`, `child_personal_id` and `delivery`: see the
    module's documentation; each is sent only when set."""

    event_id: str
    office_code: str
    book_number: str
    record_number: str
    case_reference: str
    state: CaseState
    changed_at: dt.datetime
    card: Card | None = None
    reasons: tuple[Reason, ...] = ()
    change: Change = Change.STATE
    child_personal_id: str | None = None
    delivery: Delivery | None = None

    def __post_init__(self) -> None:
        for name in ("event_id", "office_code", "book_number", "record_number", "case_reference"):
            value: str = getattr(self, name)
            if not value.strip() or len(value) > MAX_ID_LENGTH:
                raise ValueError(f"{name} must be non-empty and at most {MAX_ID_LENGTH} characters")
        require_aware(self.changed_at, "changed_at")
        if self.state in STATES_WITH_CARD and self.card is None:
            raise ValueError(f"an outcome in state {self.state} needs the card")
        if self.state is CaseState.REJECTED and not self.reasons:
            raise ValueError("a rejected outcome needs its reasons")
        if self.child_personal_id is not None:
            require_personal_id(self.child_personal_id, "child_personal_id")
        if self.change is Change.PERSONAL_ID_ATTACHED and self.child_personal_id is None:
            raise ValueError("an outcome attaching a personal identification number needs it")
        if self.change is Change.CARD_MOVED and (self.delivery is None or self.state not in STATES_WITH_CARD):
            raise ValueError("a moved card needs its card and its delivery")

    def to_json(self) -> dict[str, object]:
        added: dict[str, object] = {}  # left out when unset: such an outcome is sent exactly as before they existed
        if self.change is not Change.STATE:
            added["change"] = self.change.value
        if self.child_personal_id is not None:
            added["child_personal_id"] = self.child_personal_id
        if self.delivery is not None:
            added["delivery"] = self.delivery.to_json()
        return {
            "event_id": self.event_id,
            "office_code": self.office_code,
            "book_number": self.book_number,
            "record_number": self.record_number,
            "case_reference": self.case_reference,
            "state": self.state.value,
            "changed_at": utc_text(self.changed_at),
            "card": None if self.card is None else self.card.to_json(),
            "reasons": [reason.to_json() for reason in self.reasons],
            **added,
        }

    @classmethod
    def from_json(cls, value: object) -> CaseOutcome:
        return cls.from_fields(JsonObject(value))

    @classmethod
    def from_fields(cls, fields: JsonObject) -> CaseOutcome:
        card = fields.optional_obj("card")
        delivery = fields.optional_obj("delivery")
        return cls(
            event_id=fields.text("event_id", max_length=MAX_ID_LENGTH),
            office_code=fields.text("office_code", max_length=MAX_ID_LENGTH),
            book_number=fields.text("book_number", max_length=MAX_ID_LENGTH),
            record_number=fields.text("record_number", max_length=MAX_ID_LENGTH),
            case_reference=fields.text("case_reference", max_length=MAX_ID_LENGTH),
            state=fields.choice("state", CaseState),
            changed_at=fields.moment("changed_at"),
            card=None if card is None else Card.from_fields(card),
            reasons=tuple(Reason.from_fields(reason) for reason in fields.objects("reasons")),
            change=fields.choice("change", Change) if fields.has("change") else Change.STATE,
            child_personal_id=fields.optional_personal_id("child_personal_id"),
            delivery=None if delivery is None else Delivery.from_fields(delivery),
        )


@dataclass(frozen=True)
class Acknowledgement:
    """The registry's receipt of an outcome: the same for every repeat of the event."""

    event_id: str
    received_at: dt.datetime

    def __post_init__(self) -> None:
        require_aware(self.received_at, "received_at")

    def to_json(self) -> dict[str, object]:
        return {"event_id": self.event_id, "received_at": utc_text(self.received_at)}

    @classmethod
    def from_json(cls, value: object) -> Acknowledgement:
        fields = JsonObject(value)
        return cls(fields.text("event_id", max_length=MAX_ID_LENGTH), fields.moment("received_at"))


@dataclass(frozen=True)
class Refusal:
    """The registry would not take one outcome of a batch (an event id reused with other content): the sender's bug."""

    event_id: str
    code: str
    reason: str

    def to_json(self) -> dict[str, object]:
        return {"event_id": self.event_id, "refused": {"code": self.code, "reason": self.reason}}


BatchResult = Acknowledgement | Refusal


def batch_result_from_fields(fields: JsonObject) -> BatchResult:
    refused = fields.optional_obj("refused")
    event_id = fields.text("event_id", max_length=MAX_ID_LENGTH)
    if refused is None:
        return Acknowledgement(event_id, fields.moment("received_at"))
    return Refusal(event_id, refused.text("code", max_length=MAX_ID_LENGTH), refused.text("reason", max_length=1000))


def _batch_results(value: object) -> tuple[BatchResult, ...]:
    return tuple(batch_result_from_fields(item) for item in JsonObject(value).objects("results"))


@dataclass(frozen=True)
class ReceivedOutcome:
    """An outcome as the registry holds it, with the time it first arrived."""

    outcome: CaseOutcome
    received_at: dt.datetime

    def to_json(self) -> dict[str, object]:
        return {**self.outcome.to_json(), "received_at": utc_text(self.received_at)}

    @classmethod
    def from_fields(cls, fields: JsonObject) -> ReceivedOutcome:
        return cls(CaseOutcome.from_fields(fields), fields.moment("received_at"))


def _received_list(value: object) -> tuple[ReceivedOutcome, ...]:
    return tuple(ReceivedOutcome.from_fields(item) for item in JsonObject(value).objects("outcomes"))


class CivilRegistryClient(JsonHttpClient):
    """Client of the registry side of the birth-registration interconnection.

    Raises `TransientError` when the registry cannot take the outcome now (push it again later: the event id makes
    the repeat harmless), `PermanentError` when it refuses it.
    """

    async def push_outcome(self, outcome: CaseOutcome) -> Acknowledgement:
        ack = await self.request("POST", OUTCOMES_PATH, body=outcome.to_json(), parse=Acknowledgement.from_json)
        if ack.event_id != outcome.event_id:
            raise PermanentError(f"POST {OUTCOMES_PATH}: acknowledged event {ack.event_id!r}, not the one pushed")
        return ack

    async def push_outcomes(self, outcomes: Sequence[CaseOutcome]) -> tuple[BatchResult, ...]:
        """Push up to MAX_BATCH outcomes in one call: an acknowledgement or a refusal for each, in the order sent."""
        if not 0 < len(outcomes) <= MAX_BATCH:
            raise ValueError(f"a batch holds 1 to {MAX_BATCH} outcomes, not {len(outcomes)}")
        body = {"outcomes": [outcome.to_json() for outcome in outcomes]}
        results = await self.request("POST", OUTCOMES_BATCH_PATH, body=body, parse=_batch_results)
        if [r.event_id for r in results] != [o.event_id for o in outcomes]:
            raise PermanentError(f"POST {OUTCOMES_BATCH_PATH}: the results do not answer the outcomes pushed, in order")
        return results

    async def list_outcomes(self, *, office: str | None = None, case: str | None = None) -> tuple[ReceivedOutcome, ...]:
        """What arrived at the registry, oldest first, for one office and/or one case reference."""
        params = {name: value for name, value in (("office", office), ("case", case)) if value is not None}
        return await self.request("GET", OUTCOMES_PATH, params=params, parse=_received_list)
