"""Tasks a dead agent process left running are failed by the next one (taskstore recover).

The task store of a first "process" saves tasks in each state to a real SQLite backend
and is dropped without closing, as a SIGKILL would leave it. A second store on the same
backend and data dir (a restart) fails, at once and in the backend, the tasks that were
running; it leaves alone a paused task (input-required), finished ones, and the running
task of another process of the same agent that is still alive (a sibling replica).
The end-to-end case with real processes is tests/e2e/test_e2e_kill_unattended.py.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from a2a.server.context import ServerCallContext
from a2a.types import Task, TaskState, TaskStatus

from bosun.runtime.store import open_backend
from bosun.runtime.store.journal import RunningJournal
from bosun.runtime.taskstore import INTERRUPTED_TEXT, PersistentTaskStore

pytestmark = pytest.mark.slow  # starts a process (the live sibling)

CONTEXT = ServerCallContext()


def _task(task_id: str, state: TaskState) -> Task:
    return Task(id=task_id, context_id="ctx-1", status=TaskStatus(state=state))


async def _state(store: PersistentTaskStore, task_id: str) -> tuple[str, str]:
    data = await store.backend.get_task(task_id)
    assert data is not None
    status = data["status"]
    text = ((status.get("message") or {}).get("parts") or [{}])[0].get("text", "")
    return status["state"], text


@pytest.fixture
def sibling() -> Iterator[int]:
    """A live process: the pid of another process of the same agent (a sibling replica)."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        yield process.pid
    finally:
        process.kill()
        process.wait()


async def test_a_restart_fails_left_running_tasks_and_keeps_paused_ones(
    tmp_path: Path, sibling: int
) -> None:
    first = PersistentTaskStore(open_backend(agent="default/left", data_dir=tmp_path))
    assert first.recovery is None  # nothing was left before
    await first.save(_task("t-working", TaskState.TASK_STATE_WORKING), CONTEXT)
    await first.save(_task("t-submitted", TaskState.TASK_STATE_SUBMITTED), CONTEXT)
    await first.save(_task("t-paused", TaskState.TASK_STATE_WORKING), CONTEXT)
    await first.save(_task("t-paused", TaskState.TASK_STATE_INPUT_REQUIRED), CONTEXT)
    await first.save(_task("t-done", TaskState.TASK_STATE_WORKING), CONTEXT)
    await first.save(_task("t-done", TaskState.TASK_STATE_COMPLETED), CONTEXT)
    journal = first.backend.journal  # type: ignore[attr-defined]
    assert isinstance(journal, RunningJournal)
    assert sorted(json.loads(journal.path.read_text())) == ["t-submitted", "t-working"]

    # Another process of the same agent, alive, runs a task of its own.
    await first.save(_task("t-sibling", TaskState.TASK_STATE_WORKING), CONTEXT)
    journal.ended("t-sibling")
    sibling_file = journal.directory / f"{journal.key}.{sibling}.json"
    sibling_file.write_text(json.dumps(["t-sibling"]))

    # The first process dies without closing anything; the next one starts.
    second = PersistentTaskStore(open_backend(agent="default/left", data_dir=tmp_path))
    assert second.left == {"t-working", "t-submitted"}
    assert second.recovery is not None
    await second.recovery

    for task_id in ("t-working", "t-submitted"):
        assert await _state(second, task_id) == ("TASK_STATE_FAILED", INTERRUPTED_TEXT)
    assert (await _state(second, "t-paused"))[0] == "TASK_STATE_INPUT_REQUIRED"
    assert (await _state(second, "t-done"))[0] == "TASK_STATE_COMPLETED"
    assert (await _state(second, "t-sibling"))[0] == "TASK_STATE_WORKING"
    assert sibling_file.exists()
    assert not second.backend.journal.path.exists()  # type: ignore[attr-defined]

    # A third start finds nothing left to do.
    third = PersistentTaskStore(open_backend(agent="default/left", data_dir=tmp_path))
    assert third.left == set() and third.recovery is None


async def test_another_agent_or_store_is_not_touched(tmp_path: Path) -> None:
    first = PersistentTaskStore(open_backend(agent="default/one", data_dir=tmp_path))
    await first.save(_task("t-one", TaskState.TASK_STATE_WORKING), CONTEXT)
    other = PersistentTaskStore(open_backend(agent="default/two", data_dir=tmp_path))
    assert other.left == set()
    elsewhere = PersistentTaskStore(open_backend(agent="default/one", data_dir=tmp_path / "x"))
    assert elsewhere.left == set()
    assert (await _state(first, "t-one"))[0] == "TASK_STATE_WORKING"


async def test_a_store_built_off_the_loop_recovers_at_first_use(tmp_path: Path) -> None:
    first = PersistentTaskStore(open_backend(agent="default/team", data_dir=tmp_path))
    await first.save(_task("t-left", TaskState.TASK_STATE_WORKING), CONTEXT)

    def build() -> PersistentTaskStore:  # a team's service is built on a worker thread
        return PersistentTaskStore(open_backend(agent="default/team", data_dir=tmp_path))

    second = await asyncio.to_thread(build)
    assert second.left == {"t-left"} and second.recovery is None
    assert await second.get("t-unknown", CONTEXT) is None  # any first use starts it
    assert second.recovery is not None
    await second.recovery
    assert await _state(second, "t-left") == ("TASK_STATE_FAILED", INTERRUPTED_TEXT)
