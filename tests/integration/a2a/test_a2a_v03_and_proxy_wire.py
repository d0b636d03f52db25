"""Protocol 0.3 and the proxy, on the wire: the a2a-sdk 0.3 client on both bindings,
camelCase in every 0.3 response and event (agent and proxy) and in every 1.0 one through
the proxy, and push delivery and disconnect-then-resubscribe through the proxy."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from a2a.types import (
    GetTaskRequest,
    Message,
    Part,
    Role,
    SendMessageRequest,
    SubscribeToTaskRequest,
    TaskPushNotificationConfig,
    TaskState,
)
from a2a_helpers import client, non_camel_keys, sse_payloads
from a2a_webhook import Receiver
from runtime_helpers import base_config
from server_agents import SCRIPT as PROXY_SCRIPT
from server_agents import register, run_agent
from server_harness import Plane, control_plane

from bosun.mockllm import MockLLM
from bosun.runtime import push
from bosun.server.db import Database

pytestmark = pytest.mark.slow  # starts the agent runtime (and a control plane)

SCRIPT: list[dict[str, Any]] = [
    {"match": {"contains": "weather", "turn": 0}, "text": "Checking.",
     "tool_calls": [{"name": "ask_user", "arguments": {"questions": [
         {"question": "Which city?", "choices": ["Oslo", "Rome"]}]}}]},
    {"default": True, "text": "Hello there."},
]  # fmt: skip
V1 = {"A2A-Version": "1.0"}
PROXY = "/api/a2a/default/helper"
ALICE = {"X-Bosun-User": "alice"}
# Values under these keys are data, not protocol names (a tool's arguments and result).
DATA_KEYS = frozenset({"arguments", "result"})


def _bad_keys(payload: Any) -> Iterator[str]:
    """Non-camelCase keys of a response or event; a JSON-RPC envelope is opened (its
    `result` is protocol, unlike a tool's `result` inside a DataPart)."""
    if isinstance(payload, dict) and "jsonrpc" in payload:
        yield from non_camel_keys({k: v for k, v in payload.items() if k != "result"})
        yield from non_camel_keys(payload.get("result"), "$.result", skip=DATA_KEYS)
    else:
        yield from non_camel_keys(payload, skip=DATA_KEYS)


def _v03_message(text: str, **ids: str) -> dict[str, Any]:
    return {"kind": "message", "role": "user", "messageId": str(uuid.uuid4()),
            "parts": [{"kind": "text", "text": text}], **ids}  # fmt: skip


def _request(text: str) -> SendMessageRequest:
    message = Message(role=Role.ROLE_USER, message_id=str(uuid.uuid4()), parts=[Part(text=text)])
    return SendMessageRequest(message=message)


@pytest.mark.parametrize("binding", ["JSONRPC", "HTTP+JSON"])
async def test_the_0_3_sdk_client_works_on_both_bindings(start_agent: Any, binding: str) -> None:
    with MockLLM(SCRIPT) as llm:
        agent = await start_agent(base_config(llm))
        async with httpx.AsyncClient(timeout=30) as http:
            a2a = await client(agent.url, http, binding=binding, version="0.3")
            events = [e async for e in a2a.send_message(_request("hi"))]
            last = events[-1]
            task_id = last.task.id if last.HasField("task") else last.status_update.task_id
            got = await a2a.get_task(GetTaskRequest(id=task_id))
    assert got.status.state == TaskState.TASK_STATE_COMPLETED
    assert "Hello there." in got.status.message.parts[0].text


async def test_every_key_of_0_3_responses_and_events_is_camel_case(start_agent: Any) -> None:
    with MockLLM(SCRIPT) as llm:
        agent = await start_agent(base_config(llm))
        payloads: list[Any] = []
        async with httpx.AsyncClient(base_url=agent.url, timeout=30) as http:
            body = {"jsonrpc": "2.0", "id": 1, "method": "message/stream",
                    "params": {"message": _v03_message("weather?")}}  # fmt: skip
            events = [json.loads(p) for p in sse_payloads((await http.post("/", json=body)).text)]
            payloads += events
            paused = events[-1]["result"]
            assert paused["status"]["state"] == "input-required"  # a 0.3 answer indeed
            ids = {"taskId": paused["taskId"], "contextId": paused["contextId"]}
            # The 0.3 HTTP+JSON shape: the message under `request`, its parts in `content`.
            answer = {"messageId": str(uuid.uuid4()), "role": "ROLE_USER",
                      "content": [{"text": "Oslo"}], **ids}  # fmt: skip
            rest = await http.post("/v1/message:stream", json={"request": answer})
            payloads += [json.loads(p) for p in sse_payloads(rest.text)]
            payloads.append((await http.get(f"/v1/tasks/{ids['taskId']}")).json())
            get = {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "tasks/get",
                "params": {"id": ids["taskId"]},
            }
            rpc_get = (await http.post("/", json=get)).json()
            payloads.append(rpc_get)
            missing = {"jsonrpc": "2.0", "id": 3, "method": "tasks/get", "params": {"id": "nope"}}
            payloads.append((await http.post("/", json=missing)).json())
            payloads.append((await http.get("/v1/tasks/nope")).json())
    assert rpc_get["result"]["status"]["state"] == "completed"
    assert "usage" in rpc_get["result"]["status"]["message"]["metadata"]
    assert len(payloads) > 6
    bad = [key for p in payloads for key in _bad_keys(p)]
    assert bad == []


async def test_every_key_of_1_0_json_rpc_results_is_camel_case(start_agent: Any) -> None:
    """The 1.0 walk of test_a2a_card_and_wire_names, with the JSON-RPC results opened."""
    with MockLLM(SCRIPT) as llm:
        agent = await start_agent(base_config(llm))
        async with httpx.AsyncClient(base_url=agent.url, headers=V1, timeout=30) as http:
            message = {"role": "ROLE_USER", "messageId": str(uuid.uuid4()),
                       "parts": [{"text": "weather?"}]}  # fmt: skip
            body = {"jsonrpc": "2.0", "id": 1, "method": "SendStreamingMessage",
                    "params": {"message": message}}  # fmt: skip
            events = [json.loads(p) for p in sse_payloads((await http.post("/", json=body)).text)]
            paused = events[-1]["result"]["statusUpdate"]
            answer = {**message, "messageId": str(uuid.uuid4()), "parts": [{"text": "Oslo"}],
                      "taskId": paused["taskId"], "contextId": paused["contextId"]}  # fmt: skip
            body = {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "SendMessage",
                "params": {"message": answer},
            }
            sent = (await http.post("/", json=body)).json()
            get = {
                "jsonrpc": "2.0",
                "id": 3,
                "method": "GetTask",
                "params": {"id": paused["taskId"]},
            }
            got = (await http.post("/", json=get)).json()
            listed = {"jsonrpc": "2.0", "id": 4, "method": "ListTasks", "params": {}}
            tasks = (await http.post("/", json=listed)).json()
    assert paused["status"]["state"] == "TASK_STATE_INPUT_REQUIRED"
    assert got["result"]["status"]["state"] == "TASK_STATE_COMPLETED"
    bad = [key for p in [*events, sent, got, tasks] for key in _bad_keys(p)]
    assert bad == []
    # The walk looks inside results (the older walk skipped every `result`).
    assert list(_bad_keys({"jsonrpc": "2.0", "result": {"task_id": "t"}})) == ["$.result.task_id"]


@pytest.fixture
async def plane(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Plane]:
    monkeypatch.setenv(push.ALLOWED_NETWORKS_ENV, "127.0.0.1/32")
    monkeypatch.setattr(push, "RETRY_DELAYS", (0.05,))
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'cp.db'}")
    with MockLLM(PROXY_SCRIPT) as llm:
        async with control_plane(db, tmp_path) as plane:
            monkeypatch.setenv("BOSUN_URL", plane.url)  # the runtime persists through us
            async with run_agent(tmp_path, llm) as agent_url:
                await register(plane, "helper", agent_url)
                yield plane
    await db.close()


