"""The database owner: a server that dropped the pooled connections (a restart) costs no request (PostgreSQL); a
filter on several columns at once matches whole rows only (both backends); a statement run on the driver is part of
its transaction and fails as SQLAlchemy fails (both backends; the driver only on PostgreSQL); work on an autocommit
connection commits statement by statement and runs again after a lost race or a dropped connection (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any, cast

import asyncpg  # type: ignore[import-untyped]
import pytest
from sqlalchemy import JSON, Column, Date, Integer, MetaData, String, Table, Uuid, bindparam, func, insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from hub.childcards.models import CaseEvent, ChildCardCase
from hub.infra.db import (
    Base,
    Database,
    UTCDateTime,
    ValueTooLong,
    bounded_columns,
    fetch_on_driver,
    insert_json_rows,
    insert_new,
    insert_rows,
    insert_rows_returning_ids,
    is_conflict,
    json_rows,
    new_row,
    one_of,
    plan_for_batches,
    rows_in,
    update_rows,
)
from hub.persons.models import Person

NOW = dt.datetime(2026, 11, 26, 4, 0, tzinfo=dt.UTC)


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    return postgres_database


async def _backend_pids(db: Database, count: int) -> set[int]:
    """Check `count` connections out at once and back in, answering their server process ids."""
    sessions = [db.sessions() for _ in range(count)]
    pids = set()
    for session in sessions:
        pids.add(int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one()))
    for session in sessions:
        await session.close()
    return pids


async def _dropped_pool(db: Database, postgres_url: str) -> set[int]:
    """Three connections pooled, then dropped by the server as a restart drops them; their server process ids."""
    before = await _backend_pids(db, 3)
    admin = await asyncpg.connect(postgres_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await admin.execute("SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid", list(before))
    finally:
        await admin.close()
    return before


async def test_a_transaction_on_a_dropped_connection_runs_again_on_a_new_one(postgres_url):
    db = Database(postgres_url)
    try:
        before = await _dropped_pool(db, postgres_url)

        async def work(session):
            return int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())

        assert await db.run(work) not in before
        # The connection found dead invalidated the others in the pool: later sessions get new ones too.
        assert not (await _backend_pids(db, 3)) & before
    finally:
        await db.dispose()


@pytest.mark.parametrize("autocommitted", [False, True], ids=["in a transaction", "autocommitted"])
async def test_a_statement_on_the_driver_over_a_dropped_connection_runs_again_on_a_new_one(postgres_url, autocommitted):
    db = Database(postgres_url)

    async def backend_pid(connection: AsyncConnection) -> int:
        rows = await fetch_on_driver(connection, select(func.pg_backend_pid()), {})
        return int(rows[0][0])

    async def in_session(session: AsyncSession) -> int:
        return await backend_pid(await session.connection())

    try:
        before = await _dropped_pool(db, postgres_url)
        ran = await (db.run_autocommitted(backend_pid) if autocommitted else db.run(in_session))
        assert ran not in before
    finally:
        await db.dispose()


async def test_autocommitted_statements_commit_each_and_a_lost_race_runs_again(postgres_url):
    """Each statement of autocommitted work commits by itself (no transaction undoes the first when the second
    fails); work that lost a race on a unique key runs again, as many times as `retries` allows."""
    db = Database(postgres_url)
    table = f"autocommitted_{uuid.uuid4().hex[:8]}"
    calls = 0

    async def work(connection):
        nonlocal calls
        calls += 1
        await connection.execute(text(f"INSERT INTO {table} VALUES (:n)"), {"n": 10 + calls})
        if calls == 3:  # the other one gave the key back
            await connection.execute(text(f"DELETE FROM {table} WHERE n = 1"))
        await connection.execute(text(f"INSERT INTO {table} VALUES (1)"))
        return calls

    async def kept() -> list[int]:
        async with db.sessions() as session:
            return list((await session.scalars(text(f"SELECT n FROM {table} ORDER BY n"))).all())

    try:
        async with db.transaction() as session:
            await session.execute(text(f"CREATE TABLE {table} (n int PRIMARY KEY)"))
            await session.execute(text(f"INSERT INTO {table} VALUES (1)"))
        with pytest.raises(IntegrityError):
            await db.run_autocommitted(work)
        assert calls == 1 and await kept() == [1, 11]
        assert await db.run_autocommitted(work, retries=1) == 3
        assert await kept() == [1, 11, 12, 13]
    finally:
        async with db.transaction() as session:
            await session.execute(text(f"DROP TABLE IF EXISTS {table}"))
        await db.dispose()


async def test_a_failure_that_is_not_a_lost_connection_is_not_run_again(postgres_url):
    db = Database(postgres_url)
    calls = 0

    async def work(session):
        nonlocal calls
        calls += 1
        await session.execute(text("SELECT 1 / 0"))

    try:
        with pytest.raises(Exception, match="division by zero"):
            await db.run(work)
        assert calls == 1
    finally:
        await db.dispose()


def _person(name: str, born: dt.date, mother: Person | None = None) -> Person:
    return Person(
        id=uuid.uuid4(),
        full_name=name,
        name_key=name,
        gender="female",
        date_of_birth=born,
        province_code="48",
        commune_code="20194",
        address="",
        mother_id=mother.id if mother else None,
        created_at=NOW,
        updated_at=NOW,
    )


async def _people(db: Database, keys_and_days: Iterable[tuple[str, dt.date]]) -> list[uuid.UUID]:
    """People of these name keys and birth days; their ids."""
    people = [_person(key, day) for key, day in keys_and_days]
    async with db.transaction() as session:
        session.add_all(people)
    return [p.id for p in people]


async def _plans_of_eight_runs(session) -> tuple[int, int]:
    """(generic, custom) plans PostgreSQL made for eight runs of one statement, with batches of 0 to 7 keys."""
    for n in range(8):
        wanted = [uuid.uuid4() for _ in range(n)]
        await session.scalars(select(Person.id).where(one_of(session, Person.id, wanted)))
    plans = await session.execute(
        text(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE 'SELECT persons.id%FROM persons%'"
        )
    )
    generic, custom = plans.one()
    return generic, custom


async def test_a_transaction_for_batches_plans_each_statement_for_its_parameters(postgres_url):
    db = Database(postgres_url)
    try:
        async with db.transaction() as session:
            await plan_for_batches(session)
            assert await _plans_of_eight_runs(session) == (0, 8)
        # Other transactions keep PostgreSQL's choice: after five runs, a generic plan for this cheap statement.
        async with db.transaction() as session:
            generic, _ = await _plans_of_eight_runs(session)
            assert generic > 0
    finally:
        await db.dispose()


async def test_rows_in_matches_whole_rows_not_their_columns_apart(db):
    born = [dt.date(2024, 1, day) for day in (1, 2, 3)]
    await _people(db, (("an", born[0]), ("an", born[1]), ("binh", born[1]), ("binh", born[2])))
    async with db.sessions() as session:
        wanted = [("an", born[0]), ("binh", born[2]), ("chi", born[0])]
        found = await session.execute(
            select(Person.name_key, Person.date_of_birth).where(
                rows_in(session, (Person.name_key, Person.date_of_birth), wanted)
            )
        )
        assert sorted(found.all()) == [("an", born[0]), ("binh", born[2])]


async def test_one_of_takes_any_number_of_values_of_the_columns_type(db):
    ids = await _people(db, [(f"p{n}", dt.date(2024, 1, 1)) for n in range(5)])
    async with db.sessions() as session:
        for wanted in ([], ids[:1], [ids[0], ids[3], uuid.uuid4()], ids):
            found = await session.scalars(select(Person.id).where(one_of(session, Person.id, wanted)))
            assert sorted(found.all()) == sorted(i for i in wanted if i in ids)
        names = await session.scalars(select(Person.name_key).where(one_of(session, Person.name_key, {"p1", "x"})))
        assert names.all() == ["p1"]


async def test_insert_new_writes_tables_in_the_order_of_their_foreign_keys_and_leaves_the_session_alone(db):
    mother = _person("me", dt.date(2000, 1, 1))
    child = _person("con", dt.date(2026, 1, 1), mother)
    case = _case("1", child.id)
    async with db.transaction() as session:
        await insert_new(session, [case, mother, child])  # the case first, the people it refers to after
        assert not session.new and case not in session
    async with db.sessions() as session:
        stored = (await session.execute(select(ChildCardCase.person_id, ChildCardCase.population_check))).one()
        assert stored == (child.id, None)
        assert await session.scalar(select(Person.mother_id).where(Person.id == child.id)) == mother.id


async def test_insert_new_gives_a_column_never_set_its_default_as_the_orm_does(db):
    person = Person(
        full_name="Lê Văn Bình",
        name_key="le van binh",
        gender="male",
        date_of_birth=dt.date(1990, 1, 1),
        province_code="48",
        commune_code="20242",
        address="Đà Nẵng",
        created_at=NOW,
        updated_at=NOW,
    )
    assert person.id is None
    async with db.transaction() as session:
        await insert_new(session, [person])
    assert isinstance(person.id, uuid.UUID)
    async with db.sessions() as session:
        assert await session.scalar(select(Person.full_name).where(Person.id == person.id)) == "Lê Văn Bình"


async def test_an_object_made_by_new_row_is_written_as_one_made_by_its_constructor(db):
    values = {
        "full_name": "Lê Văn Bình",
        "name_key": "levanbinh",
        "gender": "male",
        "date_of_birth": dt.date(1990, 1, 1),
        "province_code": "48",
        "commune_code": "20242",
        "address": "Đà Nẵng",
        "created_at": NOW,
        "updated_at": NOW,
    }
    written, added = new_row(Person, **values), new_row(Person, **{**values, "name_key": "other"})
    assert written.id is None and written.full_name == "Lê Văn Bình"
    added.address = "Huế"  # set after it was made, as the intake sets a new case's version
    async with db.transaction() as session:
        await insert_new(session, [written])
        session.add(added)  # the unit of work writes it too
    async with db.sessions() as session:
        rows = await session.execute(select(Person.id, Person.name_key, Person.address).order_by(Person.name_key))
        assert rows.all() == [(written.id, "levanbinh", "Đà Nẵng"), (added.id, "other", "Huế")]
    with pytest.raises(TypeError, match="no attribute 'nickname'"):
        new_row(Person, nickname="Bình")


async def test_insert_rows_returning_ids_gives_each_row_its_id_in_the_order_of_the_rows(db):
    case = _case("1", None)
    events = cast(Table, CaseEvent.__table__)
    states = ["received", "card_issued", "rejected", "needs_review", "card_changed"]
    async with db.transaction() as session:
        await insert_new(session, [case])
        one = await insert_rows_returning_ids(session, events, [_event(case.id, "received", 0)])
        ids = await insert_rows_returning_ids(session, events, [_event(case.id, s, n) for n, s in enumerate(states)])
        assert await insert_rows_returning_ids(session, events, []) == []
    async with db.sessions() as session:
        rows = await session.execute(select(CaseEvent.id, CaseEvent.state, CaseEvent.details).order_by(CaseEvent.id))
        assert rows.all() == [(one[0], "received", {"n": 0})] + [
            (event_id, state, {"n": n}) for n, (event_id, state) in enumerate(zip(ids, states, strict=True))
        ]


def _event(case_id: uuid.UUID, state: str, n: int) -> dict[str, object]:
    return {"case_id": case_id, "state": state, "occurred_at": NOW, "details": {"n": n}, "acknowledged_at": None}


async def test_insert_rows_writes_every_kind_of_value_as_given(db):
    child = _person("con", dt.date(2026, 1, 1))
    reasons: list[list[dict[str, str]]] = [[], [{"code": "A"}], [{"code": "A", "field": "x"}, {"code": "B"}]]
    cases = [_case(str(n), child.id if n else None, reasons=r) for n, r in enumerate(reasons)]
    cases[1].received_at = NOW + dt.timedelta(microseconds=1)
    table = cast(Table, ChildCardCase.__table__)
    async with db.transaction() as session:
        await insert_new(session, [child])
        await insert_rows(session, table, [{c.key: getattr(case, c.key) for c in table.columns} for case in cases])
    async with db.sessions() as session:
        stored = await session.execute(
            select(
                ChildCardCase.record_number, ChildCardCase.person_id, ChildCardCase.reasons, ChildCardCase.received_at
            ).order_by(ChildCardCase.record_number)
        )
        assert stored.all() == [(c.record_number, c.person_id, c.reasons, c.received_at) for c in cases]


async def test_update_rows_changes_the_rows_of_their_keys_and_no_other(db):
    ids = await _people(db, [(f"p{n}", dt.date(2024, 1, 1)) for n in range(4)])
    changes: list[dict[str, object]] = [
        {"id": ids[0], "bhxh_code": "4800000001", "address": "a"},
        {"id": ids[2], "bhxh_code": None, "address": "c"},
    ]
    async with db.transaction() as session:
        await update_rows(session, Person, changes)
    async with db.sessions() as session:
        stored = await session.execute(select(Person.id, Person.bhxh_code, Person.address))
        by_id = {row.id: (row.bhxh_code, row.address) for row in stored}
    assert by_id == {ids[0]: ("4800000001", "a"), ids[1]: (None, ""), ids[2]: (None, "c"), ids[3]: (None, "")}


def _case(number: str, person_id: uuid.UUID | None, *, reasons: list[dict[str, str]] | None = None) -> ChildCardCase:
    return ChildCardCase(
        id=uuid.uuid4(),
        reference=f"TE{number}",
        registry_office_code="20194",
        book_number="01",
        record_number=number,
        province_code="48",
        commune_code="20194",
        registered_on=dt.date(2026, 1, 2),
        content_hash="0" * 64,
        version=1,
        state="received",
        reasons=reasons or [],
        person_id=person_id,
        child_name="con",
        child_name_key="con",
        facility_code="48001",
        received_at=NOW,
        updated_at=NOW,
    )


def _bounded_columns() -> list[tuple[Table, str, int]]:
    """Every text column with a length limit, of every table of the hub."""
    import hub.entry.tables  # noqa: F401  (every domain's tables)

    return [
        (table, column.key, length)
        for table in Base.metadata.sorted_tables
        for column, length in bounded_columns(table)
    ]


@pytest.mark.parametrize("rows", [1, 2], ids=["one row", "a batch"])
async def test_a_value_too_long_for_its_column_is_refused_never_cut(db, rows):
    """For each table and each of its limited text columns: a value one character too long is refused, by
    `insert_rows` (one row: a plain INSERT; more: unnested arrays on PostgreSQL), `update_rows` and the unit of work,
    on both backends. PostgreSQL cut values cast to VARCHAR(n)[] without an error: a 13-digit number became 12."""
    columns = _bounded_columns()
    assert len(columns) > 40
    refused = []
    for table, key, length in columns:
        async with db.sessions() as session, session.begin():
            try:
                async with session.begin_nested():
                    await insert_rows(session, table, [{key: "9" * (length + 1)}] * rows)
            except (ValueTooLong, DBAPIError) as error:
                if "too long" in str(error) or isinstance(error, ValueTooLong):
                    refused.append(f"{table.name}.{key}")
                else:
                    raise
    assert refused == [f"{table.name}.{key}" for table, key, _ in columns]


async def test_the_unit_of_work_and_update_rows_refuse_a_value_too_long(db):
    (person,) = await _people(db, [("an", dt.date(2024, 1, 1))])
    with pytest.raises((ValueTooLong, DBAPIError), match=r"too long|at most"):
        async with db.transaction() as session:
            session.add(_person("x" * 201, dt.date(2024, 1, 1)))
    with pytest.raises((ValueTooLong, DBAPIError), match=r"too long|at most"):
        async with db.transaction() as session:
            await update_rows(session, Person, [{"id": person, "personal_id_number": "0481940001234"}] * 2)
    async with db.sessions() as session:
        assert (await session.scalars(select(Person.personal_id_number))).all() == [None]


async def test_a_value_too_long_for_its_column_matches_no_row(db):
    """Compared whole: cut to the column's length, `0481940001234` found the person numbered `048194000123`."""
    mother = _person("an", dt.date(1994, 1, 1))
    mother.personal_id_number = "048194000123"
    async with db.transaction() as session:
        session.add(mother)
    long = "0481940001234"
    async with db.sessions() as session:
        found = await session.scalars(select(Person.id).where(one_of(session, Person.personal_id_number, [long])))
        assert found.all() == []
        rows = rows_in(session, (Person.personal_id_number, Person.date_of_birth), [(long, dt.date(1994, 1, 1))])
        assert (await session.scalars(select(Person.id).where(rows))).all() == []


