"""The control plane's FastAPI app: `create_app(settings)`.

Called by `bosun controlplane` (cli/controlplane.py), `bosun up` and tests. At start the
lifespan opens the database (running migrations), picks the ResourceStore for the mode
(local: the database; cluster: the Kubernetes API) unless one is handed in, starts the
store mirror (sync.py) and the /mcp session manager; at stop it undoes all of that.

Local mode with a supervisor in the same process shares one store:

    db = await Database.open(settings.resolved_database_url())
    store = DbResourceStore.for_database(db, settings.secret_key_file)
    app = create_app(settings, database=db, store=store,
                     endpoint=lambda agent: supervisor.agent_url(agent.namespace, agent.name))
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine
from typing import Any, TypeVar

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.routing import Route

from bosun import __version__
from bosun.api.store import ResourceStore
from bosun.gateway import routes as gateway_routes
from bosun.security.hosts import HostPolicy
from bosun.server import a2a_proxy, governance, retention
from bosun.server.audit import Auditor
from bosun.server.auth import build_auth
from bosun.server.auth.serviceaccount import ReviewFn
from bosun.server.context import Context, Endpoint, default_endpoint
from bosun.server.db import Database, Repositories
from bosun.server.db.engine import safe_url
from bosun.server.errors import error_response, install_error_handlers
from bosun.server.limits import RequestLimits
from bosun.server.mcp_lazy import LazyMcp
from bosun.server.metrics import HttpMetrics, metrics_route
from bosun.server.readiness import Readiness
from bosun.server.record_writer import RecordWriter
from bosun.server.routes import ROUTERS
from bosun.server.settings import Settings
from bosun.server.store_db import DbResourceStore
from bosun.server.sync import StoreMirror
from bosun.server.ui import mount_ui
from bosun.server.upstream import Upstream

log = logging.getLogger(__name__)
T = TypeVar("T")


def _cluster_store() -> ResourceStore:
    from lightkube.core.exceptions import ConfigError

    from bosun.server.store_kube import KubeResourceStore

    try:
        return KubeResourceStore()
    except ConfigError as exc:
        raise RuntimeError(
            "cluster mode needs the Kubernetes API: run in a pod with a ServiceAccount, or "
            f"set KUBECONFIG (or ~/.kube/config); {exc}"
        ) from None


def proxy_client(settings: Settings, *, streams: bool = False) -> httpx.AsyncClient:
    """A pooled client for proxied calls. Streams get their own pool without a limit
    (each open SSE stream holds a connection as long as the agent works); plain calls a
    small one: httpcore scans its whole pool for every request, so a pool holding
    thousands of streams would make every plain call slow."""
    limits = (
        httpx.Limits(max_connections=None, max_keepalive_connections=50)
        if streams
        else httpx.Limits(max_connections=128, max_keepalive_connections=16)
    )
    return httpx.AsyncClient(
        timeout=httpx.Timeout(settings.proxy_timeout, connect=10.0, pool=30.0),
        limits=limits,
        follow_redirects=False,
        trust_env=False,
    )


def uvicorn_options() -> dict[str, Any]:
    """How `bosun controlplane`, `bosun up` and the bench serve the app: uvicorn's C HTTP
    parser (httptools) and uvloop when installed (both are dependencies; pure-Python h11
    and asyncio's loop were ~a third of a proxied request's CPU, docs/performance.md)."""
    import importlib.util

    return {
        "http": "httptools" if importlib.util.find_spec("httptools") else "h11",
        "loop": "uvloop" if importlib.util.find_spec("uvloop") else "asyncio",
    }


def run_loop(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on uvloop when `uvicorn_options` picks it (uvicorn's `loop`
    option only applies when uvicorn makes the loop itself), after `settle_gc`. For the
    `bosun controlplane` process (not for tests, which start many apps in one process)."""
    import asyncio

    settle_gc()
    if uvicorn_options()["loop"] != "uvloop":
        return asyncio.run(main)
    import uvloop

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)


