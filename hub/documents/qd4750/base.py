"""What every parsed QĐ 130/4750 record offers: its table, and its number at the facility that issued it.

The number, with the facility and the table, makes the key under which a re-sent document is recognised as the
same one (DESIGN, principle 2). Attributes of records are the official field names in lower case (MA_LK is `ma_lk`),
in the table's order, so a violation's field and the attribute name each other; absent optional fields are None.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import ClassVar, TypeGuard, TypeVar

from hub.documents.qd4750.fields import TableSpec


@dataclass(frozen=True, slots=True)
class DocumentKey:
    """A document's natural key: issuing facility (MA_CSKCB), table (LOAIHOSO) and its number there."""

    facility: str
    loaihoso: str
    number: str


class Qd4750Record(abc.ABC):
    """What every parsed record offers: its table and its number at the issuing facility."""

    __slots__ = ()
    SPEC: ClassVar[TableSpec]

    @property
    @abc.abstractmethod
    def document_number(self) -> str:
        """The number under which the facility issued this document."""

    def document_key(self, facility: str) -> DocumentKey:
        """The key of this document when issued by `facility` (the envelope's MACSKCB)."""
        return DocumentKey(facility, self.SPEC.loaihoso, self.document_number)


K = TypeVar("K", bound=Qd4750Record)


def is_record_of(record: Qd4750Record, kind: type[K]) -> TypeGuard[K]:
    """isinstance(record, kind) for a record class, told by the table first: a record class is an abc.ABC, whose
    isinstance takes a Python call (0.2 µs) to answer no, and a record of another table has another SPEC."""
    return record.SPEC is kind.SPEC and isinstance(record, kind)
