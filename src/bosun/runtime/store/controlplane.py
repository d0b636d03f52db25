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
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import httpx

from bosun.runtime.store import StoreError

_RETRY_DELAYS = (0.2, 0.5, 1.0)


class _Token:
    """The bearer token; a projected token file is re-read when it changes (rotation)."""

    def __init__(self) -> None:
        self._static = os.environ.get("BOSUN_TOKEN") or None
        file = os.environ.get("BOSUN_TOKEN_FILE")
        self._file = Path(file) if file else None
        self._mtime: float | None = None
        self._cached: str | None = None

    def get(self) -> str | None:
        if self._static or self._file is None:
            return self._static
        try:
            mtime = self._file.stat().st_mtime
            if mtime != self._mtime:
                self._cached, self._mtime = self._file.read_text().strip(), mtime
        except OSError:
            return self._cached
        return self._cached


class ControlPlaneBackend:
    def __init__(
        self, base_url: str, *, agent: str, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.agent = agent
        self._token = _Token()
        self._http = httpx.AsyncClient(
            base_url=self.base_url, timeout=httpx.Timeout(10.0), transport=transport
        )

    async def _request(
        self, method: str, path: str, *, ok_missing: bool = False, **kwargs: Any
    ) -> httpx.Response | None:
        headers = {}
        token = self._token.get()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        problem = ""
        for delay in (*_RETRY_DELAYS, None):
            try:
                response = await self._http.request(method, path, headers=headers, **kwargs)
            except httpx.TransportError as exc:
                problem = f"{type(exc).__name__}: {exc}"
            else:
                if ok_missing and response.status_code == 404:
                    return None
                if response.status_code < 500:
                    if response.status_code >= 400 and response.status_code != 409:
                        raise StoreError(
                            f"control plane {method} {path} -> {response.status_code}: "
                            f"{response.text[:300]}"
                        )
                    return response
                problem = f"HTTP {response.status_code}"
            if delay is None:
                break
            await asyncio.sleep(delay)
        raise StoreError(f"control plane {self.base_url} {method} {path} failed: {problem}")

    async def ensure_session(self, session_id: str, *, agent: str, user_id: str | None) -> None:
        await self._request(
            "POST", "/api/sessions", json={"id": session_id, "agent_ref": agent, "user_id": user_id}
        )

    async def events(self, session_id: str, *, after: int = 0) -> list[dict[str, Any]]:
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
        response = await self._request(
            "POST", f"/api/sessions/{session_id}/events", json={"data": data}
        )
        assert response is not None
        return int(response.json().get("seq", 0))

    async def put_task(self, task: dict[str, Any]) -> None:
        await self._request(
            "POST",
            "/api/tasks",
            json={
                "id": task["id"],
                "context_id": task.get("contextId", ""),
                "agent_ref": self.agent,
                "state": (task.get("status") or {}).get("state"),
                "task": task,
            },
        )

    async def get_task(self, task_id: str) -> dict[str, Any] | None:
        response = await self._request("GET", f"/api/tasks/{task_id}", ok_missing=True)
        if response is None:
            return None
        body = response.json()
        task = body.get("task", body)
        return task if isinstance(task, dict) else None

    async def list_tasks(self, context_id: str | None = None) -> list[dict[str, Any]]:
        params = {"agent_ref": self.agent}
        if context_id:
            params["context_id"] = context_id
        response = await self._request("GET", "/api/tasks", params=params)
        assert response is not None
        body = response.json()
        items = body.get("items", []) if isinstance(body, dict) else body
        return [item.get("task", item) for item in items if isinstance(item, dict)]

    async def close(self) -> None:
        await self._http.aclose()
