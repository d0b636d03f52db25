"""The operator tests' harness: an emulated cluster, the operator in a task, an MCP server.

The operator runs for real (`run_operator`, kopf inside) against `tests/fakes/kube_emulator`
served on a 127.0.0.1 port, cluster-wide; tests act as a user would (apply, patch, delete
over the API) and wait for the operator to converge.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import kmock
import pytest
import uvicorn
import yaml
from mcp.server.mcpserver import MCPServer

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fakes"))

from kube_emulator import KubeEmulator, declare_kagent_kinds

from bosun.controller.kube.client import KubeClient
from bosun.controller.kube.context import Controller
from bosun.controller.kube.operator import run_operator
from bosun.controller.kube.settings import ControllerSettings
from bosun.controller.kube.sink import AgentRecord, ToolServerRecord

EXAMPLES = Path(__file__).resolve().parents[4] / "shared" / "examples"


@dataclass
class RecordingSink:
    agents: dict[tuple[str, str], AgentRecord] = field(default_factory=dict)
    tools: dict[tuple[str, str, str], ToolServerRecord] = field(default_factory=dict)
    deleted: list[tuple[str, ...]] = field(default_factory=list)
    calls: int = 0

    async def upsert_agent(self, record: AgentRecord) -> None:
        self.calls += 1
        self.agents[(record.namespace, record.name)] = record

    async def delete_agent(self, namespace: str, name: str) -> None:
        self.calls += 1
        self.agents.pop((namespace, name), None)
        self.deleted.append(("Agent", namespace, name))

    async def upsert_tools(self, record: ToolServerRecord) -> None:
        self.calls += 1
        self.tools[(record.kind, record.namespace, record.name)] = record

    async def delete_tools(self, kind: str, namespace: str, name: str) -> None:
        self.calls += 1
        self.tools.pop((kind, namespace, name), None)
        self.deleted.append((kind, namespace, name))


async def eventually(check: Callable[[], Any], within: float = 10.0, what: str = "") -> Any:
    """Poll `check` until it returns something truthy without raising; fail after `within` s."""
    deadline = time.monotonic() + within
    last: Any = None
    while True:
        try:
            result = check()
            if result:
                return result
            last = result
        except (KeyError, AssertionError, IndexError, TypeError) as exc:
            last = exc
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what or check}: last {last!r}")
        await asyncio.sleep(0.05)


class Cluster:
    """The emulator seen by a user: apply manifests, patch, delete, read objects."""

    def __init__(self, emulator: KubeEmulator, url: str) -> None:
        self.emulator = emulator
        self.url = url
        self.user = KubeClient(
            ControllerSettings(api_server=url, api_token="user", field_manager="kubectl")
        )

    async def apply(self, *docs: dict[str, Any] | str) -> None:
        for doc in docs:
            for obj in yaml.safe_load_all(doc) if isinstance(doc, str) else [doc]:
                if obj:
                    await self.user.apply(obj)

    def get(self, resource: str, namespace: str, name: str) -> dict[str, Any]:
        return self.emulator.get(resource, namespace, name)

    def exists(self, resource: str, namespace: str, name: str) -> bool:
        try:
            self.get(resource, namespace, name)
        except KeyError:
            return False
        return True

    def condition(self, resource: str, namespace: str, name: str, type_: str) -> dict[str, Any]:
        status = self.get(resource, namespace, name).get("status") or {}
        for cond in status.get("conditions") or []:
            if cond["type"] == type_:
                return dict(cond)
        raise KeyError(type_)

    async def delete(self, api_version: str, kind: str, namespace: str, name: str) -> None:
        await self.user.delete(api_version, kind, namespace, name)

    async def set_deployment_status(self, namespace: str, name: str, available: int) -> None:
        """What the deployment controller would report."""
        deployment = self.get("apps/v1/deployments", namespace, name)
        replicas = (deployment.get("spec") or {}).get("replicas", 1)
        await self.emulator.patch_status(
            "apps/v1/deployments",
            namespace,
            name,
            {
                "observedGeneration": deployment["metadata"]["generation"],
                "replicas": replicas,
                "updatedReplicas": replicas,
                "readyReplicas": available,
                "availableReplicas": available,
            },
        )


@pytest.fixture
async def cluster() -> AsyncIterator[Cluster]:
    async with KubeEmulator() as emulator, kmock.Server(emulator) as server:
        declare_kagent_kinds(emulator)
        c = Cluster(emulator, str(server.url).rstrip("/"))
        yield c
        await c.user.close()


@dataclass
class Operator:
    controller: Controller
    sink: RecordingSink
    task: asyncio.Task[None]

    async def idle(self, within: float = 10.0) -> None:
        """Wait until the reconcile queue has been empty and idle for a moment."""
        quiet_since: float | None = None
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            if self.controller.reconciles.idle:
                quiet_since = quiet_since or time.monotonic()
                if time.monotonic() - quiet_since > 0.3:
                    return
            else:
                quiet_since = None
            await asyncio.sleep(0.05)
        pytest.fail("the operator did not settle")


def operator_settings(url: str, **overrides: Any) -> ControllerSettings:
    base = ControllerSettings(
        api_server=url,
        api_token="operator",
        workers=4,
        discovery_workers=2,
        discovery_interval=1.0,
        discovery_backoff=0.2,
        retry_backoff=0.1,
        max_retry_backoff=1.0,
        leader_election=False,
        watch_timeout=30,
    )
    return replace(base, **overrides)


async def start_operator(settings: ControllerSettings, sink: RecordingSink) -> Operator:
    ready = asyncio.Event()
    holder: list[Controller] = []
    task = asyncio.create_task(run_operator(settings, sink, ready=ready, controller=holder))
    await asyncio.wait_for(ready.wait(), 10)
    return Operator(holder[0], sink, task)


async def stop_operator(op: Operator) -> None:
    op.task.cancel()
    with contextlib.suppress(asyncio.CancelledError, TimeoutError):
        await asyncio.wait_for(op.task, 10)


@pytest.fixture
async def operator(cluster: Cluster) -> AsyncIterator[Operator]:
    op = await start_operator(operator_settings(cluster.url), RecordingSink())
    yield op
    await stop_operator(op)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ToolServer:
    """A real MCP server (the mcp SDK's MCPServer, Streamable HTTP) that can stop and restart
    on the same port; with `api_key`, requests without `X-Api-Key: <key>` get 401."""

    def __init__(self, tools: tuple[str, ...] = ("echo", "add"), api_key: str | None = None):
        self.port = free_port()
        self.tools = tools
        self.api_key = api_key
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"

    def _app(self) -> Any:
        mcp = MCPServer("test-tools")
        for tool in self.tools:

            def fn(text: str) -> str:
                return text

            mcp.tool(name=tool, description=f"the {tool} tool")(fn)
        app = mcp.streamable_http_app(stateless_http=True, json_response=True)
        if self.api_key is None:
            return app
        key = self.api_key.encode()

        async def guarded(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http" and dict(scope["headers"]).get(b"x-api-key") != key:
                await send({"type": "http.response.start", "status": 401, "headers": []})
                await send({"type": "http.response.body", "body": b"unauthorized"})
                return
            await app(scope, receive, send)

        return guarded

    async def start(self) -> None:
        config = uvicorn.Config(
            self._app(), host="127.0.0.1", port=self.port, log_level="warning", lifespan="on"
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        for _ in range(500):
            if self._server.started:
                return
            await asyncio.sleep(0.02)
        raise RuntimeError("the MCP test server did not start")

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._server = self._task = None


@pytest.fixture
async def tool_server() -> AsyncIterator[ToolServer]:
    server = ToolServer()
    await server.start()
    yield server
    await server.stop()
