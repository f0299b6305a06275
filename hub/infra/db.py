"""Database access: the declarative base, portable column types, and the engine/transaction owner."""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import random
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any, TypeVar, cast

import orjson
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Enum,
    Insert,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    any_,
    bindparam,
    event,
    func,
    insert,
    literal_column,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy import cast as cast_as
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import JSON as PG_JSON
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, QueryableAttribute
from sqlalchemy.pool import PoolProxiedConnection
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.schema import CallableColumnDefault, Column, ScalarElementColumnDefault
from sqlalchemy.sql.selectable import TableValuedAlias
from sqlalchemy.types import TypeDecorator, TypeEngine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

# A 64-bit key on PostgreSQL; SQLite only auto-increments an INTEGER PRIMARY KEY (which is 64-bit there anyway).
BigIntKey = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ValueTooLong(ValueError):
    """A value longer than its column: refused, never cut (PostgreSQL refuses it too; SQLite would store it)."""

    def __init__(self, column: Column[Any], length: int) -> None:
        limit = cast(String, column.type).length
        super().__init__(f"{column.table.name}.{column.name}: {length} characters, at most {limit}")
        self.column, self.length = column, length


@functools.cache
def bounded_columns(table: Table) -> tuple[tuple[Column[Any], int], ...]:
    """The columns of `table` whose text has a length limit, with it."""
    return tuple(
        (column, column.type.length)
        for column in table.columns
        if isinstance(column.type, String) and column.type.length is not None
    )


def check_lengths(table: Table, rows: Iterable[Mapping[str, Any]]) -> None:
    """Raise ValueTooLong for the first value of `rows` longer than its column of `table`."""
    bounded = bounded_columns(table)
    for row in rows:
        for column, length in bounded:
            value = row.get(column.key)
            if isinstance(value, str) and len(value) > length:
                raise ValueTooLong(column, len(value))


@event.listens_for(Base, "before_insert", propagate=True)
@event.listens_for(Base, "before_update", propagate=True)
def _check_object_lengths(mapper: Any, _connection: Any, target: Base) -> None:
    """What the unit of work writes is held to the column lengths on every backend."""
    check_lengths(cast(Table, mapper.local_table), [_column_values(mapper, target)])


def _column_values(mapper: Any, target: Base) -> dict[str, Any]:
    table = cast(Table, mapper.local_table)
    attribute = mapper.get_property_by_column
    return {column.key: target.__dict__.get(attribute(column).key) for column, _ in bounded_columns(table)}


def unbounded(type_: TypeEngine[Any]) -> TypeEngine[Any]:
    """`type_` without its length. An array parameter is cast to its element type, and PostgreSQL cuts a value cast to
    VARCHAR(n) to n characters without an error: cast to VARCHAR, a value too long for its column is refused when
    stored, and compared whole."""
    if isinstance(type_, String) and not isinstance(type_, Enum) and type_.length is not None:
        return String(collation=type_.collation)
    return type_


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: pass a timezone-aware UTC datetime")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


T = TypeVar("T")
RECONNECTS = 1  # a transaction runs again at most once on a new connection when its own was found dead
# PostgreSQL's lock table is shared by every session: max_locks_per_transaction x max_connections slots (6,400 by
# default). A batch of 2,000 registrations takes about 5,000 advisory locks (lock_keys), so a few large batches at
# once can fill it, and the next lock taken fails with "out of shared memory" (53200). Nothing of that transaction
# was written: it runs again once the others have committed and freed their slots, after 0.1, 0.2, 0.4, 0.8, 1.6 s
# (each up to twice that, at random, so that the batches that failed together do not come back together).
LOCK_SHORTAGE_BACKOFF_SECONDS = (0.1, 0.2, 0.4, 0.8, 1.6)
WRITE_OPTION = "hub_writes"
UNNEST = "unnest_"  # what the array parameters of `unnested` are named after, unless told otherwise
CommitHook = Callable[[AsyncSession], Awaitable[None]]


