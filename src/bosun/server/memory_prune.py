"""Scheduled TTL pruning of long-term memories: expired rows are deleted even if nobody writes.

Expired memories (`expires_at` passed, from the Agent's `memory.ttlDays`) are never
returned, and each new memory's write deletes them; an agent or user that stops writing
would keep them on disk. The control plane's lifespan (app.py) enters `running(ctx)`,
which calls `MemoriesRepo.prune()` at start and then every
`BOSUN_MEMORY_PRUNE_SECONDS` (default 3600; 0 turns it off). A failed pass is logged and
retried on the next tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bosun.server.context import Context
    from bosun.server.db.memories import MemoriesRepo

log = logging.getLogger("bosun.server")

INTERVAL_ENV = "BOSUN_MEMORY_PRUNE_SECONDS"
DEFAULT_INTERVAL = 3600.0


def interval() -> float:
    raw = os.environ.get(INTERVAL_ENV, "")
    try:
        return max(float(raw), 0.0) if raw.strip() else DEFAULT_INTERVAL
    except ValueError:
        log.warning(
            "%s=%r is not a number of seconds; using %g", INTERVAL_ENV, raw, DEFAULT_INTERVAL
        )
        return DEFAULT_INTERVAL


async def prune_forever(repo: MemoriesRepo, every: float) -> None:
    while True:
        try:
            deleted = await repo.prune()
            if deleted:
                log.info("memories: deleted %d expired", deleted)
        except asyncio.CancelledError:
            raise
        except Exception:  # e.g. the database is busy: the next tick tries again
            log.exception("pruning expired memories failed")
        await asyncio.sleep(every)


@contextlib.asynccontextmanager
async def running(ctx: Context) -> AsyncIterator[None]:
    """Prune in the background while the control plane runs (nothing if the interval is 0)."""
    every = interval()
    if every <= 0:
        yield
        return
    task = asyncio.create_task(prune_forever(ctx.repos.memories, every), name="memory prune")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
