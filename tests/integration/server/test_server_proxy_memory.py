"""The A2A proxy keeps nothing per exchange once it is over (the soak of issues 13/15).

A soak of `bosun up --mock-llm` grew by ~18 KB RSS per LLM request; the growth was the
fake LLM's request log (bosun.mockllm.recorder, in the same process), not the control
plane. This guards the control plane's side: after many sends and streams through the
proxy, each in a new conversation, and the write-behind drained, no per-exchange object
is alive (Recorder, AuditTap, SseTap, Observation), no session claim is pending and no
store watcher is left. (A count of all live objects was tried: in one process with the
agent and the client it swings by hundreds per round, too noisy to catch a small leak;
the soak with tracemalloc showed the control plane's traced memory flat.)
The agent is a minimal A2A JSON-RPC app (no runtime import): the test is fast.
"""

from __future__ import annotations

import gc
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from server_agents import A2A_HEADERS, register, send_body, sse_events
from server_harness import Plane, control_plane, serving
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from bosun.server.a2a_record import Observation, Recorder, SseTap
from bosun.server.audit_tap import AuditTap
from bosun.server.db import Database

HEADERS = {"X-Bosun-User": "soak", **A2A_HEADERS}
PROXY = "/api/a2a/default/echo"
ROUND = 40  # exchanges per round, half sends, half streams


def _task(message: dict[str, Any], state: str) -> dict[str, Any]:
    usage = {"inputTokens": 10, "outputTokens": 5, "model": "fake", "requests": 1}
    return {
        "id": message.get("taskId") or str(uuid.uuid4()),
        "contextId": message["contextId"],
        "status": {
            "state": state,
            "message": {
                "messageId": str(uuid.uuid4()),
                "role": "ROLE_AGENT",
                "parts": [{"text": "echo"}],
                "metadata": {"usage": usage},
            },
        },
    }


def echo_agent() -> Starlette:
    """Answers SendMessage with a completed Task and SendStreamingMessage with two events."""

    async def rpc(request: Request) -> Response:
        body = await request.json()
        message = body["params"]["message"]
        if body["method"] != "SendStreamingMessage":
            task = _task(message, "TASK_STATE_COMPLETED")
            return JSONResponse({"jsonrpc": "2.0", "id": body["id"], "result": {"task": task}})

        async def events() -> AsyncIterator[bytes]:
            working = _task(message, "TASK_STATE_WORKING")
            done = {**working, "status": _task(message, "TASK_STATE_COMPLETED")["status"]}
            for result in ({"task": working}, {"statusUpdate": {**done, "taskId": done["id"]}}):
                event = {"jsonrpc": "2.0", "id": body["id"], "result": result}
                yield f"data: {json.dumps(event)}\n\n".encode()

        return StreamingResponse(events(), media_type="text/event-stream")

    return Starlette(routes=[Route("/", rpc, methods=["POST"])])


@pytest.fixture
async def plane(tmp_path: Path) -> AsyncIterator[Plane]:
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'cp.db'}")
    try:
        async with serving(echo_agent()) as agent_url, control_plane(db, tmp_path) as plane:
            await register(plane, "echo", agent_url)
            yield plane
    finally:
        await db.close()


async def _round(plane: Plane) -> None:
    for i in range(ROUND):
        if i % 2:
            body = send_body("hi", stream=True)
            async with plane.http.stream("POST", PROXY, json=body, headers=HEADERS) as answer:
                states = [e["result"] async for e in sse_events(answer)]
            assert answer.status_code == 200 and len(states) == 2, states
        else:
            answer = await plane.http.post(PROXY, json=send_body("hi"), headers=HEADERS)
            assert answer.json()["result"]["task"]["status"]["state"] == "TASK_STATE_COMPLETED"
    await plane.settle()


def _live(*kinds: type) -> int:
    return sum(1 for o in gc.get_objects() if isinstance(o, kinds))


async def test_the_proxy_holds_nothing_per_exchange(plane: Plane) -> None:
    ctx = plane.app.state.ctx
    watchers = plane.store._events.subscribers
    for _ in range(2):
        await _round(plane)
    gc.collect()

    assert _live(Recorder, AuditTap, SseTap, Observation) == 0
    assert ctx.writer._pending == {} and ctx.writer._queue.empty()
    assert plane.store._events.subscribers == watchers
