"""The HTTP app of `bosun agent`: A2A JSON-RPC, the agent card and /health.

Built by `create_app` (the CLI runs it under uvicorn; tests too). Start-up is split for a
fast cold start: the card and /health are served by this light module at once, while the
A2A service (a2a-sdk server, pydantic-ai, provider SDKs) is imported and built in the
background (`bosun.runtime.service`). A JSON-RPC request that arrives meanwhile waits for
it. Nothing at start touches the network.

Routes:
    POST /                               A2A JSON-RPC (v1.0 and v0.3 methods), SSE streams
    *    /v1/...                         A2A HTTP+JSON (v1.0 and v0.3, by A2A-Version)
    GET  /.well-known/agent-card.json    the card, 1.0 or 0.3 view by the A2A-Version header
                                         (also /.well-known/agent.json for v0.3)
    GET  /health                         {"status": "ok"|"starting"|"error", ...}
    GET  /healthz                        200 while the process serves (liveness)
    GET  /readyz                         200 once the A2A service is built; 503 with the
                                         reason while starting or after it failed
    GET  /metrics                        Prometheus metrics (bosun.runtime.metrics)
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import gc
import importlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bosun.api.config import AgentConfig
from bosun.runtime import telemetry
from bosun.runtime.card import VERSION_HEADER, card_view, has_url, load_card

log = logging.getLogger("bosun.runtime")

SERVICE_START_TIMEOUT = 120.0
"""How long a request waits for the service to finish starting before it gets an error."""
GC_THRESHOLDS = (10_000, 10, 10)
"""Garbage collector thresholds once started (Python's default collects every 700 objects)."""


def settle_gc() -> None:
    """Once everything is imported: freeze what exists and collect less often.

    The imports leave some 300 000 long-lived objects (modules, classes, schemas). Frozen,
    they are out of every later collection (a full one took ~150 ms over them); and a turn
    allocates many short-lived containers that reference counting frees, so collecting
    every 10 000 allocations instead of 700 does a fraction of the work (-7 % CPU per
    turn). `bosun agent` disables the collector until this runs (imports make no garbage
    worth collecting; that is ~12 % of the start-up CPU).
    """
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)
    gc.enable()


def release_free_memory() -> None:
    """Hand the memory that start-up used and freed back to the OS (glibc only).

    The imports run on a worker thread, whose malloc arena keeps ~20 MB of freed
    temporaries mapped until that thread happens to free something again; malloc_trim
    returns them now. A no-op where the C library has no malloc_trim (musl, macOS).
    """
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return
    trim(0)


def _keep_usage_only() -> None:
    from bosun.runtime.prices import keep_usage_only

    keep_usage_only()


