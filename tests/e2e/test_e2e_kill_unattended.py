"""An agent SIGKILLed mid-turn with no A2A caller watching (docs/reliability.md, Processes).

One `bosun up --mock-llm` with one agent whose answer to "stall" streams a few chunks
and then nothing. Two callers that the A2A proxy's own handling (a2a_broken.py) does not
cover, each with the agent process killed mid-turn:

- one sends through the proxy with `returnImmediately` and goes away, so no connection
  is open when the agent dies. Once the supervisor has restarted the agent, the new
  process fails the task it finds left running (taskstore `recover`): the control
  plane's record, which the UI and ListTasks through the proxy read, says failed with
  the reason, without anyone reading the task through the agent;
- one waits on `/mcp invoke_agent` (the official mcp client): it gets a tool error that
  says the agent stopped mid-turn, and the task is recorded failed at once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from test_e2e_local_up import Up, _try, cmdline, ready_agents

from bosun.controller.local.ports import free_port
from bosun.runtime.taskstore import INTERRUPTED_TEXT

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e-kill-unattended")]

SCRIPT = """
rules:
  - name: stall
    match: {contains: stall}
    text: "one two three four five six seven eight nine ten"
    stream_chunk_delay: 0.05
    stall_after: 3
  - default: true
    text: "Hello. You said: {{last_user_message}}"
"""

MANIFESTS = """
apiVersion: v1
kind: Secret
metadata: {name: mock-key, namespace: default}
stringData: {api-key: not-a-real-key}
---
apiVersion: kagent.dev/v1alpha2
kind: ModelConfig
metadata: {name: mock, namespace: default}
spec:
  provider: OpenAI
  model: bosun-mock
  apiKeySecret: mock-key
  apiKeySecretKey: api-key
  openAI: {baseUrl: "http://127.0.0.1:MOCK_PORT/v1"}
---
apiVersion: kagent.dev/v1alpha2
kind: Agent
metadata: {name: loner, namespace: default}
spec:
  type: Declarative
  description: Talks, and sometimes stalls
  declarative:
    modelConfig: mock
    stream: true
    systemMessage: You are Loner.
