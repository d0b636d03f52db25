"""Listing the tools of an MCP server, for `status.discoveredTools` in local mode.

The supervisor calls `discover_tools` for each RemoteMCPServer (on change and every
REFRESH_SECONDS) and for each MCPServer once it is Ready, as the cluster operator does; the
UI and `bosun describe` show the result. A server that is down gives a DiscoveryError with
a message for the Accepted condition, never an exception that stops the supervisor.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

REFRESH_SECONDS = 60.0


class DiscoveryError(Exception):
    """The server could not be listed; str() says why, for a status message."""


async def discover_tools(
    url: str,
    *,
    protocol: str = "STREAMABLE_HTTP",
    headers: Mapping[str, str] | None = None,
    seconds: float = 10.0,
) -> list[dict[str, Any]]:
    """[{name, description}] of the server's tools, in its order."""
    from mcp import Client

    try:
        async with asyncio.timeout(seconds):
            async with Client(_transport(url, protocol, dict(headers or {}), seconds)) as client:
                tools: list[dict[str, Any]] = []
                cursor: str | None = None
                while True:
                    page = await client.list_tools(cursor=cursor)
                    tools.extend(
                        {"name": t.name, "description": (t.description or "")[:1000]}
                        for t in page.tools
                    )
                    cursor = page.next_cursor
                    if not cursor:
                        return tools
    except TimeoutError:
        raise DiscoveryError(f"listing tools at {url} took longer than {seconds:g}s") from None
    except Exception as exc:  # the SDK raises many kinds (and groups); all mean "not listed"
        raise DiscoveryError(f"listing tools at {url} failed: {_reason(exc)}") from None


def _transport(url: str, protocol: str, headers: dict[str, str], timeout: float) -> Any:
    if protocol.upper() == "SSE":
        from mcp.client.sse import sse_client

        return sse_client(url, headers=headers, timeout=timeout)
    if not headers:
        return url
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    client = httpx2.AsyncClient(headers=headers, timeout=timeout)
    return streamable_http_client(url, http_client=client)


def _reason(exc: BaseException) -> str:
    """The innermost useful message of an exception or exception group."""
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
