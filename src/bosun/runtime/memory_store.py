"""Where long-term memories are kept: the control plane (BOSUN_URL set) or a local SQLite file.

Used by `bosun.runtime.memory`. Every memory belongs to one agent and one user; a search
only ever looks at the asking user's memories of this agent. Routes of the control plane
(server/routes/memories.py; the caller is the agent, acting for the user named in
X-Bosun-User, exactly as for sessions):

    POST /api/memories         {"agent", "content", "embedding", "ttl_days"} -> {"id", ...}
    POST /api/memories/search  {"agent", "embedding", "limit"} -> {"items": [{..., "score"}]}

Locally (no BOSUN_URL) one SQLite file per agent, `<data dir>/<ns>__<name>.memory.sqlite3`,
searched with sqlite-vec's `vec_distance_cosine` when this Python can load SQLite
extensions, else with the same function written in Python (registered on the
connection); expired memories are deleted on every write.
"""

from __future__ import annotations

import asyncio
import math
import os
import sqlite3
import struct
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import httpx

from bosun.runtime.credential import ControlPlaneToken, Unanswered, send_retried
from bosun.runtime.store import StoreError, default_data_dir


class MemoryBackend(Protocol):
    async def add(
        self, user: str | None, content: str, embedding: Sequence[float], ttl_days: int | None
    ) -> dict[str, Any]: ...

    async def search(
        self, user: str | None, embedding: Sequence[float], limit: int
    ) -> list[dict[str, Any]]:
        """The user's memories nearest to `embedding`, best first, each with a `score`
        (cosine similarity, 1 = same direction)."""
        ...

    async def close(self) -> None: ...


def pack(vector: Sequence[float]) -> bytes:
    return struct.pack(f"<{len(vector)}f", *vector)


def cosine_distance(a: bytes, b: bytes) -> float | None:
    """1 - cosine similarity of two float32 blobs (sqlite-vec's definition)."""
    if len(a) != len(b) or not a:
        return None
    x = struct.unpack(f"<{len(a) // 4}f", a)
    y = struct.unpack(f"<{len(b) // 4}f", b)
    dot = sum(p * q for p, q in zip(x, y, strict=True))
    norm = math.sqrt(sum(p * p for p in x)) * math.sqrt(sum(q * q for q in y))
    return 1.0 - dot / norm if norm else None


def install_vector_functions(db: sqlite3.Connection) -> str:
    """Make `vec_distance_cosine` available on `db`: "sqlite-vec" or "python"."""
    try:
        import sqlite_vec

        db.enable_load_extension(True)
        sqlite_vec.load(db)
        db.enable_load_extension(False)
        return "sqlite-vec"
    except (AttributeError, ImportError, sqlite3.Error):
        # This Python's sqlite3 cannot load extensions (a build option): same maths in Python.
        db.create_function("vec_distance_cosine", 2, cosine_distance, deterministic=True)
        return "python"


_SCHEMA = """
CREATE TABLE IF NOT EXISTS memories (
    id TEXT PRIMARY KEY, user_id TEXT NOT NULL, content TEXT NOT NULL,
    embedding BLOB NOT NULL, dims INTEGER NOT NULL, created_at REAL NOT NULL, expires_at REAL
);
CREATE INDEX IF NOT EXISTS memories_by_user ON memories (user_id, dims);
"""


class SqliteMemories:
    def __init__(self, path: Path, *, clock: Any = time.time) -> None:
        self.path = path
        self.clock = clock
        self.vector_engine = ""
        self._db: sqlite3.Connection | None = None
        self._lock = asyncio.Lock()

    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
                db.execute("PRAGMA busy_timeout=5000")
                db.executescript(_SCHEMA)
            except (OSError, sqlite3.Error) as exc:
                raise StoreError(f"cannot open the memory database {self.path}: {exc}") from exc
            self.vector_engine = install_vector_functions(db)
            self._db = db
        return self._db

    async def add(
        self, user: str | None, content: str, embedding: Sequence[float], ttl_days: int | None
    ) -> dict[str, Any]:
        now = self.clock()
        expires = now + ttl_days * 86400 if ttl_days else None
        memory_id = str(uuid.uuid4())

        def work() -> None:
            db = self._conn()
            db.execute("DELETE FROM memories WHERE expires_at <= ?", (now,))
            db.execute(
                "INSERT INTO memories VALUES (?, ?, ?, ?, ?, ?, ?)",
                (memory_id, user or "", content, pack(embedding), len(embedding), now, expires),
            )

        async with self._lock:
            await asyncio.to_thread(work)
        return {"id": memory_id, "content": content, "created_at": now, "expires_at": expires}

    async def search(
        self, user: str | None, embedding: Sequence[float], limit: int
    ) -> list[dict[str, Any]]:
        now = self.clock()

        def work() -> list[dict[str, Any]]:
            rows = (
                self._conn()
                .execute(
                    "SELECT id, content, created_at, expires_at, "
                    "1 - vec_distance_cosine(embedding, ?) AS score FROM memories "
                    "WHERE user_id = ? AND dims = ? AND (expires_at IS NULL OR expires_at > ?) "
                    "ORDER BY score DESC LIMIT ?",
                    (pack(embedding), user or "", len(embedding), now, limit),
                )
                .fetchall()
            )
            keys = ("id", "content", "created_at", "expires_at", "score")
            return [dict(zip(keys, row, strict=True)) for row in rows if row[4] is not None]

        async with self._lock:
            return await asyncio.to_thread(work)

    async def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None


class ControlPlaneMemories:
    def __init__(
        self, base_url: str, *, agent: str, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.agent = agent
        self._token = ControlPlaneToken()
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), timeout=httpx.Timeout(10.0), transport=transport
        )

    def _headers(self, user: str | None) -> dict[str, str]:
        return self._token.headers(user)

    async def _post(self, path: str, user: str | None, body: dict[str, Any]) -> Any:
        try:
            response = await send_retried(
                lambda: self._http.post(path, json=body, headers=self._headers(user))
            )
        except Unanswered as exc:
            raise StoreError(f"control plane POST {path} failed: {exc}") from None
        if response.status_code >= 300:
            raise StoreError(
                f"control plane POST {path} -> {response.status_code}: {response.text[:300]}"
            )
        return response.json()

    async def add(
        self, user: str | None, content: str, embedding: Sequence[float], ttl_days: int | None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {
            "agent": self.agent,
            "content": content,
            "embedding": list(embedding),
        }
        if ttl_days:
            body["ttl_days"] = ttl_days
        return dict(await self._post("/api/memories", user, body))

    async def search(
        self, user: str | None, embedding: Sequence[float], limit: int
    ) -> list[dict[str, Any]]:
        body = {"agent": self.agent, "embedding": list(embedding), "limit": limit}
        answer = await self._post("/api/memories/search", user, body)
        items = answer.get("items", []) if isinstance(answer, dict) else answer
        return [dict(i) for i in items if isinstance(i, dict)]

    async def close(self) -> None:
        await self._http.aclose()


def open_memories(*, agent: str, data_dir: Path | None = None) -> MemoryBackend:
    """The control plane when BOSUN_URL is set, else SQLite next to the session file."""
    url = os.environ.get("BOSUN_URL")
    if url:
        return ControlPlaneMemories(url, agent=agent)
    directory = data_dir or default_data_dir()
    return SqliteMemories(directory / f"{agent.replace('/', '__')}.memory.sqlite3")
