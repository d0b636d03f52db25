"""`bosun mcp-bridge` as a real process around `bosun tools serve --stdio`, used by real
mcp SDK clients over Streamable HTTP (both protocol eras) and legacy SSE.

What matters: one warm child shared by every client, restarted when it dies, readiness
that tells the truth, and no child left behind when the bridge stops.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import Client
from mcp.client.sse import sse_client
from mcp.shared.exceptions import MCPError

pytestmark = pytest.mark.slow


def bosun_command() -> str:
    beside_python = Path(sys.executable).with_name("bosun")
    found = str(beside_python) if beside_python.exists() else shutil.which("bosun")
    assert found, "the bosun console script is not installed"
    return found


BOSUN = bosun_command()
TOOLS = [BOSUN, "tools", "serve", "--stdio", "--no-kubernetes"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def children_of(pid: int) -> list[int]:
    """Live (non-zombie) child processes of `pid`, from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


@dataclass
class Bridge:
    process: subprocess.Popen[bytes]
    url: str
    stderr_path: Path

    @property
    def mcp_url(self) -> str:
        return f"{self.url}/mcp"

    def health(self) -> tuple[int, dict[str, Any]]:
        response = httpx.get(f"{self.url}/healthz", timeout=10)
        return response.status_code, response.json()

    def wait_ready(self, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"the bridge exited:\n{self.stderr()}"
            try:
                code, body = self.health()
            except httpx.TransportError:
                code, body = 0, {}
            if code == 200:
                return body
            time.sleep(0.05)
        raise AssertionError(f"the bridge did not become ready:\n{self.stderr()}")

    def stderr(self) -> str:
        return self.stderr_path.read_text(errors="replace")


def launch(child: list[str], directory: Path, *options: str) -> Bridge:
    port = free_port()
    stderr_path = directory / f"bridge-{port}.stderr"
    argv = [BOSUN, "mcp-bridge", "--host", "127.0.0.1", "--port", str(port), *options]
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen([*argv, "--", *child], stdout=subprocess.DEVNULL, stderr=stderr)
    return Bridge(process, f"http://127.0.0.1:{port}", stderr_path)


def stop(bridge: Bridge) -> None:
    if bridge.process.poll() is None:
        bridge.process.kill()
        bridge.process.wait(5)


@pytest.fixture
def start_bridge(tmp_path: Path) -> Iterator[Any]:
    started: list[Bridge] = []

    def start(child: list[str], *options: str) -> Bridge:
        started.append(launch(child, tmp_path, *options))
        return started[-1]

    yield start
    for bridge in started:
        stop(bridge)


@pytest.fixture(scope="module")
def shared_bridge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bridge]:
    """One bridge for the tests that leave it serving (each bridge costs ~2 s to start)."""
    # A generous --request-wait: a loaded CI machine can take many seconds to restart a child.
    bridge = launch(TOOLS, tmp_path_factory.mktemp("shared-bridge"), "--request-wait", "60")
    try:
        yield bridge
    finally:
        stop(bridge)


async def call_through(url: str, mode: str, number: int) -> tuple[str | None, int, int, Any]:
    async with Client(url, mode=mode) as client:
        tools = await client.list_tools()
        info = await client.call_tool("server_info", {})
        added = await client.call_tool("add", {"a": number, "b": 1000})
        assert info.structured_content is not None
        return (
            client.protocol_version,
            len(tools.tools),
            info.structured_content["pid"],
            added.structured_content,
        )


async def test_healthz_is_503_until_the_child_is_initialized(
    start_bridge: Any, tmp_path: Path
) -> None:
    # The child starts its server only once the test has seen the 503: the bridge spawns it
    # before its own imports, so a child that merely sleeps could be up before /healthz is.
    go = tmp_path / "go"
    wait = f'while [ ! -e "{go}" ]; do sleep 0.05; done; exec "$@"'
    slow_child = ["sh", "-c", wait, "slow", *TOOLS]
    bridge = start_bridge(slow_child)
    first: tuple[int, dict[str, Any]] | None = None
    deadline = time.monotonic() + 60
    while first is None and time.monotonic() < deadline:
        try:
            first = bridge.health()
        except httpx.TransportError:
            await anyio.sleep(0.05)
    assert first is not None
    code, body = first
    assert code == 503
    assert body["ready"] is False and body["status"] == "starting"
    assert "starting sh -c" in body["reason"]
    go.touch()

    ready = bridge.wait_ready()
    assert ready["status"] == "ready" and ready["restarts"] == 0
    assert ready["protocolVersion"] == "2026-07-28"
    assert children_of(bridge.process.pid) == [ready["pid"]]

    # Ctrl-C in a terminal: the bridge stops the child and exits.
    bridge.process.send_signal(signal.SIGINT)
    bridge.process.wait(30)
    assert_gone(ready["pid"])
    assert "stdio server stopped" in bridge.stderr()


