"""Sessions, events and tasks in one local SQLite file (when no control plane is set).

Used by `bosun agent` run alone (a developer's machine, a test, local mode without
BOSUN_URL). stdlib sqlite3, no ORM import at start. One file per agent, created on first
use.

The statements of a turn (a few point reads and small writes) run on the event loop's
thread: in WAL mode with synchronous=NORMAL a commit only appends to the WAL in the page
cache, which takes microseconds, far less than handing each statement to a worker thread
and back. The part that waits for the disk, the checkpoint that copies the WAL into the
database and fsyncs it, is switched off on that connection and run on a worker thread
every CHECKPOINT_EVERY writes (and at close). Listing all tasks, which may read many
rows, also runs on a worker thread with its own connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from bosun.runtime.store import StoreError

log = logging.getLogger("bosun.runtime")

T = TypeVar("T")

CHECKPOINT_EVERY = 200
"""Writes between two checkpoints of the WAL into the database file (on a worker thread)."""
BUSY_TIMEOUT_MS = 5000
"""How long a statement waits for another process's write lock (one agent per file: rare)."""

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
        self._db: sqlite3.Connection | None = None  # used on the event loop's thread only
        self._writes = 0
        self._checkpoint: asyncio.Task[None] | None = None

    def _open(self, *, main: bool) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            db.execute("PRAGMA synchronous=NORMAL")
            if main:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute("PRAGMA wal_autocheckpoint=0")  # ours run on a worker thread
                db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the session database {self.path}: {exc}") from exc
        return db

    def _run(self, work: Callable[[sqlite3.Connection], T], *, write: bool = False) -> T:
        if self._db is None:
            self._db = self._open(main=True)
        try:
            result = work(self._db)
        except sqlite3.Error as exc:
            raise StoreError(f"session database {self.path}: {exc}") from exc
        if write:
            self._writes += 1
            if self._writes >= CHECKPOINT_EVERY and (
                self._checkpoint is None or self._checkpoint.done()
            ):
                self._writes = 0
                self._checkpoint = asyncio.get_running_loop().create_task(
                    asyncio.to_thread(self._checkpoint_now, "PASSIVE"), name="sqlite checkpoint"
                )
        return result

    def _checkpoint_now(self, mode: str) -> None:
        """Copy the WAL into the database file (a worker thread: this one fsyncs)."""
        try:
            db = self._open(main=False)
            try:
                db.execute(f"PRAGMA wal_checkpoint({mode})")
            finally:
                db.close()
        except (StoreError, sqlite3.Error) as exc:  # the WAL keeps the data meanwhile
            log.warning("session database %s: checkpoint failed: %s", self.path, exc)

    async def ensure_session(self, session_id: str, *, agent: str, user_id: str | None) -> None:
        now = time.time()
        self._run(
            lambda db: db.execute(
                "INSERT OR IGNORE INTO sessions (id, agent, user_id, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (session_id, agent, user_id, now, now),
            ),
            write=True,
        )

    async def events(self, session_id: str, *, after: int = 0) -> list[dict[str, Any]]:
        rows = self._run(
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

        return self._run(insert, write=True)

    async def put_task(self, task: dict[str, Any]) -> None:
        state = (task.get("status") or {}).get("state")
        body = json.dumps(task)
        self._run(
            lambda db: db.execute(
                "INSERT OR REPLACE INTO tasks (id, context_id, state, updated_at, data) "
                "VALUES (?, ?, ?, ?, ?)",
                (task["id"], task.get("contextId", ""), state, time.time(), body),
            ),
            write=True,
        )

    async def get_task(self, task_id: str) -> dict[str, Any] | None:
        row = self._run(
            lambda db: db.execute("SELECT data FROM tasks WHERE id = ?", (task_id,)).fetchone()
        )
        return json.loads(row[0]) if row else None

    async def list_tasks(self, context_id: str | None = None) -> list[dict[str, Any]]:
        if self._db is None:
            self._db = self._open(main=True)  # creates the file and schema if needed

        def select() -> list[dict[str, Any]]:
            db = self._open(main=False)
            try:
                if context_id:
                    rows = db.execute(
                        "SELECT data FROM tasks WHERE context_id = ? ORDER BY updated_at",
                        (context_id,),
                    ).fetchall()
                else:
                    rows = db.execute("SELECT data FROM tasks ORDER BY updated_at").fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"session database {self.path}: {exc}") from exc
            finally:
                db.close()
            return [json.loads(data) for (data,) in rows]

        return await asyncio.to_thread(select)

    async def close(self) -> None:
        if self._checkpoint is not None:
            with contextlib.suppress(Exception):
                await self._checkpoint
        if self._db is not None:
            db, self._db = self._db, None
            # Fold the WAL into the database so the file stands alone after exit.
            await asyncio.to_thread(self._checkpoint_now, "TRUNCATE")
            db.close()
