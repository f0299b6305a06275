"""The versions of the hospital XML standard the hub reads, each with its decision and the dates it applies.

| code   | decision       | signed     | accepted from | mandatory from | what changed in the tables            |
|--------|----------------|------------|---------------|----------------|---------------------------------------|
| QD4750 | QĐ 4750/QĐ-BYT | 29/12/2023 | 29/12/2023    | 01/07/2024     | QĐ 130/QĐ-BYT (2023) as amended       |
| QD3176 | QĐ 3176/QĐ-BYT | 29/10/2024 | 29/10/2024    | 01/01/2025     | XML1 NHOM_MAU, XML2 NGAY_TH_YL, XML0… |
| QD1931 | QĐ 1931/QĐ-BYT | 29/06/2026 | 01/07/2026    | 01/07/2026     | MUC_HUONG 4 characters [to confirm qd1931] |

How a table's version is chosen (documented in the README text of issue 17): the versions *in force* on the
envelope's NGAYLAP are those accepted from that day or earlier (all of them when NGAYLAP is missing); a table is
read under the oldest of them whose layout holds every field the table carries, and the receipt names it. Later
versions only add optional fields, so a QĐ 4750 table stays readable after 1/1/2025: the BHXH gateway still takes
`guiHoSoXmlQD4750` (BHXH guide for QĐ 3176, 07/01/2026), so no version is closed. A field no version in force has
is refused (FIELD_UNKNOWN) naming the newest version tried. QĐ 1931 renames no field, so no table is told apart
from QĐ 3176 by its fields; its only change (MUC_HUONG, XML2/XML3) is in tables kept unread. Only one public source
reports QĐ 1931: it is marked [to confirm qd1931] wherever it is named.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Standard:
    """One version of the standard: the decision that set it and the dates it applies."""

    code: str
    decision: str
    signed: dt.date
    accepted_from: dt.date
    """The first NGAYLAP on which an envelope may use this version's layout."""
    mandatory_from: dt.date
    source: str
    confirmed: bool = True

    @property
    def label(self) -> str:
        """The decision as named in messages, with the register's mark when only one public source reports it."""
        return self.decision if self.confirmed else f"{self.decision} [to confirm qd1931]"


QD4750 = Standard(
    "QD4750",
    "QĐ 4750/QĐ-BYT",
    signed=dt.date(2023, 12, 29),
    accepted_from=dt.date(2023, 12, 29),
    mandatory_from=dt.date(2024, 7, 1),
    source="QĐ 4750/QĐ-BYT 29/12/2023 amending QĐ 130/QĐ-BYT 18/01/2023, appendix (phu-luc-qd4750.xlsx)",
)
QD3176 = Standard(
    "QD3176",
    "QĐ 3176/QĐ-BYT",
    signed=dt.date(2024, 10, 29),
    accepted_from=dt.date(2024, 10, 29),
    mandatory_from=dt.date(2025, 1, 1),
    source="QĐ 3176/QĐ-BYT 29/10/2024; BHXH guide for QĐ 3176 (07/01/2026); domain-rules §6",
)
QD1931 = Standard(
    "QD1931",
    "QĐ 1931/QĐ-BYT",
    signed=dt.date(2026, 6, 29),
    accepted_from=dt.date(2026, 7, 1),
    mandatory_from=dt.date(2026, 7, 1),
    source="QĐ 1931/QĐ-BYT 29/06/2026, reported by one secondary source only",
    confirmed=False,
)

STANDARDS: tuple[Standard, ...] = (QD4750, QD3176, QD1931)
"""Every version, oldest first."""

BY_CODE: dict[str, Standard] = {standard.code: standard for standard in STANDARDS}


def in_force(day: dt.date | None) -> tuple[Standard, ...]:
    """The versions an envelope dated `day` may use, oldest first (every version when the date is unknown)."""
    if day is None:
        return STANDARDS
    return tuple(standard for standard in STANDARDS if standard.accepted_from <= day) or STANDARDS[:1]
