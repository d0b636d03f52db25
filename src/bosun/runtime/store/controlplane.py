"""Sessions, events and tasks kept by the control plane, over its REST API (BOSUN_URL set).

The agent pod's disk is not durable, so in a cluster (and in local mode under `bosun up`)
the runtime writes through the control plane. Routes and payloads (docs/runtime.md is
the reference the control plane matches):

    POST {BOSUN_URL}/api/sessions               {"id", "agent_ref", "user_id"}   -> 200|201|409
    GET  {BOSUN_URL}/api/sessions/{id}/events?after=N   -> {"items": [{"seq", "data"}]}
    POST {BOSUN_URL}/api/sessions/{id}/events   {"data": event}                 -> {"seq": N}
    POST {BOSUN_URL}/api/tasks                  {"id", "context_id", "agent_ref", "state",
                                                 "task": <A2A v1.0 Task JSON>}  -> 200|201
    GET  {BOSUN_URL}/api/tasks/{id}             -> {"task": {...}, ...} | 404
    GET  {BOSUN_URL}/api/tasks?context_id=&agent_ref=   -> {"items": [{"task": {...}}]}

Authentication: `Authorization: Bearer <token>` from BOSUN_TOKEN, or read (again on each
change) from the file BOSUN_TOKEN_FILE, which in a cluster is the pod's projected
ServiceAccount token. Transient failures are retried a few times with backoff.

Writes outlive a control plane that is down (restarted, redeployed, killed): a write whose
retries failed (transport error or 5xx) is kept in an in-memory buffer, in order, and every
later write queues behind it; a background task sends them again with backoff (0.5 s
doubling to 10 s) until the control plane answers, so the turn in progress finishes and the
session ends up whole. The buffer holds at most BOSUN_STORE_BUFFER writes (default 1000;
past it a write fails with StoreError, logged). A read first sends what is buffered (a read
must see the writes before it) and fails if it cannot. Events carry an id, so a write sent
again after a lost answer is stored once. `close()` tries to send what is left for 5 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from collections import deque
from dataclasses import dataclass
from typing import Any

import httpx

from bosun.runtime.credential import RETRY_DELAYS, ControlPlaneToken, Unanswered, send_retried
from bosun.runtime.store import StoreError

log = logging.getLogger("bosun.runtime")

_FLUSH_BACKOFF = (0.5, 10.0)  # first and longest wait between attempts to send the buffer
_CLOSE_WITHIN = 5.0


class ControlPlaneUnavailable(StoreError):
    """The control plane did not answer (transport error or 5xx) after the retries."""


@dataclass(frozen=True)
class _Write:
    method: str
    path: str
    body: dict[str, Any]


def _buffer_size() -> int:
    try:
        return max(1, int(os.environ.get("BOSUN_STORE_BUFFER", "1000")))
    except ValueError:
        return 1000


class ControlPlaneBackend:
    def __init__(
        self, base_url: str, *, agent: str, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.agent = agent
        self._token = ControlPlaneToken()
        self._http = httpx.AsyncClient(
            base_url=self.base_url, timeout=httpx.Timeout(10.0), transport=transport
        )
        self._buffer: deque[_Write] = deque()
        self._buffer_max = _buffer_size()
        self._sending = asyncio.Lock()  # one sender of the buffer at a time (keeps the order)
        self._flusher: asyncio.Task[None] | None = None

    @property
    def buffered(self) -> int:
        """Writes waiting for the control plane."""
        return len(self._buffer)

    async def _write(self, method: str, path: str, body: dict[str, Any]) -> httpx.Response | None:
        """Send a write, or buffer it (None) when the control plane is unavailable."""
        write = _Write(method, path, body)
        if not self._buffer:
            try:
                return await self._request(method, path, json=body)
            except ControlPlaneUnavailable as exc:
                log.warning("control plane unavailable, keeping writes until it is back: %s", exc)
        if len(self._buffer) >= self._buffer_max:
            raise StoreError(
                f"control plane {self.base_url} unavailable and {len(self._buffer)} writes "
                f"are waiting (BOSUN_STORE_BUFFER={self._buffer_max}): {method} {path} is lost"
            )
        self._buffer.append(write)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_loop(), name="control plane buffer")
        return None

    async def _flush(self) -> bool:
        """Send buffered writes in order, once each; True when none is left."""
        async with self._sending:
            while self._buffer:
                write = self._buffer[0]
                try:
                    await self._request(write.method, write.path, json=write.body, retry=False)
                except ControlPlaneUnavailable:
                    return False
                except StoreError as exc:  # refused (4xx): sending it again cannot help
                    log.error("buffered write dropped: %s", exc)
                self._buffer.popleft()
            return True

    async def _flush_loop(self) -> None:
        delay, longest = _FLUSH_BACKOFF
        while not await self._flush():
            await asyncio.sleep(delay)
            delay = min(delay * 2, longest)
        log.info("control plane back: buffered writes sent")

    async def _before_read(self) -> None:
        if self._buffer and not await self._flush():
            raise ControlPlaneUnavailable(
                f"control plane {self.base_url} unavailable ({len(self._buffer)} writes waiting)"
            )

    async def _request(
        self,
        method: str,
        path: str,
        *,
        ok_missing: bool = False,
        retry: bool = True,
        **kwargs: Any,
    ) -> httpx.Response | None:
        headers = self._token.headers()
        try:
            response = await send_retried(
                lambda: self._http.request(method, path, headers=headers, **kwargs),
                RETRY_DELAYS if retry else (),
            )
        except Unanswered as exc:
            raise ControlPlaneUnavailable(
                f"control plane {self.base_url} {method} {path} failed: {exc}"
            ) from None
        if ok_missing and response.status_code == 404:
            return None
        if response.status_code >= 400 and response.status_code != 409:
            raise StoreError(
                f"control plane {method} {path} -> {response.status_code}: {response.text[:300]}"
            )
        return response

    async def ensure_session(self, session_id: str, *, agent: str, user_id: str | None) -> None:
        await self._write(
            "POST", "/api/sessions", {"id": session_id, "agent_ref": agent, "user_id": user_id}
        )

    async def events(self, session_id: str, *, after: int = 0) -> list[dict[str, Any]]:
        await self._before_read()
        response = await self._request(
            "GET", f"/api/sessions/{session_id}/events", params={"after": after}, ok_missing=True
        )
        if response is None:
            return []
        body = response.json()
        items = body.get("items", []) if isinstance(body, dict) else body
        events = []
        for item in items:
            data = dict(item.get("data") or {})
            data["seq"] = int(item["seq"])
            events.append(data)
        return [e for e in events if e["seq"] > after]

    async def append_event(self, session_id: str, event: dict[str, Any]) -> int:
        data = {k: v for k, v in event.items() if k != "seq"}
        # The id makes a write sent again (after a lost answer) land once.
        body = {"id": uuid.uuid4().hex, "data": data}
        response = await self._write("POST", f"/api/sessions/{session_id}/events", body)
        if response is None:
            return 0  # buffered: its seq is not known yet (Sessions reads it back later)
        return int(response.json().get("seq", 0))

    async def put_task(self, task: dict[str, Any]) -> None:
        await self._write(
            "POST",
            "/api/tasks",
            {
                "id": task["id"],
                "context_id": task.get("contextId", ""),
                "agent_ref": self.agent,
                "state": (task.get("status") or {}).get("state"),
                "task": task,
            },
        )

    async def get_task(self, task_id: str) -> dict[str, Any] | None:
        await self._before_read()
        response = await self._request("GET", f"/api/tasks/{task_id}", ok_missing=True)
        if response is None:
            return None
        body = response.json()
        task = body.get("task", body)
        return task if isinstance(task, dict) else None

    async def list_tasks(self, context_id: str | None = None) -> list[dict[str, Any]]:
        await self._before_read()
        params = {"agent_ref": self.agent}
        if context_id:
            params["context_id"] = context_id
        response = await self._request("GET", "/api/tasks", params=params)
        assert response is not None
        body = response.json()
        items = body.get("items", []) if isinstance(body, dict) else body
        return [item.get("task", item) for item in items if isinstance(item, dict)]

    async def close(self) -> None:
        if self._buffer and self._flusher is not None and not self._flusher.done():
            with contextlib.suppress(TimeoutError):  # the flusher keeps trying meanwhile
                await asyncio.wait_for(asyncio.shield(self._flusher), _CLOSE_WITHIN)
        if self._buffer:
            log.error("control plane unavailable: %d buffered writes lost", len(self._buffer))
        if self._flusher is not None:
            self._flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._flusher
        await self._http.aclose()
