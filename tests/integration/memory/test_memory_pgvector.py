"""Memory search on PostgreSQL with pgvector (the `pgserver` wheel's server): searched in SQL
with `<=>`, ranked exactly as the Python fallback ranks the same data on a PostgreSQL
without the extension, per agent and user, TTL kept, no 10 000-row cap; migration 0005 on
an existing database fills the vector column, and an extension created later is picked
up at the next start. The repository and control-plane tests run here on pgvector too."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from memory_pgvector_server import PgvectorServer, pgvector_postgres  # noqa: F401
from sqlalchemy import insert, text, update
from sqlalchemy.engine import Connection
from test_memory_controlplane import test_memory_and_files_through_the_control_plane  # noqa: F401
from test_memory_repository import (  # noqa: F401  (run here again, on pgvector)
    test_delete_only_own,
    test_expired_memories_are_not_found_and_pruned,
    test_search_is_nearest_first_and_per_owner,
)

from bosun.server.db import Database, Repositories
from bosun.server.db.engine import alembic_config
from bosun.server.db.memories import SCAN_LIMIT, MemoryRow, pack
from bosun.server.db.models import Base, utcnow


@pytest.fixture
async def database(pgvector_postgres: PgvectorServer) -> AsyncIterator[Database]:  # noqa: F811
    """A migrated database on the pgvector server (replaces conftest's for this module)."""
    db = await Database.open(await pgvector_postgres.new_database())
    try:
        yield db
    finally:
        await db.close()


async def _uses_pgvector(db: Database) -> bool:
    async with db.engine.connect() as conn:
        found = await conn.execute(
            text(
                "SELECT 1 FROM information_schema.columns"
                " WHERE table_name = 'memories' AND column_name = 'embedding_vec'"
            )
        )
        return found.first() is not None


async def _plan(db: Database, query: list[float]) -> str:
    literal = "[" + ",".join(map(str, query)) + "]"
    async with db.engine.connect() as conn:
        rows = await conn.execute(
            text(
                "EXPLAIN SELECT id FROM memories WHERE dims = :n"
                f" ORDER BY embedding_vec <=> '{literal}'::vector LIMIT 5"
            ),
            {"n": len(query)},
        )
        return "\n".join(r[0] for r in rows)


async def _fill(db: Database, rng: random.Random) -> None:
    repo = Repositories.of(db).memories
    for i in range(60):
        owner = ("alice", "helper") if i % 3 else ("bob", "helper") if i % 2 else ("alice", "other")
        dims = 4 if i % 5 else 6  # two embedding models' dimensions side by side
        memory = await repo.add(
            "default", owner[1], owner[0], content=f"m{i}",
            embedding=[rng.uniform(-1, 1) for _ in range(dims)], ttl_days=30,
        )  # fmt: skip
        if i % 7 == 0:  # some have expired
            async with db.write() as s:
                await s.execute(
                    update(MemoryRow).where(MemoryRow.id == memory.id).values(expires_at=utcnow())
                )


async def test_pgvector_ranks_like_the_python_fallback(
    database: Database,
    postgres: Any,  # Debian's PostgreSQL, without pgvector: the Python fallback
) -> None:
    fallback = await Database.open(await postgres.new_database())
    try:
        assert await _uses_pgvector(database) and not await _uses_pgvector(fallback)
        for db in (database, fallback):
            await _fill(db, random.Random(14))
        rng = random.Random(7)
        queries = [[rng.uniform(-1, 1) for _ in range(dims)] for dims in (4, 4, 4, 6, 6)]
        for agent, user in (("helper", "alice"), ("helper", "bob"), ("other", "alice")):
            for query in queries:
                got = await Repositories.of(database).memories.search(
                    "default", agent, user, query, limit=8
                )
                want = await Repositories.of(fallback).memories.search(
                    "default", agent, user, query, limit=8
                )
                assert [m.content for m in got] == [m.content for m in want]
                assert [m.score for m in got] == pytest.approx([m.score for m in want], abs=1e-6)
                assert got and all(m.user_id == user and m.agent_name == agent for m in got)
        assert "<=>" in await _plan(database, queries[0])
    finally:
        await fallback.close()


def _to_0004(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "0004_memory_files")


@pytest.mark.slow  # 10 000 rows
async def test_memories_beyond_the_scan_limit_are_found_after_upgrading(
    pgvector_postgres: PgvectorServer,  # noqa: F811
) -> None:
    url = await pgvector_postgres.new_database()
    old = await Database.open(url, migrate=False)  # a database of the release before 0005
    async with old.engine.begin() as conn:
        await conn.run_sync(_to_0004)
    now = utcnow()
    far = [0.0, 1.0, 0.0]

    def row(i: int, user: str, embedding: list[float], **extra: Any) -> dict[str, Any]:
        return {
            "id": f"{user}-{i:06d}", "agent_namespace": "default", "agent_name": "helper",
            "user_id": user, "content": f"{user} {i}", "embedding": pack(embedding),
            "dims": len(embedding), "created_at": now - timedelta(minutes=SCAN_LIMIT - i),
            "expires_at": None,
        } | extra  # fmt: skip

    rows = [row(0, "alice", [1.0, 0.0, 0.0])]  # the oldest, and the nearest live one
    rows.append(row(1, "alice", [1.0, 0.04, 0.0], expires_at=now - timedelta(days=1)))
    rows += [row(i, "alice", far) for i in range(2, SCAN_LIMIT + 50)]
    rows.append(row(0, "bob", [1.0, 0.0, 0.0], created_at=now))  # another user's
    async with old.engine.begin() as conn:
        await conn.execute(insert(MemoryRow), rows)
    await old.close()

    db = await Database.open(url)  # migration 0005: the extension, the column, its values
    try:
        assert await _uses_pgvector(db)
        found = await Repositories.of(db).memories.search(
            "default", "helper", "alice", [1.0, 0.05, 0.0], limit=2
        )
        # alice 1 is nearer but expired; then the far ones tie, newest first; bob's is his
        assert [m.content for m in found] == ["alice 0", f"alice {SCAN_LIMIT + 49}"]
        assert found[0].score == pytest.approx(0.99875, abs=1e-4)
    finally:
        await db.close()


async def test_an_extension_created_later_is_used_at_the_next_start(database: Database) -> None:
    url = database.engine.url.render_as_string(hide_password=False)
    async with database.engine.begin() as conn:  # as if the server had had no pgvector
        await conn.execute(text("DROP EXTENSION vector CASCADE"))
    repo = Repositories.of(database).memories
    await repo.add("default", "helper", "alice", content="east", embedding=[1.0, 0.0])
    found = await repo.search("default", "helper", "alice", [1.0, 0.1], limit=1)
    assert [m.content for m in found] == ["east"] and not await _uses_pgvector(database)

    async with database.engine.begin() as conn:  # the admin: CREATE EXTENSION vector
        await conn.execute(text("CREATE EXTENSION vector"))
    again = await Database.open(url)  # a restart: the column is added and filled at first use
    try:
        repo = Repositories.of(again).memories
        await repo.add("default", "helper", "alice", content="north", embedding=[0.0, 1.0])
        assert await _uses_pgvector(again)
        found = await repo.search("default", "helper", "alice", [1.0, 0.1], limit=2)
        assert [m.content for m in found] == ["east", "north"]
    finally:
        await again.close()


def _schema_diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


@pytest.mark.filterwarnings("ignore:Did not recognize type 'vector'")
async def test_the_schema_is_the_models_plus_the_vector_column(database: Database) -> None:
    async with database.engine.connect() as conn:
        diff = await conn.run_sync(_schema_diff)
    # embedding_vec exists only where pgvector does, so the ORM model does not declare it.
    assert [(d[0], d[2], d[3].name) for d in diff] == [
        ("remove_column", "memories", "embedding_vec")
    ]
