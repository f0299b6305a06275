"""Rebuild `adminunits.json.gz` from the data files of the installed `vietnamadminunits` package.

    pip install vietnamadminunits
    python -m hub.catalogs.data.regenerate

Only the package's data files are read (its SQLite dataset and converter tables), never its code: that imports the
GPL-licensed `Unidecode`, which this Apache-2.0 project must not import. The output is deterministic: the same
package version gives the same bytes.

The vendored file holds exactly what `hub.catalogs.adminunits` builds its catalog from, in the order it builds it:

    {"source": {"package": ..., "version": ...},
     "units": {era: {level: [[code, name, short_name, province_code, district_code or null], ...]}},
     "successors": {legacy commune code: [[current commune code, is default], ...]}}
"""

from __future__ import annotations

import gzip
import importlib.metadata
import importlib.util
import json
import sqlite3
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

PACKAGE = "vietnamadminunits"
DATA_FILE = Path(__file__).with_name("adminunits.json.gz")

Row = list[str | None]


class PackageMissing(RuntimeError):
    def __init__(self) -> None:
        super().__init__(
            f"the {PACKAGE} package is not installed; it is needed only to regenerate the vendored data: "
            f"pip install {PACKAGE}"
        )


def package_data_dir() -> Path:
    """The installed package's data folder, located without running the package's code."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise PackageMissing
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def package_version() -> str:
    try:
        return importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise PackageMissing from None


def build(data_dir: Path | None = None) -> bytes:
    """The vendored document (UTF-8 JSON, uncompressed) built from the package's data files."""
    data_dir = data_dir or package_data_dir()
    connection = sqlite3.connect(f"file:{data_dir / 'dataset.db'}?mode=ro", uri=True)
    try:
        document = {
            "source": {"package": PACKAGE, "version": package_version()},
            "units": {"current": _current_units(connection), "legacy": _legacy_units(connection)},
            "successors": _successors(connection, json.loads((data_dir / "converter_2025.json").read_text("utf-8"))),
        }
    finally:
        connection.close()
    return serialise(document)


def serialise(document: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON, keys in the order given (the loader's order)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def compress(payload: bytes) -> bytes:
    """gzip with no timestamp and no file name in its header, so the bytes depend on the payload alone."""
    return gzip.compress(payload, compresslevel=9, mtime=0)


def _current_units(connection: sqlite3.Connection) -> dict[str, list[Row]]:
    """The 3,321 communes in table order, then each province (at its first row, with its last row's names)."""
    rows = connection.execute(
        "SELECT province, provinceShort, provinceCode, ward, wardShort, wardCode FROM admin_units"
    ).fetchall()
    provinces: dict[str, Row] = {}
    communes: list[Row] = []
    for province, province_short, province_code, ward, ward_short, ward_code in rows:
        provinces[province_code] = [province_code, province, province_short, province_code, None]
        communes.append([ward_code, ward, ward_short, province_code, None])
    return {"commune": communes, "province": list(provinces.values())}


def _legacy_units(connection: sqlite3.Connection) -> dict[str, list[Row]]:
    """The communes in table order (five island districts have none), then provinces and districts."""
    rows = connection.execute(
        "SELECT province, provinceShort, provinceCode, district, districtShort, districtCode, ward, wardShort, "
        "wardCode FROM admin_units_legacy"
    ).fetchall()
    provinces: dict[str, Row] = {}
    districts: dict[str, Row] = {}
    communes: list[Row] = []
    for (
        province,
        province_short,
        province_code,
        district,
        district_short,
        district_code,
        ward,
        ward_short,
        code,
    ) in rows:
        provinces[province_code] = [province_code, province, province_short, province_code, None]
        districts[district_code] = [district_code, district, district_short, province_code, None]
        if code:
            communes.append([code, ward, ward_short, province_code, district_code])
    return {"commune": communes, "province": list(provinces.values()), "district": list(districts.values())}


def _successors(connection: sqlite3.Connection, converter: dict[str, Any]) -> dict[str, list[list[str | bool]]]:
    """Legacy commune code → [[current commune code, is default]], from the package's converter tables."""
    current = {
        (province_key, ward_key): code
        for province_key, ward_key, code in connection.execute("SELECT provinceKey, wardKey, wardCode FROM admin_units")
    }
    legacy = {
        f"{province_key}_{district_key}_{ward_key}": code
        for province_key, district_key, ward_key, code in connection.execute(
            "SELECT provinceKey, districtKey, wardKey, wardCode FROM admin_units_legacy WHERE wardCode IS NOT NULL"
        )
    }
    mapping: dict[str, list[list[str | bool]]] = defaultdict(list)
    for province_key, wards in converter["DICT_PROVINCE_WARD_NO_DIVIDED"].items():
        for ward_key, legacy_keys in wards.items():
            for legacy_key in legacy_keys:
                if legacy_key in legacy and (province_key, ward_key) in current:
                    mapping[legacy[legacy_key]].append([current[(province_key, ward_key)], True])
    for province_key, divided in converter["DICT_PROVINCE_WARD_DIVIDED"].items():
        for legacy_key, options in divided.items():
            if legacy_key not in legacy:
                continue
            pairs = [(current.get((province_key, o["newWardKey"])), bool(o["isDefaultNewWard"])) for o in options]
            mapping[legacy[legacy_key]] = [[code, default] for code, default in pairs if code]
    return dict(mapping)


def main() -> int:
    try:
        payload = build()
    except PackageMissing as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    compressed = compress(payload)
    unchanged = DATA_FILE.exists() and DATA_FILE.read_bytes() == compressed
    DATA_FILE.write_bytes(compressed)
    print(
        f"{DATA_FILE}: {len(compressed):,} bytes ({len(payload):,} uncompressed) from {PACKAGE} "
        f"{package_version()}{', unchanged' if unchanged else ''}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