"""

V1 = {"A2A-Version": "1.0"}


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Up]:
    base = tmp_path_factory.mktemp("unattended")
    mock_port, port = free_port(), free_port()
    manifests = base / "manifests"
    manifests.mkdir()
    (manifests / "loner.yaml").write_text(MANIFESTS.replace("MOCK_PORT", str(mock_port)))
    script = base / "script.yaml"
    script.write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_"))}
    env.pop("OLLAMA_HOST", None)
    env["BOSUN_PROVIDER"] = "mock"
    env["BOSUN_AGENT_DATA"] = str(base / "agents")  # the journal of running tasks
    bosun = Path(sys.executable).parent / "bosun"
    argv = [str(bosun), "up", "--mock-llm", "--mock-llm-script", str(script), "-f", str(manifests)]
    argv += ["--port", str(port), "--mock-llm-port", str(mock_port), "--data-dir", str(base / "d")]
    output = base / "up.out"
    with output.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 45
        while "loner" not in _try(ready_agents, url):
            assert process.poll() is None, f"bosun up exited:\n{output.read_text()}"
            assert time.monotonic() < deadline, f"loner not Ready in 45s:\n{output.read_text()}"
            time.sleep(0.2)
        yield Up(process, url, base / "d", output)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)


def loner_pid(up: Up) -> int:
    pids = [p for p in up.children() if "/agent/default/loner/" in cmdline(p)]
    pids = [p for p in pids if " agent " in cmdline(p)]
    assert len(pids) == 1, [cmdline(p) for p in up.children()]
    return pids[0]


async def ready_again(up: Up, old: int) -> None:
    """Wait until the supervisor has restarted the agent killed as pid `old`."""
    deadline = time.monotonic() + 30
    while True:
        ready = (await asyncio.to_thread(_try, ready_agents, up.url)).get("loner")
        if ready and f"(pid {old})" not in ready["message"] and loner_pid(up) != old:
            return
        assert time.monotonic() < deadline, "loner not Ready again after the kill"
        await asyncio.sleep(0.2)


async def record_of(http: httpx.AsyncClient, task_id: str) -> dict[str, Any]:
    response = await http.get(f"/api/tasks/{task_id}")
    response.raise_for_status()
    record: dict[str, Any] = response.json()
    return record


def _send(text: str, context: str) -> dict[str, Any]:
    message = {
        "messageId": uuid.uuid4().hex,
        "role": "ROLE_USER",
        "contextId": context,
        "parts": [{"text": text}],
    }
    params = {"message": message, "configuration": {"returnImmediately": True}}
    return {"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": params}


async def test_agent_killed_after_its_caller_left_fails_the_task_on_restart(up: Up) -> None:
    context = str(uuid.uuid4())
    async with httpx.AsyncClient(base_url=up.url, timeout=10) as http:
        # The caller sends and leaves: no connection is open to see the agent die.
        answer = await http.post(
            "/api/a2a/default/loner/", json=_send("stall, please", context), headers=V1
        )
        answer.raise_for_status()
        task_id = answer.json()["result"]["task"]["id"]
        deadline = time.monotonic() + 30  # write-behind: later on a loaded CI machine
        while (record := await record_of(http, task_id))["state"] != "TASK_STATE_WORKING":
            assert time.monotonic() < deadline, (record["state"], record["task"])
            await asyncio.sleep(0.1)
        await asyncio.sleep(0.5)  # the LLM has streamed its few chunks and stalls now

        old = loner_pid(up)
        os.kill(old, signal.SIGKILL)
        killed_at = time.monotonic()

        # The supervisor restarts the agent; its new process fails the left task.
        deadline = killed_at + 30
        while (record := await record_of(http, task_id))["state"] == "TASK_STATE_WORKING":
            assert time.monotonic() < deadline, f"still working 30 s after the kill: {record}"
            await asyncio.sleep(0.2)
        assert loner_pid(up) != old
        assert record["state"] == "TASK_STATE_FAILED", record
        status = record["task"]["status"]
        assert status["message"]["parts"][0]["text"] == INTERRUPTED_TEXT
        assert "restarted while this task was running" in INTERRUPTED_TEXT

        # ListTasks through the proxy (what `bosun tasks list` and the UI show) agrees, once
        # the supervisor sees the new process Ready (it fails the left task while starting).
        await ready_again(up, old)
        listed = await http.post(
            "/api/a2a/default/loner/",
            json={
                "jsonrpc": "2.0",
                "id": 2,
                "method": "ListTasks",
                "params": {"contextId": context},
            },
            headers=V1,
        )
        assert "result" in listed.json(), listed.json()
        tasks = listed.json()["result"]["tasks"]
        assert [(t["id"], t["status"]["state"]) for t in tasks] == [(task_id, "TASK_STATE_FAILED")]

        # The session goes on: the next message in the same contextId is answered.
        message = _send("hello again", context)
        message["params"]["configuration"] = {}
        again = await http.post("/api/a2a/default/loner/", json=message, headers=V1, timeout=30)
        result = again.json()["result"]["task"]
        assert result["status"]["state"] == "TASK_STATE_COMPLETED", result


async def test_agent_killed_under_mcp_invoke_agent_is_a_tool_error_and_a_failed_task(
    up: Up,
) -> None:
    await ready_again(up, -1)
    old = loner_pid(up)
    lines: list[str | None] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        lines.append(message)
        if message == "writing the answer":  # the answer streams, then the LLM stalls
            os.kill(old, signal.SIGKILL)

    http = httpx2.AsyncClient(timeout=60)
    async with Client(streamable_http_client(f"{up.url}/mcp", http_client=http)) as client:
        async with asyncio.timeout(30):
            result = await client.call_tool(
                "invoke_agent", {"agent": "default/loner", "task": "stall, please"},
                progress_callback=on_progress,
            )  # fmt: skip
    assert "writing the answer" in lines, lines
    assert result.is_error, result
    text = result.content[0].text  # type: ignore[union-attr]
    assert "The agent stopped mid-turn (connection closed)" in text, text
    assert "agent default/loner" in text and "the task is recorded failed" in text, text
    task_id = text.split("task_id='", 1)[1].split("'", 1)[0]

    async with httpx.AsyncClient(base_url=up.url, timeout=10) as http_cp:
        deadline = time.monotonic() + 30
        while (record := await record_of(http_cp, task_id))["state"] != "TASK_STATE_FAILED":
            assert time.monotonic() < deadline, (record["state"], record["task"])
            await asyncio.sleep(0.05)
        status = record["task"]["status"]
        assert "stopped mid-turn (connection closed)" in status["message"]["parts"][0]["text"]

        await ready_again(up, old)  # the restart leaves the failed record as it is
        record = await record_of(http_cp, task_id)
        assert record["state"] == "TASK_STATE_FAILED", record
