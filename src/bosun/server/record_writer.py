"""Write-behind for what the A2A proxy and /mcp record: sessions, task states, usage.

Recording is off the request path: `submit()` queues and returns; a background task
writes whatever accumulated (up to `max_batch` items, at most `window` seconds old) in a
few transactions. On SQLite every statement is a hop to a driver thread, so one
transaction per batch instead of a few per request is what lets the proxy keep up with a
high request rate. Ownership *checks* are not deferred (a2a_record.check_access reads
synchronously); only writes are. A claimed session not written yet is known to
`pending_owner`, so a task the agent saves meanwhile is saved for the right user; across
replicas, what an agent records first is unowned until the claim adopts it (db/sessions.py
UNOWNED).

Started and stopped by app.py; `drain()` waits until everything submitted is written
(tests and shutdown). Other record types ride the same queue through `handlers` (type ->
async function taking a batch of them): the audit log (audit.py) is one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bosun.server.a2a_broken import TaskFailure, write_failures
from bosun.server.db import Repositories
from bosun.server.db.sessions import SessionClaim
from bosun.server.db.tasks import TaskWrite

log = logging.getLogger(__name__)

MAX_QUEUED = 100_000  # beyond this, records are dropped (and logged): never block a request


@dataclass(frozen=True)
class TaskRecord:
    write: TaskWrite
    scope: str | None


@dataclass(frozen=True)
class UsageRecord:
    fields: dict[str, Any]


Item = SessionClaim | TaskRecord | UsageRecord | TaskFailure


@dataclass
class RecordWriter:
    repos: Repositories
    window: float = 0.02
    max_batch: int = 500
    _queue: asyncio.Queue[Item] = field(default_factory=asyncio.Queue)
    _idle: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None
    _pending: dict[str, str] = field(default_factory=dict)  # session id -> owner, unwritten
    dropped: int = 0
    handlers: dict[type, Callable[[list[Any]], Awaitable[None]]] = field(default_factory=dict)

    def start(self) -> None:
        self._idle.set()
        self._task = asyncio.create_task(self._run(), name="record writer")

    def submit(self, item: Item | Any) -> None:
        if self._queue.qsize() >= MAX_QUEUED:
            self.dropped += 1
            if self.dropped % 1000 == 1:
                log.warning("record writer is behind: %d records dropped", self.dropped)
            return
        self._idle.clear()
        if isinstance(item, SessionClaim):
            self._pending[item.session_id] = item.user_id
        self._queue.put_nowait(item)

    def pending_owner(self, session_id: str) -> str | None:
        """The owner of a session claimed but not written yet (this process only)."""
        return self._pending.get(session_id)

    async def drain(self, within: float = 30.0) -> None:
        """Wait until every submitted record is written."""
        async with asyncio.timeout(within):
            while not (self._idle.is_set() and self._queue.empty()):  # noqa: ASYNC110
                await asyncio.sleep(0.005)  # a poll: idle flips more than once per drain

    async def close(self) -> None:
        with contextlib.suppress(TimeoutError):
            await self.drain(10)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            first = await self._queue.get()
            await asyncio.sleep(self.window)  # let a batch gather
            batch = [first]
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._write(batch)
            except Exception:
                log.exception("could not record %d A2A sessions/tasks/usage", len(batch))
            if self._queue.empty():
                self._idle.set()

    async def _write(self, batch: list[Item]) -> None:
        claims = [i for i in batch if isinstance(i, SessionClaim)]
        tasks = [(i.write, i.scope) for i in batch if isinstance(i, TaskRecord)]
        usage = [i.fields for i in batch if isinstance(i, UsageRecord)]
        for kind, handler in self.handlers.items():
            items = [i for i in batch if type(i) is kind]
            if items:
                try:
                    await handler(items)
                except Exception:  # one kind failing must not lose the others
                    log.exception("could not record %d %s", len(items), kind.__name__)
        if claims:
            try:
                await self.repos.sessions.create_many(claims)
            finally:
                for claim in claims:
                    if self._pending.get(claim.session_id) == claim.user_id:
                        del self._pending[claim.session_id]
        if tasks:
            await self.repos.tasks.upsert_many(tasks)
        if usage:
            await self.repos.usage.record_many(usage)
        failures = [i for i in batch if isinstance(i, TaskFailure)]
        if failures:  # after the task states above: an agent that broke off mid-turn
            await write_failures(self.repos, failures)
