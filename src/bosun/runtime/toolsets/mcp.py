"""One MCP tool server as a toolset that never takes the agent down with it.

Built by `engine` for each `mcp_servers` entry of config.json, on the `mcp` SDK's own
client pieces (`toolsets.mcp_client`, what `mcp.Client` does without importing the SDK's
server side: Streamable HTTP, negotiating the 2026-07-28 revision or falling back to the
initialize handshake of older servers; or SSE). We use it directly rather
than pydantic-ai's MCPToolset, which is built on FastMCP and costs the agent about a
second of CPU and 15 MB at start.

- Discovery runs in the background at start and retries with backoff until the server
  answers; the agent serves meanwhile (a turn sees no tools from a server that is still
  down, after trying once more itself).
- One connection is kept and shared by all turns; when a call fails because the server
  is unreachable or the session broke, it is dropped and the next call reconnects.
- A call that cannot reach the server, or that the tool itself fails, returns a failed
  tool result the model reads (ToolFailed), never an exception that ends the turn.
- Progress notifications the server sends during a call (`notifications/progress`) go
  to the caller as `tool_progress` DataParts (through the turn's `emit`).
- `require_approval_for_destructive` (set by the translator for Bosun's built-in tool
  server only, whose annotations are trusted): a call to a tool whose MCP annotations do
  not say readOnlyHint=true or destructiveHint=false pauses for approval, as the tools
  named in `require_approval` do (docs/tools.md).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pydantic_core
from pydantic_ai import RunContext
from pydantic_ai.exceptions import ApprovalRequired, ToolFailed
from pydantic_ai.messages import BinaryContent
from pydantic_ai.tools import ToolDefinition
from pydantic_ai.toolsets import AbstractToolset
from pydantic_ai.toolsets.abstract import ToolsetTool

from bosun.api.config import McpServerSettings
from bosun.runtime.files import TextFile
from bosun.runtime.headers import resolve_headers
from bosun.runtime.models import ssl_verify
from bosun.runtime.protocol import tool_progress
from bosun.runtime.toolsets.mcp_client import McpClient, import_client_modules

log = logging.getLogger("bosun.runtime.mcp")

_DISCOVERY_BACKOFF = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
_TURN_DISCOVERY_TIMEOUT = 5.0  # a turn waits at most this long for a server still not found
# The server validates arguments against its own schema; we only require an object.
_ARGS_VALIDATOR = pydantic_core.SchemaValidator(
    pydantic_core.core_schema.dict_schema(
        pydantic_core.core_schema.str_schema(), pydantic_core.core_schema.any_schema()
    )
)


def _describe(exc: BaseException) -> str:
    """A one-line reason from an error that may be an exception group from the MCP client."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    text = str(exc) or type(exc).__name__
    return text.splitlines()[0][:200]


class _Connection:
    """An entered mcp.Client and the HTTP client it owns."""

    def __init__(self, settings: McpServerSettings, extra_headers: dict[str, str] | None = None):
        self.settings = settings
        self.extra_headers = extra_headers or {}
        self.client: Any = None
        self._stack = contextlib.AsyncExitStack()

    async def open(self) -> None:
        import httpx2

        sdk = import_client_modules()

        settings = self.settings
        headers = {**resolve_headers(settings), **self.extra_headers}
        verify = ssl_verify(settings.tls) if settings.tls is not None else True
        transport: Any
        if settings.protocol == "sse":

            def factory(
                headers: dict[str, str] | None = None,
                timeout: httpx2.Timeout | None = None,
                auth: httpx2.Auth | None = None,
            ) -> httpx2.AsyncClient:
                # As the SDK's default factory, plus our TLS settings.
                return httpx2.AsyncClient(
                    headers=headers, timeout=timeout, auth=auth, verify=verify
                )

            transport = sdk.sse_client(
                settings.url,
                headers=headers,
                timeout=settings.timeout,
                sse_read_timeout=settings.sse_read_timeout or 300.0,
                httpx_client_factory=factory,
            )
        else:
            http = httpx2.AsyncClient(
                headers=headers,
                verify=verify,
                timeout=httpx2.Timeout(settings.timeout, read=settings.sse_read_timeout or 300.0),
            )
            self._stack.push_async_callback(http.aclose)
            transport = sdk.streamable_http_client(
                settings.url, http_client=http, terminate_on_close=settings.terminate_on_close
            )
        client = McpClient(transport, read_timeout_seconds=settings.timeout)
        try:
            self.client = await self._stack.enter_async_context(client)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        with contextlib.suppress(Exception):  # a broken session may fail to close cleanly
            await self._stack.aclose()


