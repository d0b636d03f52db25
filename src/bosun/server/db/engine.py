"""Opening the database: engine, SQLite pragmas, migrations applied at start.

`Database.open(url)` is called by the app's lifespan (and tests). It runs every pending
Alembic migration before anything reads, under a PostgreSQL advisory lock so that several
control plane replicas starting together migrate once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
_LOCK_ID = 0x626F73756E  # "bosun": PostgreSQL advisory lock key for migrations


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_ID})
    command.upgrade(alembic_config(connection), "head")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # We emit BEGIN ourselves (_sqlite_begin), so the driver must not.
    dbapi_connection.isolation_level = None
    # WAL lets readers run while one writer writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """Write transactions take SQLite's write lock up front (BEGIN IMMEDIATE). A deferred
    transaction that reads and then writes fails at once with "database is locked" when
    another writer committed in between (the busy timeout cannot help it); an immediate
    one waits its turn instead."""
    immediate = conn.get_execution_options().get(WRITE_OPTION)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


WRITE_OPTION = "bosun_write"


def safe_url(url: str) -> str:
    """The URL without its password, for logs and error messages."""
    return make_url(url).render_as_string(hide_password=True)


class Database:
    """An engine and a session factory for one database."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions: async_sessionmaker[AsyncSession] = async_sessionmaker(
            engine, expire_on_commit=False
        )
        """For reads (and writes that do not read first)."""
        self._writes: async_sessionmaker[AsyncSession] = async_sessionmaker(
            engine.execution_options(**{WRITE_OPTION: True}), expire_on_commit=False
        )
        # SQLite has one writer at a time: queue ours here, in order, rather than in
        # SQLite's busy handler (which sleeps up to 100 ms between retries).
        self._write_lock = asyncio.Lock() if engine.dialect.name == "sqlite" else None

    @contextlib.asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A read-then-write transaction: `async with db.write() as s:` (commits at the end)."""
        lock = self._write_lock or contextlib.nullcontext()
        async with lock, self._writes.begin() as session:
            yield session

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True, echo: bool = False) -> Database:
        kwargs: dict[str, Any] = {"echo": echo}
        if url.startswith("sqlite"):
            path = make_url(url).database
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
        else:
            # After a database restart the pooled connections are dead: pre-ping replaces
            # them (one round trip per checkout). A server that does not answer fails a
            # connection in 10 s (asyncpg waits 60), which the API answers 503 (errors.py).
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=20)
            if make_url(url).get_driver_name() == "asyncpg":
                kwargs["connect_args"] = {"timeout": 10}
        engine = create_async_engine(url, **kwargs)
        if engine.dialect.name == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(engine.sync_engine, "begin", _sqlite_begin)
        db = cls(engine)
        if migrate:
            try:
                async with engine.begin() as conn:
                    await conn.run_sync(_upgrade)
            except Exception:
                await engine.dispose()
                raise
            log.info("database ready: %s", safe_url(url))
        return db

    async def close(self) -> None:
        await self.engine.dispose()


T = TypeVar("T")


async def retry_on_integrity(fn: Callable[[], Awaitable[T]], attempts: int = 3) -> T:
    """Run a create-or-update transaction again when a concurrent writer inserted first."""
    for attempt in range(attempts):
        try:
            return await fn()
        except IntegrityError:
            if attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")
