"""The facility catalog of generated facilities as `hub catalog import-facilities` reads it (a CSV of BHXH's
columns)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from devkit.synthetic import Facility
from hub.catalogs.models import FacilityLevel

HEADER = ("MA_CSKCB", "TEN_CSKCB", "MA_TINH", "MA_XA", "DIA_CHI", "TUYEN", "KCB_BD_TRE_EM", "HD_TU_NGAY", "HD_DEN_NGAY")
LEVEL_NUMBERS = {
    FacilityLevel.CENTRAL: 1,
    FacilityLevel.PROVINCE: 2,
    FacilityLevel.DISTRICT: 3,
    FacilityLevel.COMMUNE: 4,
}


def write_facilities_csv(path: Path, facilities: Iterable[Facility]) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for f in facilities:
            writer.writerow(
                [
                    f.code,
                    f.name,
                    f.province_code,
                    f.commune_code,
                    "",
                    LEVEL_NUMBERS[f.level],
                    int(f.accepts_child_primary_care),
                    f.contract_from.isoformat(),
                    f.contract_to.isoformat(),
                ]
            )
