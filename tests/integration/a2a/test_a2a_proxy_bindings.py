"""Both bindings through the control plane's proxy: the a2a-sdk client on HTTP+JSON from
the proxied card, access checks and recording as for JSON-RPC, ListTasks from our
records, and errors in the binding's own form (the agent's pass through unchanged)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import jsonschema
import pytest
from a2a.types import (
    AgentCard,
    GetTaskRequest,
    ListTasksRequest,
    Message,
    Part,
    Role,
    SendMessageRequest,
)
from a2a.utils.errors import TaskNotFoundError
from a2a_helpers import client, v1_schema
from server_agents import SCRIPT, register, run_agent
from server_harness import Plane, control_plane

from bosun.mockllm import MockLLM
from bosun.server.db import Database

pytestmark = pytest.mark.slow  # starts the agent runtime and a control plane

PROXY = "/api/a2a/default/helper"
ALICE, BOB = {"X-Bosun-User": "alice"}, {"X-Bosun-User": "bob"}


@pytest.fixture
async def plane(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Plane]:
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'cp.db'}")
    with MockLLM(SCRIPT) as llm:
        async with control_plane(db, tmp_path) as plane:
            monkeypatch.setenv("BOSUN_URL", plane.url)  # the runtime persists through us
            async with run_agent(tmp_path, llm) as agent_url:
                await register(plane, "helper", agent_url)
                yield plane
    await db.close()


def _message(text: str) -> SendMessageRequest:
    message = Message(role=Role.ROLE_USER, message_id=str(uuid.uuid4()), parts=[Part(text=text)])
    return SendMessageRequest(message=message)


async def _final(stream: AsyncIterator) -> object:
    last = None
    async for event in stream:
        last = event
    return last


async def test_rest_through_the_proxy_is_authorized_and_recorded(plane: Plane) -> None:
    url = plane.url + PROXY
    async with httpx.AsyncClient(headers=ALICE, timeout=30) as http:
        card = (
            await http.get(url + "/.well-known/agent-card.json", headers={"A2A-Version": "1.0"})
        ).json()
        jsonschema.validate(card, v1_schema(AgentCard()))
        assert {i["url"] for i in card["supportedInterfaces"]} == {url, url + "/v1"}
        alice = await client(url, http, binding="HTTP+JSON")
        last = await _final(alice.send_message(_message("hi over rest")))
        task = last.task if last.HasField("task") else None
        task_id = task.id if task else last.status_update.task_id
        fetched = await alice.get_task(GetTaskRequest(id=task_id))
        assert fetched.status.state == 3  # TASK_STATE_COMPLETED
        listed = await alice.list_tasks(ListTasksRequest(context_id=fetched.context_id))
        assert [t.id for t in listed.tasks] == [task_id]
    await plane.settle()
    stored = (await plane.http.get(f"/api/tasks/{task_id}", headers=ALICE)).json()
    assert stored["state"] == "TASK_STATE_COMPLETED" and stored["user_id"] == "alice"
    usage = (await plane.http.get("/api/usage", params={"group_by": ["user"]})).json()
    assert [(g["user_id"], g["turns"]) for g in usage["groups"]] == [("alice", 1)]

    async with httpx.AsyncClient(headers=BOB, timeout=30) as http:
        bob = await client(url, http, binding="HTTP+JSON")
        with pytest.raises(TaskNotFoundError):
            await bob.get_task(GetTaskRequest(id=task_id))
        assert list((await bob.list_tasks(ListTasksRequest())).tasks) == []
        raw = await http.get(f"{url}/v1/tasks/{task_id}", headers={"A2A-Version": "1.0"})
        assert raw.status_code == 404
        assert raw.json()["error"]["details"][0]["reason"] == "TASK_NOT_FOUND"


async def test_proxy_errors_take_the_binding_form_and_agent_errors_pass_through(
    plane: Plane,
) -> None:
    v1 = {**ALICE, "A2A-Version": "1.0"}
    missing = await plane.http.get("/api/a2a/default/nobody/v1/tasks/x", headers=v1)
    assert missing.status_code == 404
    assert missing.json()["error"]["details"][0]["reason"] == "AGENT_NOT_FOUND"
    # The agent's own errors, unchanged by the proxy: unknown task, a terminal task
    # that cannot be cancelled, a body that is not JSON.
    agent_404 = await plane.http.get(f"{PROXY}/v1/tasks/no-such-task", headers=v1)
    assert agent_404.status_code == 404
    assert agent_404.json()["error"]["details"][0]["reason"] == "TASK_NOT_FOUND"
    rpc = {"jsonrpc": "2.0", "id": 7, "method": "GetTask", "params": {"id": "no-such-task"}}
    got = await plane.http.post(PROXY, json=rpc, headers=v1)
    assert got.json()["error"]["code"] == -32001 and got.json()["id"] == 7
    text = await plane.http.post(
        PROXY, content=b"hello", headers={**v1, "Content-Type": "text/plain"}
    )
    assert text.json()["error"]["code"] == -32005
    rest_text = await plane.http.post(
        f"{PROXY}/v1/message:send", content=b"hello", headers={**v1, "Content-Type": "text/plain"}
    )
    assert rest_text.status_code == 415
    assert rest_text.json()["error"]["details"][0]["reason"] == "CONTENT_TYPE_NOT_SUPPORTED"


async def test_bosun_tasks_cli_lists_gets_watches_and_cancels(plane: Plane) -> None:
    import asyncio
    import json

    from typer.testing import CliRunner

    from bosun.cli.main import app

    def bosun(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(app, ["tasks", *args, "-s", plane.url])
        return result.exit_code, result.output

    message = {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": [{"text": "slow"}]}
    params = {"message": message, "configuration": {"returnImmediately": True}}
    body = {"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": params}
    sent = await plane.http.post(PROXY, json=body, headers={"A2A-Version": "1.0"})
    task_id = sent.json()["result"]["task"]["id"]

    code, out = await asyncio.to_thread(bosun, "watch", "helper", task_id)
    assert code == 0, out
    assert f"{task_id}  completed" in out and "eight" in out
    code, out = await asyncio.to_thread(bosun, "list", "helper", "--state", "completed", "--json")
    assert code == 0, out
    assert task_id in [t["id"] for t in json.loads(out)["tasks"]]
    code, out = await asyncio.to_thread(bosun, "get", "helper", task_id)
    assert code == 0 and "completed" in out
    code, out = await asyncio.to_thread(bosun, "cancel", "helper", task_id)
    assert code == 1 and "error" in out  # a completed task cannot be cancelled
