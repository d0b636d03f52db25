"""The a2a-sdk TaskStore of the runtime: in memory, written through to the session backend.

Given to the a2a-sdk request handler by `bosun.runtime.app`. The SDK saves a task on
every event, including each streamed text chunk; keeping the live copy in memory and
writing to the backend only when the task's state changes (submitted, working,
input-required, completed, ...) keeps streaming cheap while GetTask and ListTasks still
answer after a restart (tasks not in memory are read back from the backend).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from a2a.server.context import ServerCallContext
from a2a.server.tasks import InMemoryTaskStore, TaskStore
from a2a.types import ListTasksRequest, ListTasksResponse, Task
from google.protobuf import json_format

from bosun.runtime.store import SessionBackend, StoreError

log = logging.getLogger("bosun.runtime")

MEMORY_TASKS = 1000
"""Tasks kept in memory; older ones are dropped once persisted and read back when asked for."""


def _single_owner(context: ServerCallContext) -> str:
    # Users are told apart by the control plane in front of the agent, not here.
    return ""


def task_to_json(task: Task) -> dict[str, Any]:
    data: dict[str, Any] = json_format.MessageToDict(task)
    return data


def task_from_json(data: dict[str, Any]) -> Task:
    task = Task()
    json_format.ParseDict(data, task, ignore_unknown_fields=True)
    return task


class PersistentTaskStore(TaskStore):
    def __init__(self, backend: SessionBackend) -> None:
        self.backend = backend
        self._memory = InMemoryTaskStore(owner_resolver=_single_owner)
        self._persisted_state: dict[str, int] = {}
        self._recent: OrderedDict[str, None] = OrderedDict()

    async def _remember(self, task: Task, context: ServerCallContext) -> None:
        await self._memory.save(task, context)
        self._recent[task.id] = None
        self._recent.move_to_end(task.id)
        while len(self._recent) > MEMORY_TASKS:
            oldest = next(iter(self._recent))
            if oldest not in self._persisted_state:
                break  # never drop what only memory has
            self._recent.pop(oldest)
            self._persisted_state.pop(oldest, None)
            await self._memory.delete(oldest, context)

    async def save(self, task: Task, context: ServerCallContext) -> None:
        await self._remember(task, context)
        state = int(task.status.state)
        if self._persisted_state.get(task.id) == state:
            return
        try:
            await self.backend.put_task(task_to_json(task))
        except StoreError as exc:
            # The conversation goes on; the task is simply not durable until the next save.
            log.error("task %s not persisted: %s", task.id, exc)
            return
        self._persisted_state[task.id] = state

    async def get(self, task_id: str, context: ServerCallContext) -> Task | None:
        task = await self._memory.get(task_id, context)
        if task is not None:
            return task
        data = await self.backend.get_task(task_id)
        if data is None:
            return None
        task = task_from_json(data)
        self._persisted_state[task.id] = int(task.status.state)
        await self._remember(task, context)
        return task

    async def list(self, params: ListTasksRequest, context: ServerCallContext) -> ListTasksResponse:
        # The backend knows every task (also those from before a restart); the live copies in
        # memory are newer for running tasks. Paging and filters are the SDK's own.
        view = InMemoryTaskStore(owner_resolver=_single_owner)
        for data in await self.backend.list_tasks(params.context_id or None):
            task = task_from_json(data)
            live = await self._memory.get(task.id, context)
            await view.save(live or task, context)
        return await view.list(params, context)

    async def delete(self, task_id: str, context: ServerCallContext) -> None:
        await self._memory.delete(task_id, context)
        self._persisted_state.pop(task_id, None)
        self._recent.pop(task_id, None)