async def test_every_key_through_the_proxy_is_camel_case(plane: Plane) -> None:
    http, v1 = plane.http, {**ALICE, **V1}
    payloads: list[Any] = []
    message = {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": [{"text": "slow"}]}
    stream = await http.post(f"{PROXY}/v1/message:stream", json={"message": message}, headers=v1)
    events = [json.loads(p) for p in sse_payloads(stream.text)]
    payloads += events
    task_id, context_id = events[0]["task"]["id"], events[0]["task"]["contextId"]
    payloads.append((await http.get(f"{PROXY}/v1/tasks/{task_id}", headers=v1)).json())
    await plane.settle()
    listed = await http.get(f"{PROXY}/v1/tasks", params={"contextId": context_id}, headers=v1)
    payloads.append(listed.json())
    body = {"jsonrpc": "2.0", "id": 1, "method": "ListTasks", "params": {"contextId": context_id}}
    payloads.append((await http.post(PROXY, json=body, headers=v1)).json())
    # 0.3 through the proxy: JSON-RPC stream and get, HTTP+JSON send, an error of each.
    body = {"jsonrpc": "2.0", "id": 2, "method": "message/stream",
            "params": {"message": _v03_message("hello")}}  # fmt: skip
    v03 = [
        json.loads(p) for p in sse_payloads((await http.post(PROXY, json=body, headers=ALICE)).text)
    ]
    payloads += v03
    get = {
        "jsonrpc": "2.0",
        "id": 3,
        "method": "tasks/get",
        "params": {"id": v03[-1]["result"]["taskId"]},
    }
    payloads.append((await http.post(PROXY, json=get, headers=ALICE)).json())
    request = {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "content": [{"text": "hi"}]}
    sent = await http.post(f"{PROXY}/v1/message:send", json={"request": request}, headers=ALICE)
    payloads.append(sent.json())
    payloads.append((await http.get(f"{PROXY}/v1/tasks/nope", headers=ALICE)).json())
    missing = {"jsonrpc": "2.0", "id": 4, "method": "tasks/get", "params": {"id": "nope"}}
    payloads.append((await http.post(PROXY, json=missing, headers=ALICE)).json())

    assert [t["id"] for t in listed.json()["tasks"]] == [task_id]
    assert (
        sent.status_code == 200 and sent.json()["task"]["status"]["state"] == "TASK_STATE_COMPLETED"
    )
    bad = [key for p in payloads for key in _bad_keys(p)]
    assert bad == []


async def test_push_configs_through_the_proxy_reach_the_webhook(plane: Plane) -> None:
    receiver = await Receiver().start()
    url = plane.url + PROXY
    try:
        async with httpx.AsyncClient(headers=ALICE, timeout=30) as http:
            alice = await client(url, http, binding="HTTP+JSON")
            async for first in alice.send_message(_request("slow")):
                task_id = first.task.id  # submitted; leaving the stream leaves the turn running
                break
            await alice.create_task_push_notification_config(
                TaskPushNotificationConfig(task_id=task_id, url=receiver.url, token="via-proxy")
            )
            done = await receiver.wait_for("TASK_STATE_COMPLETED")
    finally:
        await receiver.stop()
    assert done["statusUpdate"]["taskId"] == task_id
    assert {headers["x-a2a-notification-token"] for headers, _, _ in receiver.calls} == {
        "via-proxy"
    }


@pytest.mark.parametrize("binding", ["JSONRPC", "HTTP+JSON"])
async def test_disconnect_then_resubscribe_through_the_proxy(plane: Plane, binding: str) -> None:
    url = plane.url + PROXY
    message = {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": [{"text": "slow"}]}
    async with httpx.AsyncClient(headers=ALICE, timeout=30) as http:
        stream = http.stream(
            "POST", url + "/v1/message:stream", json={"message": message}, headers=V1
        )
        async with stream as answer:
            async for line in answer.aiter_lines():
                if line.startswith("data:"):
                    first = json.loads(line[5:])["task"]
                    break  # and leave: the turn goes on in the agent
        assert first["status"]["state"] in ("TASK_STATE_SUBMITTED", "TASK_STATE_WORKING")
        a2a = await client(url, http, binding=binding)
        states = []
        async with asyncio.timeout(20):
            async for event in a2a.subscribe(SubscribeToTaskRequest(id=first["id"])):
                if event.HasField("task"):
                    states.append(event.task.status.state)
                elif event.HasField("status_update"):
                    states.append(event.status_update.status.state)
    assert states[0] == TaskState.TASK_STATE_WORKING  # re-attached while it was running
    assert states[-1] == TaskState.TASK_STATE_COMPLETED
    await plane.settle()
    stored = (await plane.http.get(f"/api/tasks/{first['id']}", headers=ALICE)).json()
    assert stored["state"] == "TASK_STATE_COMPLETED" and stored["user_id"] == "alice"
