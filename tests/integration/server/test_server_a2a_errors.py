"""The A2A proxy's own answers: agents it cannot route to, and what it forwards.

No agent runtime here (fast): a missing, not-ready and unreachable agent, and a plain
Starlette echo standing in for an agent to see the headers that reach it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from server_agents import A2A_HEADERS, register, send_body
from server_harness import control_plane, serving
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from bosun.server.db import Database

ALICE = {"X-Bosun-User": "alice", **A2A_HEADERS}
PROXY = "/api/a2a/default/helper"


async def test_unroutable_agents_get_a_json_rpc_error_saying_why(
    database: Database, tmp_path: Path
) -> None:
    async with control_plane(database, tmp_path) as plane:
        missing = await plane.http.post("/api/a2a/default/ghost", json=send_body("hi"))
        assert missing.status_code == 200
        assert missing.json()["error"]["code"] == -32050
        assert "default/ghost not found" in missing.json()["error"]["message"]
        await register(plane, "helper", "http://127.0.0.1:9", is_ready=False)
        body = send_body("hi")
        not_ready = (await plane.http.post(PROXY, json=body)).json()
        assert not_ready["id"] == body["id"] and not_ready["error"]["code"] == -32051
        assert "ProcessCrashing: process exited 1" in not_ready["error"]["message"]
        card = await plane.http.get(f"{PROXY}/.well-known/agent-card.json")
        assert card.status_code == 503 and "not ready" in card.json()["message"]
        await plane.store.patch_status("Agent", "default", "helper", {"conditions": [
            {"type": "Ready", "status": "True", "reason": "Ok", "message": ""}]})  # fmt: skip
        down = (await plane.http.post(PROXY, json=send_body("hi"))).json()
        assert down["error"]["code"] == -32052 and "unreachable" in down["error"]["message"]


async def test_identity_and_trace_context_reach_the_agent_and_tokens_do_not(
    database: Database, tmp_path: Path
) -> None:
    seen: list[dict[str, str]] = []

    async def echo(request: Request) -> JSONResponse:
        seen.append(dict(request.headers))
        body: dict[str, Any] = await request.json()
        return JSONResponse({"jsonrpc": "2.0", "id": body.get("id"), "result": {}})

    fake_agent = Starlette(routes=[Route("/", echo, methods=["POST"])])
    async with serving(fake_agent) as url, control_plane(database, tmp_path) as plane:
        await register(plane, "helper", url)
        trace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        headers = {**ALICE, "traceparent": trace, "Authorization": "Bearer secret-token",
                   "Cookie": "session=1"}  # fmt: skip
        await plane.http.post(PROXY, json=send_body("hi"), headers=headers)
    assert seen and seen[0]["x-bosun-user"] == "alice"
    assert seen[0]["traceparent"].split("-")[1] == "0af7651916cd43dd8448eb211c80319c"
    assert "authorization" not in seen[0] and "cookie" not in seen[0]
    assert seen[0]["a2a-version"] == "1.0"
