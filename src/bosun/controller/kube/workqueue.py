"""A work queue of object keys, as controller-runtime has: level-triggered reconciles.

The watch event handlers (triggers.py) only *enqueue* keys (kind, namespace, name);
workers pop a key and reconcile the object from the caches as it is now. This gives what
the operator needs and per-event handlers do not:

- one reconcile per key at a time, and a key queued many times runs once (deduplicated);
  a key that changes while it is being reconciled runs once more afterwards;
- dependants re-reconciled from anywhere (a Secret change enqueues the Agents using it);
- retries with exponential backoff per key (`Requeue(delay)` for an expected retry such as
  a 409 Conflict, any other exception for a failure), and periodic work by returning a
  delay (tool discovery every 60 s);
- pause/resume for leader election: a replica that is not the leader keeps its caches warm
  and its queue filled, and does nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable

from bosun.telemetry.controlplane import reconciled

QueueKey = tuple[str, str, str]  # (kind, namespace, name)
Handler = Callable[[QueueKey], Awaitable[float | None]]

logger = logging.getLogger(__name__)


class Requeue(Exception):
    """Raised by a handler: try this key again after `delay` seconds (no backoff growth)."""

    def __init__(self, delay: float, reason: str = "") -> None:
        super().__init__(reason or f"requeue in {delay}s")
        self.delay = delay
        self.reason = reason


class WorkQueue:
    def __init__(
        self,
        name: str,
        handler: Handler,
        *,
        workers: int = 8,
        base_delay: float = 0.5,
        max_delay: float = 60.0,
    ) -> None:
        self.name = name
        self._handler = handler
        self._workers = workers
        self._base_delay = base_delay
        self._max_delay = max_delay
        self._queue: deque[QueueKey] = deque()
        self._queued: set[QueueKey] = set()
        self._processing: set[QueueKey] = set()
        self._dirty: set[QueueKey] = set()
        self._timers: dict[QueueKey, asyncio.TimerHandle] = {}
        self._failures: dict[QueueKey, int] = {}
        self._wakeup = asyncio.Event()
        self._running = asyncio.Event()  # set while this replica may act (leader)
        self._running.set()
        self.processed = 0  # reconciles done (for tests and the benchmark)

    def __len__(self) -> int:
        return len(self._queue)

    def add(self, key: QueueKey, delay: float = 0.0) -> None:
        """Queue `key`, now or after `delay` seconds (an earlier request wins)."""
        if delay > 0:
            loop = asyncio.get_running_loop()
            due = loop.time() + delay
            timer = self._timers.get(key)
            if timer is not None and not timer.cancelled() and timer.when() <= due:
                return
            if timer is not None:
                timer.cancel()
            self._timers[key] = loop.call_at(due, self._fire, key)
            return
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        if key in self._processing:
            self._dirty.add(key)
        elif key not in self._queued:
            self._queued.add(key)
            self._queue.append(key)
            self._wakeup.set()

    def _fire(self, key: QueueKey) -> None:
        self._timers.pop(key, None)
        self.add(key)

    def forget(self, key: QueueKey) -> None:
        """Drop the key's retry history and any scheduled run (the object is gone)."""
        self._failures.pop(key, None)
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def idle(self) -> bool:
        return not self._queue and not self._processing

    async def run(self) -> None:
        """Run the workers until cancelled."""
        tasks = [
            asyncio.create_task(self._work(), name=f"{self.name}-worker-{i}")
            for i in range(self._workers)
        ]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            for timer in self._timers.values():
                timer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*tasks, return_exceptions=True)

    async def _next(self) -> QueueKey:
        while True:
            await self._running.wait()
            if self._queue:
                key = self._queue.popleft()
                self._queued.discard(key)
                return key
            self._wakeup.clear()
            await self._wakeup.wait()

    async def _work(self) -> None:
        while True:
            key = await self._next()
            self._processing.add(key)
            outcome = "error"  # the reconciles metric (bosun.telemetry.controlplane)
            try:
                again = await self._handler(key)
            except asyncio.CancelledError:
                outcome = ""  # stopping: not a reconcile outcome
                raise
            except Requeue as requeue:
                outcome = "requeue"
                logger.debug("%s %s/%s: %s", *key, requeue)
                self._after(key, requeue.delay)
            except Exception as exc:
                failures = self._failures.get(key, 0) + 1
                self._failures[key] = failures
                delay = min(self._base_delay * 2 ** (failures - 1), self._max_delay)
                logger.warning(
                    "%s %s/%s failed (attempt %d, retry in %.1fs): %s",
                    *key,
                    failures,
                    delay,
                    exc,
                    exc_info=not isinstance(exc, OSError | LookupError | ValueError),
                )
                self._after(key, delay)
            else:
                outcome = "success"
                self._failures.pop(key, None)
                if again is not None:
                    self._after(key, again)
            finally:
                if outcome:
                    reconciled(key[0], outcome)
                self.processed += 1
                self._processing.discard(key)
                if key in self._dirty:
                    self._dirty.discard(key)
                    self.add(key)

    def _after(self, key: QueueKey, delay: float) -> None:
        # A key made dirty while it ran goes again at once (finally clause); else later.
        if key not in self._dirty:
            self.add(key, max(delay, 0.001))
