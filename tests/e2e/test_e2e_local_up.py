"""`bosun up --mock-llm` with the shipped examples, end to end, as a user runs it.

One `bosun up` process (module fixture) on free ports with a copy of examples/ whose
ModelConfig points at the fake LLM's port; then, through the control plane's A2A proxy
with the a2a-sdk client (bosun.cli.a2a_session): an answer, an MCP tool call, an approval
pause and approve, an agent-to-agent call, an agent killed and restarted with its session
intact; finally SIGINT, after which no child process of `bosun up` is left.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bosun.cli.a2a_session import Conversation, Event, Finished, Paused, ToolEvent
from bosun.controller.local.ports import free_port
from bosun.runtime.protocol import Decision

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e-local-up")]

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AGENTS = ("coordinator", "haiku-writer", "helper")


@dataclass
class Up:
    process: subprocess.Popen[bytes]
    url: str
    data_dir: Path
    output: Path

    def children(self) -> list[int]:
        return descendants(self.process.pid)


def descendants(pid: int) -> list[int]:
    """Every live process below pid, from /proc (no psutil)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z":  # zombies are gone already
            parents[int(entry.name)] = int(fields[1])
    found: list[int] = []
    frontier = [pid]
    while frontier:
        current = frontier.pop()
        kids = [p for p, parent in parents.items() if parent == current]
        found += kids
        frontier += kids
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def ready_agents(url: str) -> dict[str, dict[str, Any]]:
    response = httpx.get(f"{url}/api/agents", params={"namespace": "default"}, timeout=5)
    response.raise_for_status()
    out = {}
    for item in response.json()["items"]:
        for cond in (item.get("status") or {}).get("conditions") or []:
            if cond["type"] == "Ready" and cond["status"] == "True":
                out[item["metadata"]["name"]] = cond
    return out


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Up]:
    base = tmp_path_factory.mktemp("up")
    examples = base / "examples"
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
    handle = Up(process, url, base / "data", output)
    try:
        deadline = time.monotonic() + 45
        while set(AGENTS) - set(_try(ready_agents, url)):
            assert process.poll() is None, f"bosun up exited:\n{output.read_text()}"
            assert time.monotonic() < deadline, f"agents not Ready in 45s:\n{output.read_text()}"
            time.sleep(0.2)
        yield handle
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def _try(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except httpx.HTTPError:
        return {}


async def turn(conv: Conversation, stream: Any) -> tuple[list[Event], Finished | Paused]:
    events: list[Event] = [e async for e in stream]
    last = events[-1]
    assert isinstance(last, Finished | Paused), events
    return events, last


def tools(events: list[Event]) -> list[dict[str, Any]]:
    return [e.data for e in events if isinstance(e, ToolEvent)]


def test_the_summary_names_the_web_ui_and_it_is_served(up: Up) -> None:
    deadline = time.monotonic() + 20
    while "web UI" not in up.output.read_text():
        assert time.monotonic() < deadline, up.output.read_text()
        time.sleep(0.1)
    line = next(x for x in up.output.read_text().splitlines() if "web UI" in x)
    assert f"{up.url}/" in line and "not built" not in line
    page = httpx.get(f"{up.url}/agents", timeout=5)
    assert page.status_code == 200 and '<div id="root">' in page.text


async def test_agent_answers_through_the_proxy(up: Up) -> None:
    async with Conversation(up.url, "default", "haiku-writer") as conv:
        _, last = await turn(conv, conv.send_text("a haiku about the sea"))
    assert isinstance(last, Finished) and last.state == "completed"
    assert last.answer.startswith("Agents wake at dawn")
    assert last.usage.get("outputTokens", 0) > 0


async def test_mcp_tool_call_then_approval_pause_and_approve(up: Up) -> None:
    async with Conversation(up.url, "default", "helper") as conv:
        events, last = await turn(conv, conv.send_text("What time is it?"))
        assert isinstance(last, Finished) and last.state == "completed", last
        results = [d for d in tools(events) if d["type"] == "tool_result"]
        assert [(d["name"], d["status"]) for d in results] == [("current_time", "success")]
        assert re.search(r"It is \d{4}-\d\d-\d\dT", last.answer)

        events, paused = await turn(conv, conv.send_text("17 * 23"))
        assert isinstance(paused, Paused), paused
        (request,) = paused.requests
        assert (request.kind, request.tool) == ("approval", "calculate")
        assert request.arguments == {"expression": "17 * 23"}
        assert not [d for d in tools(events) if d["type"] == "tool_result"]  # not run yet

        decision = {request.id: Decision(approved=True)}
        events, last = await turn(conv, conv.answer(paused.task_id, decision))
    assert isinstance(last, Finished) and last.state == "completed", last
    assert [d.get("result") for d in tools(events) if d["type"] == "tool_result"] == [391]
    assert "391" in last.answer


async def test_agent_calls_another_agent(up: Up) -> None:
    async with Conversation(up.url, "default", "coordinator") as conv:
        events, last = await turn(conv, conv.send_text("Write a haiku about ports"))
    assert isinstance(last, Finished) and last.state == "completed", last
    calls = [d for d in tools(events) if d["type"] == "tool_call"]
    assert calls and calls[0]["name"] == "default__haiku_writer"
    assert "From the haiku writer:" in last.answer and "kettle whistles" in last.answer


def agent_pid(up: Up, name: str) -> int:
    marker = f"/agent/default/{name}/"
    pids = [p for p in up.children() if " agent " in cmdline(p) and marker in cmdline(p)]
    assert len(pids) == 1, [cmdline(p) for p in up.children()]
    return pids[0]


async def test_killed_agent_is_restarted_and_its_session_continues(up: Up) -> None:
    async with Conversation(up.url, "default", "helper") as conv:
        _, last = await turn(conv, conv.send_text("What time is it?"))
        assert isinstance(last, Finished) and last.state == "completed", last
        session = conv.context_id
    old = agent_pid(up, "helper")
    os.kill(old, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while True:
        ready = (await asyncio.to_thread(_try, ready_agents, up.url)).get("helper")
        if ready and f"(pid {old})" not in ready["message"]:
            break
        assert time.monotonic() < deadline, "helper not Ready again after a kill"
        await asyncio.sleep(0.2)
    assert agent_pid(up, "helper") != old
    async with Conversation(up.url, "default", "helper", context_id=session) as conv:
        _, last = await turn(conv, conv.send_text("How many replies so far?"))
    assert isinstance(last, Finished) and last.state == "completed", last
    count = int(re.search(r"sent (\d+) replies", last.answer).group(1))  # type: ignore[union-attr]
    assert count >= 2  # the tool call and the answer before the restart are remembered
    async with httpx.AsyncClient() as client:
        log = (await client.get(f"{up.url}/api/logs/agent/default/helper")).text
    assert "signal SIGKILL" in log


def test_logs_and_resources_over_rest(up: Up) -> None:
    # Discovery writes the tools a moment after the server is Ready (the fixture waits for
    # Ready only), so this test may run first on its worker.
    deadline = time.monotonic() + 30
    names: set[str] = set()
    while time.monotonic() < deadline:
        url = f"{up.url}/api/resources/mcpservers/default/everyday-tools"
        status = httpx.get(url).json().get("status") or {}
        names = {t["name"] for t in status.get("discoveredTools") or []}
        if names:
            break
        time.sleep(0.2)
    assert {"current_time", "calculate", "word_count"} <= names
    log = httpx.get(f"{up.url}/api/logs/mcpserver/default/everyday-tools", params={"tail": 3})
    assert log.status_code == 200 and 0 < len(log.text.splitlines()) <= 3


def test_kubectl_like_commands(up: Up, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from bosun.cli.main import app

    runner = CliRunner()

    def bosun(*args: str) -> Any:
        return runner.invoke(app, [*args], env={"BOSUN_SERVER": up.url})

    table = bosun("get", "agents")
    assert table.exit_code == 0, table.output
    header, *rows = table.output.splitlines()
    assert header.split() == ["NAME", "TYPE", "MODEL", "READY", "ACCEPTED", "AGE"]
    assert {r.split()[0] for r in rows} == set(AGENTS)
    assert all(r.split()[3:5] == ["True", "True"] for r in rows)

    described = bosun("describe", "agent", "helper")
    assert described.exit_code == 0, described.output
    assert re.search(r"Ready\s+True\s+ProcessReady", described.output)

    as_json = bosun("get", "mcps", "everyday-tools", "-o", "json")
    assert '"discoveredTools"' in as_json.output

    secret = tmp_path / "secret.yaml"
    secret.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: demo-key}\nstringData: {token: s3cr3t}\n"
    )
    assert bosun("apply", "-f", str(secret)).output.strip() == "secret/demo-key created"
    listed = bosun("get", "secrets", "-o", "yaml").output
    assert "demo-key" in listed and "s3cr3t" not in listed
    assert bosun("delete", "-f", str(secret)).output.strip() == "secret/demo-key deleted"

    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "apiVersion: kagent.dev/v1alpha2\nkind: Agent\nmetadata: {name: broken}\n"
        "spec: {declarative: {systemMessage: hi, modelConfig: nowhere}}\n"
    )
    refused = bosun("apply", "-f", str(broken))
    assert refused.exit_code == 1
    assert "nowhere" in refused.output

    logs = bosun("logs", "agent/helper", "--tail", "2")
    assert logs.exit_code == 0 and 0 < len(logs.output.splitlines()) <= 2


def test_sigint_stops_everything(up: Up) -> None:
    children = up.children()
    assert len([p for p in children if " agent " in cmdline(p)]) == len(AGENTS)
    up.process.send_signal(signal.SIGINT)
    assert up.process.wait(20) == 0, up.output.read_text()
    time.sleep(0.2)
    alive = [p for p in children if Path(f"/proc/{p}").exists() and _not_zombie(p)]
    assert alive == [], [cmdline(p) for p in alive]
    assert "nothing left running" in up.output.read_text()


def _not_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
