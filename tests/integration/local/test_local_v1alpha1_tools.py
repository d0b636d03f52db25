"""kagent.dev/v1alpha1 Tools in local mode, as a user drives it: `bosun apply` and `bosun
get` against a real control plane (uvicorn on a free port, SQLite) with the local
supervisor running its agents.

A Tool applied on its own is stored and gets the status a cluster gives it; an Agent
applied later, in another file, resolves the Tool from the store (config.json's
http_tools, the header's Secret as an env var of the process); editing the Tool restarts
the agent with the new URL; deleting it leaves the Agent Accepted with a message naming
the missing Tool.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from localmode_helpers import condition_of, eventually
from typer.testing import CliRunner

SERVER_TESTS = Path(__file__).resolve().parent.parent / "server"
if str(SERVER_TESTS) not in sys.path:
    sys.path.insert(0, str(SERVER_TESTS))

from server_harness import Plane, control_plane  # noqa: E402

from bosun.cli.main import app  # noqa: E402
from bosun.controller.local.supervisor import LocalSupervisor  # noqa: E402
from bosun.server.db import Database  # noqa: E402

NS = "ops"
TOKEN = "Bearer tool-s3cret"
HEADER_ENV = "BOSUN_HTTP_TOOL_0_HEADER_AUTHORIZATION"

TOOL = """
apiVersion: v1
kind: Secret
metadata: {name: status-token, namespace: ops}
stringData: {token: "Bearer tool-s3cret"}
---
apiVersion: kagent.dev/v1alpha1
kind: Tool
metadata: {name: status-page, namespace: ops}
spec:
  type: http
  description: Post an incident update
  parameters:
    service: {type: string, description: The service}
  http:
    method: POST
    url: URL
    headers:
    - name: Authorization
      valueFrom: {secretKeyRef: {name: status-token, key: token}}
---
apiVersion: kagent.dev/v1alpha1
kind: Tool
metadata: {name: kubectl-get, namespace: ops}
spec: {type: kubernetes, description: Get resources}
"""

AGENT = """
apiVersion: kagent.dev/v1alpha2
kind: RemoteMCPServer
metadata: {name: kagent-tool-server, namespace: ops}
spec: {description: built-in tools, url: "http://127.0.0.1:9/mcp"}
---
apiVersion: v1
kind: Secret
metadata: {name: model-key, namespace: ops}
stringData: {key: sk-test}
---
apiVersion: kagent.dev/v1alpha1
kind: ModelConfig
metadata: {name: model, namespace: ops}
spec:
  provider: openai
  model: gpt-4o-mini
  apiKeySecretRef: {name: model-key, key: key}
  baseUrl: http://127.0.0.1:9/v1
---
apiVersion: kagent.dev/v1alpha1
kind: Agent
metadata: {name: responder, namespace: ops}
spec:
  description: Incident responder
  systemMessage: You post status updates.
  modelConfigRef: {name: model}
  tools: [{name: kubectl-get}, {name: status-page}]
"""


def bosun(plane: Plane, *args: str) -> Any:
    """`bosun ARGS --server URL`, run off the event loop (the control plane serves on it)."""
    argv = [*args, "--server", plane.url]
    return asyncio.to_thread(CliRunner().invoke, app, argv, catch_exceptions=False)


@pytest.fixture
async def local(tmp_path: Path) -> AsyncIterator[tuple[Plane, LocalSupervisor]]:
    database = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'bosun.db'}")
    try:
        async with control_plane(database, tmp_path) as plane:
            sup = LocalSupervisor(
                plane.store, data_dir=tmp_path / "data", controlplane_url=plane.url
            )
            task = asyncio.create_task(sup.run())
            try:
                yield plane, sup
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await sup.stop()
    finally:
        await database.close()


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def agent_config(sup: LocalSupervisor) -> dict[str, Any] | None:
    """The config.json the running agent process was started with."""
    workload = sup.workloads.get(("Agent", NS, "responder"))
    if workload is None or workload.process is None:
        return None
    found = sorted(workload.run_dir.rglob("config.json"))
    return json.loads(found[0].read_text()) if found else None


def http_urls(sup: LocalSupervisor) -> list[str] | None:
    config = agent_config(sup)
    if config is None:
        return None
    return [tool["url"] for tool in config.get("http_tools") or []]


async def test_tool_status_and_validation_without_agents(
    local: tuple[Plane, LocalSupervisor], tmp_path: Path
) -> None:
    plane, _ = local
    custom = """