def settle_gc() -> None:
    """Once the server's modules are imported: freeze what exists (a full collection no
    longer walks the ~400 000 objects of FastAPI, SQLAlchemy, pydantic schemas ...) and
    collect every 10 000 allocations instead of 700: a proxied request allocates many
    short-lived containers that reference counting frees anyway (as `bosun agent` does,
    runtime/app.py)."""
    import ctypes
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    with contextlib.suppress(OSError, AttributeError):  # glibc only: hand what the
        ctypes.CDLL(None).malloc_trim(0)  # imports used and freed back to the OS


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    store: ResourceStore | None = None,
    endpoint: Endpoint | None = None,
    token_review: ReviewFn | None = None,
) -> FastAPI:
    settings = settings or Settings()
    auth = build_auth(settings, review=token_review)  # bad auth settings fail here, early
    resolve = endpoint or default_endpoint(settings.agent_port)
    mcp = LazyMcp(host_policy(settings))  # the MCP SDK is imported on the first request

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with contextlib.AsyncExitStack() as stack:
            db = database
            if db is None:
                url = settings.resolved_database_url()
                try:
                    db = await Database.open(url)
                except Exception as exc:
                    raise RuntimeError(f"cannot open the database {safe_url(url)}: {exc}") from exc
                stack.push_async_callback(db.close)
            the_store = store
            if the_store is None:
                if settings.mode == "local":
                    local = DbResourceStore.for_database(db, settings.secret_key_file)
                    stack.callback(local.close)
                    the_store = local
                else:
                    the_store = _cluster_store()
                    closer = getattr(the_store, "close", None)
                    if closer is not None:
                        stack.push_async_callback(closer)
            http = proxy_client(settings)
            stack.push_async_callback(http.aclose)
            http_streams = proxy_client(settings, streams=True)
            stack.push_async_callback(http_streams.aclose)
            app.state.upstream = Upstream(settings.proxy_timeout)  # the A2A proxy's pools
            stack.push_async_callback(app.state.upstream.aclose)
            ctx = Context(
                settings=settings,
                db=db,
                repos=Repositories.of(db),
                store=the_store,
                auth=auth,
                endpoint=resolve,
                http=http,
                http_streams=http_streams,
            )
            ctx.writer = RecordWriter(ctx.repos)
            ctx.audit = Auditor(settings, ctx.repos)  # governance: audit log (audit.py)
            ctx.audit.start(ctx.writer)
            stack.callback(ctx.audit.close)  # after the writer's last batch (LIFO)
            ctx.writer.start()
            stack.push_async_callback(ctx.writer.close)
            _start_tracing(stack)
            app.state.ctx = ctx
            await stack.enter_async_context(mcp.running(ctx))
            await stack.enter_async_context(retention.running(ctx))  # pruning (retention.py)
            # governance: the model gateway and Policy enforcement (governance.py)
            await stack.enter_async_context(governance.start_gateway(app, ctx, token_review))
            if settings.sync_resources:
                mirror = StoreMirror(the_store, ctx.repos, resolve)
                ctx.mirror = mirror
                task = _background(mirror.run(), "store mirror")
                stack.push_async_callback(_cancel, task)
            log.info("control plane ready (mode %s, auth %s)", settings.mode, settings.auth)
            yield
            app.state.ctx = None

    app = FastAPI(
        title="Bosun control plane",
        version=__version__,
        description="REST API for agents, model configs, tool servers, sessions, tasks, "
        "feedback and usage; A2A proxy at /api/a2a/{namespace}/{name}; MCP at /mcp.",
        lifespan=lifespan,
    )
    app.state.ctx = None
    app.state.gateway = None
    app.state.policies = None
    app.state.settings = settings
    app.state.readiness = Readiness()
    install_error_handlers(app)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Logged with the path only: bodies may carry secrets.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500, "internal", "internal error; see the control plane's log")

    app.add_exception_handler(Exception, on_unexpected)
    for router in ROUTERS:
        app.include_router(router)
    if settings.metrics:  # governance: Prometheus metrics (metrics.py)
        app.router.routes.append(Route("/metrics", metrics_route, methods=["GET"]))
        app.add_middleware(HttpMetrics)
    # outermost: body/header/parts/streams (limits.py); proxied POSTs go from there to the
    # proxy's raw route (a2a_proxy.fast_post), which records the HTTP metrics itself
    app.add_middleware(RequestLimits, proxy=a2a_proxy.fast_post)
    app.include_router(a2a_proxy.router)
    app.include_router(gateway_routes.build_router())  # /gateway/... (docs/gateway.md)
    for path in ("/mcp", "/mcp/"):
        app.router.routes.append(Route(path, mcp, methods=["GET", "POST", "DELETE"]))
    mount_ui(app)  # last: its catch-all must not shadow any route above
    return app


def host_policy(settings: Settings) -> HostPolicy:
    """Host/Origin checks of /mcp (security/hosts.py): cluster mode accepts Service names,
    and the host of BOSUN_PUBLIC_URL is always accepted."""
    from urllib.parse import urlsplit

    from bosun.security.hosts import parse_list

    hosts = parse_list(settings.allowed_hosts)
    origins = parse_list(settings.allowed_origins)
    if settings.public_url:
        public = urlsplit(settings.public_url)
        if public.hostname:
            hosts.append(public.hostname)
            origins.append(f"{public.scheme}://{public.netloc}")
    bind = "0.0.0.0" if settings.mode == "cluster" else "127.0.0.1"
    return HostPolicy.for_bind(bind, allowed_hosts=hosts, allowed_origins=origins)


def _start_tracing(stack: contextlib.AsyncExitStack) -> None:
    """OTLP export of the control plane's spans when OTEL_EXPORTER_OTLP_* asks for it."""
    from bosun.telemetry.tracing import setup_tracing

    provider = setup_tracing("bosun-controlplane", {"bosun.component": "controlplane"})
    if provider is not None:
        stack.callback(provider.shutdown)  # flushes what is pending


def _background(coro: Any, name: str) -> Any:
    import asyncio

    return asyncio.create_task(coro, name=name)


async def _cancel(task: Any) -> None:
    import asyncio

    task.cancel()
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await task
