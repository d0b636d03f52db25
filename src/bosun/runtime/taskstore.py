"""The a2a-sdk TaskStore of the runtime: in memory, written through to the session backend.

Given to the a2a-sdk request handler by `bosun.runtime.service`. The SDK saves a task on
every event, including each streamed text chunk; keeping the live copy in memory and
writing to the backend only when the task's state changes (submitted, working,
input-required, completed, ...) keeps streaming cheap while GetTask and ListTasks still
answer after a restart (tasks not in memory are read back from the backend).

Memory holds every task that is running, and the most recent TASKS_AT_REST of those at
rest (finished, or paused for the user); older ones are dropped once the backend has
their last version, and read back when asked for.

A task read back from the backend in state submitted or working was running in a process
that is gone (a restart or a crash; this process runs every task it has in memory): it
is marked failed, with a status message saying so, rather than left "working" forever
for a client that polls or re-subscribes. Nobody may read it back, though (its caller
left before the process died), so the tasks a process runs are also noted in a journal
on local disk (`store.journal`, attached to the backend by `open_backend`): at start,
`recover` fails the ones that a gone process of the same agent left running and writes
them through, so the control plane's record and the UI say failed too. Paused tasks
(input-required) are not running: they stay paused across a restart. `on_saved` hooks
(the push-config store) run after each save.

A task paused with a deadline (BOSUN_APPROVAL_TIMEOUT, pending.py) is failed when the
deadline passes: a timer per paused task in this process, and a check when a task is
read back (its deadline may have passed while the agent was down).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from a2a.server.context import ServerCallContext
from a2a.server.tasks import InMemoryTaskStore, TaskStore
from a2a.types import ListTasksRequest, ListTasksResponse, Message, Part, Role, Task, TaskState
from google.protobuf import json_format

from bosun.runtime.pending import deadline_of, expiry_text
from bosun.runtime.store import SessionBackend, StoreError
from bosun.runtime.store.journal import RunningJournal

log = logging.getLogger("bosun.runtime")

TASKS_AT_REST = 100
"""Finished or paused tasks kept in memory (running ones always are)."""
RECOVER_BACKOFF = (0.5, 30.0)
"""First and longest wait between attempts to read a left task while the store is down."""
_AT_REST = frozenset(
    int(state)
    for state in (
        TaskState.TASK_STATE_COMPLETED,
        TaskState.TASK_STATE_FAILED,
        TaskState.TASK_STATE_CANCELED,
        TaskState.TASK_STATE_REJECTED,
        TaskState.TASK_STATE_INPUT_REQUIRED,
        TaskState.TASK_STATE_AUTH_REQUIRED,
    )
)


_INTERRUPTED = frozenset(
    int(state) for state in (TaskState.TASK_STATE_SUBMITTED, TaskState.TASK_STATE_WORKING)
)
INTERRUPTED_TEXT = (
    "The agent restarted while this task was running, so it did not finish. "
    "Send the message again to retry."
)


def mark_interrupted(task: Task) -> None:
    """A task whose process is gone: failed, saying why (see the module docstring)."""
    mark_failed(task, INTERRUPTED_TEXT, "interrupted")


def mark_failed(task: Task, text: str, suffix: str) -> None:
    task.status.state = TaskState.TASK_STATE_FAILED
    task.status.message.CopyFrom(
        Message(
            role=Role.ROLE_AGENT,
            message_id=f"{task.id}-{suffix}",
            task_id=task.id,
            context_id=task.context_id,
            parts=[Part(text=text)],
        )
    )
    task.status.timestamp.GetCurrentTime()


def _expired(task: Task) -> str | None:
    if int(task.status.state) != int(TaskState.TASK_STATE_INPUT_REQUIRED):
        return None
    return expiry_text(json_format.MessageToDict(task.metadata))


def _single_owner(context: ServerCallContext) -> str:
    # Users are told apart by the control plane in front of the agent, not here.
    return ""


def _state_of(data: dict[str, Any]) -> int:
    state = (data.get("status") or {}).get("state")
    try:
        return int(TaskState.Value(state)) if isinstance(state, str) else int(state or 0)
    except ValueError:
        return 0


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
        self._persisted_state: dict[str, int] = {}  # the state of the version last written
        self._dirty: set[str] = set()  # saved again since, in the same state
        self._at_rest: OrderedDict[str, None] = OrderedDict()  # may leave memory, oldest first
        self.restored: set[str] = set()  # tasks read back from the backend (older processes')
        self.on_saved: list[Callable[[Task], Awaitable[None]]] = []
        self._expiry: dict[str, asyncio.Task[None]] = {}  # paused task id -> its timer
        journal = getattr(backend, "journal", None)
        self._journal = journal if isinstance(journal, RunningJournal) else None
        self.left = self._journal.take_left() if self._journal is not None else set()
        self.recovery: asyncio.Task[None] | None = None
        self._recovery_due = bool(self.left)
        with contextlib.suppress(RuntimeError):  # built off the loop (a team: a thread)
            asyncio.get_running_loop()
            self._start_recovery()

    def _start_recovery(self) -> None:
        """Run `recover` in the background, once (at start, or at first use if the store
        was built outside the event loop)."""
        if self._recovery_due:
            self._recovery_due = False
            self.recovery = asyncio.create_task(self.recover(), name="recover left tasks")

    async def recover(self) -> None:
        """Fail (and write through) the tasks a gone process of this agent left running."""
        delay, longest = RECOVER_BACKOFF
        context = ServerCallContext()
        while self.left:
            task_id = min(self.left)
            try:
                task = await self.get(task_id, context)  # read back: failed if it was running
            except StoreError as exc:
                log.warning("task %s left by the last process: not read yet: %s", task_id, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, longest)
                continue
            except Exception:  # not worth retrying; it is failed when read back
                log.exception("task %s left by the last process could not be read", task_id)
                self.left.discard(task_id)
                continue
            if task is not None:
                state = TaskState.Name(task.status.state)
                log.info("task %s left by the last process is %s", task_id, state)
            self.left.discard(task_id)
            if self._journal is not None and (task is None or int(task.status.state) in _AT_REST):
                self._journal.ended(task_id)

    async def _write(self, task: Task) -> bool:
        try:
            await self.backend.put_task(task_to_json(task))
        except StoreError as exc:
            # The conversation goes on; the task is simply not durable until the next save.
            log.error("task %s not persisted: %s", task.id, exc)
            return False
        self._persisted_state[task.id] = int(task.status.state)
        self._dirty.discard(task.id)
        return True

    async def save(self, task: Task, context: ServerCallContext) -> None:
        self._start_recovery()
        await self._memory.save(task, context)
        state = int(task.status.state)
        if self._journal is not None:  # before the backend has it: a kill may come next
            if state in _INTERRUPTED:
                self._journal.started(task.id)
            else:
                self._journal.ended(task.id)
        if self._persisted_state.get(task.id) == state:
            self._dirty.add(task.id)
        else:
            await self._write(task)
        if state in _AT_REST:
            self._at_rest[task.id] = None
            self._at_rest.move_to_end(task.id)
        else:
            self._at_rest.pop(task.id, None)
        await self._release(context)
        self._watch_deadline(task)
        for hook in self.on_saved:
            await hook(task)

    def _watch_deadline(self, task: Task) -> None:
        """(Re)arm the expiry timer of a paused task with a deadline; drop it otherwise."""
        deadline = None
        if int(task.status.state) == int(TaskState.TASK_STATE_INPUT_REQUIRED):
            deadline = deadline_of(json_format.MessageToDict(task.metadata))
        timer = self._expiry.pop(task.id, None)
        if timer is not None and timer is not asyncio.current_task():
            timer.cancel()
        if deadline is not None:
            self._expiry[task.id] = asyncio.create_task(
                self._expire_at(task.id, deadline), name=f"expiry of task {task.id}"
            )

    async def _expire_at(self, task_id: str, deadline: float) -> None:
        await asyncio.sleep(max(0.0, deadline - time.time()))
        context = ServerCallContext()
        task = await self.get(task_id, context)  # read back (and failed) if it left memory
        text = _expired(task) if task is not None else None
        if task is None or text is None:
            self._expiry.pop(task_id, None)
            return
        mark_failed(task, text, "expired")
        log.info("task %s: %s", task_id, text)
        await self.save(task, context)

    async def _release(self, context: ServerCallContext) -> None:
        """Drop the oldest tasks at rest beyond TASKS_AT_REST, once the backend has them."""
        while len(self._at_rest) > TASKS_AT_REST:
            task_id, _ = self._at_rest.popitem(last=False)
            if task_id in self._dirty or task_id not in self._persisted_state:
                task = await self._memory.get(task_id, context)
                if task is not None and not await self._write(task):
                    continue  # stays in memory: the only copy of its last version
            self._persisted_state.pop(task_id, None)
            self._dirty.discard(task_id)
            await self._memory.delete(task_id, context)

    async def get(self, task_id: str, context: ServerCallContext) -> Task | None:
        self._start_recovery()
        task = await self._memory.get(task_id, context)
        if task is not None:
            return task
        data = await self.backend.get_task(task_id)
        if data is None:
            return None
        task = self._restore(data)
        await self._memory.save(task, context)
        if int(task.status.state) != _state_of(data):
            await self._write(task)
        self._persisted_state[task.id] = int(task.status.state)
        self._at_rest[task.id] = None  # same as the backend's: may leave memory again
        await self._release(context)
        return task

    def _restore(self, data: dict[str, Any]) -> Task:
        task = task_from_json(data)
        self.restored.add(task.id)
        if int(task.status.state) in _INTERRUPTED:
            mark_interrupted(task)
        elif (text := _expired(task)) is not None:  # the deadline passed while we were down
            mark_failed(task, text, "expired")
        return task

    async def context_of(self, task_id: str) -> str | None:
        """The task's contextId (None if the task is unknown)."""
        task = await self.get(task_id, ServerCallContext())
        return task.context_id if task is not None else None

    async def list(self, params: ListTasksRequest, context: ServerCallContext) -> ListTasksResponse:
        self._start_recovery()
        # The backend knows every task (also those from before a restart); the live copies in
        # memory are newer for running tasks. Paging and filters are the SDK's own.
        view = InMemoryTaskStore(owner_resolver=_single_owner)
        for data in await self.backend.list_tasks(params.context_id or None):
            live = await self._memory.get(str(data.get("id", "")), context)
            await view.save(live or self._restore(data), context)
        return await view.list(params, context)

    async def delete(self, task_id: str, context: ServerCallContext) -> None:
        await self._memory.delete(task_id, context)
        if self._journal is not None:
            self._journal.ended(task_id)
        self._persisted_state.pop(task_id, None)
        self._dirty.discard(task_id)
        self._at_rest.pop(task_id, None)
