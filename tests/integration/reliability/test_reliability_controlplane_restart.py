"""The control plane SIGKILLed while an agent streams a turn (docs/reliability.md, Processes).

A real `bosun controlplane` process (SQLite in a temp dir) and an agent runtime in-process
with BOSUN_URL pointing at it; the client talks to the agent directly. The control plane
is killed after the first streamed chunk: the agent finishes the turn (its writes wait in
the runtime's buffer, runtime/store/controlplane.py); the control plane is started again
on the same port and database; the next message in the session sees the whole turn, and
the control plane's session has both turns, in order.
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
from a2a.types import Message, Part, Role, SendMessageRequest, TaskState
from runtime_helpers import Conversation, base_config, free_socket

from bosun.mockllm import MockLLM

pytestmark = pytest.mark.slow  # starts `bosun controlplane` twice

SCRIPT: list[dict[str, Any]] = [
    {"match": {"contains": "story"}, "stream_chunk_delay": 0.05,
     "text": " ".join(f"word{i}" for i in range(30))},
    {"match": {"regex": "(?i)how many"}, "text": "I have sent {{turn}} replies so far."},
]  # fmt: skip


class ControlPlane:
    """`bosun controlplane` on a fixed port and data dir; killed and started again."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir, self.port = data_dir, port
        self.url = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "BOSUN_DATA_DIR": str(self.data_dir), "BOSUN_AUTH": "none"}
        env.pop("BOSUN_DATABASE_URL", None)
        bosun = Path(sys.executable).parent / "bosun"
        argv = [str(bosun), "controlplane", "--port", str(self.port), "--log-level", "warning"]
        log = (self.data_dir / "controlplane.log").open("ab")
        self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 30
        while True:
            assert self.process.poll() is None, (self.data_dir / "controlplane.log").read_text()
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "bosun controlplane not ready in 30 s"
            time.sleep(0.1)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def plane(tmp_path: Path) -> Iterator[ControlPlane]:
    sock = free_socket()  # a free port, released for the control plane to bind
    port = sock.getsockname()[1]
    sock.close()
    running = ControlPlane(tmp_path / "cp", port)  # started by the test
    running.data_dir.mkdir()
    try:
        yield running
    finally:
        running.stop()


async def built(url: str) -> None:
    """Wait until the agent's A2A service is built (/health says ok)."""
    async with httpx.AsyncClient(timeout=5) as http:
        async with asyncio.timeout(30):
            while (await http.get(f"{url}health")).json().get("status") != "ok":  # noqa: ASYNC110
                await asyncio.sleep(0.05)


async def test_control_plane_killed_mid_turn_loses_nothing(
    plane: ControlPlane, start_agent: Any, connect: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOSUN_URL", plane.url)
    with MockLLM(SCRIPT) as llm:
        agent = await start_agent(base_config(llm, stream=True))
        # Both take seconds to start: side by side.
        await asyncio.gather(asyncio.to_thread(plane.start), built(agent.url))
        conversation: Conversation = await connect(agent.url)

        # The turn streams; the control plane dies after the first chunk.
        message = Message(role=Role.ROLE_USER, message_id="m1", parts=[Part(text="a story")])
        events = []
        killed = False
        async for event in conversation.client.send_message(SendMessageRequest(message=message)):
            events.append(event)
            if event.HasField("artifact_update") and not killed:
                plane.kill()
                killed = True
        assert killed
        last = events[-1]
        assert last.HasField("status_update"), last
        assert last.status_update.status.state == TaskState.TASK_STATE_COMPLETED
        task_id, session = last.status_update.task_id, last.status_update.context_id

        # Back on the same port and database: the buffered writes arrive; the next turn
        # sees the whole first one (its history is read after the buffer is sent).
        plane.start()
        second = await conversation.send("how many replies?", context_id=session)
        assert second.final_state == "TASK_STATE_COMPLETED"
        assert "I have sent 1 replies" in second.final_text(), second.final_text()

    async with httpx.AsyncClient(base_url=plane.url, timeout=5) as http:
        stored = (await http.get(f"/api/sessions/{session}/events")).json()
        task = (await http.get(f"/api/tasks/{task_id}")).json()
    turns = [e["data"]["task_id"] for e in stored if e["data"].get("kind") == "messages"]
    assert turns == [task_id, second.task_id]  # each once, in order
    first = stored[0]["data"]["messages"]
    assert "word29" in str(first[-1])  # the whole answer of the turn the kill interrupted
    assert task["state"] == "TASK_STATE_COMPLETED"
