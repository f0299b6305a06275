"""Importing the facility list BHXH offices exchange, as CSV and XLSX, on both backends and from the command line."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import select, text

from hub.catalogs.facility_import import column_map, import_facilities
from hub.catalogs.models import FacilityLevel, HealthFacility
from hub.entry.cli import main
from hub.infra.spreadsheets import UnreadableFile, read_rows

HEADER = ["MA_CSKCB", "TEN_CSKCB", "MA_TINH", "MA_XA", "TUYEN", "KCB_BD_TRE_EM", "HD_TU_NGAY", "HD_DEN_NGAY"]
ROWS = [
    ["48001", "Bệnh viện Đà Nẵng", "48", "20242", "2", "1", "01/01/2025", "31/12/2027"],  # row 2: good
    ["48002", "Trạm Y tế phường Hải Châu", "48", "20242", "4", "có", "20250101", ""],  # row 3: good
    ["4800", "Mã thiếu một số", "48", "", "3", "1", "", ""],  # row 4: bad code
    ["48003", "Bệnh viện Hòa Vang", "48", "", "7", "1", "", ""],  # row 5: bad level
    ["48004", "", "99", "", "3", "maybe", "32/01/2025", ""],  # row 6: several problems
    ["48001", "Bệnh viện Đà Nẵng (trùng)", "48", "", "2", "1", "", ""],  # row 7: duplicate of row 2
    ["49001", "Bệnh viện Đa khoa Quảng Nam", "48", "", "2", "0", "2025-01-01", "2026-12-31"],  # row 8: good
    ["", "", "", "", "", "", "", ""],  # a blank line at the end: skipped
]


def write_csv(path: Path, rows=ROWS, header=HEADER, delimiter=",") -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path) -> Path:
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.append(["Mã CSKCB", "Tên CSKCB", "Mã tỉnh", "Tuyến", "Nhận KCB ban đầu trẻ em", "Hợp đồng từ ngày"])
    sheet.append([48005, "Phòng khám Đa khoa Sơn Trà", 48, 3, 1, dt.datetime(2025, 3, 1)])  # numbers, a real date
    sheet.append(["48006", "Trung tâm Y tế Liên Chiểu", "48", "3", "x", "2025-03-01"])
    sheet.append(["48007", "Thiếu tỉnh", None, "3", "1", None])
    book.save(path)
    return path


async def run_import(db, clock, path: Path):
    header, rows = read_rows(path)
    async with db.transaction() as session:
        return await import_facilities(session, rows, column_map(header), now=clock.now(), actor=None)


async def stored(db) -> dict[str, HealthFacility]:
    async with db.sessions() as session:
        return {f.code: f for f in (await session.scalars(select(HealthFacility))).all()}


async def test_good_rows_are_stored_and_each_bad_row_reported(db, clock, tmp_path):
    report = await run_import(db, clock, write_csv(tmp_path / "cskcb.csv"))
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    assert {r.row: [e.code for e in r.errors] for r in report.rejected} == {
        4: ["INVALID_FACILITY_CODE"],
        5: ["INVALID_LEVEL"],
        6: ["INVALID_FLAG", "INVALID_DATE", "NAME_REQUIRED", "UNKNOWN_PROVINCE"],
        7: ["DUPLICATE_IN_FILE"],
    }
    facilities = await stored(db)
    assert sorted(facilities) == ["48001", "48002", "49001"]
    first = facilities["48001"]
    assert (first.level, first.accepts_child_primary_care, first.contract_from, first.contract_to) == (
        FacilityLevel.PROVINCE.value,
        True,
        dt.date(2025, 1, 1),
        dt.date(2027, 12, 31),
    )
    assert facilities["49001"].accepts_child_primary_care is False  # a former Quảng Nam code, now Đà Nẵng


async def test_a_row_that_parses_is_still_checked_against_the_catalogs(db, clock, tmp_path):
    rows = [["48008", "", "99", "00004", "3", "1", "", ""]]
    report = await run_import(db, clock, write_csv(tmp_path / "x.csv", rows))
    assert [e.code for e in report.rejected[0].errors] == [
        "NAME_REQUIRED",
        "UNKNOWN_PROVINCE",
        "COMMUNE_NOT_IN_PROVINCE",
    ]
    assert await stored(db) == {}


async def test_importing_again_updates_only_what_changed(db, clock, tmp_path):
    await run_import(db, clock, write_csv(tmp_path / "v1.csv"))
    changed = [list(r) for r in ROWS]
    changed[0][1] = "Bệnh viện Đà Nẵng (cơ sở 1)"
    report = await run_import(db, clock, write_csv(tmp_path / "v2.csv", changed, delimiter=";"))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)
    assert (await stored(db))["48001"].name == "Bệnh viện Đà Nẵng (cơ sở 1)"


async def test_xlsx_with_vietnamese_headers(db, clock, tmp_path):
    report = await run_import(db, clock, write_xlsx(tmp_path / "cskcb.xlsx"))
    assert report.created == 2
    assert [(r.row, [e.code for e in r.errors]) for r in report.rejected] == [(4, ["UNKNOWN_PROVINCE"])]
    assert (await stored(db))["48005"].contract_from == dt.date(2025, 3, 1)


def test_unreadable_files_are_refused_with_the_reason(tmp_path):
    with pytest.raises(UnreadableFile, match="MA_TINH"):
        column_map(read_rows(write_csv(tmp_path / "a.csv", header=["MA_CSKCB", "TEN_CSKCB", "TUYEN"]))[0])
    with pytest.raises(UnreadableFile, match=r"expected a \.csv or \.xlsx"):
        read_rows(tmp_path / "list.pdf")
    (tmp_path / "broken.xlsx").write_bytes(b"not a zip")
    with pytest.raises(UnreadableFile, match="not a readable XLSX"):
        read_rows(tmp_path / "broken.xlsx")


def test_command_line_import_reports_rejections(tmp_path, monkeypatch):
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}")
    runner = CliRunner()
    assert runner.invoke(main, ["migrate"]).exit_code == 0
    report = tmp_path / "rejected.csv"
    result = runner.invoke(
        main, ["catalog", "import-facilities", str(write_csv(tmp_path / "f.csv")), "--report", str(report)]
    )
    assert result.exit_code == 2  # some rows were rejected
    assert "3 added, 0 updated, 0 unchanged, 4 rejected" in result.stdout
    assert "row 6 (48004): INVALID_DATE" in result.stderr
    lines = report.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "row,code,error,field,message,message_vi" and len(lines) == 1 + 7  # one line per reason
    again = runner.invoke(main, ["catalog", "import-facilities", str(write_csv(tmp_path / "g.csv", ROWS[:2]))])
    assert again.exit_code == 0 and "0 added, 0 updated, 2 unchanged, 0 rejected" in again.stdout


async def test_an_import_leaves_the_planner_statistics_of_what_it_stored(db, clock, tmp_path):
    await run_import(db, clock, write_csv(tmp_path / "cskcb.csv", rows=ROWS[:2]))
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite plans without statistics")
    async with db.sessions() as session:
        rows = await session.scalar(text("SELECT reltuples FROM pg_class WHERE relname = 'health_facilities'"))
    assert rows == 2  # -1 (never analyzed) until autovacuum came by