class Database:
    """Owns one engine; hands out transactions; runs post-commit hooks (the outbox dispatch)."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine: AsyncEngine = _create_engine(url, echo=echo)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        self._commit_hooks: list[CommitHook] = []

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def add_commit_hook(self, hook: CommitHook) -> None:
        """Run `hook(session)` after every transaction of this database commits."""
        self._commit_hooks.append(hook)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work that writes: commit on success, roll back on any exception, then run the commit hooks.

        Read-only work uses `sessions()` directly, which on SQLite does not take the write lock."""
        async with self.sessions() as session:
            session.info["commit_hooks"] = bool(self._commit_hooks)
            async with session.begin():
                # On SQLite this takes the write lock at BEGIN (see _sqlite_on_begin); reads elsewhere do not.
                await session.connection(execution_options={WRITE_OPTION: True})
                yield session
            for hook in self._commit_hooks:
                await hook(session)

    @asynccontextmanager
    async def autocommit(self) -> AsyncIterator[AsyncConnection]:
        """A connection for a single read that needs no transaction of its own (a row by its key, on every request):
        on PostgreSQL each statement commits by itself, so there is no BEGIN before it and no ROLLBACK when it is
        handed back. SQLite keeps its own BEGIN (see _sqlite_on_begin), as a read there costs no round trip."""
        async with self.engine.connect() as connection:
            if self.backend == "sqlite":
                yield connection
            else:
                yield await connection.execution_options(isolation_level="AUTOCOMMIT")

    async def run(self, work: Callable[[AsyncSession], Awaitable[T]], *, retries: int = 0) -> T:
        """`work` in one writing transaction; with `retries`, a transaction that lost a race (a unique key taken by
        a concurrent twin, a deadlock) runs again from the start, and the idempotent work finds what the other made;
        one that found PostgreSQL's lock table full runs again after a pause (LOCK_SHORTAGE_BACKOFF_SECONDS).

        A transaction whose connection turned out dead before it committed (the server restarted while the
        connection sat in the pool, which is not pinged on every checkout) runs again once on a new connection:
        nothing of it was written."""
        again = _Again(retries)
        while True:
            committing = False
            try:
                async with self.transaction() as session:
                    result = await work(session)
                    committing = True
                return result
            except DBAPIError as error:
                if not await again.after(error, uncommitted=not committing):
                    raise

    async def run_autocommitted(self, work: Callable[[AsyncConnection], Awaitable[T]], *, retries: int = 0) -> T:
        """`work` on a connection in autocommit (`autocommit`), retried as `run` retries a transaction. For work
        whose every write is one statement, each committing by itself; it must be idempotent even for a statement
        that committed before its connection was found dead, which is run again too."""
        again = _Again(retries)
        while True:
            try:
                async with self.autocommit() as connection:
                    return await work(connection)
            except DBAPIError as error:
                if not await again.after(error, uncommitted=True):
                    raise

    async def dispose(self) -> None:
        await self.engine.dispose()


class _Again:
    """Whether work that failed runs again (`Database.run`): once on a new connection when its own was found dead
    with nothing committed (`uncommitted`), up to `retries` times when it lost a race, and, with `retries` and
    nothing committed, after a pause when PostgreSQL's lock table was full."""

    def __init__(self, retries: int) -> None:
        self.retries = retries
        self.conflicts = self.reconnects = self.shortages = 0

    async def after(self, error: DBAPIError, *, uncommitted: bool) -> bool:
        if error.connection_invalidated and uncommitted and self.reconnects < RECONNECTS:
            self.reconnects += 1
        elif is_conflict(error) and self.conflicts < self.retries:
            self.conflicts += 1
        elif (
            self.retries
            and uncommitted
            and is_lock_shortage(error)
            and self.shortages < len(LOCK_SHORTAGE_BACKOFF_SECONDS)
        ):
            await asyncio.sleep(LOCK_SHORTAGE_BACKOFF_SECONDS[self.shortages] * (1 + random.random()))
            self.shortages += 1
        else:
            return False
        return True


def _create_engine(url: str, *, echo: bool) -> AsyncEngine:
    json = {"json_serializer": _json_text, "json_deserializer": orjson.loads}
    if url.startswith("sqlite"):
        engine = create_async_engine(url, echo=echo, connect_args={"timeout": 30}, **json)
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
        return engine
    # No ping on checkout: SQLAlchemy's asyncpg ping is three round trips (BEGIN, a query, ROLLBACK), taken by every
    # session, and cost a fifth of an intake's time. A connection found dead instead invalidates the pool's older
    # connections, and `Database.run` runs its transaction again on a new one.
    return create_async_engine(url, echo=echo, pool_size=10, max_overflow=10, **json)


