"""What the hospital's documents open (hub.claims.opening.details_of) for the maternity events of issue 21."""

import datetime as dt

import pytest

from hub.claims.details import BirthDetails, PregnancyLossDetails
from hub.claims.models import ClaimKind
from hub.claims.opening import details_of
from hub.documents.models import Document


def document(doc_type: str, **fields: str) -> Document:
    return Document(doc_type=doc_type, issuer="facility:48001", number="N1", fields=fields)


@pytest.mark.parametrize(
    ("lan_sinh", "so_con_song", "before"), [("2", "2", 1), ("1", "1", 0), ("3", "3", 2), ("", "", None)]
)
def test_a_birth_certificate_gives_the_living_children_before(lan_sinh, so_con_song, before):
    """SO_CON 1: living before = SO_CON_SONG − 1 (LAN_SINH 1: none)."""
    read = details_of(
        document("XML9", NGAY_SINH_CON="202608100930", SO_CON="1", LAN_SINH=lan_sinh, SO_CON_SONG=so_con_song)
    )
    assert read is not None
    kind, details = read
    assert kind is ClaimKind.MATERNITY and isinstance(details, BirthDetails)
    assert details.living_children_before == before


def test_a_certificate_saying_the_pregnancy_ended_opens_a_pregnancy_loss():
    """XML11 with MA_DINH_CHI_THAI 1: a pregnancy loss from TU_NGAY, not a sickness; XML7: from THOIGIAN_DINHCHI."""
    sick = details_of(document("XML11", TU_NGAY="20260309", DEN_NGAY="20260407", MA_DINH_CHI_THAI="1", TUOI_THAI="14"))
    assert sick == (
        ClaimKind.PREGNANCY_LOSS,
        PregnancyLossDetails(dt.date(2026, 3, 9), 14, certificate="facility:48001/N1"),
    )
    discharge = details_of(
        document("XML7", NGAY_VAO="202603060730", THOIGIAN_DINHCHI="202603061020", MA_DINH_CHI_THAI="1", TUOI_THAI="8")
    )
    assert discharge is not None and discharge[1] == PregnancyLossDetails(
        dt.date(2026, 3, 6), 8, certificate="facility:48001/N1"
    )
    ordinary = details_of(document("XML11", TU_NGAY="20260309", DEN_NGAY="20260313", MA_DINH_CHI_THAI="0"))
    assert ordinary is not None and ordinary[0] is ClaimKind.SICKNESS
    assert details_of(document("XML7", NGAY_VAO="202603060730")) is None
