"""Memories repository: an agent's long-term memories of one user, with their embeddings.

Written and searched by agents (acting for the user, routes/memories.py), listed and
deleted by the user. Every query is filtered by (agent, user): one user's memories never
reach another. Embeddings are float32 blobs. Search:

- SQLite: `vec_distance_cosine` in SQL, from sqlite-vec when this Python's sqlite3 can load
  extensions, else the same function in Python registered on each connection;
- PostgreSQL: the (agent, user) rows are scored in Python (exact cosine; pgvector is not
  used: the Debian package was not installable where this was built, see docs/memory.md).

Expired rows (`expires_at` passed) are never returned and are deleted on each write.
"""

from __future__ import annotations

import builtins
import math
import struct
import uuid
import weakref
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Index, Integer, LargeBinary, String, Text, delete, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Mapped, mapped_column

from bosun.server.db.engine import Database
from bosun.server.db.models import ID, NAME, Base, utcnow
from bosun.server.db.records import Record

SCAN_LIMIT = 10_000
"""Most rows of one (agent, user) scored per search on PostgreSQL."""


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
            return Memory.model_validate(row)

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
        async with self._db.sessions() as s:
            if self._db.dialect == "sqlite":
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