def _json_text(value: Any) -> str:
    """A JSON column's text, written by orjson: the json module's encoder was a tenth of a batch intake's time. Keys
    that are not text become text, as the json module makes them."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy issue BEGIN itself (see _sqlite_on_begin), use WAL so that readers and the writer do not
    # block each other, and enforce foreign keys, which SQLite leaves off by default.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    # A writing transaction takes the write lock up front (BEGIN IMMEDIATE): two writers queue on busy_timeout
    # instead of deadlocking when both try to upgrade a read lock. Readers begin deferred and, with WAL, never
    # wait for a writer.
    writes = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def dialect_of(session: AsyncSession) -> str:
    """The name of the session's database dialect: "postgresql" or "sqlite"."""
    return session.get_bind().dialect.name


def insert_for(session: AsyncSession) -> Any:
    """The dialect's own INSERT construct, which knows ON CONFLICT DO NOTHING on both backends."""
    return insert_for_dialect(dialect_of(session))


def insert_for_dialect(dialect: str) -> Any:
    """The INSERT construct of the dialect named `dialect` (see `insert_for`): for statements built once per dialect."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert


async def add_unless_exists(session: AsyncSession, row: Base) -> bool:
    """Insert `row` under a savepoint; False (and nothing written) if a unique key says it is already there.

    Checking first is not enough when two transactions insert the same key at once: the loser would fail at
    commit with an internal error instead of the business answer.
    """
    try:
        async with session.begin_nested():
            session.add(row)
            await session.flush()
    except IntegrityError:
        return False
    return True


async def lock_keys(session: AsyncSession, keys: Iterable[str]) -> None:
    """Take transaction-scoped locks on `keys`, in sorted order, so that transactions touching the same records
    queue instead of deadlocking. PostgreSQL only: SQLite already runs one writer at a time."""
    ordered = sorted(set(keys))
    if not ordered or dialect_of(session) != "postgresql":
        return
    await session.execute(
        text(
            "SELECT count(pg_advisory_xact_lock(k)) FROM "
            "(SELECT hashtextextended(key, 0) AS k FROM unnest(CAST(:keys AS text[])) AS key ORDER BY key) AS ordered"
        ),
        {"keys": ordered},
    )


def is_conflict(error: Exception) -> bool:
    """Whether a failed transaction lost a race (unique key taken, deadlock, serialisation) and may be rerun."""
    if isinstance(error, IntegrityError):
        return True
    return isinstance(error, DBAPIError) and _sqlstate(error) in ("40P01", "40001")


def is_lock_shortage(error: Exception) -> bool:
    """Whether a statement failed because PostgreSQL's shared lock table was full ("out of shared memory", 53200)."""
    return isinstance(error, DBAPIError) and _sqlstate(error) == "53200"


def _sqlstate(error: DBAPIError) -> str | None:
    orig = getattr(error, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return str(code) if code else None


async def insert_rows(
    session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]], *, ids_into: Column[Any] | None = None
) -> None:
    """INSERT `rows`, each a mapping of the same columns, into `table`, in the order given.

    On PostgreSQL in one statement, whatever the number of rows: each column's values come as one array, unnested.
    An executemany, as SQLAlchemy and asyncpg do it, runs the statement once per row. Elsewhere, or for one row, a
    plain INSERT.

    With `ids_into`, a column of another table (a queue of the rows to process), the new rows' ids (the generated
    values of `table`'s one-column primary key) are inserted there too: on PostgreSQL in the same statement, elsewhere
    in the same transaction."""
    if not rows:
        return
    postgresql = dialect_of(session) == "postgresql"
    if ids_into is not None and not postgresql:
        check_lengths(table, rows)
        (key,) = table.primary_key
        ids = (await session.execute(insert(table).returning(key), rows)).scalars().all()
        await session.execute(insert(ids_into.table), [{ids_into.key: new_id} for new_id in ids])
        return
    if ids_into is None and (len(rows) == 1 or not postgresql):
        check_lengths(table, rows)
        await session.execute(_insert(table), rows)
        return
    keys = tuple(rows[0])
    statement = _unnest_insert(table, keys) if ids_into is None else _unnest_insert_queued(table, keys, ids_into)
    await session.execute(statement, unnest_arrays(keys, rows))


