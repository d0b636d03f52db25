"""The local SQLite store: events in order, tasks by context, durable across reopening."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from pathlib import Path

import pytest

from bosun.runtime.store import sqlite as store
from bosun.runtime.store.sqlite import SqliteBackend


def task(task_id: str, context_id: str, state: str) -> dict[str, object]:
    return {"id": task_id, "contextId": context_id, "status": {"state": state}}


async def test_events_tasks_and_reopening(tmp_path: Path) -> None:
    path = tmp_path / "data" / "agent.sqlite3"
    backend = SqliteBackend(path)
    await backend.ensure_session("s1", agent="ns/a", user_id="alice")
    await backend.ensure_session("s1", agent="ns/a", user_id="alice")  # idempotent
    assert await backend.append_event("s1", {"kind": "messages", "messages": [1]}) == 1
    assert await backend.append_event("s1", {"kind": "messages", "messages": [2], "seq": 9}) == 2
    assert await backend.append_event("s2", {"kind": "compaction", "cut": 1}) == 1
    await backend.put_task(task("t1", "s1", "TASK_STATE_WORKING"))
    await backend.put_task(task("t1", "s1", "TASK_STATE_COMPLETED"))  # replaces
    await backend.put_task(task("t2", "s2", "TASK_STATE_SUBMITTED"))
    assert [e["messages"] for e in await backend.events("s1", after=1)] == [[2]]
    await backend.close()

    reopened = SqliteBackend(path)
    events = await reopened.events("s1")
    assert [(e["seq"], e["messages"]) for e in events] == [(1, [1]), (2, [2])]
    assert await reopened.get_task("t1") == task("t1", "s1", "TASK_STATE_COMPLETED")
    assert await reopened.get_task("missing") is None
    assert [t["id"] for t in await reopened.list_tasks("s2")] == ["t2"]
    assert {t["id"] for t in await reopened.list_tasks()} == {"t1", "t2"}
    await reopened.close()
    # Closing folds the write-ahead log into the file: another reader needs nothing else.
    wal = path.with_name(path.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM events").fetchone() == (3,)


async def test_checkpoints_run_in_the_background(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store, "CHECKPOINT_EVERY", 3)
    path = tmp_path / "agent.sqlite3"
    backend = SqliteBackend(path)
    for n in range(3):
        await backend.put_task(task(f"t{n}", "s", "TASK_STATE_COMPLETED"))
    checkpoint = backend._checkpoint
    assert checkpoint is not None
    await asyncio.wait_for(checkpoint, 10)
    # Everything written so far is in the database file itself, not only in the WAL: a
    # copy of that file alone has the tasks.
    copy = tmp_path / "copy.sqlite3"
    shutil.copyfile(path, copy)
    with sqlite3.connect(copy) as db:
        assert db.execute("SELECT COUNT(*) FROM tasks").fetchone() == (3,)
    await backend.close()


async def test_an_unusable_path_is_a_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    backend = SqliteBackend(blocker / "agent.sqlite3")
    with pytest.raises(store.StoreError, match="cannot open the session database"):
        await backend.get_task("t")
