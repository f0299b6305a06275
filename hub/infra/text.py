"""Text folding for Vietnamese: compare names with or without diacritics, spacing and case."""

from __future__ import annotations

import functools
import re
import unicodedata

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


def strip_diacritics(text: str) -> str:
    """`Phường Thạc Gián` → `Phuong Thac Gian` (đ/Đ become d/D, which Unicode does not decompose)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Texts up to this long have their fold kept: a batch folds each name it takes several times over (checked, matched,
# stored as a key), most of them with diacritics to take off. Longer ones are never names of the hub's records.
FOLDS_KEPT_UP_TO = 200


def fold(text: str) -> str:
    """A search key: no diacritics, lower case, letters and digits only (`Phường Thạc Gián` → `phuongthacgian`).
    The same as `_NOT_ALNUM.sub("", strip_diacritics(text).lower())`, faster: what decomposes to no ASCII letter or
    digit is dropped whole, since only those are kept (tests/unit/test_text.py holds the two to one answer)."""
    if len(text) > FOLDS_KEPT_UP_TO:
        return _fold(text)
    return _kept_fold(text)


def _fold(text: str) -> str:
    if not text.isascii():
        decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
        text = decomposed.encode("ascii", "ignore").decode("ascii")
    return _NOT_ALNUM.sub("", text.lower())


_kept_fold = functools.lru_cache(maxsize=16_384)(_fold)


def normalise_name(text: str) -> str:
    """A name tidied: NFC, single spaces, each word capitalised (`nguyễn  văn AN` → `Nguyễn Văn An`)."""
    words = unicodedata.normalize("NFC", text).split()
    return " ".join(word[:1].upper() + word[1:].lower() for word in words)


# Characters never accepted in stored text: controls (NUL among them), lone surrogates, private use, unassigned.
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn"})
# White space that is not a control character (spaces of every width, line and paragraph separators): controls are
# left in place for `refused_characters` to find.
_SPACES = re.compile(r"[^\S\x00-\x1f\x7f-\x9f]+")


def clean_text(text: str) -> str:
    """Text as the hub stores and compares it: NFC; invisible format characters (zero-width spaces and joiners, bidi
    controls, the byte-order mark, soft hyphens: Unicode category Cf) removed; each run of white space one space,
    none at either end. Controls stay: they are refused (`refused_characters`), never silently removed."""
    normal = unicodedata.normalize("NFC", text)
    if normal.isprintable():  # no format, control or separator character but the space: the common case, fast
        return " ".join(normal.split())
    visible = "".join(ch for ch in normal if unicodedata.category(ch) != "Cf")
    return _SPACES.sub(" ", visible).strip(" ")


def refused_characters(text: str) -> list[str]:
    """The characters of `text` that no stored text accepts (controls, NUL among them; lone surrogates; private use;
    unassigned code points), each once, as `U+0000` labels."""
    if text.isprintable():  # every refused category is unprintable to Python
        return []
    found = {ch for ch in text if unicodedata.category(ch) in _REFUSED_CATEGORIES}
    return [f"U+{ord(ch):04X}" for ch in sorted(found)]