class _LockTableFull(Exception):
    """What asyncpg raises when PostgreSQL's shared lock table is full (sqlstate 53200, "out of shared memory")."""

    sqlstate = "53200"


def _lock_table_full() -> DBAPIError:
    return DBAPIError("SELECT pg_advisory_xact_lock(…)", None, _LockTableFull("out of shared memory"))


async def test_a_transaction_that_found_the_lock_table_full_runs_again_after_a_pause(db, monkeypatch):
    """Large batches at once can fill PostgreSQL's lock table; the batch that failed must not be lost: nothing of it
    was written, and it runs again once the others have freed their locks. Its first attempt's writes are gone."""
    monkeypatch.setattr("hub.infra.db.LOCK_SHORTAGE_BACKOFF_SECONDS", (0.01, 0.01))
    names = iter(["first attempt", "second attempt", "third attempt"])
    failures = 2

    async def work(session):
        nonlocal failures
        person = _person(next(names), dt.date(2025, 1, 1))
        await insert_new(session, [person])
        if failures:
            failures -= 1
            raise _lock_table_full()
        return person.full_name

    assert await db.run(work, retries=1) == "third attempt"
    async with db.sessions() as session:
        assert list((await session.scalars(select(Person.full_name))).all()) == ["third attempt"]


async def test_a_lock_table_still_full_after_every_pause_fails_and_work_without_retries_is_not_rerun(db, monkeypatch):
    monkeypatch.setattr("hub.infra.db.LOCK_SHORTAGE_BACKOFF_SECONDS", (0.01, 0.01))
    calls = 0

    async def work(session):
        nonlocal calls
        calls += 1
        raise _lock_table_full()

    with pytest.raises(DBAPIError, match="out of shared memory"):
        await db.run(work, retries=1)
    assert calls == 3  # the first attempt and one after each pause
    calls = 0
    with pytest.raises(DBAPIError, match="out of shared memory"):
        await db.run(work)
    assert calls == 1