async def insert_rows_returning_ids(
    session: AsyncSession, table: Table, rows: Sequence[Mapping[str, Any]]
) -> list[int]:
    """INSERT `rows` as `insert_rows` does, into a table keyed by an auto-incremented integer `id`: the ids they were
    given, in the order of `rows`. On PostgreSQL in one statement, which inserts the rows in their order (sorted by
    their place in the arrays), so that the sequence numbers them in that order; the ids come back sorted. Elsewhere,
    or for one row, SQLAlchemy's INSERT .. RETURNING, sorted by parameter order (the ORM's bulk insert, which this
    replaces for the case events, spent most of its time on per-row bookkeeping)."""
    if not rows:
        return []
    if len(rows) == 1 or dialect_of(session) != "postgresql":
        check_lengths(table, rows)
        statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list((await session.scalars(statement, rows)).all())
    keys = tuple(rows[0])
    return sorted((await session.scalars(_unnest_insert_returning_ids(table, keys), unnest_arrays(keys, rows))).all())


async def update_rows(session: AsyncSession, model: type[Base], rows: Sequence[Mapping[str, Any]]) -> None:
    """UPDATE rows of `model`'s table found by primary key: each mapping holds the key and the new values, the same
    columns in each. On PostgreSQL in one statement from unnested column arrays (see `insert_rows`); elsewhere
    the ORM's bulk UPDATE by primary key."""
    if not rows:
        return
    if len(rows) == 1 or dialect_of(session) != "postgresql":
        check_lengths(cast(Table, model.__table__), rows)
        await session.execute(update(model), rows)
        return
    keys = tuple(rows[0])
    await session.execute(_unnest_update(cast(Table, model.__table__), keys), unnest_arrays(keys, rows))


# The statements of insert_rows and update_rows, made once per table and columns. SQLAlchemy compiles a statement
# once, but computes the cache key of every new statement object, and building and keying these was a fifth of
# what SQLAlchemy cost the document intake.
@functools.cache
def _insert(table: Table) -> Executable:
    return insert(table)


@functools.cache
def _unnest_insert(table: Table, keys: tuple[str, ...]) -> Executable:
    return insert_unnested(table, keys)


@functools.cache
def _unnest_insert_queued(table: Table, keys: tuple[str, ...], ids_into: Column[Any]) -> Executable:
    """INSERT … RETURNING the new ids, and those ids into `ids_into`, as one statement (a data-modifying WITH)."""
    return queue_ids(insert_unnested(table, keys), ids_into)


async def fetch_on_driver(
    connection: AsyncConnection, statement: Executable, values: Mapping[str, Any]
) -> Sequence[Sequence[Any]]:
    """The rows of `statement` run with `values` in `connection`'s transaction: on PostgreSQL on the asyncpg
    connection beneath it, compiled once; elsewhere through Core. For the few statements of a hot path only, and
    only where the rows' columns need no conversion by their types (ids, numbers, text, flags): they come as the
    driver decodes them.

    Why: Core's execution (the context, each parameter's processor looked up, the cursor adapted, the result
    wrapped, the hop into a greenlet and back) cost the web process about as much CPU as the driver's own work:
    0.3 ms more for each of the two statements of the document intake's storing transaction, run for every
    envelope. The parameters are still processed by their types (JSON written, timestamps in UTC). The
    transaction is SQLAlchemy's: begun through its adapter if this is its first statement (the adapter sends BEGIN
    with the first statement), committed or rolled back by it. An error is raised as SQLAlchemy raises it
    (IntegrityError and the like, a dead connection invalidated), so that `Database.run` retries a transaction
    that lost a race as before, and one whose connection was found dead on a new connection. The members of
    SQLAlchemy's adapter and pool used here are private: tests/integration/test_database.py holds them to this."""
    if connection.dialect.name != "postgresql":
        return (await connection.execute(statement, values)).all()
    raw = await connection.get_raw_connection()
    adapted: Any = raw.dbapi_connection  # SQLAlchemy's adapter of the asyncpg connection
    driver: Any = raw.driver_connection
    sql, parameters = _compiled_for_driver(statement, connection.dialect)
    args = []
    for name, required, preset, process in parameters:
        value = values[name] if required else values.get(name, preset)
        args.append(value if process is None else process(value))
    async with adapted._execute_mutex:
        try:
            if adapted._transaction is None:
                await adapted._start_transaction()
            return cast(Sequence[Sequence[Any]], await driver.fetch(sql, *args))
        except Exception as error:
            raise await _as_sqlalchemy_error(connection, raw, sql, error) from error


