"""Reading the JSON documents the connectors and their simulators exchange, checking each field's shape on the way.

A reader raises `MalformedJson` naming the first bad field; a client turns it into `PermanentError`, a simulator
into HTTP 400. Unknown fields are ignored, so either side may add one without breaking the other.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from typing import TypeVar

E = TypeVar("E", bound=enum.StrEnum)

# Not str.isdigit(): that accepts "０" and other Unicode digits, which no register prints.
PERSONAL_ID = re.compile(r"[0-9]{12}")


class MalformedJson(ValueError):
    """A JSON document does not have the expected shape; the message names the field."""


def utc_text(moment: dt.datetime) -> str:
    """An aware datetime as ISO 8601 in UTC (`2026-11-02T03:00:00+00:00`)."""
    if moment.tzinfo is None:
        raise ValueError("timestamps on the wire must be timezone-aware")
    return moment.astimezone(dt.UTC).isoformat()


def require_aware(moment: dt.datetime, name: str) -> None:
    """Raise ValueError when a timestamp given to a connector type has no time zone (a bug in the caller)."""
    if moment.tzinfo is None:
        raise ValueError(f"{name} must be timezone-aware")


def require_personal_id(number: str | None, name: str) -> None:
    """Raise ValueError when `number` is given and is not 12 ASCII digits."""
    if number is not None and not PERSONAL_ID.fullmatch(number):
        raise ValueError(f"{name} must be 12 digits")


class JsonObject:
    """Typed access to the fields of one JSON object; `where` names it in error messages (`card`, `people[3]`)."""

    def __init__(self, value: object, where: str = "body") -> None:
        if not isinstance(value, dict):
            raise MalformedJson(f"{where}: expected a JSON object")
        self._fields: dict[str, object] = value
        self._where = where

    def _name(self, name: str) -> str:
        return name if self._where == "body" else f"{self._where}.{name}"

    def _fail(self, name: str, expected: str) -> MalformedJson:
        return MalformedJson(f"{self._name(name)}: expected {expected}")

    def _get(self, name: str, expected: str) -> object:
        value = self._fields.get(name)
        if value is None:
            raise self._fail(name, expected)
        return value

    def has(self, name: str) -> bool:
        """Whether the field is present and not null."""
        return self._fields.get(name) is not None

    def text(self, name: str, *, max_length: int = 500) -> str:
        """A non-empty string of at most `max_length` characters."""
        expected = f"a non-empty string of at most {max_length} characters"
        value = self._get(name, expected)
        if not isinstance(value, str) or not value.strip() or len(value) > max_length:
            raise self._fail(name, expected)
        return value

    def personal_id(self, name: str) -> str:
        value = self._get(name, "a 12-digit personal identification number")
        if not isinstance(value, str) or not PERSONAL_ID.fullmatch(value):
            raise self._fail(name, "a 12-digit personal identification number")
        return value

    def optional_personal_id(self, name: str) -> str | None:
        return self.personal_id(name) if self.has(name) else None

    def date(self, name: str) -> dt.date:
        value = self._get(name, "a date YYYY-MM-DD")
        try:
            if not isinstance(value, str) or len(value) != 10:
                raise ValueError
            return dt.date.fromisoformat(value)
        except ValueError:
            raise self._fail(name, "a date YYYY-MM-DD") from None

    def optional_date(self, name: str) -> dt.date | None:
        return self.date(name) if self.has(name) else None

    def flag(self, name: str) -> bool:
        """A JSON boolean (true or false, never a number or a string)."""
        value = self._get(name, "true or false")
        if not isinstance(value, bool):
            raise self._fail(name, "true or false")
        return value

    def moment(self, name: str) -> dt.datetime:
        """An ISO 8601 timestamp with a time zone, returned in UTC."""
        expected = "an ISO 8601 timestamp with a time zone"
        value = self._get(name, expected)
        try:
            if not isinstance(value, str):
                raise ValueError
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            raise self._fail(name, expected) from None
        if parsed.tzinfo is None:
            raise self._fail(name, expected)
        return parsed.astimezone(dt.UTC)

    def optional_moment(self, name: str) -> dt.datetime | None:
        return self.moment(name) if self.has(name) else None

    def choice(self, name: str, kind: type[E]) -> E:
        expected = f"one of {', '.join(member.value for member in kind)}"
        value = self._get(name, expected)
        try:
            if not isinstance(value, str):
                raise ValueError
            return kind(value)
        except ValueError:
            raise self._fail(name, expected) from None

    def choices(self, name: str, kind: type[E]) -> tuple[E, ...]:
        """A list of enum values; a missing or null field is an empty list."""
        if not self.has(name):
            return ()
        value = self._fields[name]
        if not isinstance(value, list):
            raise self._fail(name, "a list")
        members = {member.value: member for member in kind}
        if not all(isinstance(item, str) and item in members for item in value):
            raise self._fail(name, f"a list of {', '.join(members)}")
        return tuple(members[item] for item in value)

    def obj(self, name: str) -> JsonObject:
        return JsonObject(self._get(name, "a JSON object"), self._name(name))

    def optional_obj(self, name: str) -> JsonObject | None:
        return self.obj(name) if self.has(name) else None

    def objects(self, name: str) -> list[JsonObject]:
        """A list of objects; a missing or null field is an empty list."""
        if not self.has(name):
            return []
        return objects(self._fields[name], self._name(name))


def objects(value: object, where: str = "body") -> list[JsonObject]:
    """A JSON list of objects, each readable with `JsonObject`."""
    if not isinstance(value, list):
        raise MalformedJson(f"{where}: expected a JSON list")
    return [JsonObject(item, f"{where}[{index}]") for index, item in enumerate(value)]
