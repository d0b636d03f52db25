"""Memories repository: an agent's long-term memories of one user, with their embeddings.

Written and searched by agents (acting for the user, routes/memories.py), listed and
deleted by the user. Every query is filtered by (agent, user): one user's memories never
reach another. Embeddings are float32 blobs. Search:

- SQLite: `vec_distance_cosine` in SQL, from sqlite-vec when this Python's sqlite3 can load
  extensions, else the same function in Python registered on each connection;
- PostgreSQL with pgvector: a copy of each embedding in the untyped `vector` column
  `embedding_vec` (added by migration 0005, or at first use here once an admin ran
  `CREATE EXTENSION vector`), searched in SQL: `ORDER BY embedding_vec <=> query LIMIT k`
  over the owner's rows of the query's dimension (exact, through the owner index);
- PostgreSQL without pgvector: the newest SCAN_LIMIT rows of the (agent, user) pair are
  scored in Python (exact cosine).

`embedding_vec` has no fixed dimension (embedding models differ) and is not in the ORM
model (it exists only where pgvector does): it is written and read with SQL of its own,
and the `dims = n` filter keeps `<=>` from ever meeting a vector of another dimension.
There is deliberately no HNSW/IVFFlat index: every search is filtered to one (agent,
user), and pgvector 0.6 applies such filters after an approximate index scan (about
ef_search rows), which would drop most of a user's memories from the results.

Expired rows (`expires_at` passed) are never returned and are deleted on each write.
"""

from __future__ import annotations

import builtins
import logging
import math
import struct
import uuid
import weakref
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    cast,
    delete,
    event,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import UserDefinedType

from bosun.server.db.engine import _LOCK_ID, Database
from bosun.server.db.models import ID, NAME, Base, utcnow
from bosun.server.db.records import Record

log = logging.getLogger(__name__)

SCAN_LIMIT = 10_000
"""Most rows of one (agent, user) scored per search on PostgreSQL without pgvector."""

VECTOR_COLUMN = "embedding_vec"
_BACKFILL_BATCH = 1000
_PGVECTOR_MAX_DIMS = 16_000


class MemoryRow(Base):
    __tablename__ = "memories"
    __table_args__ = (
        Index("ix_memories_owner", "agent_namespace", "agent_name", "user_id", "dims"),
        Index("ix_memories_expires_at", "expires_at"),
    )
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    agent_namespace: Mapped[str] = mapped_column(String(63))
    agent_name: Mapped[str] = mapped_column(String(NAME))
    user_id: Mapped[str] = mapped_column(String(ID))
    content: Mapped[str] = mapped_column(Text)
    embedding: Mapped[bytes] = mapped_column(LargeBinary)
    dims: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column()


class Memory(Record):
    id: str
    agent_namespace: str
    agent_name: str
    user_id: str
    content: str
    created_at: datetime
    expires_at: datetime | None = None
    score: float | None = None


def pack(vector: Sequence[float]) -> bytes:
    return struct.pack(f"<{len(vector)}f", *vector)


def cosine_distance(a: bytes | None, b: bytes | None) -> float | None:
    if not a or not b or len(a) != len(b):
        return None
    x = struct.unpack(f"<{len(a) // 4}f", a)
    y = struct.unpack(f"<{len(b) // 4}f", b)
    dot = sum(p * q for p, q in zip(x, y, strict=True))
    norm = math.sqrt(sum(p * p for p in x)) * math.sqrt(sum(q * q for q in y))
    return 1.0 - dot / norm if norm else None


def vector_literal(blob: bytes) -> str | None:
    """pgvector's text form of a float32 blob; None when pgvector cannot hold it (empty,
    over 16 000 dimensions, NaN or infinite values): such a row is left out of SQL search."""
    values = struct.unpack(f"<{len(blob) // 4}f", blob)
    if not 0 < len(values) <= _PGVECTOR_MAX_DIMS or not all(map(math.isfinite, values)):
        return None
    return "[" + ",".join(repr(v) for v in values) + "]"


class _Vector(UserDefinedType[Any]):
    """pgvector's `vector`, without a dimension."""

    cache_ok = True

    def get_col_spec(self, **_kw: Any) -> str:
        return "vector"


def _has_vector_column(connection: Connection) -> bool:
    return bool(
        connection.execute(
            text(
                "SELECT EXISTS (SELECT 1 FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = 'memories'"
                " AND column_name = :c)"
            ),
            {"c": VECTOR_COLUMN},
        ).scalar()
    )


def _extension_installed(connection: Connection) -> bool:
    found = connection.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'vector'"))
    return found.first() is not None


