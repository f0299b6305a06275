"""Child care per child (issue 19 item 6, Art 44): twins, born the same day, are two children with a limit each;
a child's certificate names the parents it allows."""

import datetime as dt
import uuid

from hub.claims.children import Parent, named_on_certificate
from hub.claims.details import ChildCareDetails, event_key, from_json, to_json
from hub.claims.models import ClaimKind
from hub.claims.tally import tally_key
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
