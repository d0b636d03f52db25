"""Data retention: the scheduler that prunes the control plane's database while it runs.

The control plane's lifespan (app.py) enters `running(ctx)`. It runs two loops, each with
a pass at start and then one per interval:
- memory TTL pruning (`MemoriesRepo.prune()`), every BOSUN_MEMORY_PRUNE_SECONDS (default
  3600, 0: off; read by memory_prune.py, kept as it was);
- the retention passes below, every BOSUN_RETENTION_INTERVAL_SECONDS (default 3600, 0: off):
  - audit records older than BOSUN_AUDIT_RETENTION_DAYS (default 90);
  - the gateway's metered requests, the runtime's usage rows, and Policy counters of
    windows that ended, older than BOSUN_METERING_RETENTION_DAYS (default 400), never
    less than the longest Policy window (31 d): a budget's live window keeps its counter;
  - with BOSUN_TASK_RETENTION_DAYS set (default 0: keep), tasks in a terminal state whose
    last change is older, then sessions idle that long, with their events.

Each pass is logged with its counts and counted in bosun_retention_deleted_total{table};
a pass that fails is logged and tried again at the next interval (the others still run).
Deletes go in bounded batches (db/retention.py) and are safe with several replicas running
this at once. `Retention.run_once(now)` takes the clock, for tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bosun.gateway.policy import MAX_WINDOW
from bosun.server import memory_prune, metrics
from bosun.server.db.retention import RetentionRepo

if TYPE_CHECKING:
    from bosun.server.context import Context
    from bosun.server.db import Database
    from bosun.server.settings import Settings

log = logging.getLogger("bosun.server")

DAY = 86400


@dataclass(frozen=True)
class Windows:
    """How many days of each kind of row are kept (0: forever)."""

    audit_days: int = 90
    metering_days: int = 400
    task_days: int = 0

    @classmethod
    def of(cls, settings: Settings) -> Windows:
        return cls(
            audit_days=settings.audit_retention_days,
            metering_days=settings.metering_retention_days,
            task_days=settings.task_retention_days,
        )

    @property
    def metering_seconds(self) -> int:
        """What is kept of metering: never less than the longest window a Policy may use."""
        return max(self.metering_days * DAY, MAX_WINDOW) if self.metering_days else 0


class Retention:
    """The retention passes over one database; `run_once` is one pass of each."""

    def __init__(self, db: Database, windows: Windows, *, batch: int = 5000) -> None:
        self.repo = RetentionRepo(db, batch=batch)
        self.windows = windows

    async def run_once(self, now: float | None = None) -> dict[str, int]:
        """Prune what is older than the windows at `now` (epoch seconds; default: the
        clock); returns the rows deleted per table. A failed pass is logged, not raised."""
        at = time.time() if now is None else now
        deleted: dict[str, int] = {}
        w = self.windows
        if w.audit_days:
            await self._pass("audit", deleted, self._audit(at - w.audit_days * DAY))
        if w.metering_seconds:
            await self._pass("metering", deleted, self._metering(at - w.metering_seconds))
        if w.task_days:
            await self._pass("tasks", deleted, self._tasks(at - w.task_days * DAY))
        return deleted

    async def _pass(
        self, name: str, deleted: dict[str, int], run: Awaitable[dict[str, int]]
    ) -> None:
        try:
            counts = await run
        except asyncio.CancelledError:
            raise
        except Exception:  # e.g. the database is busy or down: the next interval retries
            log.exception("retention: the %s pass failed; retried at the next interval", name)
            return
        for table, rows in counts.items():
            metrics.retention_deleted(table, rows)
        deleted.update(counts)
        if any(counts.values()):
            log.info(
                "retention: %s pass deleted %s",
                name,
                ", ".join(f"{rows} {table}" for table, rows in counts.items()),
            )

    async def _audit(self, cutoff: float) -> dict[str, int]:
        return {"audit": await self.repo.audit_before(_dt(cutoff))}

    async def _metering(self, cutoff: float) -> dict[str, int]:
        return {
            "gateway_requests": await self.repo.gateway_requests_before(_dt(cutoff)),
            "policy_counters": await self.repo.counters_ended_before(int(cutoff)),
            "usage": await self.repo.usage_before(_dt(cutoff)),
        }

    async def _tasks(self, cutoff: float) -> dict[str, int]:
        tasks = await self.repo.tasks_ended_before(_dt(cutoff))
        sessions, events = await self.repo.idle_sessions(_dt(cutoff))
        return {"tasks": tasks, "sessions": sessions, "events": events}


def _dt(epoch: float) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=epoch)


async def _forever(name: str, run: Callable[[], Awaitable[object]], every: float) -> None:
    while True:
        try:
            await run()
        except asyncio.CancelledError:
            raise
        except Exception:  # e.g. the database is busy: the next tick tries again
            log.exception("%s failed; retried in %g s", name, every)
        await asyncio.sleep(every)


async def _prune_memories(ctx: Context) -> None:
    deleted = await ctx.repos.memories.prune()
    metrics.retention_deleted("memories", deleted)
    if deleted:
        log.info("memories: deleted %d expired", deleted)


@contextlib.asynccontextmanager
async def running(ctx: Context) -> AsyncIterator[None]:
    """Prune in the background while the control plane runs (a loop whose interval is 0
    is not started)."""
    settings = ctx.settings
    retention = Retention(ctx.db, Windows.of(settings), batch=settings.retention_batch_size)
    loops: list[tuple[str, Callable[[], Awaitable[object]], float]] = [
        ("memory TTL pruning", lambda: _prune_memories(ctx), memory_prune.interval()),
        ("retention", retention.run_once, settings.retention_interval_seconds),
    ]
    tasks = [
        asyncio.create_task(_forever(name, run, every), name=name)
        for name, run, every in loops
        if every > 0
    ]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