def add_vector_column(connection: Connection) -> bool:
    """On PostgreSQL with the `vector` extension installed: add `embedding_vec` if missing
    and fill it for every row that has none (in batches). Returns whether it is usable.
    Idempotent; called by migration 0005 and by the repository at first use (so that
    `CREATE EXTENSION vector` run later takes effect at the next start)."""
    if connection.dialect.name != "postgresql" or not _extension_installed(connection):
        return False
    connection.execute(
        text(f"ALTER TABLE memories ADD COLUMN IF NOT EXISTS {VECTOR_COLUMN} vector")
    )
    last = ""
    while True:
        rows = connection.execute(
            text(
                f"SELECT id, embedding FROM memories WHERE {VECTOR_COLUMN} IS NULL AND id > :last"
                " ORDER BY id LIMIT :n"
            ),
            {"last": last, "n": _BACKFILL_BATCH},
        ).all()
        if not rows:
            return True
        last = rows[-1][0]
        pairs = [(row[0], vector_literal(bytes(row[1]))) for row in rows]
        ids = [i for i, v in pairs if v is not None]
        if ids:
            connection.execute(
                text(
                    f"UPDATE memories AS m SET {VECTOR_COLUMN} = CAST(v.e AS vector)"
                    " FROM unnest(CAST(:ids AS varchar[]), CAST(:vecs AS text[])) AS v(id, e)"
                    " WHERE m.id = v.id"
                ),
                {"ids": ids, "vecs": [v for _, v in pairs if v is not None]},
            )


def _prepare_pgvector(connection: Connection) -> bool:
    if _has_vector_column(connection):
        return True
    if not _extension_installed(connection):
        return False
    # The extension was created after migration 0005 ran: add and fill the column now, one
    # control plane replica at a time (the migrations' advisory lock).
    connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_ID})
    usable = add_vector_column(connection)
    log.info("memories: pgvector column %s added and filled", VECTOR_COLUMN)
    return usable


_PGVECTOR: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()
_PREPARED: weakref.WeakSet[Engine] = weakref.WeakSet()


