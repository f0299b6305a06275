"""`clean_text` (what the hub stores and compares) and `refused_characters` (what no stored text may hold)."""

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.infra.text import clean_text, refused_characters


@pytest.mark.parametrize(
    ("sent", "cleaned"),
    [
        (unicodedata.normalize("NFD", "Nguyễn Minh An"), "Nguyễn Minh An"),  # composed
        ("Ng\u200buy\u200c\u200dễn\u2060 An\ufeff", "Nguyễn An"),  # zero-width characters and the BOM removed
        ("\u202eAn\u202c \u2066Bình\u2069", "An Bình"),  # bidi controls removed
        ("Lê\u00adVăn", "LêVăn"),  # a soft hyphen removed
        ("  Lê \u00a0\u2003 Văn\u3000Tốt  ", "Lê Văn Tốt"),  # every run of white space one space, none at the ends
        ("12 Bạch Đằng,\u2028Hải Châu\u2029", "12 Bạch Đằng, Hải Châu"),  # line and paragraph separators
        ("\u200b \u200b", ""),  # only invisible: blank
        ("", ""),
    ],
)
def test_clean_text_composes_and_removes_what_cannot_be_seen(sent, cleaned):
    assert clean_text(sent) == cleaned


@pytest.mark.parametrize("control", ["\x00", "\x01", "\t", "\n", "\r", "\x1b", "\x7f", "\x85", "\x9f"])
def test_clean_text_leaves_controls_for_the_refusal(control):
    cleaned = clean_text(f"An{control}Bình")
    assert control in cleaned
    assert refused_characters(cleaned) == [f"U+{ord(control):04X}"]


@pytest.mark.parametrize(
    ("text", "refused"),
    [
        ("Nguyễn Minh An, 12/3 Bạch Đằng", []),
        ("An\x00", ["U+0000"]),
        ("\x1b[0m\x1b", ["U+001B"]),  # each once
        ("\ue000a\U000f0000", ["U+E000", "U+F0000"]),  # private use
        ("a\u0378", ["U+0378"]),  # unassigned
        ("a\ud800", ["U+D800"]),  # a lone surrogate
        ("\x7f\x01", ["U+0001", "U+007F"]),  # in code-point order
        ("\u200b\u202e", []),  # format characters: removed by clean_text, not refused
    ],
)
def test_refused_characters_names_each_once(text, refused):
    assert refused_characters(text) == refused


@given(st.text())
def test_clean_text_is_idempotent_and_leaves_no_invisible_or_edge_space(text):
    cleaned = clean_text(text)
    assert clean_text(cleaned) == cleaned
    assert unicodedata.is_normalized("NFC", cleaned)
    assert not any(unicodedata.category(ch) == "Cf" for ch in cleaned)
    assert cleaned == cleaned.strip(" ") and "  " not in cleaned


def _clean_by_definition(text: str) -> str:
    """clean_text as first written, character by character, with no fast path for printable text."""
    import re

    visible = "".join(ch for ch in unicodedata.normalize("NFC", text) if unicodedata.category(ch) != "Cf")
    return re.sub(r"[^\S\x00-\x1f\x7f-\x9f]+", " ", visible).strip(" ")


def _refused_by_definition(text: str) -> list[str]:
    found = {ch for ch in text if unicodedata.category(ch) in {"Cc", "Cs", "Co", "Cn"}}
    return [f"U+{ord(ch):04X}" for ch in sorted(found)]


@given(st.text() | st.text(alphabet=" \u00a0\u2003\u3000\u200b\u202e\t\nAnễ\u0301\x00\U000f0000"))
def test_fast_paths_answer_as_the_definitions(text):
    # Printable text takes a fast path in both functions: the answers must not change.
    assert clean_text(text) == _clean_by_definition(text)
    assert refused_characters(text) == _refused_by_definition(text)
