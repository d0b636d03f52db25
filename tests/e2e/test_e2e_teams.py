"""`bosun up --mock-llm -f examples/teams`, end to end: the incident-response team answers.

One `bosun up` process (module fixture) on free ports with a copy of examples/teams whose
ModelConfig points at the fake LLM's port. Through the control plane's A2A proxy with the
a2a-sdk client (bosun.cli.a2a_session) the team answers with its three members having
spoken in order; `bosun get agentteams` and `/mcp`'s list_agents show it. The shared
v1alpha1 write-up's manifests validate (with warnings) and its team renders.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from typer.testing import CliRunner

from bosun.api.manifests import load_manifests
from bosun.cli.a2a_session import Conversation, Finished, ToolEvent
from bosun.cli.main import app
from bosun.controller.local.ports import free_port

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e-teams")]

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "teams"
SHARED_TEAM = REPO.parent / "shared" / "examples" / "v1alpha1-blog" / "team.yaml"
MEMBERS = ("diagnostics-agent", "remediation-agent", "communication-agent")
TEAM = "incident-response"
KINDS_OUT = ("ServiceAccount", "Secret", "Deployment", "Service")


def ready(url: str, kind: str) -> set[str]:
    try:
        response = httpx.get(f"{url}/api/resources/{kind}", params={"namespace": "default"})
        response.raise_for_status()
    except httpx.HTTPError:
        return set()
    return {
        item["metadata"]["name"]
        for item in response.json()["items"]
        for cond in (item.get("status") or {}).get("conditions") or []
        if cond["type"] == "Ready" and cond["status"] == "True"
    }


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("teams-up")
    examples = base / "teams"
    shutil.copytree(EXAMPLES, examples)
    mock_port, port = free_port(), free_port()
    model = examples / "modelconfig.yaml"
    model.write_text(model.read_text().replace("127.0.0.1:8090", f"127.0.0.1:{mock_port}"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_"))}
    env.pop("OLLAMA_HOST", None)
    env["BOSUN_PROVIDER"] = "mock"
    bosun = Path(sys.executable).parent / "bosun"
    output = base / "up.out"
    argv = [str(bosun), "up", "--mock-llm", "-f", str(examples), "--port", str(port)]
    argv += ["--mock-llm-port", str(mock_port), "--data-dir", str(base / "data")]
    with output.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while TEAM not in ready(url, "agentteams"):
            assert process.poll() is None, f"bosun up exited:\n{output.read_text()}"
            assert time.monotonic() < deadline, f"team not Ready in 60s:\n{output.read_text()}"
            time.sleep(0.2)
        assert set(MEMBERS) <= ready(url, "agents")  # a team is Ready only after its members
        yield url
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
    assert "nothing left running" in output.read_text()


async def test_the_team_answers_with_each_member_speaking_in_order(up: str) -> None:
    async with Conversation(up, "default", TEAM) as conv:
        events = [e async for e in conv.send_text("Checkout returns 502 since 10:02")]
    last = events[-1]
    assert isinstance(last, Finished) and last.state == "completed", events
    tool_events = [e.data for e in events if isinstance(e, ToolEvent)]
    calls = [d["name"] for d in tool_events if d["type"] == "tool_call"]
    results = [(d["name"], d["status"]) for d in tool_events if d["type"] == "tool_result"]
    expected = [f"default__{m.replace('-', '_')}" for m in MEMBERS]
    assert calls == expected
    assert results == [(name, "success") for name in expected]
    # each member saw what the others said before it
    requests = [d["arguments"]["request"] for d in tool_events if d["type"] == "tool_call"]
    assert "[diagnostics-agent]: Diagnosis:" in requests[1]
    assert "[remediation-agent]: Remediation:" in requests[2]
    assert last.answer.startswith("Status update:") and last.answer.endswith("RESOLVED")


def test_get_agentteams_lists_the_team_ready_with_its_members(up: str) -> None:
    runner = CliRunner()
    table = runner.invoke(app, ["get", "agentteams"], env={"BOSUN_SERVER": up})
    assert table.exit_code == 0, table.output
    header, *rows = table.output.splitlines()
    assert header.split() == ["NAME", "TYPE", "MEMBERS", "READY", "ACCEPTED", "AGE"]
    assert [r.split()[:5] for r in rows] == [[TEAM, "RoundRobin", "3/3", "True", "True"]]
    described = runner.invoke(app, ["describe", "team", TEAM], env={"BOSUN_SERVER": up})
    assert described.exit_code == 0, described.output
    for member in MEMBERS:
        assert re.search(rf"default/{member} +Ready", described.output), described.output


async def test_mcp_list_agents_lists_the_team(up: str) -> None:
    http = httpx2.AsyncClient(timeout=30)
    async with Client(streamable_http_client(f"{up}/mcp", http_client=http)) as client:
        result = await client.call_tool("list_agents", {})
    assert not result.is_error
    content = result.structured_content or json.loads(result.content[0].text)
    by_name = {a["agent"]: a for a in content["result"]}
    assert by_name[f"default/{TEAM}"]["kind"] == "AgentTeam"
    assert by_name[f"default/{TEAM}"]["ready"] is True
    assert {f"default/{m}" for m in MEMBERS} <= set(by_name)


@pytest.mark.skipif(not SHARED_TEAM.exists(), reason="shared examples not present")
def test_the_shared_v1alpha1_manifests_validate_and_the_team_renders(tmp_path: Path) -> None:
    runner = CliRunner()
    checked = runner.invoke(app, ["validate", "--external-refs", "-f", str(SHARED_TEAM)])
    assert checked.exit_code == 0, checked.output
    assert "0 error(s)" in checked.output
    # the v1alpha1 Agent, ModelConfig and Tool are read (converted), none refused; what is
    # left are references to objects the write-up does not include (warnings)
    assert "unknown field" not in checked.output and "not served" not in checked.output
    assert 'ModelConfig "ai-agents/gpt4-config" not found' in checked.output
    manifests = load_manifests([SHARED_TEAM])
    kinds = sorted((r.kind, r.api_version) for r in manifests.resources)
    assert kinds == [
        ("Agent", "kagent.dev/v1alpha2"),
        ("AgentTeam", "kagent.dev/v1alpha1"),
        ("ModelConfig", "kagent.dev/v1alpha2"),
    ]
    (agent,) = manifests.of_kind("Agent")
    (tools,) = agent.spec.declarative.tools
    assert tools.mcp_server.tool_names == [
        "k8s_get_resources",
        "k8s_describe_resource",
        "k8s_get_pod_logs",
    ]
    # the team with its members (examples/teams) renders to one workload
    members = [str(EXAMPLES / "agents.yaml"), str(EXAMPLES / "modelconfig.yaml")]
    team_only = tmp_path / "team.yaml"
    docs = SHARED_TEAM.read_text().split("\n---\n")
    team_only.write_text(next(d for d in docs if "kind: AgentTeam" in d))
    rendered = runner.invoke(
        app, ["render", "-f", str(team_only), "-f", members[0], "-f", members[1]]
    )
    assert rendered.exit_code == 0, rendered.output
    names = {(kind, f"{TEAM}-config" if kind == "Secret" else TEAM) for kind in KINDS_OUT}
    assert {
        (k, n) for k, n in names if f"kind: {k}\nmetadata:\n  name: {n}\n" in rendered.output
    } == names
