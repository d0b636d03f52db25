"""Retention deletes: old audit records, metering rows, ended tasks and idle sessions.

Called only by the retention scheduler (bosun.server.retention), which decides the cutoffs
from the settings. Every method deletes at most `batch` rows per statement, each in its
own write transaction, and loops until a statement deletes fewer than `batch`: a first
pass on a big database holds SQLite's write lock (or PostgreSQL's row locks) for one batch
at a time, and other writers get their turn in between.

Safe with two control-plane replicas running it at once: each statement picks the rows
it deletes by the same condition at the moment it runs, so a row the other replica already
deleted is simply not there (a smaller count, never an error), and a row that became live
again meanwhile (a session with a new event, a task that moved) no longer matches.

What refers to what: `events.session_id` references `sessions.id` (ON DELETE CASCADE);
events go first, explicitly, so a session's events are bounded by the batch too. Nothing
else has a foreign key: tasks, usage, audit, feedback and files name sessions and tasks by
id only, and keep their own retention (feedback and memory files are user data, kept).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, exists, func, not_, or_, select, tuple_

from bosun.server.db.audit import AuditRow
from bosun.server.db.engine import Database
from bosun.server.db.models import (
    EventRow,
    GatewayRequestRow,
    PolicyCounterRow,
    SessionRow,
    TaskRow,
    UsageRow,
)
from bosun.server.db.tasks import TERMINAL_STATES

DEFAULT_BATCH = 5000

# Terminal states as stored: v0.3 `completed` and v1.0 `TASK_STATE_COMPLETED`, any case.
_TERMINAL_LOWER = sorted({*TERMINAL_STATES, *(f"task_state_{s}" for s in TERMINAL_STATES)})


def _ended(task: type[TaskRow] = TaskRow) -> ColumnElement[bool]:
    return func.lower(task.state).in_(_TERMINAL_LOWER)


def _idle_session(cutoff: datetime) -> ColumnElement[bool]:
    """A session with no activity since `cutoff`: not touched (an event, a rename) and no
    task in it that is still going or that changed since."""
    live_task = exists().where(
        TaskRow.session_id == SessionRow.id,
        or_(TaskRow.updated_at >= cutoff, not_(_ended())),
    )
    return and_(SessionRow.updated_at < cutoff, not_(live_task))


class RetentionRepo:
    def __init__(self, db: Database, *, batch: int = DEFAULT_BATCH) -> None:
        if batch < 1:
            raise ValueError(f"batch must be at least 1, not {batch}")
        self._db = db
        self.batch = batch

    async def _batched(self, table: Any, key: Sequence[Any], where: ColumnElement[bool]) -> int:
        """Delete the rows of `table` matching `where`, `batch` at a time; how many."""
        pick = select(*key).where(where).limit(self.batch)
        target = key[0].in_(pick) if len(key) == 1 else tuple_(*key).in_(pick)
        total = 0
        while True:
            async with self._db.write() as s:
                result: Any = await s.execute(
                    delete(table).where(target).execution_options(synchronize_session=False)
                )
            deleted = int(result.rowcount or 0)
            total += deleted
            if deleted < self.batch:
                return total
            await asyncio.sleep(0)  # let waiting writers in between batches

    async def audit_before(self, cutoff: datetime) -> int:
        """Audit records written before `cutoff`."""
        return await self._batched(AuditRow, [AuditRow.id], AuditRow.at < cutoff)

    async def gateway_requests_before(self, cutoff: datetime) -> int:
        """The gateway's per-request metering rows from before `cutoff`."""
        t = GatewayRequestRow
        return await self._batched(t, [t.id], t.created_at < cutoff)

    async def usage_before(self, cutoff: datetime) -> int:
        """The runtime's per-turn token rows (usage reports) from before `cutoff`."""
        return await self._batched(UsageRow, [UsageRow.id], UsageRow.created_at < cutoff)

    async def counters_ended_before(self, before: int) -> int:
        """Policy counters of windows that ended before `before` (epoch seconds). A
        window that has not ended is never matched, whatever `before` is."""
        t = PolicyCounterRow
        key = [t.limit_key, t.subject, t.window_seconds, t.window_start]
        return await self._batched(t, key, t.window_start + t.window_seconds < before)

    async def tasks_ended_before(self, cutoff: datetime) -> int:
        """Tasks in a terminal state last changed before `cutoff`; tasks still going
        (submitted, working, input-required, ...) are never deleted, however old."""
        where = and_(TaskRow.updated_at < cutoff, _ended())
        return await self._batched(TaskRow, [TaskRow.id], where)

    async def idle_sessions(self, cutoff: datetime) -> tuple[int, int]:
        """Sessions with no activity since `cutoff`, with their events: (sessions, events).
        Call after `tasks_ended_before` with the same cutoff (a session is kept while any
        of its tasks is).

        A few sessions per transaction (`batch // 100`), their events deleted `batch` at a
        time inside it, then the sessions: a session and its events go together or not at
        all. On PostgreSQL the sessions are locked first (FOR UPDATE SKIP LOCKED): an
        event appended meanwhile waits and then finds no session, and another replica's
        pass takes other sessions."""
        chunk = max(1, self.batch // 100)
        sessions = events = 0
        while True:
            async with self._db.write() as s:
                pick = select(SessionRow.id).where(_idle_session(cutoff)).limit(chunk)
                if self._db.dialect == "postgresql":
                    pick = pick.with_for_update(skip_locked=True, of=SessionRow)
                ids = list((await s.scalars(pick)).all())
                if not ids:
                    return sessions, events
                of_ids = select(EventRow.id).where(EventRow.session_id.in_(ids)).limit(self.batch)
                while True:
                    result: Any = await s.execute(
                        delete(EventRow)
                        .where(EventRow.id.in_(of_ids))
                        .execution_options(synchronize_session=False)
                    )
                    deleted = int(result.rowcount or 0)
                    events += deleted
                    if deleted < self.batch:
                        break
                result = await s.execute(
                    delete(SessionRow)
                    .where(SessionRow.id.in_(ids))
                    .execution_options(synchronize_session=False)
                )
                sessions += int(result.rowcount or 0)
            if len(ids) < chunk:
                return sessions, events
            await asyncio.sleep(0)