@dataclass
class McpServerTools(AbstractToolset[Any]):
    """The tools of one MCP server, resilient to it being down, slow or restarted."""

    settings: McpServerSettings
    _connection: _Connection | None = field(default=None, init=False)
    _tools: list[Any] | None = field(default=None, init=False)  # mcp.types.Tool
    _lock: asyncio.Lock | None = field(default=None, init=False)
    _discovery: asyncio.Task[None] | None = field(default=None, init=False)
    last_error: str | None = field(default=None, init=False)

    @property
    def id(self) -> str | None:
        return self.settings.name

    @property
    def label(self) -> str:
        return f"MCP server {self.settings.name}"

    @property
    def discovered(self) -> bool:
        return self._tools is not None

    # Entering the toolset for a run does nothing: the connection outlives runs.
    async def __aenter__(self) -> McpServerTools:
        return self

    async def __aexit__(self, *args: Any) -> bool | None:
        return None

    def _get_lock(self) -> asyncio.Lock:
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    async def _client(self) -> Any:
        async with self._get_lock():
            if self._connection is None:
                connection = _Connection(self.settings)
                await connection.open()
                self._connection = connection
            return self._connection.client

    async def disconnect(self) -> None:
        async with self._get_lock():
            connection, self._connection = self._connection, None
        if connection is not None:
            await connection.close()

    async def discover(self) -> bool:
        """Connect and list the tools. Returns whether the server answered."""
        try:
            client = await self._client()
            tools: list[Any] = []
            cursor = None
            while True:
                page = await client.list_tools(cursor=cursor)
                tools.extend(page.tools)
                cursor = page.next_cursor
                if not cursor:
                    break
        except Exception as exc:
            self.last_error = _describe(exc)
            await self.disconnect()
            return False
        self._tools = tools
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
        if self._tools is None:
            try:
                async with asyncio.timeout(min(_TURN_DISCOVERY_TIMEOUT, self.settings.timeout)):
                    await self.discover()
            except TimeoutError:
                self.last_error = "timed out"
            if self._tools is None:
                log.warning(
                    "MCP server %s unavailable for this turn: %s",
                    self.settings.name,
                    self.last_error,
                )
                return {}
        return {
            tool.name: ToolsetTool(
                toolset=self,
                tool_def=ToolDefinition(
                    name=tool.name,
                    description=tool.description,
                    parameters_json_schema=tool.input_schema or {"type": "object"},
                ),
                max_retries=ctx.max_retries,
                args_validator=_ARGS_VALIDATOR,
            )
            for tool in self._tools
        }

    def is_destructive(self, name: str) -> bool:
        """What the MCP spec's defaults say for a tool: destructive unless annotated
        read-only or non-destructive (a tool without annotations counts as destructive)."""
        tool = next((t for t in self._tools or [] if t.name == name), None)
        hints = getattr(tool, "annotations", None)
        if hints is None:
            return True
        return not (hints.read_only_hint is True or hints.destructive_hint is False)

    async def call_tool(
        self, name: str, tool_args: dict[str, Any], ctx: RunContext[Any], tool: ToolsetTool[Any]
    ) -> Any:
        if (
            self.settings.require_approval_for_destructive
            and not ctx.tool_call_approved
            and self.is_destructive(name)
        ):
            # Same path as ApprovalRequiredToolset: the run ends with a deferred call that
            # the user approves or denies; the resumed call has tool_call_approved set.
            raise ApprovalRequired
        forwarded = self._forwarded_headers(ctx)
        progress = _progress_reporter(ctx, name)
        try:
            if forwarded:
                result = await self._call_with_headers(name, tool_args, forwarded, progress)
            else:
                client = await self._client()
                result = await client.call_tool(name, tool_args, progress_callback=progress)
        except Exception as exc:
            # Unreachable, timed out, or a protocol error (e.g. the session broke): drop
            # the connection so the next call reconnects, and tell the model.
            reason = _describe(exc)
            self.last_error = reason
            await self.disconnect()
            log.warning("MCP server %s: call to %s failed: %s", self.settings.name, name, reason)
            raise ToolFailed(
                f"The tool server {self.settings.name} could not complete the call to {name!r} "
                f"({reason}). The call did not run or its result is unknown; you may retry "
                "later or answer without it."
            ) from None
        if result.is_error:
            message = _as_text(map_content(result.content)) or f"Tool {name!r} returned an error"
            raise ToolFailed(message)
        return map_result(result)

    def _forwarded_headers(self, ctx: RunContext[Any]) -> dict[str, str]:
        """Headers of the A2A request this server may see (`allowed_headers`, e.g. a user's
        token), so the tool acts as the user."""
        if not self.settings.allowed_headers:
            return {}
        incoming = getattr(ctx.deps, "request_headers", None) or {}
        return {
            name: incoming[name.lower()]
            for name in self.settings.allowed_headers
            if name.lower() in incoming
        }

    async def _call_with_headers(
        self, name: str, tool_args: dict[str, Any], headers: dict[str, str], progress: Any
    ) -> Any:
        # Per-request headers need their own connection; the shared one has none.
        connection = _Connection(self.settings, headers)
        await connection.open()
        try:
            return await connection.client.call_tool(name, tool_args, progress_callback=progress)
        finally:
            await connection.close()


