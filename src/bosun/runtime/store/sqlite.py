"""Sessions, events and tasks in one local SQLite file (when no control plane is set).

Used by `bosun agent` run alone (a developer's machine, a test, local mode without
BOSUN_URL). stdlib sqlite3 on a worker thread: no ORM import at start, WAL so readers
never wait for the writer. One file per agent, created on first use.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from bosun.runtime.store import StoreError

T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
    id TEXT PRIMARY KEY, agent TEXT NOT NULL, user_id TEXT,
    created_at REAL NOT NULL, updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    session_id TEXT NOT NULL, seq INTEGER NOT NULL, created_at REAL NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (session_id, seq)
);
CREATE TABLE IF NOT EXISTS tasks (
    id TEXT PRIMARY KEY, context_id TEXT NOT NULL, state TEXT, updated_at REAL NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_by_context ON tasks (context_id, updated_at);
"""


class SqliteBackend:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        if self._db is None:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA synchronous=NORMAL")
                db.executescript(_SCHEMA)
            except (OSError, sqlite3.Error) as exc:
                raise StoreError(f"cannot open the session database {self.path}: {exc}") from exc
            self._db = db
        return self._db

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        def locked() -> T:
            with self._lock:
                try:
                    return work(self._connect())
                except sqlite3.Error as exc:
                    raise StoreError(f"session database {self.path}: {exc}") from exc

        return await asyncio.to_thread(locked)

    async def ensure_session(self, session_id: str, *, agent: str, user_id: str | None) -> None:
        now = time.time()
        await self._run(
            lambda db: db.execute(
                "INSERT OR IGNORE INTO sessions (id, agent, user_id, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (session_id, agent, user_id, now, now),
            )
        )

    async def events(self, session_id: str, *, after: int = 0) -> list[dict[str, Any]]:
        rows = await self._run(
            lambda db: db.execute(
                "SELECT seq, data FROM events WHERE session_id = ? AND seq > ? ORDER BY seq",
                (session_id, after),
            ).fetchall()
        )
        return [{**json.loads(data), "seq": seq} for seq, data in rows]

    async def append_event(self, session_id: str, event: dict[str, Any]) -> int:
        body = json.dumps({k: v for k, v in event.items() if k != "seq"})
        now = time.time()

        def insert(db: sqlite3.Connection) -> int:
            db.execute("BEGIN IMMEDIATE")
            try:
                (last,) = db.execute(
                    "SELECT COALESCE(MAX(seq), 0) FROM events WHERE session_id = ?", (session_id,)
                ).fetchone()
                seq = int(last) + 1
                db.execute(
                    "INSERT INTO events (session_id, seq, created_at, data) VALUES (?, ?, ?, ?)",
                    (session_id, seq, now, body),
                )
                db.execute("UPDATE sessions SET updated_at = ? WHERE id = ?", (now, session_id))
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            return seq

        return await self._run(insert)

    async def put_task(self, task: dict[str, Any]) -> None:
        state = (task.get("status") or {}).get("state")
        await self._run(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO tasks (id, context_id, state, updated_at, data) "
                "VALUES (?, ?, ?, ?, ?)",
                (task["id"], task.get("contextId", ""), state, time.time(), json.dumps(task)),
            )
        )

    async def get_task(self, task_id: str) -> dict[str, Any] | None:
        row = await self._run(
            lambda db: db.execute("SELECT data FROM tasks WHERE id = ?", (task_id,)).fetchone()
        )
        return json.loads(row[0]) if row else None

    async def list_tasks(self, context_id: str | None = None) -> list[dict[str, Any]]:
        def select(db: sqlite3.Connection) -> list[Any]:
            if context_id:
                return db.execute(
                    "SELECT data FROM tasks WHERE context_id = ? ORDER BY updated_at", (context_id,)
                ).fetchall()
            return db.execute("SELECT data FROM tasks ORDER BY updated_at").fetchall()

        return [json.loads(data) for (data,) in await self._run(select)]

    async def close(self) -> None:
        def close(db: sqlite3.Connection) -> None:
            db.close()

        if self._db is not None:
            await self._run(close)
            self._db = None
