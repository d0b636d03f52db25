"""One MCP tool server as a toolset that never takes the agent down with it.

Built by `engine` for each `mcp_servers` entry of config.json (Streamable HTTP, any
revision the MCP client negotiates, or SSE), on top of pydantic-ai's MCPToolset:

- Discovery runs in the background at start and retries with backoff until the server
  answers; the agent serves meanwhile (a turn simply sees no tools from a server that is
  still down, and tries once more itself).
- One connection is kept open and shared by all turns; when a call fails because the
  server is unreachable, the connection is dropped and the next call reconnects.
- A call that cannot reach the server returns a failed tool result the model reads
  (ToolFailed), never an exception that would end the turn.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import Any

from pydantic_ai import RunContext
from pydantic_ai.exceptions import ApprovalRequired, CallDeferred, ModelRetry, ToolFailed
from pydantic_ai.toolsets import AbstractToolset
from pydantic_ai.toolsets.abstract import ToolsetTool

from bosun.api.config import McpServerSettings
from bosun.runtime.headers import resolve_headers
from bosun.runtime.models import ssl_verify

log = logging.getLogger("bosun.runtime.mcp")

_DISCOVERY_BACKOFF = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
_TURN_DISCOVERY_TIMEOUT = 5.0  # a turn waits at most this long for a server still not found
_PASS_THROUGH = (ToolFailed, CallDeferred, ApprovalRequired)


def _describe(exc: BaseException) -> str:
    """A one-line reason from an error that may be an exception group from the MCP client."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]


def _build_mcp_toolset(settings: McpServerSettings) -> Any:
    from fastmcp.client import Client
    from fastmcp.client.transports import SSETransport, StreamableHttpTransport
    from pydantic_ai.mcp import MCPToolset

    headers = resolve_headers(settings) or None
    verify = ssl_verify(settings.tls) if settings.tls is not None else None
    transport: Any
    if settings.protocol == "sse":
        transport = SSETransport(
            url=settings.url,
            headers=headers,
            sse_read_timeout=settings.sse_read_timeout,
            verify=verify,
        )
    else:
        transport = StreamableHttpTransport(url=settings.url, headers=headers, verify=verify)
    client = Client(transport, timeout=settings.timeout, init_timeout=settings.timeout)
    # 'failed': a tool's own error goes to the model as a failed result without using up
    # the retry budget (the model decides what to do next).
    return MCPToolset(client, id=settings.name, tool_error_behavior="failed")


@dataclass
class McpServerTools(AbstractToolset[Any]):
    """The tools of one MCP server, resilient to it being down, slow or restarted."""

    settings: McpServerSettings
    inner: Any = None  # pydantic_ai.mcp.MCPToolset; built lazily (its import is heavy)
    _connected: bool = field(default=False, init=False)
    _discovered: bool = field(default=False, init=False)
    _lock: asyncio.Lock | None = field(default=None, init=False)
    _discovery: asyncio.Task[None] | None = field(default=None, init=False)
    last_error: str | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.inner is None:
            self.inner = _build_mcp_toolset(self.settings)

    @property
    def id(self) -> str | None:
        return self.settings.name

    @property
    def label(self) -> str:
        return f"MCP server {self.settings.name}"

    @property
    def discovered(self) -> bool:
        return self._discovered

    # Entering the toolset for a run does nothing: the connection outlives runs.
    async def __aenter__(self) -> McpServerTools:
        return self

    async def __aexit__(self, *args: Any) -> bool | None:
        return None

    def _get_lock(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def connect(self) -> None:
        async with self._get_lock():
            if self._connected:
                return
            await self.inner.__aenter__()
            self._connected = True

    async def disconnect(self) -> None:
        async with self._get_lock():
            if not self._connected:
                return
            self._connected = False
            with contextlib.suppress(Exception):  # a broken session may fail to close cleanly
                await self.inner.__aexit__(None, None, None)

    async def discover(self) -> bool:
        """Connect and list the tools once. Returns whether the server answered."""
        try:
            await self.connect()
            tools = await self.inner.list_tools()
        except Exception as exc:
            self.last_error = _describe(exc)
            await self.disconnect()
            return False
        self._discovered = True
        self.last_error = None
        log.info("MCP server %s: %d tools discovered", self.settings.name, len(tools))
        return True

    def start_discovery(self) -> None:
        """Discover in the background, retrying with backoff until the server answers."""
        if self._discovery is None or self._discovery.done():
            self._discovery = asyncio.create_task(
                self._discover_with_backoff(), name=f"mcp discovery {self.settings.name}"
            )

    async def _discover_with_backoff(self) -> None:
        attempt = 0
        while not await self.discover():
            delay = _DISCOVERY_BACKOFF[min(attempt, len(_DISCOVERY_BACKOFF) - 1)]
            log.warning(
                "MCP server %s (%s) not reachable: %s; retrying in %gs",
                self.settings.name,
                self.settings.url,
                self.last_error,
                delay,
            )
            attempt += 1
            await asyncio.sleep(delay)

    async def close(self) -> None:
        if self._discovery is not None:
            self._discovery.cancel()
            with contextlib.suppress(BaseException):
                await self._discovery
        await self.disconnect()

    async def get_tools(self, ctx: RunContext[Any]) -> dict[str, ToolsetTool[Any]]:
        if not self._discovered:
            try:
                async with asyncio.timeout(min(_TURN_DISCOVERY_TIMEOUT, self.settings.timeout)):
                    found = await self.discover()
            except TimeoutError:
                found = False
            if not found:
                log.warning(
                    "MCP server %s unavailable for this turn: %s",
                    self.settings.name,
                    self.last_error,
                )
                return {}
        try:
            await self.connect()
            tools: dict[str, ToolsetTool[Any]] = await self.inner.get_tools(ctx)
        except Exception as exc:
            self.last_error = _describe(exc)
            await self.disconnect()
            log.warning(
                "MCP server %s: listing tools failed: %s", self.settings.name, self.last_error
            )
            return {}
        return tools

    async def call_tool(
        self, name: str, tool_args: dict[str, Any], ctx: RunContext[Any], tool: ToolsetTool[Any]
    ) -> Any:
        try:
            await self.connect()
            return await self.inner.call_tool(name, tool_args, ctx, tool)
        except _PASS_THROUGH:  # the tool's own error, for the model: the server is fine
            raise
        except Exception as exc:
            # Anything else (a transport error, or a protocol-level error that MCPToolset
            # turns into ModelRetry, e.g. "Connection closed") means the session may be
            # broken: drop it so the next call reconnects.
            reason = exc.message if isinstance(exc, ModelRetry) else _describe(exc)
            self.last_error = reason
            await self.disconnect()
            log.warning("MCP server %s: call to %s failed: %s", self.settings.name, name, reason)
            raise ToolFailed(
                f"The tool server {self.settings.name} could not complete the call to {name!r} "
                f"({reason}). The call did not run or its result is unknown; you may retry "
                "later or answer without it."
            ) from None
