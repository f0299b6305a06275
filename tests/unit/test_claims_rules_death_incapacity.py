"""Worked examples: maternity when a child or the mother dies, or a council finds the mother cannot care for the
child (Luật BHXH 41/2024 Art 53(3)–(6); hub.claims.rules.death_incapacity)."""

from __future__ import annotations

import datetime as dt

import pytest

from hub.claims.rules.death_incapacity import (
    AfterBirth,
    MotherLeave,
    Taker,
    leave_after_child_death,
    remaining_leave,
)
from hub.claims.rules.uncertain import marked_ids

D = dt.date
BORN = D(2025, 9, 10)
SIX_MONTHS = MotherLeave(BORN, D(2026, 3, 9))  # 6 months from the birth: 10/9/2025 + 6 months − 1 day


def test_a_child_dying_under_two_months_leaves_the_mother_four_months_from_the_birth():
    """Born 10/9/2025, died 20/10/2025: 1 month 10 days old, under 2 months (10/9 + 2 months = 10/11).
    Leave: 10/9/2025 + 4 months − 1 day = 9/1/2026; min(9/1/2026, 9/3/2026) = 9/1/2026.
    Days: 21 (Sept 10–30) + 31 (Oct) + 30 (Nov) + 31 (Dec) + 9 (Jan) = 122."""
    adjusted = leave_after_child_death(BORN, D(2025, 10, 20), SIX_MONTHS)
    assert adjusted.taker is Taker.MOTHER
    assert adjusted.period == (BORN, D(2026, 1, 9)) and adjusted.days == 122
    (line,) = adjusted.explanation
    assert "Luật BHXH 41/2024/QH15 Điều 53" in line.source
    assert marked_ids(line.source) == ["death-articles"] and marked_ids(line.text_en) == ["child-death-leave"]


def test_an_older_child_dying_leaves_the_mother_two_months_from_the_death_within_her_leave():
    """Died 15/12/2025 (3 months 5 days old): 15/12/2025 + 2 months − 1 day = 14/2/2026, before 9/3/2026: kept.
    Died 1/2/2026: 1/2/2026 + 2 months − 1 day = 31/3/2026, after 9/3/2026: the leave she had, to 9/3/2026."""
    assert leave_after_child_death(BORN, D(2025, 12, 15), SIX_MONTHS).period == (BORN, D(2026, 2, 14))
    assert leave_after_child_death(BORN, D(2026, 2, 1), SIX_MONTHS).period == (BORN, D(2026, 3, 9))


def test_the_father_takes_the_rest_of_the_mothers_leave_after_her_death():
    """Mother's leave 10/9/2025–9/3/2026; she died 30/11/2025. The father's leave: 1/12/2025 to 9/3/2026 =
    31 (Dec) + 31 (Jan) + 28 (Feb) + 9 (Mar) = 99 days."""
    adjusted = remaining_leave(AfterBirth.MOTHER_DIED, born=BORN, on=D(2025, 11, 30), mother=SIX_MONTHS)
    assert adjusted.taker is Taker.FATHER_OR_CAREGIVER
    assert adjusted.period == (D(2025, 12, 1), D(2026, 3, 9)) and adjusted.days == 99
    assert marked_ids(adjusted.explanation[0].text_vi) == ["caregiver-remaining-leave"]


def test_after_a_councils_finding_with_no_leave_of_her_own_the_caregiver_has_until_six_months():
    """The mother was not insured; a council met on 5/10/2025 and found she cannot care for the child. The
    caregiver's leave: 6/10/2025 to 10/9/2025 + 6 months − 1 day = 9/3/2026: 26 + 30 + 31 + 31 + 28 + 9 = 155 days."""
    adjusted = remaining_leave(AfterBirth.MOTHER_CANNOT_CARE, born=BORN, on=D(2025, 10, 5), mother=None)
    assert adjusted.period == (D(2025, 10, 6), D(2026, 3, 9)) and adjusted.days == 155
    assert "Hội đồng giám định y khoa" in adjusted.explanation[0].text_vi


def test_nothing_is_left_after_the_leave_ended_and_events_are_checked():
    """A finding on 9/3/2026, the leave's last day: from 10/3/2026 to 9/3/2026, nothing left."""
    adjusted = remaining_leave(AfterBirth.MOTHER_CANNOT_CARE, born=BORN, on=D(2026, 3, 9), mother=SIX_MONTHS)
    assert adjusted.period is None and adjusted.days == 0
    with pytest.raises(ValueError):
        remaining_leave(AfterBirth.CHILD_DIED, born=BORN, on=D(2025, 10, 1), mother=SIX_MONTHS)
    with pytest.raises(ValueError):
        leave_after_child_death(BORN, D(2025, 9, 1), SIX_MONTHS)


def test_the_2014_law_applies_to_births_before_1_july_2025():
    """Born 1/6/2025 (before 1/7/2025): the 2014 law, Art 34; the child died 15/6/2025 → 1/6 + 4 months − 1 day =
    30/9/2025."""
    born = D(2025, 6, 1)
    adjusted = leave_after_child_death(born, D(2025, 6, 15), MotherLeave(born, D(2025, 11, 30)))
    assert adjusted.period == (born, D(2025, 9, 30))
    assert adjusted.explanation[0].source.startswith("Luật BHXH 58/2014/QH13 Điều 34")


def test_the_evidence_names_the_event_and_its_day():
    """XML8 NGAY_CONCHET 20251020 → the child died on 20/10/2025. XML12 whose DUOC_XACDINH reads "Không đủ sức khỏe
    để chăm sóc con" (folded: khongdusuckhoedechamsoccon) and NGAY_HOP 20251005 → the mother cannot care for the
    child from 5/10/2025; minutes without that conclusion, and other documents, show nothing."""
    from hub.claims.rules.death_incapacity import finding_in_death_extract, finding_in_document

    died = finding_in_document("XML8", {"NGAY_CONCHET": "20251020", "SO_CONCHET": "1"})
    assert died is not None and (died.event, died.on) == (AfterBirth.CHILD_DIED, D(2025, 10, 20))
    minutes = {"NGAY_HOP": "20251005", "DUOC_XACDINH": "Không đủ sức khỏe để chăm sóc con", "KET_QUA_KHAM": "…"}
    found = finding_in_document("XML12", minutes)
    assert found is not None and (found.event, found.on) == (AfterBirth.MOTHER_CANNOT_CARE, D(2025, 10, 5))
    assert finding_in_document("XML12", {**minutes, "DUOC_XACDINH": "Tỷ lệ tổn thương 21%"}) is None
    assert finding_in_document("XML8", {"NGAY_CONCHET": None}) is None
    assert finding_in_document("XML11", minutes) is None
    assert finding_in_death_extract(D(2025, 11, 30), is_mother=True).event is AfterBirth.MOTHER_DIED
