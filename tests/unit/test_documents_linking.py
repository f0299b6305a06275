"""Who a document names: the identifiers as written, and the person they find."""

import uuid

from hub.documents.linking import PersonIndex, Subject

CARD = "GD4484820112345"
RENEWED = "DN4484820112345"  # the same person (the last ten characters, the BHXH code) with an employer


def test_a_card_number_gives_the_bhxh_code_of_its_last_ten_characters():
    subject = Subject.of(None, None, CARD.lower())
    assert subject.card_number == CARD and subject.code == "4820112345"


def test_an_episode_listing_a_renewed_card_names_its_person_by_the_first_card():
    subject = Subject.of(None, None, f"{CARD};{RENEWED}")
    assert subject.card_number == CARD and subject.code == "4820112345"
    assert Subject.of(None, None, f" ;{RENEWED}").card_number == RENEWED


def test_malformed_identifiers_are_dropped_not_guessed():
    subject = Subject.of("04819200123", "48201123", "GD44848201")
    assert subject.empty and subject.code is None
    assert Subject.of(None, None, "GD448482011234X;").card_number == "GD448482011234X"


def test_the_id_number_decides_before_the_bhxh_code():
    by_number, by_code = uuid.uuid4(), uuid.uuid4()
    people = PersonIndex({"048192001234": by_number}, {"4820112345": by_code})
    assert people.person_of(Subject.of("048192001234", None, CARD)) == by_number
    assert people.person_of(Subject.of("001092009999", None, f"{CARD};{RENEWED}")) == by_code
    assert people.person_of(Subject.of(None, None, None)) is None


def test_either_field_may_carry_either_identifier():
    """From 1/8/2025 BHXH uses the 12-digit ID number in place of the BHXH code: a document's MA_BHXH may hold an ID
    number and its SO_CCCD a code; each is read by its length."""
    assert Subject.of(None, "048192001234", None) == Subject("048192001234", None, None)
    assert Subject.of("4820112345", None, None) == Subject(None, "4820112345", None)
    assert Subject.of("048192001234", "4820112345", None) == Subject("048192001234", "4820112345", None)
