"""`bosun tools serve` as a real process: Streamable HTTP on a free port, a kubeconfig
pointing at tests/fakes/kube_emulator, called through the mcp SDK's HTTP client the way
an agent's runtime calls it; and with `--read-only`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx
import httpx2
import kmock
import pytest
import yaml
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp_types import TextContent

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fakes"))
from kube_emulator import KubeEmulator

pytestmark = pytest.mark.slow  # starts `bosun tools serve`
REPO = Path(__file__).resolve().parents[3]
PREBUILT = REPO / "charts/bosun/files/prebuilt"


def bosun() -> str:
    beside = Path(sys.executable).with_name("bosun")
    found = str(beside) if beside.exists() else shutil.which("bosun")
    assert found, "the bosun console script is not installed"
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def tools_serve(kubeconfig: Path, *flags: str, **env: str) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [bosun(), "tools", "serve", "--port", str(port), *flags],
        env={**os.environ, "KUBECONFIG": str(kubeconfig), **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                stderr = process.stderr.read().decode() if process.stderr else ""
                pytest.fail(f"bosun tools serve did not start: {stderr}")
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


@asynccontextmanager
async def cluster(tmp_path: Path) -> AsyncIterator[tuple[KubeEmulator, Path]]:
    async with KubeEmulator() as emulator, kmock.Server(emulator) as server:
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "current-context": "t",
            "clusters": [{"name": "t", "cluster": {"server": str(server.url).rstrip("/")}}],
            "users": [{"name": "t", "user": {"token": "x"}}],
            "contexts": [{"name": "t", "context": {"cluster": "t", "user": "t"}}],
        }
        path = tmp_path / "kubeconfig"
        path.write_text(yaml.safe_dump(config))
        yield emulator, path


def client(url: str) -> Client:
    return Client(streamable_http_client(url, http_client=httpx2.AsyncClient(timeout=30)))


def listed_tool_names() -> set[str]:
    names: set[str] = set()
    for path in PREBUILT.glob("*-agent.yaml"):
        agent = yaml.safe_load(path.read_text())
        for tool in agent["spec"]["declarative"]["tools"]:
            names |= set(tool["mcpServer"]["toolNames"])
    return names


async def test_serves_kagent_tools_over_http(tmp_path: Path) -> None:
    async with cluster(tmp_path) as (emulator, kubeconfig):
        with tools_serve(kubeconfig) as url:
            async with client(url) as mcp:
                tools = {t.name: t for t in (await mcp.list_tools()).tools}
                assert listed_tool_names() <= set(tools)
                applied = await mcp.call_tool(
                    "k8s_apply_manifest",
                    {"manifest": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"},
                )
                listed = await mcp.call_tool("k8s_get_resources", {"resource_type": "cm"})
                deleted = await mcp.call_tool(
                    "k8s_delete_resource", {"resource_type": "cm", "resource_name": "nope"}
                )
        assert isinstance(applied.content[0], TextContent)
        assert applied.content[0].text == "ConfigMap default/a: applied"
        assert isinstance(listed.content[0], TextContent)
        assert listed.content[0].text.splitlines()[1].split()[0] == "a"
        assert deleted.is_error
        assert emulator.get("v1/configmaps", "default", "a")["metadata"]["name"] == "a"
        with tools_serve(kubeconfig, "--read-only") as url:
            async with client(url) as mcp:
                read_only = {t.name: t for t in (await mcp.list_tools()).tools}
    assert "k8s_get_resources" in read_only and "k8s_apply_manifest" not in read_only
    assert all(
        t.annotations and t.annotations.read_only_hint
        for n, t in read_only.items()
        if n.startswith(("k8s_", "helm_", "prometheus_"))
    )
