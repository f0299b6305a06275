"""Text folding for Vietnamese: compare names with or without diacritics, spacing and case."""

from __future__ import annotations

import re
import unicodedata

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def strip_diacritics(text: str) -> str:
    """`Phường Thạc Gián` → `Phuong Thac Gian` (đ/Đ become d/D, which Unicode does not decompose)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def fold(text: str) -> str:
    """A search key: no diacritics, lower case, letters and digits only (`Phường Thạc Gián` → `phuongthacgian`)."""
    return _NOT_ALNUM.sub("", strip_diacritics(text).lower())


def normalise_name(text: str) -> str:
    """A name tidied: NFC, single spaces, each word capitalised (`nguyễn  văn AN` → `Nguyễn Văn An`)."""
    words = unicodedata.normalize("NFC", text).split()
    return " ".join(word[:1].upper() + word[1:].lower() for word in words)