@functools.cache
def _compiled_for_driver(
    statement: Executable, dialect: Dialect
) -> tuple[str, tuple[tuple[str, bool, Any, Callable[[Any], Any] | None], ...]]:
    """`statement`'s SQL for `dialect` and its positional parameters: each one's name, whether it must be given,
    its value when not, and the processor of its type (None if it has none)."""
    compiled = cast(SQLCompiler, cast(ClauseElement, statement).compile(dialect=dialect))
    parameters = []
    for name in compiled.positiontup or ():
        bind = compiled.binds[name]
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        item = getattr(bind.type, "item_type", None)  # an array's: the driver takes a list of such values as it is
        if item is not None and item.dialect_impl(dialect).bind_processor(dialect) is None:
            process = None
        parameters.append((name, bind.required, bind.effective_value, process))
    return compiled.string, tuple(parameters)


async def _as_sqlalchemy_error(
    connection: AsyncConnection, raw: PoolProxiedConnection, sql: str, error: Exception
) -> Exception:
    """`error`, raised by the driver, as SQLAlchemy raises it: its adapter translates the driver's errors into DBAPI
    ones, which it wraps; the connection is invalidated when the error says it is dead."""
    dbapi = connection.dialect.loaded_dbapi
    adapted: Any = raw.dbapi_connection
    try:
        adapted._handle_exception(error)  # raises the DBAPI error that the driver's error is
    except dbapi.Error as translated:
        dead = connection.dialect.is_disconnect(translated, adapted, None)
        if dead:  # the pool's older connections too, as Core does: the server may have restarted
            connection.sync_engine.pool._invalidate(raw, translated, _checkin=False)
            await connection.invalidate(translated)
        return DBAPIError.instance(sql, None, translated, dbapi.Error, connection_invalidated=dead)
    except Exception as other:  # not a database error: as it came
        return other
    return error


def insert_unnested(
    table: Table, keys: Sequence[str], *, prefix: str = UNNEST, when: ColumnElement[bool] | None = None
) -> Insert:
    """The INSERT into `table` of the rows `unnest_arrays(keys, rows, prefix=prefix)` gives as arrays (PostgreSQL);
    with `when`, of none unless it holds: a part of a larger statement (a data-modifying WITH) whose other parts
    `when` looks at."""
    rows = select(*unnested(table, keys, prefix=prefix).c)
    return insert(table).from_select(keys, rows if when is None else rows.where(when))


def insert_json_rows(
    table: Table, keys: Sequence[str], *, name: str, when: ColumnElement[bool] | None = None
) -> Insert:
    """The INSERT into `table` of the rows given as one JSON array of objects, the parameter `name` (`json_rows`
    gives its value), as `insert_unnested` writes them (PostgreSQL).

    PostgreSQL reads each value with its column's own type (`json_populate_recordset` over the table's row type): a
    text too long for its column is refused as an INSERT refuses it, never cut, and a JSON column keeps the text as
    written. For rows of many columns: an array parameter per column was encoded element by element by the driver
    (two isinstance checks against abstract classes for each text), twice the CPU of one text written by orjson
    (20 rows of 22 columns on asyncpg: 0.32 against 0.17 ms of CPU).

    The text travels as its UTF-8 bytes, which PostgreSQL reads as text (`convert_from`, which refuses bytes that are
    not UTF-8): as a `str`, it was decoded from orjson's bytes and encoded again by the driver, character by
    character for Vietnamese text (30 KB of fields per envelope of 10 dossiers: 0.08 ms)."""
    utf8 = func.convert_from(bindparam(name, type_=LargeBinary), literal_column("'UTF8'"))
    source = func.json_populate_recordset(literal_column(f'NULL::"{table.name}"'), cast_as(utf8, PG_JSON)).table_valued(
        *keys
    )
    rows = select(*(source.c[k] for k in keys))
    return insert(table).from_select(keys, rows if when is None else rows.where(when))


def json_rows(table: Table, keys: Sequence[str], rows: Sequence[dict[str, Any]]) -> bytes:
    """The value of `insert_json_rows(table, keys, ...)`'s parameter for `rows` (dicts: PostgreSQL takes the values
    of `keys` by name, and leaves what else a row holds). A timestamp without a time zone is refused, as UTCDateTime
    refuses it."""
    for key in _timestamps(table, tuple(keys)):
        for row in rows:
            value = row.get(key)
            if value is not None and value.tzinfo is None:
                raise ValueError("naive datetimes are not stored: pass a timezone-aware UTC datetime")
    return orjson.dumps(rows, default=_uuid_text, option=orjson.OPT_NON_STR_KEYS)


