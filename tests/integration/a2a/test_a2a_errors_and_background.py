"""A2A errors on both bindings (§5.4 table: JSON-RPC code, HTTP status and reason), and
background runs: send and leave, then get, list (by context and state) and re-subscribe,
also after the agent restarted."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import pytest
from a2a.types import ListTasksRequest, SubscribeToTaskRequest, TaskState
from a2a_helpers import client, sse_payloads
from runtime_helpers import base_config

from bosun.mockllm import MockLLM
from bosun.runtime.taskstore import INTERRUPTED_TEXT

pytestmark = pytest.mark.slow  # starts agents (pydantic-ai import: seconds)

SCRIPT = [
    {"match": {"contains": "slow"}, "delay": 0.2, "stream_chunk_delay": 0.2,
     "text": "one two three four five six"},
    {"match": {"contains": "forever"}, "delay": 30, "text": "too late"},
    {"default": True, "text": "Hi."},
]  # fmt: skip
V1 = {"A2A-Version": "1.0"}


def _message(text: str, **extra: str) -> dict:
    return {"role": "ROLE_USER", "messageId": str(uuid.uuid4()), "parts": [{"text": text}], **extra}


def _rpc(method: str, params: dict) -> dict:
    return {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}


async def test_each_error_on_both_bindings(start_agent) -> None:
    with MockLLM(SCRIPT) as llm:
        agent = await start_agent(base_config(llm, stream=True))
        async with httpx.AsyncClient(base_url=agent.url, headers=V1, timeout=30) as http:
            sent = await http.post("/", json=_rpc("SendMessage", {"message": _message("hi")}))
            done = sent.json()["result"]["task"]

            async def rpc_code(method: str, params: dict, **kw) -> int:
                answer = await http.post("/", json=_rpc(method, params), **kw)
                assert answer.status_code == 200
                return int(answer.json()["error"]["code"])

            async def rest(method: str, path: str, **kw) -> tuple[int, str]:
                answer = await http.request(method, path, **kw)
                return answer.status_code, answer.json()["error"]["details"][0]["reason"]

            assert await rpc_code("GetTask", {"id": "nope"}) == -32001
            assert await rest("GET", "/v1/tasks/nope") == (404, "TASK_NOT_FOUND")
            assert await rpc_code("CancelTask", {"id": done["id"]}) == -32002
            assert await rest("POST", f"/v1/tasks/{done['id']}:cancel") == (
                400, "TASK_NOT_CANCELABLE",
            )  # fmt: skip
            again = {"message": _message("more", taskId=done["id"])}
            assert await rpc_code("SendMessage", again) == -32004  # a terminal task
            assert await rest("POST", "/v1/message:send", json=again) == (
                400, "UNSUPPORTED_OPERATION",
            )  # fmt: skip
            ct = {"content": b"hi", "headers": {"Content-Type": "text/plain"}}
            assert await rpc_code("SendMessage", {}, **ct) == -32005
            assert await rest("POST", "/v1/message:send", **ct) == (
                415,
                "CONTENT_TYPE_NOT_SUPPORTED",
            )
            future = {"headers": {"A2A-Version": "9.0"}}
            assert await rpc_code("GetTask", {"id": done["id"]}, **future) == -32009
            assert await rpc_code("NoSuchMethod", {}) == -32601
            not_json = await http.post(
                "/", content=b"{", headers={"Content-Type": "application/json"}
            )
            assert not_json.json()["error"]["code"] == -32700


@pytest.mark.parametrize("binding", ["JSONRPC", "HTTP+JSON"])
async def test_send_leave_then_get_list_and_resubscribe(start_agent, binding: str) -> None:
    with MockLLM(SCRIPT) as llm:
        agent = await start_agent(base_config(llm, stream=True))
        async with httpx.AsyncClient(timeout=30) as http:
            a2a = await client(agent.url, http, binding=binding)
            quick = await http.post(
                agent.url, json=_rpc("SendMessage", {"message": _message("hi")}), headers=V1
            )
            context = quick.json()["result"]["task"]["contextId"]
            # Send and disconnect after the first event: the turn goes on in the agent.
            body = {"message": _message("slow please", contextId=context)}
            async with http.stream(
                "POST", agent.url + "v1/message:stream", json=body, headers=V1
            ) as response:
                async for line in response.aiter_lines():
                    if line.startswith("data:"):
                        task_id = json.loads(line[5:])["task"]["id"]
                        break
            working = await a2a.list_tasks(
                ListTasksRequest(context_id=context, status=TaskState.TASK_STATE_WORKING)
            )
            assert [t.id for t in working.tasks] == [task_id]
            # Re-subscribe: the stream starts with the task and follows it to the end.
            states = []
            async with asyncio.timeout(20):
                async for event in a2a.subscribe(SubscribeToTaskRequest(id=task_id)):
                    if event.HasField("task"):
                        states.append(event.task.status.state)
                    elif event.HasField("status_update"):
                        states.append(event.status_update.status.state)
            assert states[0] == TaskState.TASK_STATE_WORKING
            assert states[-1] == TaskState.TASK_STATE_COMPLETED
            everything = await a2a.list_tasks(ListTasksRequest(context_id=context))
            assert {t.id for t in everything.tasks} == {
                task_id,
                quick.json()["result"]["task"]["id"],
            }
            done = await a2a.list_tasks(
                ListTasksRequest(context_id=context, status=TaskState.TASK_STATE_COMPLETED)
            )
            assert len(done.tasks) == 2
            other = await a2a.list_tasks(ListTasksRequest(context_id=str(uuid.uuid4())))
            assert list(other.tasks) == []


async def test_after_a_restart_tasks_are_known_and_an_interrupted_one_says_so(start_agent) -> None:
    with MockLLM(SCRIPT) as llm:
        agent = await start_agent(base_config(llm), name="restarted")
        async with httpx.AsyncClient(base_url=agent.url, headers=V1, timeout=30) as http:
            done = (
                await http.post("/", json=_rpc("SendMessage", {"message": _message("hi")}))
            ).json()
            params = {"message": _message("forever"), "configuration": {"returnImmediately": True}}
            running = (await http.post("/", json=_rpc("SendMessage", params))).json()
        await asyncio.to_thread(llm.wait_for_requests, 2, 10)
        await agent.stop()
        again = await start_agent(base_config(llm), name="restarted")
        async with httpx.AsyncClient(base_url=again.url, headers=V1, timeout=30) as http:
            old = await http.get(f"/v1/tasks/{done['result']['task']['id']}")
            assert old.json()["status"]["state"] == "TASK_STATE_COMPLETED"
            lost = await http.get(f"/v1/tasks/{running['result']['task']['id']}")
            status = lost.json()["status"]
            assert status["state"] == "TASK_STATE_FAILED"
            assert status["message"]["parts"][0]["text"] == INTERRUPTED_TEXT
            listed = await http.get("/v1/tasks", params={"status": "TASK_STATE_FAILED"})
            assert [t["id"] for t in listed.json()["tasks"]] == [running["result"]["task"]["id"]]
            sub = await http.post(f"/v1/tasks/{running['result']['task']['id']}:subscribe")
            assert sub.status_code == 400  # a terminal task has nothing more to stream
            assert sse_payloads(sub.text) == []