async def test_concurrent_clients_share_one_warm_child(shared_bridge: Bridge) -> None:
    bridge = shared_bridge
    child_pid = bridge.wait_ready()["pid"]

    results: list[tuple[str | None, int, int, Any]] = []

    async def client(number: int) -> None:
        mode = "legacy" if number % 2 else "auto"
        results.append(await call_through(bridge.mcp_url, mode, number))

    async with anyio.create_task_group() as tg:
        for number in range(8):
            tg.start_soon(client, number)

    assert sorted(r[3]["result"] for r in results) == [1000 + n for n in range(8)]
    assert {r[2] for r in results} == {child_pid}  # every client reached the same process
    assert {r[1] for r in results} == {7}  # the built-in offline tools, bar_chart included
    assert {r[0] for r in results} == {"2026-07-28", "2025-11-25"}  # both protocol eras

    async with Client(sse_client(f"{bridge.url}/sse"), mode="legacy") as legacy_sse:
        info = await legacy_sse.call_tool("server_info", {})
        assert info.structured_content is not None
        assert info.structured_content["pid"] == child_pid

    assert children_of(bridge.process.pid) == [child_pid]
    # The child's stderr reaches the bridge's, prefixed with its name and pid.
    assert f"[bosun {child_pid}] bosun tools: serving on stdio" in bridge.stderr()


async def test_a_killed_child_is_restarted_and_waiting_requests_succeed(
    shared_bridge: Bridge,
) -> None:
    bridge = shared_bridge
    before = bridge.wait_ready()
    first_pid = before["pid"]
    async with Client(bridge.mcp_url) as client:
        os.kill(first_pid, signal.SIGKILL)
        await anyio.sleep(0.2)  # the bridge has noticed; the new child is still starting
        # The request waits for the new child instead of failing.
        info = await client.call_tool("server_info", {})
    assert info.structured_content is not None
    new_pid = info.structured_content["pid"]
    assert new_pid != first_pid

    code, health = bridge.health()
    assert code == 200 and health["pid"] == new_pid
    assert health["restarts"] == before["restarts"] + 1
    assert children_of(bridge.process.pid) == [new_pid]
    restart = before["restarts"] + 1
    assert f"stdio server pid {first_pid} was killed by SIGKILL; restart #{restart}" in (
        bridge.stderr()
    )
    _, _, pid, added = await call_through(bridge.mcp_url, "legacy", 1)
    assert pid == new_pid and added == {"result": 1001}


async def test_a_crashing_child_is_reported_and_calls_fail_clearly(start_bridge: Any) -> None:
    crashing = [
        sys.executable,
        "-c",
        "import sys; print('no config', file=sys.stderr); sys.exit(3)",
    ]
    bridge = start_bridge(crashing, "--request-wait", "0.5")
    deadline = time.monotonic() + 60
    body: dict[str, Any] = {}
    while time.monotonic() < deadline:
        try:
            code, body = bridge.health()
        except httpx.TransportError:
            await anyio.sleep(0.05)
            continue
        if "exited with code 3" in body["reason"]:
            break
        await anyio.sleep(0.05)
    assert code == 503 and "exited with code 3; restarting in" in body["reason"]

    async with Client(bridge.mcp_url) as client:
        with pytest.raises(MCPError, match="the stdio MCP server is not ready"):
            await client.list_tools()
    assert "] no config" in bridge.stderr()


def test_sigterm_stops_the_bridge_and_leaves_no_child(start_bridge: Any) -> None:
    bridge = start_bridge(TOOLS)
    child_pid = bridge.wait_ready()["pid"]
    assert alive(child_pid)

    bridge.process.send_signal(signal.SIGTERM)
    bridge.process.wait(30)
    assert_gone(child_pid)
    assert "stdio server stopped" in bridge.stderr()


def assert_gone(pid: int) -> None:
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid), f"process {pid} outlived the bridge"


def test_a_missing_or_unknown_command_is_a_clear_error() -> None:
    missing = subprocess.run([BOSUN, "mcp-bridge"], capture_output=True, text=True, timeout=30)
    assert missing.returncode == 2
    assert "missing the stdio MCP server to run" in missing.stderr

    unknown = subprocess.run(
        [BOSUN, "mcp-bridge", "--", "no-such-mcp-server-xyz", "--flag"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert unknown.returncode == 127
    assert "command 'no-such-mcp-server-xyz' not found on PATH" in unknown.stderr


def test_a_bridge_that_cannot_listen_exits_and_leaves_no_child(tmp_path: Path) -> None:
    # The child is started before the bridge imports its server (run.py); failing to
    # listen must still take it down.
    pid_file = tmp_path / "child.pid"
    child = ["sh", "-c", f"echo $$ > {pid_file}; exec sleep 60"]
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        argv = [BOSUN, "mcp-bridge", "--host", "127.0.0.1", "--port", str(port), "--", *child]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "address already in use" in result.stderr.lower()
    assert pid_file.exists(), "the child was never started"
    assert_gone(int(pid_file.read_text()))
