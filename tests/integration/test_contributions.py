"""Insured people's contributions on both backends: stored set-based from the contribution system or a file (people
found, completed or created; employers and months upserted; refusals with reasons), read back as the histories the
benefit rules take; the client against the simulator over loopback; the sync job through the outbox and a worker."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import func, select

from connectors import PermanentError, TransientError
from connectors.contributions import MAX_BATCH, ContributionsClient, PersonKey, record_to_json
from connectors.simulators.contributions import ContributionRegister, create_contributions_simulator, synthetic_record
from connectors.simulators.serve import running
from devkit.synthetic import PopulationGenerator
from hub.audit.models import AuditEntry
from hub.audit.purpose import Purpose
from hub.audit.service import verify_chain
from hub.claims.compute import PaidBefore, computation_json, compute, explanation_json
from hub.claims.details import BirthDetails, SicknessDetails
from hub.claims.models import ClaimKind
from hub.claims.rules.inputs import ContributionHistory, ContributionKind, ContributionMonth, OutsideHistory, WorkType
from hub.claims.rules.months import Month
from hub.contributions.models import ContributionMonthRow, Employer
from hub.contributions.records import check_record, month_rows
from hub.contributions.service import (
    ContributionPeriod,
    ContributionRecord,
    ContributionSource,
    EmployerInfo,
    contribution_histories,
    recent_since,
    store_contributions,
)
from hub.contributions.sync import queue_contribution_sync
from hub.documents.models import Document
from hub.entry.cli import main
from hub.entry.worker import WorkerService
from hub.infra.db import Database
from hub.infra.settings import ConnectorSettings, Settings, SettingsError
from hub.jobs.models import JobState, OutboxJob
from hub.jobs.outbox import Dispatcher
from hub.persons.id_numbers import compose_personal_id
from hub.persons.models import Gender, Person
from hub.persons.service import NewPerson, create_person
from tests.conftest import START
from tests.helpers import wait_until
from tests.integration.documents_kit import bare_documents

TOKEN = "contributions-token"
MAI_ID, MAI_CODE = compose_personal_id("48", Gender.FEMALE, 1990, 11), "4800000011"
HUNG_ID, HUNG_CODE = compose_personal_id("48", Gender.MALE, 1985, 12), "4800000012"
LAN_ID, LAN_CODE = compose_personal_id("48", Gender.FEMALE, 1995, 13), "4800000013"
BINH_CODE = "4800000014"
GARMENTS = EmployerInfo("DN0401234567", "Công ty TNHH May Hòa Bình", "48", "0401234567")
MINE = EmployerInfo("DN0409876543", "Công ty Cổ phần Khoáng sản Sơn Trà", "48")


def period(first: str, last: str, salary: int, employer: EmployerInfo | None = GARMENTS, **kw) -> ContributionPeriod:
    kind = ContributionKind.COMPULSORY if employer is not None else ContributionKind.VOLUNTARY
    return ContributionPeriod(_month(first), _month(last), salary, kind=kind, employer=employer, **kw)


def _month(text: str) -> Month:
    year, month = text.split("-")
    return Month(int(year), int(month))


def person(number, code, name, gender, born, *periods, commune="20242") -> ContributionRecord:
    return ContributionRecord(
        full_name=name,
        gender=gender,
        date_of_birth=born,
        province_code="48",
        commune_code=commune,
        address="Số 3 Lê Lợi",
        personal_id_number=number,
        bhxh_code=code,
        periods=tuple(periods),
    )


MAI = person(
    MAI_ID, MAI_CODE, "Trần Thị Mai", Gender.FEMALE, dt.date(1990, 3, 4), period("2024-01", "2024-12", 8_500_000)
)
HUNG = person(
    HUNG_ID,
    HUNG_CODE,
    "Nguyễn Văn Hùng",
    Gender.MALE,
    dt.date(1985, 7, 1),
    period("2023-01", "2023-06", 10_000_000, MINE, work_type=WorkType.HEAVY_HAZARDOUS),
)
LAN = person(
    LAN_ID,
    LAN_CODE,
    "Lê Thị Lan",
    Gender.FEMALE,
    dt.date(1995, 5, 5),
    period("2022-01", "2022-12", 6_000_000),
    period("2023-01", "2025-06", 7_000_000, MINE),
)
BINH = person(
    None, BINH_CODE, "Phạm Văn Bình", Gender.MALE, dt.date(1970, 1, 1), period("2021-01", "2021-12", 1_500_000, None)
)


def history(record: ContributionRecord) -> ContributionHistory:
    months = [ContributionMonth(m, p.salary_vnd, p.work_type, p.kind) for m, p in month_rows(record)]
    return ContributionHistory(tuple(sorted(months, key=lambda row: row.month)))


async def known(db: Database, clock, record: ContributionRecord, *, number=True, code=True) -> Person:
    """The person of `record` as the hub knows them already, with only the identifiers asked for."""
    async with db.transaction() as session:
        return await create_person(
            session,
            now=clock.now(),
            actor=None,
            purpose=Purpose.SYSTEM,
            new=NewPerson(
                record.full_name,
                record.gender,
                record.date_of_birth,
                record.province_code,
                record.commune_code,
                record.address,
                personal_id_number=record.personal_id_number if number else None,
                bhxh_code=record.bhxh_code if code else None,
            ),
        )


async def store(db: Database, clock, records, source=ContributionSource.CONNECTOR):
    async with db.transaction() as session:
        return await store_contributions(session, records, now=clock.now(), actor=None, source=source)


async def histories(db: Database, person_ids) -> dict[uuid.UUID, ContributionHistory]:
    async with db.sessions() as session:
        return await contribution_histories(session, person_ids)


async def people(db: Database) -> dict[str, Person]:
    """Everyone, by ID number or (without one) BHXH code."""
    async with db.sessions() as session:
        return {p.personal_id_number or p.bhxh_code or "": p for p in (await session.scalars(select(Person))).all()}


async def audit_operations(db: Database) -> list[str]:
    async with db.sessions() as session:
        return list((await session.scalars(select(AuditEntry.operation).order_by(AuditEntry.id))).all())


async def test_a_history_read_from_a_recent_month_computes_every_claim_as_the_full_one(db, clock):
    # Given generated contributors (long careers, gaps, voluntary spells, heavy work) and a few thin recent ones
    generated = [p for f in PopulationGenerator(21).families(150) for p in f.members]
    records = [r for r in map(synthetic_record, generated) if r is not None][:120]
    gap = person(
        None, "4800000099", "Đỗ Văn Gián", Gender.MALE, dt.date(1980, 1, 1), period("2010-01", "2022-02", 7_000_000)
    )
    back = dataclasses.replace(
        gap, bhxh_code="4800000098", periods=(*gap.periods, period("2025-04", "2025-05", 9_000_000))
    )
    report = await store(db, clock, [*records, gap, back])
    assert not report.rejected
    everyone = list((await people(db)).values())
    ids = [p.id for p in everyone]
    full = await histories(db, ids)
    # When the histories are read for claims from March 2025 on (listed from May 2022)
    events = [dt.date(2025, 3, 3), dt.date(2025, 7, 14), dt.date(2025, 7, 15), dt.date(2026, 1, 5)]
    since = recent_since(events)
    async with db.sessions() as session:
        recent = await contribution_histories(session, ids, since=since)
    # Then each history lists the months from May 2022 on (in full for those thin then), counts those before, and
    # every claim computes to the same amount and explanation
    assert since == dt.date(2022, 5, 1)
    assert sum(h.since is not None for h in recent.values()) > len(ids) // 2
    assert any(h.since is None and full[p].months != () for p, h in recent.items())
    for person_id in ids:
        for day in events:
            for kind, details in (
                (ClaimKind.SICKNESS, SicknessDetails(day, day + dt.timedelta(days=9))),
                (ClaimKind.MATERNITY, BirthDetails(day, children=2, leave_start=day - dt.timedelta(days=40))),
                (ClaimKind.PATERNITY, BirthDetails(day, periods=((day, day + dt.timedelta(days=6)),))),
            ):
                expected = compute(kind, details, full[person_id], PaidBefore())
                windowed = compute(kind, details, recent[person_id], PaidBefore())
                assert computation_json(windowed) == computation_json(expected)
                assert explanation_json(windowed) == explanation_json(expected)
    with pytest.raises(OutsideHistory):
        next(h for h in recent.values() if h.since).compulsory(Month(2022, 4))


# -- storing -------------------------------------------------------------------------------------------------------


async def test_a_batch_finds_completes_and_creates_people_and_stores_their_months(db, clock):
    # Given Mai known by her ID number only, and Hùng by his BHXH code only
    mai = await known(db, clock, MAI, code=False)
    hung = await known(db, clock, HUNG, number=False)
    # When the contribution system's records of Mai, Hùng, Lan (new) and Bình (new, voluntary) are stored
    report = await store(db, clock, [MAI, HUNG, LAN, BINH])
    # Then each is stored, the known found and given the identifier they lacked, the others created
    assert report.rejected == []
    assert [(s.index, s.created, s.months_added, s.months_replaced) for s in report.stored] == [
        (0, False, 12, 0),
        (1, False, 6, 0),
        (2, True, 42, 0),
        (3, True, 12, 0),
    ]
    assert (report.employers_added, report.employers_updated) == (2, 0)
    everyone = await people(db)
    assert sorted(everyone) == sorted([MAI_ID, HUNG_ID, LAN_ID, BINH_CODE])
    assert (everyone[MAI_ID].id, everyone[MAI_ID].bhxh_code) == (mai.id, MAI_CODE)
    assert (everyone[HUNG_ID].id, everyone[HUNG_ID].bhxh_code) == (hung.id, HUNG_CODE)
    assert (everyone[LAN_ID].full_name, everyone[LAN_ID].commune_code) == ("Lê Thị Lan", "20242")
    # And the histories read back are what was stored, voluntary months included; nobody's is empty
    stranger = uuid.uuid4()
    found = await histories(db, [p.id for p in everyone.values()] + [stranger])
    assert found[mai.id] == history(MAI) and found[hung.id] == history(HUNG)
    assert found[everyone[LAN_ID].id] == history(LAN) and found[everyone[BINH_CODE].id] == history(BINH)
    assert found[everyone[BINH_CODE].id].months[0].kind is ContributionKind.VOLUNTARY
    assert found[hung.id].months[0].work_type is WorkType.HEAVY_HAZARDOUS
    assert found[stranger] == ContributionHistory(())
    async with db.sessions() as session:
        employers = {e.code: e for e in (await session.scalars(select(Employer))).all()}
        sources = set((await session.scalars(select(ContributionMonthRow.source))).all())
        voluntary = await session.scalar(select(func.count()).where(ContributionMonthRow.employer_id.is_(None)))
    assert (employers[GARMENTS.code].tax_code, employers[MINE.code].tax_code) == ("0401234567", None)
    assert sources == {"connector"} and voluntary == 12
    # And the audit shows the people created and completed, each person written, and the batch
    operations = (await audit_operations(db))[2:]  # after the two people known before
    assert sorted(operations[:-1]) == sorted(
        ["person.create"] * 2 + ["contributions.attach_identifier"] * 2 + ["contributions.write"] * 4
    )
    assert operations[-1] == "contributions.store"


async def test_the_same_data_again_changes_nothing_and_a_changed_month_is_replaced(db, clock):
    first = await store(db, clock, [MAI, LAN])
    entries = len(await audit_operations(db))
    # When the same records come again
    again = await store(db, clock, [MAI, LAN])
    # Then nothing is written: every month unchanged, no employer touched, only the batch audited
    assert (again.months_added, again.months_replaced, again.months_unchanged) == (0, 0, first.months_added)
    assert (again.people_created, again.people_found, again.employers_added, again.employers_updated) == (0, 2, 0, 0)
    assert (await audit_operations(db))[entries:] == ["contributions.store"]
    # When the system corrects two of Mai's months, names a month more, and renames her employer
    renamed = dataclasses.replace(GARMENTS, name="Công ty TNHH May Hòa Bình Đà Nẵng", tax_code=None)
    corrected = dataclasses.replace(
        MAI,
        periods=(
            period("2024-01", "2024-10", 8_500_000, renamed),
            period("2024-11", "2025-01", 9_000_000, renamed, work_type=WorkType.HEAVY_HAZARDOUS),
        ),
    )
    changed = await store(db, clock, [corrected], ContributionSource.IMPORT)
    # Then the two months are replaced, the new one added, the employer renamed (its tax code kept)
    (stored,) = changed.stored
    assert (stored.months_added, stored.months_replaced, stored.months_unchanged) == (1, 2, 10)
    assert (changed.employers_added, changed.employers_updated) == (0, 1)
    mai = (await people(db))[MAI_ID]
    assert (await histories(db, [mai.id]))[mai.id] == history(corrected)
    async with db.sessions() as session:
        employer = await session.scalar(select(Employer).where(Employer.code == GARMENTS.code))
        rows = (
            await session.execute(
                select(ContributionMonthRow.month, ContributionMonthRow.source).where(
                    ContributionMonthRow.person_id == mai.id, ContributionMonthRow.source == "import"
                )
            )
        ).all()
    assert employer is not None and (employer.name, employer.tax_code) == (renamed.name, "0401234567")
    assert sorted(month for month, _ in rows) == [dt.date(2024, 11, 1), dt.date(2024, 12, 1), dt.date(2025, 1, 1)]
    assert (await audit_operations(db))[-2:] == ["contributions.write", "contributions.store"]
    async with db.sessions() as session:
        assert (await verify_chain(session)).ok


def someone(serial: int, gender: Gender, born: dt.date, name: str) -> ContributionRecord:
    number, code = compose_personal_id("48", gender, born.year, serial), f"48{serial:08d}"
    return person(number, code, name, gender, born, period("2024-01", "2024-03", 7_000_000))


async def test_each_refused_record_has_its_reasons_and_the_rest_is_stored(db, clock):
    an = someone(21, Gender.MALE, dt.date(1980, 2, 2), "Võ Văn An")
    cuong = someone(22, Gender.MALE, dt.date(1975, 4, 4), "Đỗ Văn Cường")
    dung = someone(23, Gender.FEMALE, dt.date(1988, 8, 8), "Hồ Thị Dung")
    em = someone(24, Gender.MALE, dt.date(1992, 9, 9), "Lý Văn Em")
    # Given these people known with both their identifiers
    for record in (MAI, HUNG, an, cuong, dung, em):
        await known(db, clock, record)
    records = [
        LAN,  # 0: new, stored
        dataclasses.replace(LAN, full_name="Lê Thị Lan (again)"),  # 1: the same ID number twice in the batch
        dataclasses.replace(MAI, bhxh_code=HUNG_CODE),  # 2: Mai's number with Hùng's code
        dataclasses.replace(an, date_of_birth=dt.date(1980, 2, 3)),  # 3: An with another date of birth
        dataclasses.replace(BINH, commune_code="00004"),  # 4: a Hà Nội commune in Đà Nẵng
        dataclasses.replace(cuong, personal_id_number=None),  # 5: Cường by his code alone: stored
        dataclasses.replace(cuong, bhxh_code=None),  # 6: Cường by his number alone: the same person as record 5
        dataclasses.replace(dung, bhxh_code="4899999999"),  # 7: Dung's number with a code she does not have
        dataclasses.replace(  # 8: Em's code with a woman's number
            em, personal_id_number=compose_personal_id("48", Gender.FEMALE, 1992, 77), gender=Gender.FEMALE
        ),
    ]
    report = await store(db, clock, records)
    assert [s.index for s in report.stored] == [0, 5]
    reasons = {r.index: [(e.code, e.field) for e in r.errors] for r in report.rejected}
    assert reasons == {
        1: [("DUPLICATE_PERSON", None)],
        2: [("IDENTITY_CONFLICT", "bhxhCode")],
        3: [("PERSON_MISMATCH", "dateOfBirth")],
        4: [("INVALID_LOCATION", "communeCode")],
        6: [("DUPLICATE_PERSON", None)],
        7: [("IDENTITY_CONFLICT", "bhxhCode")],
        8: [("IDENTITY_CONFLICT", "personalIdNumber"), ("PERSON_MISMATCH", "gender")],
    }
    rejected = {r.index: r.errors for r in report.rejected}
    assert rejected[1][0].message == "This person is already record 1 of the same batch."
    assert rejected[2][0].message_vi == "Số định danh cá nhân và mã số BHXH thuộc về hai người khác nhau."
    assert rejected[3][0].message == "The person known under this identifier has another date of birth."
    assert rejected[3][0].message_vi == "Người có mã định danh này được ghi nhận với ngày sinh khác."
    assert rejected[6][0].message == "This person is already record 6 of the same batch."
    assert rejected[7][0].message == "The person with this personal identification number has another BHXH code."
    assert rejected[8][0].message == "The person with this BHXH code has another personal identification number."
    # Then nobody else was created or changed, and only the stored records' months were written
    everyone = await people(db)
    assert LAN_ID in everyone and BINH_CODE not in everyone and len(everyone) == 7
    assert everyone[dung.personal_id_number or ""].bhxh_code == dung.bhxh_code
    found = await histories(db, [p.id for p in everyone.values()])
    assert {key for key, p in everyone.items() if found[p.id].months} == {LAN_ID, cuong.personal_id_number}


async def test_documents_waiting_for_a_person_are_linked_when_they_arrive(db, clock):
    # Given Hùng known without a BHXH code, and two sick-leave certificates naming nobody the hub knows yet
    hung = await known(db, clock, HUNG, code=False)
    now = clock.now()
    async with db.transaction() as session:
        for number, subject in (("1", {"subject_personal_id": LAN_ID}), ("2", {"subject_bhxh_code": HUNG_CODE})):
            await bare_documents(session, now, [number], subject=subject)
    # When Lan arrives from the contribution system and Hùng is given his BHXH code
    report = await store(db, clock, [LAN, HUNG])
    # Then both certificates are linked to them
    assert report.documents_linked == 2
    async with db.sessions() as session:
        linked = dict((await session.execute(select(Document.number, Document.person_id))).all())
        lan = await session.scalar(select(Person.id).where(Person.personal_id_number == LAN_ID))
    assert linked == {"1": lan, "2": hung.id}


# -- the command line ---------------------------------------------------------------------------------------------

HEADER = [
    "SO_DINH_DANH",
    "MA_SO_BHXH",
    "HO_TEN",
    "NGAY_SINH",
    "GIOI_TINH",
    "MA_TINH",
    "MA_XA",
    "DIA_CHI",
    "MA_DON_VI",
    "TEN_DON_VI",
    "MST_DON_VI",
    "MA_TINH_DON_VI",
    "TU_THANG",
    "DEN_THANG",
    "MUC_LUONG",
    "DIEU_KIEN_LAM_VIEC",
    "LOAI_DONG",
]
MAI_ROW = [MAI_ID, MAI_CODE, "Trần Thị Mai", "04/03/1990", "2", "48", "20242", "Số 3 Lê Lợi"]
GARMENTS_ROW = [GARMENTS.code, GARMENTS.name, GARMENTS.tax_code, "48"]
CSV_ROWS = [
    [*MAI_ROW, *GARMENTS_ROW, "01/2024", "06/2024", "8.500.000", "", ""],  # row 2: good
    [*MAI_ROW, *GARMENTS_ROW, "07/2024", "12/2024", "8.500.000", "", "bắt buộc"],  # row 3: good
    [*MAI_ROW, *GARMENTS_ROW, "12/2024", "", "9000000", "", ""],  # row 4: December again
    ["", BINH_CODE, "Phạm Văn Bình", "01/01/1970", "nam", "48", "20242", "", "", "", "", "", "2021-01", "2021-12",
     "1500000", "", "tự nguyện"],  # row 5: good, voluntary
    [LAN_ID, "", "Lê Thị Lan", "05/05/1995", "1", "48", "20242", "", *GARMENTS_ROW, "13/2024", "", "x", "", ""],
    # row 6: three problems
]  # fmt: skip


def write_csv(path: Path, rows=CSV_ROWS) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path) -> Path:
    book = Workbook()
    sheet = book.worksheets[0]
    sheet.append(
        [
            "Số định danh cá nhân",
            "Họ và tên",
            "Ngày sinh",
            "Giới tính",
            "Mã tỉnh",
            "Mã xã",
            "Mã đơn vị",
            "Tên đơn vị",
            "Mã tỉnh đơn vị",
            "Từ tháng",
            "Đến tháng",
            "Mức lương",
            "Điều kiện làm việc",
        ]
    )
    hung = [int(HUNG_ID), "Nguyễn Văn Hùng", dt.datetime(1985, 7, 1), "Nam", 48, 20242, MINE.code, MINE.name, 48]
    sheet.append([*hung, dt.datetime(2023, 1, 1), dt.datetime(2023, 6, 1), 10_000_000, "nặng nhọc, độc hại"])
    sheet.append([*hung, "07/2023", "", 10_500_000.0, "nặng nhọc, độc hại"])
    sheet.append([hung[0], "Nguyễn Văn Hải", *hung[2:], "08/2023", "", 10_500_000, ""])  # another name than row 2
    book.save(path)
    return path  # fmt: skip


@pytest.fixture
def cli(settings, monkeypatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("HUB_DATABASE_URL", settings.database_url)
    yield CliRunner()


def test_command_line_import_of_a_csv_and_an_xlsx_file(cli, settings, tmp_path):
    report = tmp_path / "rejected.csv"
    # When a CSV file is imported
    result = cli.invoke(
        main, ["claims", "import-contributions", str(write_csv(tmp_path / "c.csv")), "--report", str(report)]
    )
    # Then the good rows are stored, each rejected row listed with its reasons, and the exit code says so
    assert result.exit_code == 2, result.output
    assert (
        "3 rows stored: 2 people added, 0 found; 24 months added, 0 replaced, 0 unchanged; 1 employers added, "
        "0 updated; 2 rows rejected" in result.stdout
    )
    assert f"row 4 ({MAI_ID}): MONTHS_OVERLAP Month 12/2024 is already given on row 3." in result.stderr
    assert f"row 6 ({LAN_ID}): INVALID_MONTH" in result.stderr
    lines = list(csv.reader(report.read_text(encoding="utf-8-sig").splitlines()))
    assert lines[0] == ["row", "code", "error", "field", "message", "message_vi"]
    assert [line[:4] for line in lines[1:]] == [
        ["4", MAI_ID, "MONTHS_OVERLAP", "fromMonth"],
        ["6", LAN_ID, "INVALID_MONTH", "fromMonth"],
        ["6", LAN_ID, "INVALID_SALARY", "salaryVnd"],
        ["6", LAN_ID, "INVALID_PERSONAL_ID", "personalIdNumber"],
    ]
    assert lines[4][5].startswith("Giới tính trong số định danh cá nhân không khớp với hồ sơ")
    # When an XLSX file with Vietnamese headings is imported
    result = cli.invoke(main, ["claims", "import-contributions", str(write_xlsx(tmp_path / "c.xlsx"))])
    assert result.exit_code == 2, result.output
    assert "2 rows stored: 1 people added, 0 found; 7 months added" in result.stdout
    assert f"row 4 ({HUNG_ID}): PERSON_DIFFERS_IN_FILE" in result.stderr
    # And importing the CSV again stores nothing new
    again = cli.invoke(main, ["claims", "import-contributions", str(write_csv(tmp_path / "d.csv", CSV_ROWS[:2]))])
    assert again.exit_code == 0 and "0 people added, 1 found; 0 months added, 0 replaced, 12 unchanged" in again.stdout

    async def stored() -> dict[str, ContributionHistory]:
        db = Database(settings.database_url)
        try:
            everyone = await people(db)
            found = await histories(db, [p.id for p in everyone.values()])
            return {key: found[p.id] for key, p in everyone.items()}
        finally:
            await db.dispose()

    found = asyncio.run(stored())
    assert sorted(found) == sorted([MAI_ID, BINH_CODE, HUNG_ID])
    assert found[MAI_ID] == history(MAI)  # the 12 months of 2024 at 8,500,000
    assert [(m.month, m.salary_vnd, m.work_type) for m in found[HUNG_ID].months][-2:] == [
        (Month(2023, 6), 10_000_000, WorkType.HEAVY_HAZARDOUS),
        (Month(2023, 7), 10_500_000, WorkType.HEAVY_HAZARDOUS),
    ]


def test_a_file_the_importer_cannot_read_stops_before_anything_is_stored(cli, tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("HO_TEN;NGAY_SINH\nTrần Thị Mai;04/03/1990\n", encoding="utf-8")
    result = cli.invoke(main, ["claims", "import-contributions", str(path)])
    assert result.exit_code == 1 and "The file has no SO_DINH_DANH or MA_SO_BHXH column" in result.output


# -- the connector and its simulator ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def contribution_system() -> Iterator[tuple[str, ContributionRegister]]:
    register = ContributionRegister()
    with running(create_contributions_simulator(register=register, token=TOKEN)) as url:
        yield url, register


@pytest.fixture
async def system(contribution_system):
    """The simulator holding Mai, Hùng and Bình (loaded over HTTP), and a client of it."""
    url, register = contribution_system
    register.clear()
    async with httpx.AsyncClient(base_url=url) as sim:
        loaded = await sim.post("/sim/records", json=[record_to_json(r) for r in (MAI, HUNG, BINH)])
    assert (loaded.status_code, loaded.json()) == (201, {"loaded": 3, "total": 3})
    async with ContributionsClient(url, token=TOKEN) as client:
        yield client


async def test_a_person_is_answered_by_id_number_or_bhxh_code(system):
    assert await system.by_personal_id(MAI_ID) == MAI
    assert await system.by_bhxh_code(BINH_CODE) == BINH
    assert await system.lookup(PersonKey(compose_personal_id("48", Gender.MALE, 1985, 99), HUNG_CODE)) == HUNG
    assert await system.by_personal_id(LAN_ID) is None
    assert await system.by_bhxh_code("4899999999") is None


async def test_many_people_in_one_call_in_the_order_asked(system):
    asked = [PersonKey(LAN_ID), PersonKey(MAI_ID), PersonKey(bhxh_code=BINH_CODE), PersonKey(HUNG_ID, HUNG_CODE)]
    assert await system.query(asked) == (None, MAI, BINH, HUNG)
    with pytest.raises(ValueError, match="1 to 500"):
        await system.query([PersonKey(MAI_ID)] * (MAX_BATCH + 1))


async def test_a_record_loaded_again_replaces_the_earlier_one(contribution_system, system):
    url, _ = contribution_system
    corrected = dataclasses.replace(MAI, periods=(period("2024-01", "2024-03", 9_000_000),))
    async with httpx.AsyncClient(base_url=url) as sim:
        loaded = await sim.post("/sim/records", json=[record_to_json(corrected)])
        assert loaded.json() == {"loaded": 1, "total": 3}
        refused = await sim.post("/sim/records", json=[{"full_name": "x"}])
        assert refused.status_code == 400 and refused.json()["error"] == "malformed"
    assert await system.by_bhxh_code(MAI_CODE) == corrected


async def test_refusals_and_outages_are_told_apart(contribution_system, system):
    url, _ = contribution_system
    async with ContributionsClient(url, token="wrong") as wrong:
        with pytest.raises(PermanentError) as refused:
            await wrong.by_personal_id(MAI_ID)
    assert refused.value.status == 401
    async with httpx.AsyncClient(base_url=url) as raw:
        malformed = await raw.get(
            "/v1/contributions", params={"personal_id": "123"}, headers={"Authorization": f"Bearer {TOKEN}"}
        )
    assert (malformed.status_code, malformed.json()["error"]) == (400, "malformed")
    with running(create_contributions_simulator(failure_rate=1.0)) as down:
        async with ContributionsClient(down) as client:
            with pytest.raises(TransientError) as outage:
                await client.query([PersonKey(MAI_ID)])
    assert (outage.value.status, outage.value.retry_after) == (503, 1.0)


async def test_an_answer_about_someone_else_is_refused():
    def answer(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return httpx.Response(200, json=record_to_json(HUNG))
        return httpx.Response(200, json={"answers": [{"found": True, "record": record_to_json(HUNG)}]})

    async with ContributionsClient("http://contributions", transport=httpx.MockTransport(answer)) as client:
        with pytest.raises(PermanentError, match="about someone else"):
            await client.by_personal_id(MAI_ID)
        with pytest.raises(PermanentError, match="answer 0 is about someone else"):
            await client.query([PersonKey(MAI_ID)])


async def test_the_synthetic_population_is_served_and_storable(contribution_system, system):
    _, register = contribution_system
    generated = [p for f in PopulationGenerator(5).families(200) for p in f.members]
    contributors = [p for p in generated if p.contributions]
    assert register.add_people(generated) == len(contributors) > 20
    asked = [PersonKey(p.personal_id, p.bhxh_code) for p in contributors]
    answers = await system.query(asked)
    assert list(answers) == [synthetic_record(p) for p in contributors]
    assert any(p.kind is ContributionKind.VOLUNTARY for r in answers if r for p in r.periods)
    assert any(p.work_type is WorkType.HEAVY_HAZARDOUS for r in answers if r for p in r.periods)
    assert all(check_record(r, today=START.date()) == [] for r in answers if r)


def test_the_connection_is_configured_from_the_environment():
    settings = Settings.from_env({"HUB_CONTRIBUTIONS_URL": "http://bhxh-thu:8100/", "HUB_CONTRIBUTIONS_TOKEN": "t"})
    assert (settings.connectors.contributions_url, settings.connectors.contributions_token) == (
        "http://bhxh-thu:8100",
        "t",
    )
    with pytest.raises(SettingsError, match="HUB_CONTRIBUTIONS_URL"):
        Settings.from_env({"HUB_CONTRIBUTIONS_URL": "bhxh-thu:8100"})


# -- the sync job --------------------------------------------------------------------------------------------------


@pytest.fixture
def synthetic_system() -> Iterator[tuple[str, ContributionRegister]]:
    register = ContributionRegister()
    with running(create_contributions_simulator(register=register, token=TOKEN)) as url:
        yield url, register


async def sync_jobs(db: Database) -> list[OutboxJob]:
    async with db.sessions() as session:
        return list(
            (await session.scalars(select(OutboxJob).where(OutboxJob.kind == "claims.sync_contributions"))).all()
        )


async def test_the_sync_job_fetches_and_stores_contributions_through_the_outbox(settings, db, clock, synthetic_system):
    url, register = synthetic_system
    generated = [p for f in PopulationGenerator(9).families(300) for p in f.members]
    contributors = [p for p in generated if p.contributions and p.personal_id and p.bhxh_code][:6]
    register.add_people(generated)
    # Given the hub knows six contributors (one by ID number only, one by BHXH code only) and someone the system
    # does not know
    records = {p.number: synthetic_record(p) for p in contributors}
    hub_people = []
    for position, p in enumerate(contributors):
        record = records[p.number]
        assert record is not None
        hub_people.append(await known(db, clock, record, number=position != 1, code=position != 0))
    stranger = await known(db, clock, LAN)
    connected = dataclasses.replace(
        settings, connectors=ConnectorSettings(contributions_url=url, contributions_token=TOKEN, timeout_seconds=5)
    )
    worker = WorkerService(connected, clock, threads=2)
    worker.start()
    try:
        db.add_commit_hook(Dispatcher(db, worker.broker))
        # When their synchronisation is asked for
        async with db.transaction() as session:
            await queue_contribution_sync(session, [p.id for p in hub_people] + [stranger.id], now=clock.now())

        async def done(count: int) -> bool:
            jobs = await sync_jobs(db)
            return len(jobs) == count and all(job.state == JobState.DONE.value for job in jobs)

        await wait_until(lambda: done(1), timeout=30)
        # Then each contributor's history is the system's, and the two given only one identifier have both now
        found = await histories(db, [p.id for p in hub_people] + [stranger.id])
        for p, hub_person in zip(contributors, hub_people, strict=True):
            record = records[p.number]
            assert record is not None and found[hub_person.id] == history(record)
        assert found[stranger.id] == ContributionHistory(())
        completed = {p.id: p for p in (await people(db)).values()}
        assert completed[hub_people[0].id].bhxh_code == contributors[0].bhxh_code
        assert completed[hub_people[1].id].personal_id_number == contributors[1].personal_id
        # And asking again stores nothing new
        before = await audit_operations(db)
        async with db.transaction() as session:
            await queue_contribution_sync(session, [p.id for p in hub_people], now=clock.now())
        await wait_until(lambda: done(2), timeout=30)
        assert (await audit_operations(db))[len(before) :] == ["contributions.store"]
    finally:
        await asyncio.to_thread(worker.stop)
