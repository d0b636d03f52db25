"""`run_bridge`, the body of `bosun mcp-bridge`: start the child, then import and serve.

The child is started before the mcp SDK, starlette and uvicorn's server are imported
(spawn.py says why); the first ChildSupervisor run adopts it. Everything else is app.py's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import signal
from collections.abc import Sequence
from typing import Any

from anyio.abc import Process

from bosun.mcpbridge.spawn import open_child

logger = logging.getLogger("bosun.mcpbridge")


def run_bridge(
    argv: Sequence[str],
    *,
    host: str = "0.0.0.0",
    port: int = 3000,
    path: str = "/mcp",
    init_timeout: float = 60.0,
    wait_timeout: float = 15.0,
    log_level: str = "info",
) -> None:
    """Serve `argv` (a stdio MCP server) over HTTP until SIGTERM / SIGINT; blocks."""
    from uvicorn.loops.auto import auto_loop_factory

    serve = _serve(
        list(argv),
        host=host,
        port=port,
        path=path,
        init_timeout=init_timeout,
        wait_timeout=wait_timeout,
        log_level=log_level,
    )
    with asyncio.Runner(loop_factory=auto_loop_factory()) as runner:  # uvloop when installed
        runner.run(serve)


async def _serve(
    argv: list[str],
    *,
    host: str,
    port: int,
    path: str,
    init_timeout: float,
    wait_timeout: float,
    log_level: str,
) -> None:
    first: Process | None = None
    with contextlib.suppress(OSError):  # cannot start: the supervisor's own try says why
        first = await open_child(argv)
    try:
        import uvicorn

        from bosun.mcpbridge.app import HEALTH_PATH, SSE_PATH, create_app
        from bosun.mcpbridge.supervisor import ChildSupervisor

        supervisor = ChildSupervisor(argv, init_timeout=init_timeout, started=first)
        app = create_app(supervisor, path=path, host=host, wait_timeout=wait_timeout)
        shown_host = f"[{host}]" if ":" in host else host
        logger.info(
            "mcp-bridge: serving %s on http://%s:%d%s (legacy SSE: %s, readiness: %s)",
            shlex.join(argv),
            shown_host,
            port,
            path,
            SSE_PATH,
            HEALTH_PATH,
        )
        config: Any = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_level=log_level,
            access_log=False,
            # Open SSE / GET streams would otherwise hold shutdown (and the child) forever.
            timeout_graceful_shutdown=3,
            lifespan="on",
        )
        await uvicorn.Server(config).serve()
    finally:
        # Once adopted, the supervisor stops the child in order (it has exited by now);
        # still running means the bridge ended before the supervisor took it.
        if first is not None and first.returncode is None:
            _kill_group(first.pid)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
