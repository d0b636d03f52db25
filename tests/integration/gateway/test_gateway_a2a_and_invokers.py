"""Policies at the A2A proxy and /mcp: A2A between namespaces, and who may invoke an agent."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import httpx2
from gateway_harness import Plane, agent, gateway_plane, policy
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from bosun.server.db import Database

RULES = {
    "a2a": [{"namespaces": ["dev", "sandbox-*"], "action": "Deny"}],
    "invokers": [{"agents": ["helper"], "users": ["bob"], "serviceAccounts": ["ops/*"]}],
}


def send() -> dict[str, Any]:
    message = {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": [{"text": "hi"}]}
    return {"jsonrpc": "2.0", "id": "1", "method": "SendMessage", "params": {"message": message}}


async def _prod_agent(plane: Plane) -> None:
    await plane.store.apply(agent(ns="prod"))
    ready = {
        "conditions": [{"type": "Ready", "status": "True", "reason": "Ready"}],
        "url": "http://127.0.0.1:9",
    }  # fmt: skip  (nobody there: passing = -32052)
    await plane.store.patch_status("Agent", "prod", "helper", ready)
    await plane.store.apply(policy(ns="prod", **RULES))


async def _call(plane: Plane, headers: dict[str, str]) -> dict[str, Any]:
    answer = await plane.http.post("/api/a2a/prod/helper", json=send(), headers=headers)
    assert answer.status_code == 200
    error: dict[str, Any] = answer.json()["error"]
    return error


async def test_a2a_from_a_denied_namespace_gets_an_error_naming_the_rule(
    database: Database, tmp_path: Path
) -> None:
    async with gateway_plane(database, tmp_path) as plane:
        await _prod_agent(plane)
        from_dev = await _call(plane, plane.auth("caller", "dev"))
        assert from_dev["code"] == -32055
        assert from_dev["message"] == (
            "A2A from namespace dev to namespace prod is denied by Policy prod/governance "
            'rule spec.a2a[0] (Deny "dev")'
        )
        assert from_dev["data"]["rule"] == "spec.a2a[0]"
        from_ops = await _call(plane, plane.auth("runner", "ops"))
        assert from_ops["code"] == -32052  # allowed, and the agent is not there


async def test_callers_not_named_by_an_invoker_rule_are_refused(
    database: Database, tmp_path: Path
) -> None:
    async with gateway_plane(database, tmp_path) as plane:
        await _prod_agent(plane)
        alice = await _call(plane, {"X-Bosun-User": "alice"})
        assert alice["code"] == -32056
        assert "alice may not invoke agent prod/helper" in alice["message"]
        assert "prod/governance spec.invokers[0]" in alice["message"]
        assert (await _call(plane, {"X-Bosun-User": "bob"}))["code"] == -32052

        http = httpx2.AsyncClient(headers={"X-Bosun-User": "alice"}, timeout=30)
        async with Client(streamable_http_client(f"{plane.url}/mcp", http_client=http)) as mcp:
            result = await mcp.call_tool("invoke_agent", {"agent": "prod/helper", "task": "hi"})
        assert result.is_error
        text = json.dumps([c.model_dump() for c in result.content])
        assert "alice may not invoke agent prod/helper" in text