def _progress_reporter(ctx: RunContext[Any], name: str) -> Any:
    """The MCP progress callback of one call: each notification becomes a `tool_progress`
    DataPart for the A2A caller. A caller that went away does not fail the tool call."""
    emit = getattr(ctx.deps, "emit", None)
    if emit is None:
        return None
    call_id = ctx.tool_call_id or ""

    async def report(progress: float, total: float | None, message: str | None) -> None:
        try:
            await emit(tool_progress(call_id, name, progress, total, message))
        except Exception as exc:  # the stream to the caller broke; the call goes on
            log.debug("progress of %s not delivered: %s", name, exc)

    return report


def map_result(result: Any) -> Any:
    """A CallToolResult as the value the model gets (structured content when only text)."""
    from mcp_types import TextContent

    structured = result.structured_content
    if structured is not None and all(isinstance(p, TextContent) for p in result.content):
        # The SDK wraps primitives and lists in {"result": ...}; the tool returned the value.
        if isinstance(structured, dict) and set(structured) == {"result"}:
            return structured["result"]
        return structured
    return map_content(result.content)


def map_content(parts: Sequence[Any]) -> Any:
    mapped = [_map_part(p) for p in parts]
    return mapped[0] if len(mapped) == 1 else mapped


def _map_part(part: Any) -> Any:
    from mcp_types import (
        AudioContent,
        BlobResourceContents,
        EmbeddedResource,
        ImageContent,
        ResourceLink,
        TextContent,
    )

    if isinstance(part, TextContent):
        if part.text.startswith(("[", "{")):
            with contextlib.suppress(ValueError):
                return pydantic_core.from_json(part.text)
        return part.text
    if isinstance(part, ImageContent | AudioContent):
        return BinaryContent(data=base64.b64decode(part.data), media_type=part.mime_type)
    if isinstance(part, EmbeddedResource):
        resource = part.resource
        if isinstance(resource, BlobResourceContents):
            media_type = resource.mime_type or "application/octet-stream"
            return BinaryContent(data=base64.b64decode(resource.blob), media_type=media_type)
        # the model reads the text; the caller gets a file (runtime/files.py)
        media_type = resource.mime_type or "text/plain"
        return TextFile(uri=str(resource.uri), media_type=media_type, text=resource.text)
    if isinstance(part, ResourceLink):
        # Not a file for the caller: Bosun does not read the resource, and a URL part
        # pointing anywhere would have `bosun invoke --save-files` fetch it with the
        # control plane's credentials.
        link = {"type": "resource_link", "uri": str(part.uri), "name": part.name}
        link |= {"mimeType": part.mime_type} if part.mime_type else {}
        link |= {"description": part.description} if part.description else {}
        return link
    return str(part)


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(_as_text(v) for v in value)
    if isinstance(value, BinaryContent):
        return f"[{value.media_type} content]"
    if isinstance(value, TextFile):
        return value.text
    return pydantic_core.to_json(value).decode()
