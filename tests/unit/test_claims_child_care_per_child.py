"""Child care per child (issue 19 item 6, Art 44): twins, born the same day, are two children with a limit each;
a child's certificate names the parents it allows."""

import datetime as dt
import uuid
from decimal import Decimal

from hub.claims.children import Parent, named_on_certificate
from hub.claims.details import ChildCareDetails, event_key, from_json, to_json
from hub.claims.models import Claim, ClaimKind
from hub.claims.tally import Tally, tally_key
from hub.infra.text import fold

BORN = dt.date(2025, 10, 1)
START, END = dt.date(2026, 3, 2), dt.date(2026, 3, 6)


def test_twins_have_different_event_keys_and_tallies():
    first = ChildCareDetails(BORN, START, END, child_id="a")
    second = ChildCareDetails(BORN, START, END, child_id="b")
    assert event_key(ClaimKind.CHILD_CARE, first) != event_key(ClaimKind.CHILD_CARE, second)
    person = uuid.uuid4()
    keys = {tally_key(person, ClaimKind.CHILD_CARE.value, START, to_json(d)) for d in (first, second)}
    assert len(keys) == 2


def test_a_child_known_only_by_birth_date_keeps_the_old_key():
    details = ChildCareDetails(BORN, START, END)
    assert event_key(ClaimKind.CHILD_CARE, details) == f"child:{BORN.isoformat()}:{START.isoformat()}"
    assert details.child == BORN.isoformat()


def test_child_care_details_round_trip_with_the_child_and_certificate():
    details = ChildCareDetails(BORN, START, END, child_id="a", certificate="facility:48001/X")
    assert from_json(ClaimKind.CHILD_CARE, to_json(details)) == details


def test_a_certificate_allows_the_parent_it_names_or_a_role_it_leaves_blank():
    mother = Parent(uuid.uuid4(), "mother", fold("Trần Thị Mai"))
    father = Parent(uuid.uuid4(), "father", fold("Nguyễn Văn Nam"))
    assert named_on_certificate(mother, "TRAN THI  MAI", None)
    assert named_on_certificate(father, "Trần Thị Mai", None)  # no father's name written: he is allowed
    assert not named_on_certificate(father, None, "Lê Văn Khác")


def _care(person: uuid.UUID, start: dt.date, days: int, child_id: str | None = None) -> tuple[Claim, Decimal]:
    details = ChildCareDetails(BORN, start, start + dt.timedelta(days=days), child_id=child_id)
    claim = Claim(id=uuid.uuid4(), person_id=person, kind=ClaimKind.CHILD_CARE.value, event_date=start)
    claim.details = to_json(details)
    return claim, Decimal(days)


def test_a_claim_naming_no_child_counts_with_every_child_born_that_day():
    person = uuid.uuid4()
    twin_a = _care(person, dt.date(2026, 3, 2), 15, child_id="a")
    unnamed = _care(person, dt.date(2026, 5, 4), 5)
    twin_b = _care(person, dt.date(2026, 6, 1), 4, child_id="b")
    later_unnamed = _care(person, dt.date(2026, 7, 6), 1)
    other_child = _care(person, dt.date(2026, 8, 3), 1, child_id="c")
    other_child[0].details = to_json(ChildCareDetails(dt.date(2024, 1, 1), dt.date(2026, 8, 3), dt.date(2026, 8, 4)))
    tally = Tally({})
    for claim, days in (twin_a, unnamed, twin_b, later_unnamed, other_child):
        tally.add(claim, days)

    def before(entry: tuple[Claim, Decimal]) -> Decimal:
        return tally.before(entry[0]).child_care_days

    assert before(unnamed) == 15  # twin a's days: the claim may be his
    assert before(twin_b) == 5  # not twin a's, but the unnamed claim's
    assert before(later_unnamed) == 15 + 5 + 4  # every claim for a child born that day
    assert before(other_child) == 0  # another birth date: another child