class RestEntry:
    """The HTTP+JSON binding under /v1 (bosun.runtime.bindings), once the service is built."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            service = await self.runtime.ready()
        except (RuntimeError, TimeoutError) as exc:
            error = {"code": 503, "status": "UNAVAILABLE", "message": f"agent not available: {exc}"}
            await JSONResponse({"error": error}, status_code=503)(scope, receive, send)
            return
        await service.dispatcher.handle_rest(scope, receive, send)


class Runtime:
    """Holds the service once it is built; requests wait for it."""

    def __init__(
        self,
        config: AgentConfig,
        card: dict[str, Any],
        *,
        data_dir: Path | None,
        own_process: bool = False,
    ) -> None:
        self.config = config
        self.card = card
        self.data_dir = data_dir
        self.own_process = own_process
        self.service: Any = None
        self.error: str | None = None
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._build(), name="a2a service start")

    async def _build(self) -> None:
        try:
            # Import in a thread: the event loop keeps serving the card meanwhile.
            if self.own_process:  # before the engine's model loads the price table
                await asyncio.to_thread(_keep_usage_only)
            module = await asyncio.to_thread(importlib.import_module, "bosun.runtime.service")
            self.service = module.build_service(self.config, self.card, data_dir=self.data_dir)
        except Exception as exc:
            log.exception("the A2A service could not start")
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            self._ready.set()
        if self.own_process:
            if self.service is not None:
                # The engine (pydantic-ai, the provider SDK, the MCP client) imports on.
                with contextlib.suppress(Exception):  # its failure is reported by the service
                    await self.service.engine()
            # prometheus_client (~70 ms) now, off the path of the first turn and scrape.
            await asyncio.to_thread(importlib.import_module, "bosun.runtime.metrics")
            settle_gc()
            release_free_memory()

    async def ready(self) -> Any:
        async with asyncio.timeout(SERVICE_START_TIMEOUT):
            await self._ready.wait()
        if self.service is None:
            raise RuntimeError(self.error or "the A2A service did not start")
        return self.service

    async def close(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
        if self.service is not None:
            await self.service.close()


def create_app(
    config_dir: Path,
    *,
    public_url: str | None = None,
    data_dir: Path | None = None,
    config: AgentConfig | None = None,
    own_process: bool = False,
) -> Starlette:
    """The ASGI app for the agent in `config_dir` (config.json + agent-card.json).

    `public_url` replaces the URLs in the card (the address clients use to reach this
    process); without it the card's own URL is used, or, if it has none, the URL the
    card was requested on. `own_process`: the process is this agent's alone (`bosun
    agent`): keep only the usage part of genai-prices' data (`prices.py`); once started,
    re-enable the garbage collector, tuned (`settle_gc`), and release the memory start-up
    freed (`release_free_memory`).
    """
    config = config or AgentConfig.load(config_dir)
    card = load_card(config_dir, config)
    runtime = Runtime(config, card, data_dir=data_dir, own_process=own_process)
    fixed_url = public_url or None

    async def agent_card(request: Request) -> Response:
        # The card's URLs: --public-url, else the card's own, else where it was asked for.
        url = fixed_url if fixed_url or has_url(card) else str(request.base_url)
        return JSONResponse(card_view(card, url=url, version=request.headers.get(VERSION_HEADER)))

    async def health(request: Request) -> Response:
        if runtime.error is not None:
            return JSONResponse({"status": "error", "error": runtime.error}, status_code=503)
        status = "ok" if runtime.service is not None else "starting"
        return JSONResponse({"status": status, "agent": config.name})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok", "agent": config.name})

    async def readyz(request: Request) -> Response:
        if runtime.error is not None:
            reason = f"the A2A service failed to start: {runtime.error}"
            return JSONResponse({"status": "not ready", "reasons": [reason]}, status_code=503)
        if runtime.service is None:
            reason = "starting: loading the agent engine"
            return JSONResponse({"status": "not ready", "reasons": [reason]}, status_code=503)
        return JSONResponse({"status": "ready", "agent": config.name})

    async def rpc(request: Request) -> Response:
        try:
            service = await runtime.ready()
        except (RuntimeError, TimeoutError) as exc:
            return JSONResponse(
                {
                    "jsonrpc": "2.0",
                    "id": None,
                    "error": {"code": -32603, "message": f"agent not available: {exc}"},
                },
                status_code=503,
            )
        with telemetry.incoming_trace(request.headers):  # the turn joins the caller's trace
            response: Response = await service.dispatcher.handle_requests(request)
        return response

    async def metrics(request: Request) -> Response:
        module = importlib.import_module("bosun.runtime.metrics")
        from bosun.telemetry.exposition import render

        body, content_type = render(module.REGISTRY)
        return Response(body, media_type=content_type)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime.start()
        try:
            yield
        finally:
            await runtime.close()

    routes = [
        Route("/", rpc, methods=["POST"]),
        Route("/v1/{path:path}", RestEntry(runtime)),
        Route("/.well-known/agent-card.json", agent_card, methods=["GET"]),
        Route("/.well-known/agent.json", agent_card, methods=["GET"]),
        Route("/health", health, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.runtime = runtime
    return app