_CASE_WRITTEN = (
    insert(cast(Table, ChildCardCase.__table__))
    .values({c.key: bindparam(c.key) for c in cast(Table, ChildCardCase.__table__).columns})
    .returning(ChildCardCase.id, ChildCardCase.record_number)
)


async def test_fetch_on_driver_runs_in_the_transaction_with_values_processed_by_their_types(db):
    table = cast(Table, ChildCardCase.__table__)
    case = _case("1", None, reasons=[{"code": "A", "field": "x"}])
    case.received_at = NOW.astimezone(dt.timezone(dt.timedelta(hours=7)))  # stored in UTC all the same
    values = {c.key: getattr(case, c.key) for c in table.columns}

    # Given: a transaction whose first statement runs on the driver, and which then fails
    class Undone(Exception):
        pass

    with pytest.raises(Undone):
        async with db.transaction() as session:
            connection = await session.connection()
            assert [tuple(row) for row in await fetch_on_driver(connection, _CASE_WRITTEN, values)] == [(case.id, "1")]
            raise Undone
    # Then: nothing of it was written
    async with db.sessions() as session:
        assert (await session.scalars(select(ChildCardCase.id))).all() == []
    # When: it commits
    async with db.transaction() as session:
        await fetch_on_driver(await session.connection(), _CASE_WRITTEN, values)
    # Then: every value reads back as given
    async with db.sessions() as session:
        stored = (await session.execute(select(ChildCardCase.reasons, ChildCardCase.received_at))).one()
    assert tuple(stored) == (case.reasons, NOW)


