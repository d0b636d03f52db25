"""Progress notifications for long tool calls of the built-in tool server.

`Heartbeat` is an `mcp` server middleware (added by `tools.server.build_server`): while a
`tools/call` that carries a progressToken runs longer than `interval` seconds, it sends
`notifications/progress` every `interval` seconds ("helm_upgrade: still running, 10 s"),
so that a client waiting on `helm upgrade --wait` or a slow Kubernetes call sees it
alive. Calls without a progressToken cost nothing more than one dict lookup. The
interval is $BOSUN_TOOLS_PROGRESS_INTERVAL (seconds, default 5).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext

log = logging.getLogger("bosun.tools")

DEFAULT_INTERVAL = 5.0


def _interval_from_env() -> float:
    try:
        value = float(os.environ.get("BOSUN_TOOLS_PROGRESS_INTERVAL", DEFAULT_INTERVAL))
    except ValueError:
        return DEFAULT_INTERVAL
    return value if value > 0 else DEFAULT_INTERVAL


class Heartbeat:
    """Reports progress of every tools/call with a progressToken while it runs."""

    def __init__(self, interval: float | None = None) -> None:
        self.interval = interval if interval is not None else _interval_from_env()

    async def __call__(
        self, ctx: ServerRequestContext[Any, Any], call_next: CallNext
    ) -> HandlerResult:
        if ctx.method != "tools/call" or ctx.request_id is None or not _wants_progress(ctx):
            return await call_next(ctx)
        name = str((ctx.params or {}).get("name", "tool"))
        beat = asyncio.create_task(self._beat(ctx, name), name=f"progress {name}")
        try:
            return await call_next(ctx)
        finally:
            beat.cancel()
            with contextlib.suppress(BaseException):
                await beat

    async def _beat(self, ctx: ServerRequestContext[Any, Any], name: str) -> None:
        started = time.monotonic()
        step = 0
        while True:
            await asyncio.sleep(self.interval)
            step += 1
            elapsed = time.monotonic() - started
            try:
                await ctx.session.report_progress(
                    step, None, f"{name}: still running, {elapsed:.0f} s"
                )
            except Exception as exc:  # the client left; the call itself goes on
                log.debug("progress for %s not delivered: %s", name, exc)
                return


def _wants_progress(ctx: ServerRequestContext[Any, Any]) -> bool:
    meta = ctx.meta
    if meta is None:
        meta = (ctx.params or {}).get("_meta")
    if not isinstance(meta, dict):
        return False
    return meta.get("progressToken", meta.get("progress_token")) is not None