def _uuid_text(value: object) -> str:
    """A UUID of another class than uuid.UUID (the driver's, read from a row) as orjson writes a UUID."""
    if isinstance(value, uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


@functools.cache
def _timestamps(table: Table, keys: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(k for k in keys if isinstance(table.c[k].type, UTCDateTime))


def queue_ids(statement: Insert, ids_into: Column[Any], *, name: str = "inserted") -> Insert:
    """`statement`, an INSERT into a table keyed by one generated column, as a WITH part named `name` returning the
    new ids, and the INSERT of those ids into `ids_into` (a queue of the rows to process) that uses it (PostgreSQL)."""
    (key,) = statement.table.primary_key
    inserted = statement.returning(key).cte(name)
    return insert(ids_into.table).from_select([ids_into.key], select(inserted.c[key.key]))


@functools.cache
def _unnest_insert_returning_ids(table: Table, keys: tuple[str, ...]) -> Executable:
    source = unnested(table, keys, ordinality="row_number")
    rows = select(*(source.c[k] for k in keys)).order_by(source.c.row_number)
    return insert(table).from_select(keys, rows).returning(table.c.id)


@functools.cache
def _unnest_update(table: Table, keys: tuple[str, ...]) -> Executable:
    source, primary = unnested(table, keys), {column.key for column in table.primary_key}
    return (
        update(table)
        .where(*(table.c[k] == source.c[k] for k in primary))
        .values({k: source.c[k] for k in keys if k not in primary})
    )


def unnested(
    table: Table, keys: Sequence[str], *, ordinality: str | None = None, prefix: str = UNNEST
) -> TableValuedAlias:
    """One array parameter per column of `keys` (`unnest_arrays` gives them values), unnested together as a table
    (PostgreSQL): the rows of an INSERT or UPDATE of any number of rows in one statement; with `ordinality`, a column
    of that name numbers the rows from 1. The parameters are named after the columns, behind `prefix`: a statement
    that unnests rows of two tables gives each its own."""
    # dimensions=1: a JSON value that is itself a list is one element, not a nested array.
    arrays = [bindparam(f"{prefix}{k}", type_=ARRAY(unbounded(table.c[k].type), dimensions=1)) for k in keys]
    return func.unnest(*arrays).table_valued(*keys, with_ordinality=ordinality).render_derived()


def unnest_arrays(
    keys: Sequence[str], rows: Sequence[Mapping[str, Any]], *, prefix: str = UNNEST
) -> dict[str, list[Any]]:
    """The values of `unnested(table, keys, prefix=prefix)`'s parameters for `rows`."""
    return {f"{prefix}{k}": [row[k] for row in rows] for k in keys}


async def insert_new(session: AsyncSession, objects: Sequence[Base]) -> None:
    """Write new ORM objects with one INSERT per table, without the unit of work's bookkeeping (a tenth of a batch
    intake's time). Tables are written in the order of their foreign keys, rows in the order given (so a row that
    another of its table refers to comes first). A column the object was never given takes its default, as the ORM
    would give it; the objects are given those values too. They are not added to the session: later changes to them
    are not written."""
    rows: dict[Table, list[dict[str, Any]]] = {}
    for obj in objects:
        table = cast(Table, obj.__table__)
        rows.setdefault(table, []).append(_row(obj, _defaults(table)))
    with session.no_autoflush:  # what the session holds may refer to these rows: it is flushed after them
        for table in Base.metadata.sorted_tables:
            if table in rows:
                await insert_rows(session, table, rows[table])


B = TypeVar("B", bound=Base)


def new_row(model: type[B], **values: Any) -> B:
    """A new, transient object of `model` holding `values`, as `model(**values)` makes it, without the mapped
    constructor's event for each attribute set: 6 µs an object rather than 80, which was a tenth of a batch intake's
    time and a twentieth of a card job's. For objects built by the hundred and written with `insert_new` (or added
    to a session: the unit of work inserts what the object holds). Only mapped attributes may be given."""
    attributes = _attribute_keys(model)
    if not attributes.issuperset(values):
        raise TypeError(f"{model.__name__} has no attribute {sorted(values.keys() - attributes)[0]!r}")
    obj = _class_manager(model).new_instance()
    obj.__dict__.update(values)
    return cast(B, obj)


@functools.cache
def _class_manager(model: type[Base]) -> Any:
    return sa_inspect(model).class_manager


@functools.cache
def _attribute_keys(model: type[Base]) -> frozenset[str]:
    return frozenset(sa_inspect(model).attrs.keys())


@functools.cache
def _defaults(table: Table) -> tuple[tuple[str, Callable[[], Any] | None], ...]:
    """Each column's key, with what makes its Python default (None: it has none), looked up once per table."""

    def maker(default: Any) -> Callable[[], Any] | None:
        if isinstance(default, CallableColumnDefault):
            return lambda: default.arg(None)  # type: ignore[arg-type]
        if isinstance(default, ScalarElementColumnDefault):
            return lambda: default.arg
        return None

    return tuple((column.key, maker(column.default)) for column in table.columns)


def _row(obj: Base, defaults: tuple[tuple[str, Callable[[], Any] | None], ...]) -> dict[str, Any]:
    """The object's value of each column, or the column's Python default when the object was never given one (given
    to the object too, as the ORM would)."""
    given = obj.__dict__
    row = {}
    for key, make in defaults:
        if key in given:
            row[key] = given[key]
        elif make is None:
            row[key] = getattr(obj, key)
        else:
            row[key] = make()
            setattr(obj, key, row[key])
    return row


async def analyze(session: AsyncSession, model: type[Base]) -> None:
    """Refresh the planner's statistics of a table after a bulk load, in the caller's transaction (which sees its own
    rows). PostgreSQL only: SQLite plans without them."""
    if dialect_of(session) == "postgresql":
        await session.execute(text(f"ANALYZE {model.__tablename__}"))


async def plan_for_batches(session: AsyncSession) -> None:
    """Plan each statement of the caller's transaction for its own parameters. PostgreSQL only.

    asyncpg prepares every statement, and after five runs PostgreSQL may keep one generic plan for it. That plan is
    made without the parameters, so it assumes ten keys where `one_of` passes a batch's thousand. It also keeps the
    table's size of that moment, until the table is next analyzed. In the child-card benchmark, on a new database,
    the intake's look-up of a batch's identity numbers kept a sequential scan of `persons` as the table grew, and
    this cost a third of PostgreSQL's time. Planning each run costs a fraction of a millisecond per statement: for
    work done in batches, that is per batch, not per record. Single-row work keeps its cached plans."""
    if dialect_of(session) == "postgresql":
        await session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))


