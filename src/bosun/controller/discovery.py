"""MCP tool discovery for both modes (operator and local supervisor): list a server's tools.

Pure client code (no Kubernetes): given a URL, protocol (STREAMABLE_HTTP or SSE), headers,
TLS settings and a timeout, return the tools or raise `DiscoveryFailed` with a one-line
message that names the URL and the cause (connection refused, HTTP 401, timeout ...).
The whole exchange is bounded by the timeout, so a slow server costs one worker of the
discovery queue for at most that long.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx2

from bosun.api.mcpserver import DiscoveredTool

if TYPE_CHECKING:
    from mcp_types import Tool

MAX_PAGES = 50


class DiscoveryFailed(Exception):
    """The server could not be listed; the message is fit for a status condition."""


@dataclass(frozen=True)
class Endpoint:
    url: str
    protocol: str = "STREAMABLE_HTTP"
    headers: Mapping[str, str] | None = None
    timeout: float = 30.0
    sse_read_timeout: float | None = None
    verify: bool | ssl.SSLContext = True
    terminate_on_close: bool = True


def ssl_context(
    ca_pem: str | None, *, disable_verify: bool, system_cas: bool = True
) -> bool | ssl.SSLContext:
    """httpx's `verify` for a tls block: False, True, or a context trusting `ca_pem` too."""
    if disable_verify:
        return False
    if not ca_pem:
        return True
    context = (
        ssl.create_default_context() if system_cas else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    )
    if not system_cas:
        context.check_hostname = True
        context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cadata=ca_pem)
    return context


def _transport(endpoint: Endpoint, errors: list[str]) -> AbstractAsyncContextManager[Any]:
    """The SDK transport for the endpoint; HTTP error statuses are noted in `errors`
    (the SDK reports them only as "Server returned an error response")."""
    # The mcp SDK is imported here, not with the module: the local supervisor imports
    # this module at `bosun up`'s start, before the first workload is started (~0.5 s).
    from mcp.client.sse import sse_client
    from mcp.client.streamable_http import streamable_http_client

    headers = dict(endpoint.headers or {})

    async def note(response: httpx2.Response) -> None:
        if response.status_code >= 400:
            errors.append(f"HTTP {response.status_code} {response.reason_phrase}".strip())

    hooks = {"response": [note]}
    if endpoint.protocol == "SSE":

        def factory(
            headers: dict[str, str] | None = None,
            timeout: httpx2.Timeout | None = None,
            auth: httpx2.Auth | None = None,
        ) -> httpx2.AsyncClient:
            return httpx2.AsyncClient(
                headers=headers,
                timeout=timeout,
                auth=auth,
                verify=endpoint.verify,
                event_hooks=hooks,
            )

        return sse_client(
            endpoint.url,
            headers=headers,
            timeout=endpoint.timeout,
            sse_read_timeout=endpoint.sse_read_timeout or endpoint.timeout,
            httpx_client_factory=factory,
        )
    http = httpx2.AsyncClient(
        headers=headers,
        timeout=httpx2.Timeout(endpoint.timeout),
        verify=endpoint.verify,
        event_hooks=hooks,
    )
    return streamable_http_client(
        endpoint.url, http_client=http, terminate_on_close=endpoint.terminate_on_close
    )


def _leaves(exc: BaseException) -> list[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        return [leaf for sub in exc.exceptions for leaf in _leaves(sub)]
    return [exc]


def describe(exc: BaseException) -> str:
    """One line for the innermost causes of `exc` (task groups nest them)."""
    parts = []
    for leaf in _leaves(exc):
        if isinstance(leaf, httpx2.HTTPStatusError):
            parts.append(f"HTTP {leaf.response.status_code} {leaf.response.reason_phrase}")
        else:
            text = str(leaf) or type(leaf).__name__
            parts.append(
                text if isinstance(leaf, DiscoveryFailed) else f"{type(leaf).__name__}: {text}"
            )
    return "; ".join(dict.fromkeys(parts))


def _discovered(tool: Tool) -> DiscoveredTool:
    """A listed tool as status keeps it: name, description and the hints that decide the
    built-in tools' default approval (docs/tools.md); absent hints stay absent."""
    hints = tool.annotations
    return DiscoveredTool(
        name=tool.name,
        description=tool.description or "",
        read_only_hint=hints.read_only_hint if hints else None,
        destructive_hint=hints.destructive_hint if hints else None,
    )


async def _list(endpoint: Endpoint, errors: list[str]) -> list[DiscoveredTool]:
    from mcp import Client

    tools: list[DiscoveredTool] = []
    async with Client(_transport(endpoint, errors), cache=None) as client:
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page = await client.list_tools(cursor=cursor)
            tools.extend(_discovered(t) for t in page.tools)
            cursor = page.next_cursor
            if not cursor:
                break
    return tools


async def list_tools(endpoint: Endpoint) -> list[DiscoveredTool]:
    """The server's tools, or DiscoveryFailed (also when `endpoint.timeout` passes)."""
    http_errors: list[str] = []
    try:
        return await asyncio.wait_for(_list(endpoint, http_errors), endpoint.timeout)
    except TimeoutError:
        raise DiscoveryFailed(
            f"listing tools at {endpoint.url} timed out after {endpoint.timeout:g}s"
        ) from None
    except Exception as exc:
        cause = describe(exc)
        if http_errors and http_errors[-1] not in cause:
            cause = f"{http_errors[-1]} ({cause})"
        raise DiscoveryFailed(f"listing tools at {endpoint.url} failed: {cause}") from exc
