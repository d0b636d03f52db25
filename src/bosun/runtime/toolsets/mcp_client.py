"""The part of the `mcp` SDK's client that an agent uses, without its server side.

Used by `toolsets.mcp` (one connection per MCP server). `mcp.Client` imports the SDK's
whole server side (to run in-process servers: starlette, sse-starlette, uvicorn,
cryptography for OAuth, ...), and so do the `mcp` and `mcp.client` package
`__init__`s; an agent needs none of it. That is ~17 MB of RSS and ~0.2 s of start-up
CPU. So:

- `import_client_modules()` registers `mcp` and `mcp.client` as lazy packages before
  importing the client modules: their submodules import as usual, and the first lookup
  of a name the package `__init__` defines (`from mcp import Client`, `mcp.Tool`) runs
  that `__init__` then. Where the packages are imported already (a test that also runs
  MCP servers) nothing changes.
- `McpClient` does what `mcp.Client(transport, cache=None)` does for the calls we make,
  on the SDK's own pieces: the JSON-RPC dispatcher, `ClientSession`, the era
  negotiation (`server/discover` for the 2026-07-28 revision, else the initialize
  handshake), listing tools, and calling one with a single re-list and resend when a
  2026-07-28 server answers HEADER_MISMATCH (its listed schema changed).
"""

from __future__ import annotations

import contextlib
import importlib.util
import sys
import types
from typing import Any

_LAZY_PACKAGES = ("mcp", "mcp.client")
_RELIST_PAGE_CAP = 100  # as mcp.Client: a paginator that never ends cannot hang a call


def _lazy_package(name: str) -> None:
    if name in sys.modules:
        return
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None or spec.submodule_search_locations is None:
        return
    module = importlib.util.module_from_spec(spec)
    ran = False

    def complete(attribute: str) -> Any:
        # A name only the real __init__ defines: run it once, into this same module.
        nonlocal ran
        if ran or attribute.startswith("__"):
            raise AttributeError(f"module {name!r} has no attribute {attribute!r}")
        ran = True
        assert spec.loader is not None
        spec.loader.exec_module(module)
        return getattr(module, attribute)

    module.__getattr__ = complete  # type: ignore[method-assign]
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)


def import_client_modules() -> types.SimpleNamespace:
    """The SDK client modules `McpClient` and the transports need (imported once)."""
    for name in _LAZY_PACKAGES:
        _lazy_package(name)
    import mcp_types
    from mcp.client._probe import negotiate_auto
    from mcp.client.session import ClientSession
    from mcp.client.sse import sse_client
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared.exceptions import MCPError
    from mcp.shared.jsonrpc_dispatcher import JSONRPCDispatcher
    from mcp_types.version import MODERN_PROTOCOL_VERSIONS

    return types.SimpleNamespace(
        types=mcp_types,
        negotiate_auto=negotiate_auto,
        ClientSession=ClientSession,
        sse_client=sse_client,
        streamable_http_client=streamable_http_client,
        MCPError=MCPError,
        JSONRPCDispatcher=JSONRPCDispatcher,
        MODERN_PROTOCOL_VERSIONS=MODERN_PROTOCOL_VERSIONS,
    )


class McpClient:
    """An async context manager over a transport: connect, negotiate, list and call tools."""

    def __init__(self, transport: Any, *, read_timeout_seconds: float | None) -> None:
        self._sdk = import_client_modules()
        self._transport = transport
        self._read_timeout = read_timeout_seconds
        self._stack = contextlib.AsyncExitStack()
        self._session: Any = None

    async def __aenter__(self) -> McpClient:
        sdk = self._sdk
        async with contextlib.AsyncExitStack() as stack:
            read_stream, write_stream = await stack.enter_async_context(self._transport)
            session = sdk.ClientSession(
                dispatcher=sdk.JSONRPCDispatcher(read_stream, write_stream),
                read_timeout_seconds=self._read_timeout,
            )
            session = await stack.enter_async_context(session)
            await sdk.negotiate_auto(session)
            self._session = session
            self._stack = stack.pop_all()
        return self

    async def __aexit__(self, *exc_info: Any) -> None:
        self._session = None
        await self._stack.__aexit__(*exc_info)

    async def list_tools(self, *, cursor: str | None = None) -> Any:
        params = self._sdk.types.PaginatedRequestParams(cursor=cursor)
        return await self._session.list_tools(params=params)

    async def call_tool(
        self, name: str, arguments: dict[str, Any], *, progress_callback: Any = None
    ) -> Any:
        """The CallToolResult. An InputRequiredResult (the server asks for sampling or
        elicitation, which an agent does not offer) raises, as mcp.Client's defaults do."""
        try:
            return await self._session.call_tool(
                name, arguments, progress_callback=progress_callback
            )
        except self._sdk.MCPError as mismatch:
            modern = self._session.protocol_version in self._sdk.MODERN_PROTOCOL_VERSIONS
            if mismatch.code != self._sdk.types.HEADER_MISMATCH or not modern:
                raise
            await self._relist(name)  # the spec's recovery: re-list, then resend once
            return await self._session.call_tool(
                name, arguments, progress_callback=progress_callback
            )

    async def _relist(self, name: str) -> None:
        cursor: str | None = None
        for _ in range(_RELIST_PAGE_CAP):
            page = await self.list_tools(cursor=cursor)
            cursor = page.next_cursor
            if cursor is None or any(tool.name == name for tool in page.tools):
                return
