"""What a field of a QĐ 130/4750 table may hold: its kind, maximum size, code list, range and whether it is required."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Kind(enum.Enum):
    """How a field's text is read, and the Python type it becomes."""

    STRING = "string"  # str
    INTEGER = "integer"  # int: ASCII digits only
    DECIMAL = "decimal"  # Decimal: digits with an optional "." fraction
    FLAG = "flag"  # bool: "1" yes, "0" no
    DATE = "date"  # date: yyyymmdd
    DATETIME = "datetime"  # datetime (naive, Vietnam time): yyyymmddHHMM
    DATE_OR_DATETIME = "date_or_datetime"  # date (yyyymmdd) or datetime (yyyymmddHHMM), as written
    BIRTH_TIME = "birth_time"  # BirthTime: yyyymmddHHMM where an unknown month or day is written 00


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field (chỉ tiêu) of a table, as the appendix of QĐ 4750 defines it.

    `max_size` counts characters (None: the table says "n", no limit). `codes` lists the allowed texts when the
    table gives a closed list; `minimum`/`maximum` bound a number where the table states a range. A field is
    `required` outright, or only when another field holds a value (`required_if`: field name, text).
    """

    name: str
    kind: Kind
    max_size: int | None
    required: bool
    meaning: str
    codes: frozenset[str] | None = None
    minimum: int | None = None
    maximum: int | None = None
    required_if: tuple[str, str] | None = None
    attribute: str = field(init=False, repr=False, compare=False)
    """The record attribute holding this field: the official name in lower case."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "attribute", self.name.lower())  # read for every field of every record parsed


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One table (bảng) of QĐ 130/4750: its LOAIHOSO, root element, record layout and fields.

    Most tables hold one record whose fields are the children of the root; a table with `list_tag` holds a list
    (root / list_tag / item_tag, one item per record), as XML9 holds one birth certificate per child.
    """

    loaihoso: str
    root: str
    title_vi: str
    title_en: str
    fields: tuple[FieldSpec, ...]
    list_tag: str | None = None
    item_tag: str | None = None
    names: frozenset[str] = field(init=False, repr=False, compare=False)
    """The official names of the fields, for the version check of every table read."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "names", frozenset(spec.name for spec in self.fields))

    def field(self, name: str) -> FieldSpec:
        """The field called `name` (official spelling); KeyError if the table has none."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(f"{self.loaihoso} has no field {name}")
