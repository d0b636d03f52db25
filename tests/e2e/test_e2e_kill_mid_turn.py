"""An agent process SIGKILLed mid-turn under `bosun up` (docs/reliability.md, Processes).

One `bosun up --mock-llm` with one agent and a script whose answer to "stall" streams two
chunks and then nothing. While the turn streams through the control plane's proxy, the
agent process is killed: the streaming client gets a last `failed` status saying the
agent stopped mid-turn (not a hang), the control plane records the task failed with that
reason at once, the session keeps the turn before, and after the supervisor restarts the
agent the next message in the same contextId is answered with that history.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_e2e_local_up import Up, _try, cmdline, ready_agents, turn

from bosun.cli.a2a_session import Conversation, Finished, TextDelta
from bosun.controller.local.ports import free_port

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e-kill-mid-turn")]

SCRIPT = """
rules:
  - name: stall
    match: {contains: stall}
    text: "one two three four five six seven eight nine ten"
    stream_chunk_delay: 0.05
    stall_after: 3
  - name: count
    match: {regex: "(?i)how many"}
    text: "I have sent {{turn}} replies in this session so far."
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
metadata: {name: talker, namespace: default}
spec:
  type: Declarative
  description: Talks, and sometimes stalls
  declarative:
    modelConfig: mock
    stream: true
    systemMessage: You are Talker.
"""


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Up]:
    base = tmp_path_factory.mktemp("kill")
    mock_port, port = free_port(), free_port()
    manifests = base / "manifests"
    manifests.mkdir()
    (manifests / "talker.yaml").write_text(MANIFESTS.replace("MOCK_PORT", str(mock_port)))
    script = base / "script.yaml"
    script.write_text(SCRIPT)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_"))}
    env.pop("OLLAMA_HOST", None)
    env["BOSUN_PROVIDER"] = "mock"
    bosun = Path(sys.executable).parent / "bosun"
    argv = [str(bosun), "up", "--mock-llm", "--mock-llm-script", str(script), "-f", str(manifests)]
    argv += ["--port", str(port), "--mock-llm-port", str(mock_port), "--data-dir", str(base / "d")]
    output = base / "up.out"
    with output.open("wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 45
        while "talker" not in _try(ready_agents, url):
            assert process.poll() is None, f"bosun up exited:\n{output.read_text()}"
            assert time.monotonic() < deadline, f"talker not Ready in 45s:\n{output.read_text()}"
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


def talker_pid(up: Up) -> int:
    pids = [p for p in up.children() if "/agent/default/talker/" in cmdline(p)]
    pids = [p for p in pids if " agent " in cmdline(p)]
    assert len(pids) == 1, [cmdline(p) for p in up.children()]
    return pids[0]


async def stored_task(url: str, task_id: str) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=url, timeout=5) as http:
        response = await http.get(f"/api/tasks/{task_id}")
    response.raise_for_status()
    record: dict[str, Any] = response.json()
    return record


async def test_agent_killed_mid_turn_fails_the_task_and_the_session_goes_on(up: Up) -> None:
    async with Conversation(up.url, "default", "talker") as conv:
        _, first = await turn(conv, conv.send_text("hello"))
        assert isinstance(first, Finished) and first.state == "completed", first
        session = conv.context_id

        # The second turn streams a few words, then the LLM stalls: kill the agent then.
        old = talker_pid(up)
        events = []
        killed_at = 0.0
        async with asyncio.timeout(20):
            async for event in conv.send_text("stall, please"):
                events.append(event)
                if isinstance(event, TextDelta) and not killed_at:
                    os.kill(old, signal.SIGKILL)
                    killed_at = time.monotonic()
        assert killed_at, events
        last = events[-1]
        assert isinstance(last, Finished), events
        assert last.state == "failed", last
        assert "stopped mid-turn (connection closed)" in last.answer, last
        assert time.monotonic() - killed_at < 5  # at once, not at a timeout

    # The control plane recorded the task failed with the reason (write-behind: ~20 ms).
    deadline = time.monotonic() + 5
    while (record := await stored_task(up.url, last.task_id))["state"] != "TASK_STATE_FAILED":
        assert time.monotonic() < deadline, record
        await asyncio.sleep(0.05)
    status = record["task"]["status"]
    assert "stopped mid-turn (connection closed)" in status["message"]["parts"][0]["text"]
    assert record["task"]["contextId"] == session

    # The supervisor restarts the agent; the next message in the same session is answered
    # with the history up to the last finished turn (the killed turn left nothing).
    deadline = time.monotonic() + 20
    while True:
        ready = (await asyncio.to_thread(_try, ready_agents, up.url)).get("talker")
        if ready and f"(pid {old})" not in ready["message"]:
            break
        assert time.monotonic() < deadline, "talker not Ready again after the kill"
        await asyncio.sleep(0.2)
    assert talker_pid(up) != old
    async with Conversation(up.url, "default", "talker", context_id=session) as conv:
        _, after = await turn(conv, conv.send_text("How many replies so far?"))
    assert isinstance(after, Finished) and after.state == "completed", after
    assert "I have sent 1 replies" in after.answer, after.answer

    async with httpx.AsyncClient(base_url=up.url, timeout=5) as http:
        events_json = (await http.get(f"/api/sessions/{session}/events")).json()
        failed = await stored_task(up.url, last.task_id)
    turns = [e["data"]["task_id"] for e in events_json if e["data"].get("kind") == "messages"]
    assert turns[0] == first.task_id and last.task_id not in turns
    assert failed["state"] == "TASK_STATE_FAILED"  # the restart did not undo it
