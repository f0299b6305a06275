"""Finding claims in the processors' queue by what a processor types: a claim reference, a personal identification
number (12 digits), a BHXH code (10 digits), or the start of a name written with or without diacritics."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Collection

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from hub.claims.models import Claim
from hub.persons.models import Person

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_REFERENCE = re.compile(r"HS\d{6}[0-9A-F]{10}")
_PERSONAL_ID, _BHXH_CODE = re.compile(r"\d{12}"), re.compile(r"\d{10}")


def name_key(name: str) -> str:
    """A name as searched: no diacritics (đ → d, which Unicode does not decompose), lower case, words separated by
    one space (`Đặng Thị Đào` → `dang thi dao`)."""
    decomposed = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return _NOT_ALNUM.sub(" ", plain).strip()


async def name_keys(session: AsyncSession, people: Collection[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The search key of each person's name (one query)."""
    if not people:
        return {}
    rows = await session.execute(select(Person.id, Person.full_name).where(Person.id.in_(people)))
    return {person_id: name_key(full_name) for person_id, full_name in rows}


def matching(text: str) -> ColumnElement[bool] | None:
    """The claims `text` finds; None for text that finds nothing (blank)."""
    term = text.strip()
    if _REFERENCE.fullmatch(term.upper()):
        return Claim.reference == term.upper()
    if _PERSONAL_ID.fullmatch(term):
        return Claim.person_id.in_(select(Person.id).where(Person.personal_id_number == term))
    if _BHXH_CODE.fullmatch(term):
        return Claim.person_id.in_(select(Person.id).where(Person.bhxh_code == term))
    key = name_key(term)
    if not key:
        return None
    # From the start of the name (`nguyen thi`, `nguyen thi lan`): a range of the name key's indexes. A word inside
    # the name (`lan`) would read every claim of the office. The key holds only [a-z0-9 ]: nothing to escape.
    return Claim.name_key.like(f"{key}%")