apiVersion: kagent.dev/v1alpha1
kind: Tool
metadata: {name: my-script, namespace: ops}
spec: {type: custom, description: A script}
"""
    result = await bosun(plane, "apply", "-f", str(write(tmp_path, "custom.yaml", custom)))
    assert result.exit_code == 0, result.output
    assert "tool.kagent.dev/my-script created" in result.output
    accepted = await eventually(
        lambda: condition_of(plane.store, "Tool", NS, "my-script", "Accepted"), what="status"
    )
    assert (accepted["status"], accepted["reason"]) == ("False", "CannotRun")
    assert "custom tools cannot run" in accepted["message"]

    bad = {
        "apiVersion": "kagent.dev/v1alpha1",
        "kind": "Tool",
        "metadata": {"name": "bad", "namespace": NS},
        "spec": {"type": "http", "http": {"url": "ftp://example.com/"}},
    }
    response = await plane.http.post("/api/resources", json=bad)
    assert response.status_code == 422
    assert response.json()["field"] == "spec.http"
    assert "url must start with http:// or https://" in response.json()["message"]

    listed = await plane.http.get("/api/resources/tools", params={"namespace": NS})
    assert [t["metadata"]["name"] for t in listed.json()["items"]] == ["my-script"]


@pytest.mark.slow
async def test_an_agent_follows_its_stored_tool(
    local: tuple[Plane, LocalSupervisor], tmp_path: Path
) -> None:
    plane, sup = local
    tool_file = write(tmp_path, "tool.yaml", TOOL.replace("URL", "https://a.example.com/{service}"))
    result = await bosun(plane, "apply", "-f", str(tool_file))
    assert result.exit_code == 0, result.output
    assert "tool.kagent.dev/status-page created" in result.output
    ready = await eventually(
        lambda: condition_of(plane.store, "Tool", NS, "status-page", "Accepted"), what="status"
    )
    assert ready["status"] == "True", ready
    assert "POST https://a.example.com/{service}" in ready["message"]

    # the Agent alone, in another apply: the stored Tool is what it gets
    result = await bosun(plane, "apply", "-f", str(write(tmp_path, "agent.yaml", AGENT)))
    assert result.exit_code == 0, result.output
    assert "Tools not in these files are looked up in the control plane" in result.output
    urls = await eventually(lambda: http_urls(sup), within=30, what="the agent's config.json")
    assert urls == ["https://a.example.com/{service}"]
    config = agent_config(sup)
    assert config is not None and TOKEN not in json.dumps(config)
    workload = sup.workloads[("Agent", NS, "responder")]
    assert workload.process is not None
    assert workload.process.spec.env[HEADER_ENV] == TOKEN  # from the Tool's Secret
    first = workload.process
    accepted = await eventually(
        lambda: condition_of(plane.store, "Agent", NS, "responder", "Accepted"), what="status"
    )
    assert accepted["status"] == "True" and "status-page" not in accepted["message"], accepted

    got = await bosun(plane, "get", "tools", "-n", NS)
    assert got.exit_code == 0, got.output
    lines = {line.split()[0]: line.split() for line in got.output.splitlines()}
    assert lines["NAME"][:4] == ["NAME", "TYPE", "RUNS", "AS"]
    assert lines["status-page"][1:4] == ["http", "http", "True"]
    assert lines["kubectl-get"][1:4] == ["kubernetes", "builtin", "True"]

    # the Tool edited: the agent restarts with the new URL
    tool_file.write_text(TOOL.replace("URL", "https://b.example.com/{service}"))
    result = await bosun(plane, "apply", "-f", str(tool_file))
    assert result.exit_code == 0, result.output
    assert "tool.kagent.dev/status-page configured" in result.output
    await eventually(
        lambda: http_urls(sup) == ["https://b.example.com/{service}"],
        within=30,
        what="the new URL in config.json",
    )
    assert sup.workloads[("Agent", NS, "responder")].process is not first

    # the Tool deleted: the Agent says which Tool is missing, and goes without it
    result = await bosun(plane, "delete", "tool", "status-page", "-n", NS)
    assert result.exit_code == 0, result.output

    async def missing() -> dict[str, Any] | None:
        cond = await condition_of(plane.store, "Agent", NS, "responder", "Accepted")
        return cond if "no Tool ops/status-page exists" in cond.get("message", "") else None

    accepted = await eventually(missing, within=30, what="Accepted naming the missing Tool")
    assert "spec.tools[1] (status-page)" in accepted["message"]
    await eventually(lambda: http_urls(sup) == [], within=30, what="config.json without it")
    listed = await plane.http.get("/api/resources/tools", params={"namespace": NS})
    assert [t["metadata"]["name"] for t in listed.json()["items"]] == ["kubectl-get"]
    kubectl = listed.json()["items"][0]["status"]
    assert (kubectl["runsAs"], kubectl["builtinTool"]) == ("builtin", "k8s_get_resources")
