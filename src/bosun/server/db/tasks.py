"""Tasks repository: A2A tasks as JSON, with who asked which agent in which session.

Two writers meet here: the A2A proxy (which knows the user and the agent, and sees task ids
and states go by) and the agent runtime (which saves the full task JSON). `upsert` merges:
a value left as None keeps what is stored. The two race (an agent's save of a step can land
after the proxy recorded the end), so a task that ended never goes back to a running
state: A2A tasks in a terminal state are immutable.
"""

from __future__ import annotations

import builtins
import functools
import logging
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bosun.server.db.engine import Database, retry_on_integrity
from bosun.server.db.models import TaskRow, utcnow
from bosun.server.db.records import Task
from bosun.server.db.sessions import UNOWNED
from bosun.server.errors import NotFoundError

log = logging.getLogger(__name__)

_TERMINAL = {"completed", "failed", "canceled", "cancelled", "rejected"}
TERMINAL_STATES = frozenset(_TERMINAL)  # lower case, without the v1.0 prefix (retention.py)


def _step(state: str | None) -> int:
    """How far a task has come: 0 submitted, 1 running or paused, 2 ended."""
    if is_terminal(state):
        return 2
    return 0 if str(state or "").lower().removeprefix("task_state_") in ("", "submitted") else 1


def is_terminal(state: str | None) -> bool:
    """True for an ended task, in v1.0 (TASK_STATE_X) or v0.3 (x) spelling."""
    return bool(state) and str(state).lower().removeprefix("task_state_") in _TERMINAL


@dataclass(frozen=True)
class TaskWrite:
    """What one writer knows about a task; None fields keep what is stored."""

    user_id: str
    task_id: str
    session_id: str | None = None
    agent_namespace: str | None = None
    agent_name: str | None = None
    state: str | None = None
    data: dict[str, Any] | None = None


def _not_found(task_id: str) -> NotFoundError:
    return NotFoundError(f"task {task_id!r} not found", "task_id")


class TasksRepo:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def _owned(self, s: AsyncSession, scope: str | None, task_id: str) -> TaskRow:
        row = await s.get(TaskRow, task_id)
        if row is None or (scope is not None and row.user_id != scope):
            raise _not_found(task_id)
        return row

    async def upsert(
        self,
        user_id: str,
        task_id: str,
        *,
        session_id: str | None = None,
        agent_namespace: str | None = None,
        agent_name: str | None = None,
        state: str | None = None,
        data: dict[str, Any] | None = None,
        scope: str | Literal[True] | None = True,
    ) -> tuple[Task, bool]:
        """Create (owned by `user_id`) or update (if within `scope`) a task; returns
        (task, created). The default scope is the owner's own tasks."""
        visible = user_id if scope is True else scope

        async def attempt() -> tuple[Task, bool]:
            return await self._upsert(
                user_id, visible, task_id, session_id, agent_namespace, agent_name, state, data
            )

        return await retry_on_integrity(attempt)

    async def _upsert(
        self,
        user_id: str,
        scope: str | None,
        task_id: str,
        session_id: str | None,
        agent_namespace: str | None,
        agent_name: str | None,
        state: str | None,
        data: dict[str, Any] | None,
    ) -> tuple[Task, bool]:
        write = TaskWrite(user_id, task_id, session_id, agent_namespace, agent_name, state, data)
        async with self._db.write() as s:
            row, created = await self._upsert_in(s, write, scope)
            return Task.model_validate(row), created

    async def _upsert_in(
        self, s: AsyncSession, w: TaskWrite, scope: str | None
    ) -> tuple[TaskRow, bool]:
        row, created = self._apply(s, await s.get(TaskRow, w.task_id), w, scope)
        await s.flush()
        return row, created

    @staticmethod
    def _apply(
        s: AsyncSession, row: TaskRow | None, w: TaskWrite, scope: str | None
    ) -> tuple[TaskRow, bool]:
        """Merge one write into the row (checks come before any change)."""
        created = row is None
        now = utcnow()
        if row is None:
            row = TaskRow(id=w.task_id, user_id=w.user_id, state="", created_at=now)
            s.add(row)
        elif row.user_id == UNOWNED and w.user_id != UNOWNED:
            row.user_id = w.user_id  # recorded first by an agent; its user adopts it
        elif scope is not None and row.user_id != scope:
            raise _not_found(w.task_id)
        if w.session_id is not None:
            row.session_id = w.session_id
        if w.agent_name is not None:
            row.agent_namespace, row.agent_name = w.agent_namespace, w.agent_name
        if w.state is not None and _step(w.state) < _step(row.state):
            # A late write of an earlier step (the proxy's "submitted" after the agent's
            # "working", an agent's step after the proxy recorded the end): kept as is.
            pass
        else:
            if w.state is not None:
                row.state = w.state
            if w.data is not None:
                row.data = w.data
        row.updated_at = now
        return row, created

    async def upsert_many(self, writes: builtins.list[tuple[TaskWrite, str | None]]) -> None:
        """Apply many (write, scope) in order in one transaction with one read (the
        proxy's write-behind); writes outside their scope are skipped and logged."""
        try:
            async with self._db.write() as s:
                ids = {w.task_id for w, _ in writes}
                found = await s.scalars(select(TaskRow).where(TaskRow.id.in_(ids)))
                rows: dict[str, TaskRow] = {r.id: r for r in found.all()}
                for write, scope in writes:
                    try:
                        rows[write.task_id], _ = self._apply(
                            s, rows.get(write.task_id), write, scope
                        )
                    except NotFoundError:
                        log.warning("task %s belongs to another user; not recorded", write.task_id)
        except IntegrityError:  # another writer inserted one of them meanwhile
            for write, scope in writes:
                try:
                    await retry_on_integrity(functools.partial(self._one, write, scope))
                except NotFoundError:
                    log.warning("task %s belongs to another user; not recorded", write.task_id)

    async def _one(self, write: TaskWrite, scope: str | None) -> None:
        async with self._db.write() as s:
            await self._upsert_in(s, write, scope)

    async def owner(self, task_id: str) -> str | None:
        """Whose task it is (None if there is none): for access checks."""
        async with self._db.sessions() as s:
            row = await s.get(TaskRow, task_id)
            return row.user_id if row else None

    async def get(self, scope: str | None, task_id: str) -> Task:
        async with self._db.sessions() as s:
            return Task.model_validate(await self._owned(s, scope, task_id))

    async def list(
        self,
        scope: str | None,
        *,
        session_id: str | None = None,
        agent_namespace: str | None = None,
        agent_name: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[Task]:
        query = select(TaskRow)
        if scope is not None:
            query = query.where(TaskRow.user_id == scope)
        if session_id is not None:
            query = query.where(TaskRow.session_id == session_id)
        if agent_name is not None:
            query = query.where(
                TaskRow.agent_namespace == agent_namespace, TaskRow.agent_name == agent_name
            )
        query = query.order_by(TaskRow.created_at.desc(), TaskRow.id).limit(limit).offset(offset)
        async with self._db.sessions() as s:
            return [Task.model_validate(r) for r in (await s.scalars(query)).all()]

    async def delete(self, scope: str | None, task_id: str) -> None:
        async with self._db.write() as s:
            await self._owned(s, scope, task_id)
            await s.execute(delete(TaskRow).where(TaskRow.id == task_id))