async def test_fetch_on_driver_raises_what_sqlalchemy_raises_and_a_lost_race_runs_again(db):
    table = cast(Table, ChildCardCase.__table__)
    values = {c.key: getattr(_case("1", None), c.key) for c in table.columns}
    async with db.transaction() as session:
        await fetch_on_driver(await session.connection(), _CASE_WRITTEN, values)
    runs = 0

    async def write_again(session) -> None:
        nonlocal runs
        runs += 1
        connection = await session.connection()
        await fetch_on_driver(connection, select(ChildCardCase.id).where(ChildCardCase.record_number == "1"), {})
        await fetch_on_driver(connection, _CASE_WRITTEN, values | {"id": uuid.uuid4()} if runs == 1 else values)

    # The same reference again: a unique key taken, which the work's next run finds taken again
    with pytest.raises(IntegrityError) as raised:
        await db.run(write_again, retries=1)
    assert runs == 2 and is_conflict(raised.value)


async def test_rows_given_as_json_are_stored_by_their_columns_types(postgres_url):
    """insert_json_rows: ids, dates, UTC timestamps, numbers and nulls arrive as they were given; a JSON column keeps
    the text as written (its keys in their order); a text too long for its column is refused whole, never cut; a
    timestamp without a zone is refused before anything is sent."""
    metadata = MetaData()
    table = Table(
        f"json_rows_{uuid.uuid4().hex[:8]}",
        metadata,
        Column("id", Uuid, primary_key=True),
        Column("code", String(5)),
        Column("visits", Integer),
        Column("born", Date),
        Column("at", UTCDateTime),
        Column("fields", JSON),
    )
    keys = ("id", "code", "visits", "born", "at", "fields")
    rows: list[dict[str, Any]] = [
        {
            "id": uuid.uuid4(),
            "code": "48001",
            "visits": 3,
            "born": dt.date(2026, 8, 10),
            "at": NOW,
            "fields": {"Z": "ở", "A": "1"},
        },
        {"id": uuid.uuid4(), "code": None, "visits": None, "born": None, "at": None, "fields": None},
    ]
    db = Database(postgres_url)
    try:
        async with db.transaction() as session:
            await session.run_sync(lambda sync: metadata.create_all(sync.connection()))
        async with db.transaction() as session:
            await session.execute(insert_json_rows(table, keys, name="rows"), {"rows": json_rows(table, keys, rows)})
        async with db.sessions() as session:
            as_written = text("fields::text AS fields_text")
            stored = (await session.execute(select(*table.c, as_written).select_from(table))).all()
        by_id = {row.id: row for row in stored}
        first, second = by_id[rows[0]["id"]], by_id[rows[1]["id"]]
        assert (first.code, first.visits, first.born, first.at, first.fields) == (
            "48001",
            3,
            dt.date(2026, 8, 10),
            NOW,
            {"Z": "ở", "A": "1"},
        )
        assert first.fields_text == '{"Z":"ở","A":"1"}'
        assert (second.code, second.visits, second.born, second.at, second.fields) == (None, None, None, None, None)
        too_long = [{**rows[0], "id": uuid.uuid4(), "code": "480011"}]
        with pytest.raises(DBAPIError, match="too long"):
            async with db.transaction() as session:
                await session.execute(
                    insert_json_rows(table, keys, name="rows"), {"rows": json_rows(table, keys, too_long)}
                )
        with pytest.raises(ValueError, match="naive"):
            json_rows(table, keys, [{**rows[0], "at": NOW.replace(tzinfo=None)}])
    finally:
        async with db.transaction() as session:
            await session.run_sync(lambda sync: metadata.drop_all(sync.connection()))
        await db.dispose()
