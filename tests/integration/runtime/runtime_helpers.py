"""Real peers for runtime tests: a running `bosun agent` app, MCP servers, an A2A client.

- `start_agent(config)` runs the runtime's app under uvicorn on a free port (in the
  test's event loop) and returns its URL; stopped at teardown.
- `McpTestServer` runs an `mcp` SDK server (Streamable HTTP or SSE) in a thread.
- `Conversation` is a thin a2a-sdk client wrapper that collects the streamed events.
The fake LLM is bosun.mockllm's `MockLLM`.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from a2a.client import ClientConfig, create_client
from a2a.types import (
    GetTaskRequest,
    Message,
    Part,
    Role,
    SendMessageRequest,
    StreamResponse,
    Task,
    TaskState,
)
from google.protobuf import json_format, struct_pb2

from bosun.api.config import AgentConfig, CardSkill, agent_card, dump_card
from bosun.mockllm import MockLLM
from bosun.runtime.app import create_app


def free_socket() -> socket.socket:
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets that say so, and
    # without it a keep-alive response waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


# --- the agent under test ---------------------------------------------------------------


def write_config(directory: Path, config: dict[str, Any], *, url: str = "") -> AgentConfig:
    """config.json (validated through the real contract) and agent-card.json in `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    parsed = AgentConfig.model_validate(config)
    (directory / "config.json").write_text(parsed.to_json())
    card = agent_card(
        name=parsed.name,
        description=parsed.description,
        url=url,
        streaming=True,
        skills=[CardSkill(id="chat", name="chat", description="Talk to the agent", tags=["test"])],
        version="0.1.0",
    )
    (directory / "agent-card.json").write_text(dump_card(card))
    return parsed


def openai_model(llm: MockLLM, **extra: Any) -> dict[str, Any]:
    return {"type": "openai", "model": "gpt-test", "base_url": llm.openai_base_url, **extra}


@dataclass
class RunningAgent:
    url: str
    server: uvicorn.Server
    task: asyncio.Task[None]
    app: Any

    async def stop(self) -> None:
        self.server.should_exit = True
        try:
            async with asyncio.timeout(10):
                await self.task
        except TimeoutError:
            self.task.cancel()


async def serve_app(app: Any) -> RunningAgent:
    sock = free_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_config=None, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    deadline = time.monotonic() + 10
    while not server.started:
        if task.done():
            task.result()
        if time.monotonic() > deadline:
            raise TimeoutError("agent app did not start")
        await asyncio.sleep(0.01)
    return RunningAgent(f"http://127.0.0.1:{port}/", server, task, app)


AgentStarter = Callable[..., Any]


@pytest.fixture
async def start_agent(tmp_path: Path) -> AsyncIterator[AgentStarter]:
    """`await start_agent(config_dict, name=...)` -> RunningAgent (URL in `.url`)."""
    running: list[RunningAgent] = []

    async def start(
        config: dict[str, Any], *, name: str = "agent", data_dir: Path | None = None
    ) -> RunningAgent:
        directory = tmp_path / name
        write_config(directory, config)
        app = create_app(directory, data_dir=data_dir or tmp_path / f"{name}-data")
        agent = await serve_app(app)
        running.append(agent)
        # The card carries no URL; the app answers with the URL it was asked on.
        return agent

    yield start
    for agent in reversed(running):
        await agent.stop()


def base_config(llm: MockLLM, **extra: Any) -> dict[str, Any]:
    return {
        "name": "default/test-agent",
        "description": "An agent under test",
        "instruction": "You are a test agent.",
        "model": openai_model(llm),
        **extra,
    }


# --- A2A client -------------------------------------------------------------------------


def data_part(data: dict[str, Any]) -> Part:
    return Part(data=json_format.ParseDict(data, struct_pb2.Value()))


@dataclass
class Exchange:
    """Every event of one streamed request, and helpers to read them."""

    events: list[StreamResponse] = field(default_factory=list)

    @property
    def task_id(self) -> str:
        for event in self.events:
            if event.HasField("task"):
                return event.task.id
            if event.HasField("status_update"):
                return event.status_update.task_id
        raise AssertionError("no task in the exchange")

    @property
    def context_id(self) -> str:
        for event in self.events:
            if event.HasField("task"):
                return event.task.context_id
            if event.HasField("status_update"):
                return event.status_update.context_id
        raise AssertionError("no task in the exchange")

    def states(self) -> list[str]:
        found = []
        for event in self.events:
            if event.HasField("status_update"):
                found.append(TaskState.Name(event.status_update.status.state))
            elif event.HasField("task"):
                found.append(TaskState.Name(event.task.status.state))
        return found

    @property
    def final_state(self) -> str:
        return self.states()[-1]

    def status_messages(self) -> list[Message]:
        return [
            e.status_update.status.message
            for e in self.events
            if e.HasField("status_update") and e.status_update.status.HasField("message")
        ]

    def data(self, kind: str | None = None) -> list[dict[str, Any]]:
        found = []
        for message in self.status_messages():
            for part in message.parts:
                if part.HasField("data"):
                    value = json_format.MessageToDict(part.data)
                    if kind is None or value.get("type") == kind:
                        found.append(value)
        return found

    def final_message(self) -> Message:
        return self.status_messages()[-1]

    def final_text(self) -> str:
        return "".join(p.text for p in self.final_message().parts if p.HasField("text"))

    def artifact_chunks(self) -> list[str]:
        return [
            "".join(p.text for p in e.artifact_update.artifact.parts)
            for e in self.events
            if e.HasField("artifact_update")
        ]

    def requests(self) -> list[dict[str, Any]]:
        for data in self.data("input_required"):
            return list(data["requests"])
        return []


class Conversation:
    """An a2a-sdk client for one agent, streaming by default."""

    def __init__(self, client: Any, http: httpx.AsyncClient) -> None:
        self.client = client
        self.http = http

    @classmethod
    async def open(
        cls, url: str, *, streaming: bool = True, headers: dict[str, str] | None = None
    ) -> Conversation:
        http = httpx.AsyncClient(timeout=httpx.Timeout(30.0), headers=headers)
        client = await create_client(
            url, client_config=ClientConfig(streaming=streaming, httpx_client=http)
        )
        return cls(client, http)

    async def close(self) -> None:
        await self.client.close()
        await self.http.aclose()

    async def send(
        self,
        text: str | None = None,
        *,
        context_id: str | None = None,
        task_id: str | None = None,
        data: dict[str, Any] | None = None,
        limit: float = 20.0,
    ) -> Exchange:
        parts = []
        if text is not None:
            parts.append(Part(text=text))
        if data is not None:
            parts.append(data_part(data))
        message = Message(
            role=Role.ROLE_USER,
            message_id=str(uuid.uuid4()),
            parts=parts,
            context_id=context_id or "",
            task_id=task_id or "",
        )
        exchange = Exchange()
        async with asyncio.timeout(limit):
            async for event in self.client.send_message(SendMessageRequest(message=message)):
                exchange.events.append(event)
        return exchange

    async def get_task(self, task_id: str) -> Task:
        return await self.client.get_task(GetTaskRequest(id=task_id))


@pytest.fixture
async def connect() -> AsyncIterator[Callable[..., Any]]:
    opened: list[Conversation] = []

    async def open_(url: str, **kwargs: Any) -> Conversation:
        conversation = await Conversation.open(url, **kwargs)
        opened.append(conversation)
        return conversation

    yield open_
    for conversation in opened:
        await conversation.close()


# --- MCP servers ------------------------------------------------------------------------


class McpTestServer:
    """An mcp SDK server on a free port in a thread; can be stopped and started again."""

    def __init__(self, server: Any, transport: str = "streamable_http", port: int = 0) -> None:
        self.mcp = server
        self.transport = transport
        self.port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.seen_headers: list[dict[str, str]] = []  # of every HTTP request received

    @property
    def url(self) -> str:
        path = "/sse" if self.transport == "sse" else "/mcp"
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> McpTestServer:
        inner = self.mcp.sse_app() if self.transport == "sse" else self.mcp.streamable_http_app()

        async def app(scope: Any, receive: Any, send: Any) -> None:
            if scope["type"] == "http":
                headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
                self.seen_headers.append(headers)
            await inner(scope, receive, send)

        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(128)
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(app, log_config=None, log_level="warning", lifespan="on")
        self._server = uvicorn.Server(config)
        server = self._server
        self._thread = threading.Thread(
            target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline:
                raise TimeoutError("MCP test server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            self._server.force_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None


def tools_server() -> Any:
    """An MCP server with a few tools the tests call."""
    from mcp.server.mcpserver import MCPServer

    server = MCPServer("test-tools")

    @server.tool()
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @server.tool()
    def echo(text: str) -> str:
        """Echo the text back."""
        return text

    @server.tool()
    def delete_pod(name: str) -> str:
        """Delete a pod (dangerous)."""
        return f"pod {name} deleted"

    @server.tool()
    async def sleepy(seconds: float) -> str:
        """Sleep a while."""
        await asyncio.sleep(seconds)
        return "woke up"

    @server.tool()
    def big() -> str:
        """Return a lot of text."""
        return "x" * 5000

    return server


@pytest.fixture
def mcp_server() -> Iterator[Callable[..., McpTestServer]]:
    started: list[McpTestServer] = []

    def start(transport: str = "streamable_http", server: Any = None) -> McpTestServer:
        running = McpTestServer(server or tools_server(), transport).start()
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()


def mcp_settings(server: McpTestServer, **extra: Any) -> dict[str, Any]:
    return {
        "name": "default/tools",
        "url": server.url,
        "protocol": server.transport,
        "timeout": 5.0,
        **extra,
    }


def tool_results(llm: MockLLM) -> list[dict[str, Any]]:
    """The tool messages the model received, from the mock's recorded OpenAI requests."""
    found = []
    for request in llm.llm_requests():
        for message in request.body.get("messages", []):
            if message.get("role") == "tool":
                found.append(message)
    return found


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
