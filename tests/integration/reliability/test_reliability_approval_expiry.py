"""An approval never answered (docs/reliability.md, Processes): with BOSUN_APPROVAL_TIMEOUT
the paused task fails when the deadline passes, saying what was not given; an answer
after that is told so and runs nothing; a task whose deadline passed while the agent was
down reads back failed; without the setting a paused task waits.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from a2a.server.context import ServerCallContext
from a2a.types import Message, Part, Role, Task, TaskState, TaskStatus
from google.protobuf import json_format
from runtime_helpers import base_config, mcp_settings

from bosun.mockllm import MockLLM
from bosun.runtime.pending import DEADLINE_KEY, METADATA_KEY, expiry_text
from bosun.runtime.store.sqlite import SqliteBackend
from bosun.runtime.taskstore import PersistentTaskStore

pytestmark = pytest.mark.slow  # the agent runtime in-process with an MCP server

DELETE = [
    {"match": {"turn": 0}, "tool_calls": [{"name": "delete_pod", "arguments": {"name": "web"}}]},
    {"match": {"tool_result": "delete_pod"}, "text": "Outcome: {{last_tool_result}}"},
]
EXPIRED = "The approval for delete_pod was not given within 0.4 s, so the task failed"


async def test_unanswered_approval_fails_the_task_and_a_late_answer_is_told(
    mcp_server: Any, start_agent: Any, connect: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOSUN_APPROVAL_TIMEOUT", "0.4")
    tools = mcp_server()
    with MockLLM(DELETE) as llm:
        servers = [mcp_settings(tools, require_approval=["delete_pod"])]
        config = base_config(llm, mcp_servers=servers)
        agent = await start_agent(config)
        conversation = await connect(agent.url)
        paused = await conversation.send("delete the web pod")
        assert paused.final_state == "TASK_STATE_INPUT_REQUIRED"
        [request] = paused.requests()

        deadline = time.monotonic() + 5
        while (task := await conversation.get_task(paused.task_id)).status.state != (
            TaskState.TASK_STATE_FAILED
        ):
            assert task.status.state == TaskState.TASK_STATE_INPUT_REQUIRED
            assert time.monotonic() < deadline, "the paused task did not expire"
            await asyncio.sleep(0.05)
        text = "".join(p.text for p in task.status.message.parts)
        assert text.startswith(EXPIRED), text

        # A late answer is told why, and runs nothing.
        late = await conversation.send(
            task_id=paused.task_id, data={"decisions": {request["id"]: {"approved": True}}}
        )
        assert late.final_state == "TASK_STATE_FAILED"
        assert late.final_text().startswith(EXPIRED), late.final_text()
        assert len(llm.llm_requests()) == 1  # nothing ran, the model was not asked again


def paused_task(deadline: float) -> Task:
    task = Task(
        id="t1",
        context_id="c1",
        status=TaskStatus(
            state=TaskState.TASK_STATE_INPUT_REQUIRED,
            message=Message(role=Role.ROLE_AGENT, message_id="m", parts=[Part(text="Waiting")]),
        ),
    )
    pending = [{"id": "call_1", "kind": "approval", "tool": "calculate"}]
    json_format.ParseDict({METADATA_KEY: pending, DEADLINE_KEY: deadline}, task.metadata)
    return task


async def test_a_deadline_that_passed_while_the_agent_was_down(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOSUN_APPROVAL_TIMEOUT", "600")
    backend = SqliteBackend(tmp_path / "agent.sqlite3")
    await backend.put_task(json_format.MessageToDict(paused_task(time.time() - 1)))
    store = PersistentTaskStore(backend)  # a new process: the task is read back
    task = await store.get("t1", ServerCallContext())
    assert task is not None and task.status.state == TaskState.TASK_STATE_FAILED
    text = task.status.message.parts[0].text
    assert text.startswith("The approval for calculate was not given within 600 s"), text
    stored = await backend.get_task("t1")
    assert stored is not None and stored["status"]["state"] == "TASK_STATE_FAILED"
    await backend.close()


def test_without_the_setting_a_paused_task_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BOSUN_APPROVAL_TIMEOUT", raising=False)
    metadata = json_format.MessageToDict(paused_task(0).metadata)
    assert expiry_text(metadata, now=time.time() + 10**6) is None
