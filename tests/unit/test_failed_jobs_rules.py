"""The pure rules around jobs that fail: who sees failed jobs, which card cannot be written, which error is one
record's (refused alone) and which is the database's (the job retried), and how an error reads as a reason."""

import dataclasses
import uuid

import pytest
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError

from hub.childcards.issuance import CardOrder, CaseRef, ChildRef, card_problems
from hub.childcards.jobs import describe, is_record_error
from hub.childcards.models import DeliveryMethod
from hub.childcards.records import BirthRecord
from hub.clients.permissions import DEFAULT_ROLES, ClientKind, Jurisdiction, Principal
from hub.jobs.failed import may_see_failed_jobs
from tests.unit.test_childcard_records import FULL, MOTHER

BIRTH = FULL  # a registration passing every check, every text field given


def principal(kind: ClientKind, where: str) -> Principal:
    return Principal(uuid.uuid4(), "c", kind, DEFAULT_ROLES[kind], Jurisdiction.parse(where))


@pytest.mark.parametrize(
    ("kind", "where", "sees"),
    [
        (ClientKind.OPERATOR, "national", True),
        (ClientKind.SUPERVISOR, "national", True),
        (ClientKind.OPERATOR, "province:48", False),  # a failed job may name records of any province
        (ClientKind.SUPERVISOR, "province:48", False),
        (ClientKind.CIVIL_REGISTRY, "commune:20242", False),
        (ClientKind.HOSPITAL, "facility:48001", False),
        (ClientKind.PORTAL, "national", False),  # national, but not an operator or supervisor
    ],
)
def test_only_national_operators_and_supervisors_see_failed_jobs(kind, where, sees):
    assert may_see_failed_jobs(principal(kind, where)) is sees


def order(birth: BirthRecord = BIRTH, *, address: str = "12 Bạch Đằng", delivery=None) -> CardOrder:
    return CardOrder(CaseRef(uuid.uuid4(), "TE1", "48"), birth, ChildRef(uuid.uuid4(), None, address), delivery)


def test_a_card_within_its_columns_has_no_problem():
    assert card_problems(order()) == []


def test_each_card_text_longer_than_its_column_is_a_problem():
    mother = dataclasses.replace(MOTHER, full_name="M" * 201, address="a" * 501)
    problems = card_problems(order(dataclasses.replace(BIRTH, mother=mother)))
    assert [(p.code, p.field) for p in problems] == [
        ("CARD_FIELD_TOO_LONG", "guardian_name"),
        ("CARD_FIELD_TOO_LONG", "address"),
    ]
    assert "201" in problems[0].message and "200" in problems[0].message and problems[0].message_vi


def test_the_child_address_stands_in_for_a_guardian_without_one_and_the_delivery_override_counts():
    without = dataclasses.replace(MOTHER, address=None)
    birth = dataclasses.replace(BIRTH, mother=without)
    assert [p.field for p in card_problems(order(birth, address="x" * 501))] == ["address"]
    far = order(delivery=(DeliveryMethod.BY_POST, "d" * 501))
    assert [p.field for p in card_problems(far)] == ["delivery_address"]
    assert card_problems(order(delivery=(DeliveryMethod.BY_POST, "d" * 500))) == []


def _db_error(kind: type[DBAPIError], *, invalidated: bool = False) -> Exception:
    return kind("INSERT …", {}, Exception("refused"), connection_invalidated=invalidated)


@pytest.mark.parametrize(
    ("error", "records"),
    [
        (_db_error(IntegrityError), True),  # a constraint: the record's
        (_db_error(DataError), True),  # a value the column refused
        (_db_error(DataError, invalidated=True), False),  # the connection went with it
        (_db_error(OperationalError), False),  # a lost connection, a deadlock, a timeout
        (ValueError("bad date"), True),
        (KeyError("child"), True),
        (TypeError("None"), True),
        (AssertionError(), True),
        (RuntimeError("?"), False),
        (TimeoutError(), False),
    ],
)
def test_a_record_error_is_told_from_the_databases(error, records):
    assert is_record_error(error) is records


@pytest.mark.parametrize(
    ("error", "described"),
    [
        (ValueError("bad date\nTraceback …"), "ValueError: bad date"),
        (KeyError("child"), "KeyError: 'child'"),
        (AssertionError(), "AssertionError: "),
        (ValueError("  \n "), "ValueError: "),
    ],
)
def test_an_error_is_described_by_its_kind_and_first_line(error, described):
    assert describe(error) == described


def test_a_description_is_short():
    assert len(describe(ValueError("x" * 1000))) == 200
