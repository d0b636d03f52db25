"""The bridge's HTTP side, served by `run_bridge` (run.py, called by `bosun mcp-bridge`).

Routes: `<path>` (default /mcp) Streamable HTTP, both protocol eras; `/sse` + `/messages/`
the legacy HTTP+SSE transport; `/healthz` 200 once the child's MCP session is initialized,
503 with the reason otherwise. The child is started by the app's lifespan, so it is warm
before the first request, and stopped when the app stops (SIGTERM / Ctrl-C included).
Every path but /healthz checks Host and Origin (bosun.security.hosts: DNS-rebinding
protection; 403 otherwise): loopback and IPs always, Service names when listening beyond
loopback, and $BOSUN_ALLOWED_HOSTS / $BOSUN_ALLOWED_ORIGINS.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import anyio
from mcp.server.sse import SseServerTransport
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp, StreamableHTTPSessionManager
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from bosun.mcpbridge.proxy import ForwardingServer
from bosun.mcpbridge.supervisor import ChildSupervisor
from bosun.security.hosts import HostGuard, HostPolicy

SSE_PATH = "/sse"
MESSAGES_PATH = "/messages/"
HEALTH_PATH = "/healthz"


def create_app(
    supervisor: ChildSupervisor,
    *,
    path: str = "/mcp",
    host: str = "127.0.0.1",
    wait_timeout: float = 15.0,
    hosts: HostPolicy | None = None,
) -> ASGIApp:
    """The ASGI app; its lifespan runs `supervisor` (the child) for as long as it serves.
    `hosts`: the Host/Origin policy (default: for `host`, from the environment)."""
    forwarding = ForwardingServer(
        supervisor, name=f"bosun-mcp-bridge ({supervisor.argv[0]})", wait_timeout=wait_timeout
    )
    # The SDK's own Host check stays off (no settings): HostGuard below does it, for both
    # transports, with names that work in a pod too.
    manager = StreamableHTTPSessionManager(app=forwarding.server)
    sse = SseServerTransport(MESSAGES_PATH)

    async def sse_endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        try:
            async with sse.connect_sse(scope, receive, send) as (read_stream, write_stream):
                await forwarding.server.run(
                    read_stream, write_stream, forwarding.server.create_initialization_options()
                )
        except ValueError:
            pass  # refused by the Host/Origin check; the 4xx answer has been sent

    async def healthz(request: Request) -> JSONResponse:
        status = supervisor.status()
        return JSONResponse(status.as_json(), status_code=200 if status.ready else 503)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with manager.run(), anyio.create_task_group() as tg:
            tg.start_soon(supervisor.run)
            try:
                yield
            finally:
                tg.cancel_scope.cancel()

    routes: list[Route | Mount] = [
        Route(path, endpoint=StreamableHTTPASGIApp(manager)),
        Route(SSE_PATH, endpoint=_AsgiEndpoint(sse_endpoint), methods=["GET"]),
        Mount(MESSAGES_PATH, app=sse.handle_post_message),
        Route(HEALTH_PATH, endpoint=healthz, methods=["GET"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    return HostGuard(app, hosts or HostPolicy.for_bind(host), exempt=(HEALTH_PATH,))


class _AsgiEndpoint:
    """Makes Starlette treat a plain coroutine function as a raw ASGI app, not a handler."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app(scope, receive, send)
