"""In-process fan-out of store events to watchers (used by store_db.py).

A subscriber is registered when `subscribe()` returns, before its first read, so a caller
that subscribes and then writes sees its own write. Each subscriber has a bounded queue: a
watcher that stops reading does not grow memory without end; when its queue is full it is
dropped and its next read raises `WatchExpired` — like a Kubernetes watch that answers 410
Gone, the consumer lists again and starts a new watch.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Generic, TypeVar

T = TypeVar("T")


class WatchExpired(RuntimeError):
    """The watcher fell too far behind and lost events: list again, then watch again."""


_CLOSED = object()


class Subscription(Generic[T]):
    def __init__(self, hub: Broadcast[T], maxsize: int) -> None:
        self._hub = hub
        self._queue: asyncio.Queue[object] = asyncio.Queue(maxsize=maxsize)
        self.expired = False

    def __aiter__(self) -> AsyncIterator[T]:
        return self

    async def __anext__(self) -> T:
        if self.expired and self._queue.empty():
            raise WatchExpired("watch fell behind and lost events; list and watch again")
        item = await self._queue.get()
        if item is _CLOSED:
            raise StopAsyncIteration
        return item  # type: ignore[return-value]

    def _offer(self, item: T) -> None:
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self.expired = True
            self._hub._drop(self)

    async def aclose(self) -> None:
        self._hub._drop(self)

    def close_nowait(self) -> None:
        """End iteration for a consumer waiting on this subscription."""
        self._hub._drop(self)
        try:
            self._queue.put_nowait(_CLOSED)
        except asyncio.QueueFull:
            self.expired = True


class Broadcast(Generic[T]):
    def __init__(self, maxsize: int = 10_000) -> None:
        self._subs: list[Subscription[T]] = []
        self._maxsize = maxsize

    def subscribe(self) -> Subscription[T]:
        sub: Subscription[T] = Subscription(self, self._maxsize)
        self._subs.append(sub)
        return sub

    def publish(self, item: T) -> None:
        for sub in list(self._subs):
            sub._offer(item)

    def close(self) -> None:
        for sub in list(self._subs):
            sub.close_nowait()

    def _drop(self, sub: Subscription[T]) -> None:
        if sub in self._subs:
            self._subs.remove(sub)

    @property
    def subscribers(self) -> int:
        return len(self._subs)
