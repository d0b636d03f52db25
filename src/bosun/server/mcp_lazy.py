"""/mcp, started on its first request: the MCP SDK is imported then, not at start-up.

Importing the SDK's server side (mcp_bridge.py) is a fifth of the control plane's
import time, and most control planes answer their first /mcp request long after start,
if ever; in `bosun up` that import stood between the command and the first agent
starting. The first request waits for the bridge (a fraction of a second), the ones after
it go straight to it. The bridge runs in a task of its own so that its session manager's
task group is entered and left in one task; the lifespan cancels it at stop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from starlette.types import ASGIApp, Receive, Scope, Send

from bosun.security.hosts import HostPolicy
from bosun.server.context import Context
from bosun.server.errors import error_response

log = logging.getLogger(__name__)

START_TIMEOUT = 30.0


class LazyMcp:
    """The ASGI endpoint at /mcp (a class, so that Starlette's Route treats it as ASGI)."""

    def __init__(self, hosts: HostPolicy) -> None:
        self.hosts = hosts
        self._ctx: Context | None = None
        self._endpoint: ASGIApp | None = None
        self._task: asyncio.Task[None] | None = None
        self._started = asyncio.Event()
        self._error: str | None = None

    @contextlib.asynccontextmanager
    async def running(self, ctx: Context) -> AsyncIterator[None]:
        self._ctx = ctx
        try:
            yield
        finally:
            self._ctx = None
            if self._task is not None:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await self._task
            self._task, self._endpoint, self._started = None, None, asyncio.Event()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self._endpoint or await self._start()
        if endpoint is None:
            why = self._error or "the control plane is starting or stopping"
            message = f"the MCP endpoint is not available: {why}"
            await error_response(503, "unavailable", message)(scope, receive, send)
            return
        await endpoint(scope, receive, send)

    async def _start(self) -> ASGIApp | None:
        if self._ctx is None:
            return None
        if self._task is None:
            self._task = asyncio.create_task(self._serve(self._ctx), name="/mcp bridge")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._started.wait(), START_TIMEOUT)
        return self._endpoint

    async def _serve(self, ctx: Context) -> None:
        try:
            from bosun.server.mcp_bridge import McpBridge

            bridge = McpBridge(self.hosts)
            async with bridge.running(ctx):
                self._endpoint = bridge.asgi_app()
                self._started.set()
                await asyncio.Event().wait()  # until the lifespan cancels it
        except Exception as exc:
            log.exception("the /mcp bridge failed")
            self._error = str(exc) or type(exc).__name__
            self._endpoint = None
            self._started.set()
