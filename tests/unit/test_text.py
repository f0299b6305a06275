from hypothesis import given
from hypothesis import strategies as st

from hub.infra.text import fold, normalise_name, strip_diacritics


def test_fold_removes_diacritics_case_and_spacing():
    assert fold("Phường Thạc Gián") == "phuongthacgian"
    assert fold("ĐẶNG  Thị-Đào") == "dangthidao"
    assert strip_diacritics("Nguyễn Đức") == "Nguyen Duc"


def test_decomposed_and_composed_forms_fold_alike():
    import unicodedata

    name = "Trần Thị Ngọc Hân"
    assert fold(unicodedata.normalize("NFD", name)) == fold(name)
    assert normalise_name(unicodedata.normalize("NFD", "trần  thị NGỌC hân ")) == name


@given(st.text())
def test_fold_is_idempotent_and_ascii(text):
    folded = fold(text)
    assert fold(folded) == folded
    assert folded.isascii()