def _install_vector_functions(engine: Engine) -> None:
    """vec_distance_cosine on every SQLite connection (sqlite-vec, or the Python twin)."""
    if engine in _PREPARED:
        return
    _PREPARED.add(engine)

    @event.listens_for(engine, "checkout")
    def _prepare(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if record.info.get("bosun_vec"):
            return

        async def load(conn: Any) -> bool:  # an aiosqlite connection
            try:
                import sqlite_vec

                await conn.enable_load_extension(True)
                await conn.load_extension(sqlite_vec.loadable_path())
                return True
            except Exception:  # this sqlite3 cannot load extensions
                return False

        if not dbapi_connection.run_async(load):
            dbapi_connection.create_function(
                "vec_distance_cosine", 2, cosine_distance, deterministic=True
            )
        record.info["bosun_vec"] = True


class MemoriesRepo:
    def __init__(self, db: Database) -> None:
        self._db = db
        if db.dialect == "sqlite":
            _install_vector_functions(db.engine.sync_engine)

    async def add(
        self,
        namespace: str,
        name: str,
        user_id: str,
        *,
        content: str,
        embedding: Sequence[float],
        ttl_days: int | None = None,
    ) -> Memory:
        # Before the write transaction: the first call may add the column (ALTER TABLE).
        use_pgvector = await self._pgvector()
        now = utcnow()
        async with self._db.write() as s:
            await s.execute(delete(MemoryRow).where(MemoryRow.expires_at <= now))
            row = MemoryRow(
                id=str(uuid.uuid4()),
                agent_namespace=namespace,
                agent_name=name,
                user_id=user_id,
                content=content,
                embedding=pack(embedding),
                dims=len(embedding),
                created_at=now,
                expires_at=now + timedelta(days=ttl_days) if ttl_days else None,
            )
            s.add(row)
            await s.flush()
            literal = vector_literal(row.embedding) if use_pgvector else None
            if literal is not None:
                await s.execute(
                    text(
                        f"UPDATE memories SET {VECTOR_COLUMN} = CAST(CAST(:v AS text) AS vector)"
                        " WHERE id = :id"
                    ),
                    {"v": literal, "id": row.id},
                )
            return Memory.model_validate(row)

    async def _pgvector(self) -> bool:
        """Whether memories are searched with pgvector (PostgreSQL with the extension)."""
        if self._db.dialect != "postgresql":
            return False
        engine = self._db.engine.sync_engine
        if engine not in _PGVECTOR:
            try:
                async with self._db.engine.begin() as conn:
                    _PGVECTOR[engine] = await conn.run_sync(_prepare_pgvector)
            except DBAPIError as exc:  # e.g. this role may not ALTER the table
                log.warning("memories: pgvector not used, searched in Python: %s", exc.orig)
                _PGVECTOR[engine] = False
        return _PGVECTOR[engine]

    def _owned(self, namespace: str, name: str, user_id: str) -> Any:
        now = utcnow()
        return (
            (MemoryRow.agent_namespace == namespace)
            & (MemoryRow.agent_name == name)
            & (MemoryRow.user_id == user_id)
            & ((MemoryRow.expires_at.is_(None)) | (MemoryRow.expires_at > now))
        )

    async def search(
        self, namespace: str, name: str, user_id: str, embedding: Sequence[float], limit: int
    ) -> builtins.list[Memory]:
        query_blob = pack(embedding)
        where = self._owned(namespace, name, user_id) & (MemoryRow.dims == len(embedding))
        literal = vector_literal(query_blob)
        use_pgvector = await self._pgvector()
        if use_pgvector and literal is None:
            return []  # pgvector cannot hold it, so no row of its size is stored there either
        async with self._db.sessions() as s:
            if use_pgvector:
                column = literal_column(f"memories.{VECTOR_COLUMN}", _Vector())
                query = cast(cast(literal, Text), _Vector())
                nearness = column.op("<=>", return_type=Float())(query)
                rows = (
                    await s.execute(
                        select(MemoryRow, nearness.label("d"))
                        .where(where & column.is_not(None))
                        .order_by(nearness, MemoryRow.created_at.desc())
                        .limit(limit)
                    )
                ).all()
                # A zero vector has no cosine distance (NaN): left out, as in Python.
                scored = [(row, d) for row, d in rows if d is not None and not math.isnan(d)]
            elif self._db.dialect == "sqlite":
                distance = func.vec_distance_cosine(MemoryRow.embedding, query_blob)
                rows = (
                    await s.execute(
                        select(MemoryRow, distance.label("d"))
                        .where(where)
                        .order_by(distance)
                        .limit(limit)
                    )
                ).all()
                scored = [(row, d) for row, d in rows if d is not None]
            else:
                found = (
                    await s.scalars(
                        select(MemoryRow)
                        .where(where)
                        .order_by(MemoryRow.created_at.desc())
                        .limit(SCAN_LIMIT)
                    )
                ).all()
                pairs = [(row, cosine_distance(row.embedding, query_blob)) for row in found]
                scored = sorted(
                    ((row, d) for row, d in pairs if d is not None), key=lambda p: p[1]
                )[:limit]
        out = []
        for row, d in scored:
            memory = Memory.model_validate(row)
            memory.score = 1.0 - float(d)
            out.append(memory)
        return out

    async def list(
        self,
        namespace: str | None,
        name: str | None,
        user_id: str,
        *,
        limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[Memory]:
        """The user's live memories, newest first: of one agent, or of all (None)."""
        now = utcnow()
        where = (MemoryRow.user_id == user_id) & (
            (MemoryRow.expires_at.is_(None)) | (MemoryRow.expires_at > now)
        )
        if namespace is not None and name is not None:
            where = where & (MemoryRow.agent_namespace == namespace)
            where = where & (MemoryRow.agent_name == name)
        query = (
            select(MemoryRow)
            .where(where)
            .order_by(MemoryRow.created_at.desc())
            .limit(limit)
            .offset(offset)
        )
        async with self._db.sessions() as s:
            return [Memory.model_validate(r) for r in (await s.scalars(query)).all()]

    async def delete(self, user_id: str, memory_id: str) -> bool:
        async with self._db.write() as s:
            result = await s.execute(
                delete(MemoryRow).where(MemoryRow.id == memory_id, MemoryRow.user_id == user_id)
            )
            return bool(getattr(result, "rowcount", 0))

    async def delete_all(self, namespace: str, name: str, user_id: str) -> int:
        async with self._db.write() as s:
            result = await s.execute(
                delete(MemoryRow).where(
                    MemoryRow.agent_namespace == namespace,
                    MemoryRow.agent_name == name,
                    MemoryRow.user_id == user_id,
                )
            )
            return int(getattr(result, "rowcount", 0) or 0)

    async def prune(self) -> int:
        """Delete every expired memory; returns how many."""
        async with self._db.write() as s:
            result = await s.execute(delete(MemoryRow).where(MemoryRow.expires_at <= utcnow()))
            return int(getattr(result, "rowcount", 0) or 0)
