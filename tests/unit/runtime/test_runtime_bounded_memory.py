"""What the runtime keeps in memory is bounded; what leaves is read back from the store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from a2a.server.context import ServerCallContext
from a2a.types import Message, Part, Role, Task, TaskState, TaskStatus
from pydantic_ai.messages import ModelRequest, ModelResponse, TextPart, UserPromptPart

from bosun.runtime import sessions as sessions_module
from bosun.runtime import taskstore
from bosun.runtime.sessions import Sessions
from bosun.runtime.store.sqlite import SqliteBackend
from bosun.runtime.taskstore import PersistentTaskStore

CONTEXT = ServerCallContext()


def task(task_id: str, state: TaskState, *history: str) -> Task:
    return Task(
        id=task_id,
        context_id="ctx",
        status=TaskStatus(state=state),
        history=[
            Message(message_id=f"{task_id}-{n}", role=Role.ROLE_AGENT, parts=[Part(text=text)])
            for n, text in enumerate(history)
        ],
    )


async def test_tasks_at_rest_leave_memory_running_ones_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(taskstore, "TASKS_AT_REST", 2)
    path = tmp_path / "a.sqlite3"
    backend = SqliteBackend(path)
    store = PersistentTaskStore(backend)
    await store.save(task("running", TaskState.TASK_STATE_WORKING), CONTEXT)
    # Saved again in the same state: only memory has this version (until it leaves).
    await store.save(task("paused", TaskState.TASK_STATE_INPUT_REQUIRED), CONTEXT)
    await store.save(task("paused", TaskState.TASK_STATE_INPUT_REQUIRED, "newer"), CONTEXT)
    for n in range(4):
        await store.save(task(f"done{n}", TaskState.TASK_STATE_COMPLETED), CONTEXT)

    # The newest version of the paused task was written before it left memory.
    with sqlite3.connect(path) as db:
        (data,) = db.execute("SELECT data FROM tasks WHERE id = 'paused'").fetchone()
        assert "newer" in data
        db.execute("DELETE FROM tasks")  # from now on, only what memory holds is found
    found = {
        task_id
        for task_id in ("running", "paused", "done0", "done1", "done2", "done3")
        if await store.get(task_id, CONTEXT) is not None
    }
    assert found == {"running", "done2", "done3"}
    await backend.close()


def turn(text: str) -> list:
    return [
        ModelRequest(parts=[UserPromptPart(content=text)]),
        ModelResponse(parts=[TextPart(content=text.upper())]),
    ]


async def test_session_cache_is_bounded_by_sessions_and_messages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sessions_module, "CACHE_SESSIONS", 3)
    monkeypatch.setattr(sessions_module, "CACHE_MESSAGES", 6)
    backend = SqliteBackend(tmp_path / "a.sqlite3")
    sessions = Sessions(backend, agent="ns/a")
    for n in range(5):
        await sessions.history(f"s{n}")
        await sessions.append_messages(f"s{n}", turn(f"hello {n}"), task_id=f"t{n}")
    assert list(sessions._cache) == ["s2", "s3", "s4"]
    await sessions.append_messages("s4", turn("again"), task_id="t5")
    # s4 alone now holds 4 of the 6 messages allowed: the oldest sessions leave.
    assert list(sessions._cache) == ["s3", "s4"] and sessions._cached_messages == 6
    # A session that left is read back from the store, whole.
    history = await sessions.history("s0")
    assert [m.parts[0].content for m in history] == ["hello 0", "HELLO 0"]
    assert [m.parts[0].content for m in await sessions.history("s4")][-1] == "AGAIN"
    await backend.close()
