"""One chat through the proxy with a tool call that waits for approval: the audit log
(file and GET /api/audit) has the A2A calls, the approval, the tool call and the LLM turn,
and never the model's API key or a bearer token; /metrics of the control plane and of the
agent show the GenAI, proxy, approval and tool metrics with their labels."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from server_agents import A2A_HEADERS, SCRIPT, register, run_agent, send_body, sse_events, tools_app
from server_harness import Plane, control_plane, serving

from bosun.mockllm import MockLLM
from bosun.server.db import Database

pytestmark = pytest.mark.slow  # runs the agent runtime, a tool server and the fake LLM

API_KEY = "sk-audit-test-0123456789"
TOKENS = 'tok-alice-9f8e7d,alice\ntok-root-1a2b3c,root,1,"platform"\n'


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **A2A_HEADERS}


@pytest.fixture
async def setup(
    sqlite_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Plane, str]]:
    monkeypatch.setenv("AUDIT_TEST_KEY", API_KEY)
    tokens = tmp_path / "tokens.csv"
    tokens.write_text(TOKENS)
    audit_file = tmp_path / "audit" / "audit.jsonl"
    with MockLLM(SCRIPT) as llm:
        async with (
            serving(tools_app()) as tools_url,
            control_plane(
                sqlite_db, tmp_path, auth="token", token_file=tokens, audit_file=audit_file,
                rbac=json.dumps({"admin": ["group:platform"], "viewer": ["group:*"]}),
            ) as plane,
        ):  # fmt: skip
            servers = [{"name": "default/pods", "url": f"{tools_url}/mcp", "timeout": 5.0,
                        "require_approval": ["delete_pod"]}]  # fmt: skip
            model = {"type": "openai", "model": "gpt-test", "base_url": llm.openai_base_url,
                     "api_key_env": "AUDIT_TEST_KEY"}  # fmt: skip
            async with run_agent(tmp_path, llm, mcp_servers=servers, model=model) as agent_url:
                await register(plane, "helper", agent_url)
                yield plane, agent_url


async def _stream(http: httpx.AsyncClient, body: dict[str, Any]) -> list[dict[str, Any]]:
    async with http.stream(
        "POST", "/api/a2a/default/helper", json=body, headers=bearer("tok-alice-9f8e7d")
    ) as response:
        assert response.status_code == 200
        return [event async for event in sse_events(response)]


def _tool_calls(metrics_text: str) -> float:
    found = re.search(
        r'bosun_tool_calls_total\{agent="helper",namespace="default",outcome="success",'
        r'server="default/pods",tool="delete_pod"\} ([0-9.e+]+)',
        metrics_text,
    )
    return float(found.group(1)) if found else 0.0


def _pending(events: list[dict[str, Any]]) -> tuple[str, str, str]:
    for event in events:
        update = event.get("result", {}).get("statusUpdate") or {}
        status = update.get("status") or {}
        for part in (status.get("message") or {}).get("parts") or []:
            data = part.get("data") or {}
            if data.get("type") == "input_required":
                return update["taskId"], update["contextId"], data["requests"][0]["id"]
    raise AssertionError(f"no input_required in {events}")


async def test_chat_with_approval_is_audited_and_measured(setup: tuple[Plane, str]) -> None:
    plane, agent_url = setup
    http = plane.http
    async with httpx.AsyncClient() as client:
        calls_before = _tool_calls((await client.get(f"{agent_url}/metrics")).text)
    first = await _stream(http, send_body("delete the pod web-1", stream=True))
    task_id, context_id, call_id = _pending(first)
    answer = send_body("ok", context=context_id, task=task_id, stream=True)
    answer["params"]["message"]["parts"].append(
        {"data": {"decisions": {call_id: {"approved": True}}}}
    )
    second = await _stream(http, answer)
    assert any("pod web-1 deleted" in json.dumps(e) for e in second)
    await plane.settle()

    # --- audit: file and API ---------------------------------------------------------------
    audit_file = Path(plane.app.state.settings.audit_file)
    lines = [json.loads(line) for line in audit_file.read_text().splitlines()]  # noqa: ASYNC240
    kinds = {(r["kind"], r["action"], r["outcome"]) for r in lines}
    assert ("a2a", "SendStreamingMessage", "input-required") in kinds
    assert ("a2a", "SendStreamingMessage", "completed") in kinds
    assert ("approval", "approved", "approved") in kinds
    assert ("tool", "delete_pod", "success") in kinds
    llm = [r for r in lines if r["kind"] == "llm"]
    assert llm and all(r["input_tokens"] > 0 and r["target"] == "gpt-test" for r in llm)
    approval = next(r for r in lines if r["kind"] == "approval")
    assert (approval["user_id"], approval["agent"], approval["namespace"]) == (
        "alice", "helper", "default",
    )  # fmt: skip
    assert approval["target"] == "delete_pod" and approval["task_id"] == task_id
    from_api = await http.get("/api/audit?agent=default/helper", headers=bearer("tok-root-1a2b3c"))
    assert from_api.status_code == 200
    assert {r["kind"] for r in from_api.json()} >= {"a2a", "approval", "tool", "llm"}
    tools_only = await http.get("/api/audit?kind=tool", headers=bearer("tok-root-1a2b3c"))
    assert [r["target"] for r in tools_only.json()] == ["delete_pod"]
    everything = audit_file.read_text() + from_api.text + tools_only.text  # noqa: ASYNC240
    for secret in (API_KEY, "tok-alice-9f8e7d", "tok-root-1a2b3c"):
        assert secret not in everything
    assert "delete the pod web-1" not in everything  # no prompt bodies unless asked for

    # --- metrics: control plane ----------------------------------------------------------
    text = (await http.get("/metrics")).text
    assert re.search(
        r'bosun_http_requests_total\{method="POST",route="/api/a2a/\{namespace\}/\{name\}",'
        r'status="200"\} [1-9]', text,
    )  # fmt: skip
    assert "/api/a2a/default/helper" not in text  # route templates, never raw paths
    assert re.search(
        r'bosun_a2a_proxy_requests_total\{agent="helper",namespace="default",outcome="ok",'
        r'rpc_method="SendStreamingMessage"\} [1-9]', text,
    )  # fmt: skip
    assert re.search(r'bosun_approvals_total\{agent="helper",decision="approved",'
                     r'namespace="default"\} [1-9]', text)  # fmt: skip
    assert 'bosun_audit_records_total{kind="tool",outcome="success"}' in text

    # --- metrics: the agent ----------------------------------------------------------------
    async with httpx.AsyncClient() as client:
        agent_text = (await client.get(f"{agent_url}/metrics")).text
    assert re.search(
        r'gen_ai_client_token_usage_count\{agent="helper",gen_ai_operation_name="chat",'
        r'gen_ai_provider_name="openai",gen_ai_request_model="gpt-test",'
        r'gen_ai_token_type="input",namespace="default"\} [1-9]', agent_text,
    ), agent_text  # fmt: skip
    assert 'gen_ai_token_type="output"' in agent_text
    assert re.search(r'gen_ai_client_operation_duration_seconds_bucket\{[^}]*agent="helper"',
                     agent_text)  # fmt: skip
    # The call that paused for approval counts once, when it ran (the registry is the
    # process's: other tests' agents may have counted before this one).
    assert _tool_calls(agent_text) - calls_before == 1