def one_of(
    session: AsyncSession, column: QueryableAttribute[Any] | ColumnElement[Any], values: Iterable[Any]
) -> ColumnElement[bool]:
    """`column IN values`. Written out as a list, each length is another statement for PostgreSQL to prepare and plan,
    and for SQLAlchemy to render: there the values come as one array, `column = ANY(array)`."""
    wanted = list(values)
    if dialect_of(session) != "postgresql":
        return column.in_(wanted)
    return column == any_(bindparam(None, wanted, type_=ARRAY(unbounded(column.type))))


def one_of_named(dialect: str, column: QueryableAttribute[Any] | ColumnElement[Any], name: str) -> ColumnElement[bool]:
    """`column IN :name`, as `one_of` writes it, for a statement built once per dialect and given its values (a
    list) when executed, under `name`: SQLAlchemy works out the cache key of every new statement object."""
    if dialect != "postgresql":
        return column.in_(bindparam(name, expanding=True))
    return column == any_(bindparam(name, type_=ARRAY(unbounded(column.type))))


def rows_in(
    session: AsyncSession, columns: Sequence[QueryableAttribute[Any]], rows: Iterable[Sequence[Any]]
) -> ColumnElement[bool]:
    """`(columns) IN rows`. Written out as a list, PostgreSQL plans it as one index probe per row, and planning a few
    hundred took longer than running them: there the rows come as one array per column, unnested."""
    wanted = list(rows)
    if dialect_of(session) != "postgresql":
        return tuple_(*columns).in_(wanted)
    arrays = [
        bindparam(None, [row[index] for row in wanted], type_=ARRAY(unbounded(column.type)))
        for index, column in enumerate(columns)
    ]
    source = func.unnest(*arrays).table_valued(*(f"c{index}" for index in range(len(columns)))).render_derived()
    return tuple_(*columns).in_(select(*source.c))
