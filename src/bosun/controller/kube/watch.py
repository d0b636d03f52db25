"""The operator's event source: one list-then-watch loop per watched kind and namespace.

What an informer does in client-go, and what kopf did here before: list the kind (each
item delivered as an event of type None), then watch from the list's resourceVersion
and deliver each ADDED/MODIFIED/DELETED event, in order, to the kind's handler
(triggers.py). A watch the server ends (timeoutSeconds) is resumed from the last
resourceVersion seen (bookmarks included); a 410 Gone relists, and objects that
vanished meanwhile are delivered as DELETED; an error is retried with a backoff.
`synced` is set once every loop has delivered its first list: the cache is then
complete, and the reconciles may start (operator.py).

Why not kopf: the operator registers only event handlers (no finalizers, no progress
annotations), and kopf's per-event machinery (causes, diff-base and progress storage,
per-object loggers and workers) was half of the operator's CPU when 1000 Agents arrived
(docs/operator.md, Benchmark). Here an event costs a JSON parse and the handler.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bosun.controller.kube.client import KubeClient, KubeError

logger = logging.getLogger(__name__)

Obj = dict[str, Any]
Handler = Callable[..., Awaitable[None]]  # handler(event=..., body=...)


@dataclass(frozen=True)
class WatchSpec:
    """One watched kind: its handler, an optional server-side label selector, and an
    optional filter on the body (events of other objects are not delivered)."""

    api_version: str
    kind: str
    handler: Handler
    label_selector: str = ""
    when: Callable[[Mapping[str, Any]], bool] | None = None


class Watches:
    """The specs to run (triggers.py registers them), and their sync state."""

    def __init__(self) -> None:
        self.specs: list[WatchSpec] = []
        self._pending = 0
        self.synced = asyncio.Event()

    def on_event(
        self,
        api_version: str,
        kind: str,
        handler: Handler,
        *,
        label_selector: str = "",
        when: Callable[[Mapping[str, Any]], bool] | None = None,
    ) -> None:
        self.specs.append(WatchSpec(api_version, kind, handler, label_selector, when))

    def tasks(
        self, client: KubeClient, namespaces: list[str], timeout: float
    ) -> list[asyncio.Task[None]]:
        """Start one loop per spec and namespace ("*": cluster-wide)."""
        loops = [
            _Loop(spec, namespace, client, timeout, self._listed)
            for spec in self.specs
            for namespace in namespaces or ["*"]
        ]
        self._pending = len(loops)
        if not loops:
            self.synced.set()
        return [
            asyncio.create_task(loop.run(), name=f"bosun-watch-{loop.spec.kind}-{loop.namespace}")
            for loop in loops
        ]

    def _listed(self) -> None:
        self._pending -= 1
        if self._pending <= 0:
            self.synced.set()


class _Loop:
    def __init__(
        self,
        spec: WatchSpec,
        namespace: str,
        client: KubeClient,
        timeout: float,
        listed: Callable[[], None],
    ) -> None:
        self.spec = spec
        self.namespace = namespace
        self._client = client
        self._timeout = timeout
        self._listed: Callable[[], None] | None = listed
        self._known: set[tuple[str, str]] = set()  # (namespace, name) delivered and alive

    async def _deliver(self, kind: str | None, body: Obj) -> None:
        meta = body.get("metadata") or {}
        key = (str(meta.get("namespace") or ""), str(meta.get("name") or ""))
        if kind == "DELETED":
            self._known.discard(key)
        else:
            self._known.add(key)
        when = self.spec.when
        if when is not None and not when(body):
            return
        try:
            await self.spec.handler(event={"type": kind, "object": body}, body=body)
        except Exception:  # one bad event must not stop the stream
            logger.exception("watch %s: handling %s %s/%s failed", self.spec.kind, kind, *key)

    async def _list(self) -> str:
        spec = self.spec
        page = await self._client.list_page(
            spec.api_version, spec.kind, self.namespace, spec.label_selector
        )
        items, rv = page
        before, self._known = self._known, set()
        for item in items:
            await self._deliver(None, item)
        for namespace, name in before - self._known:  # gone while the watch was down
            gone = {
                "apiVersion": spec.api_version,
                "kind": spec.kind,
                "metadata": {"namespace": namespace, "name": name},
            }
            await self._deliver("DELETED", gone)
        if self._listed is not None:
            self._listed()
            self._listed = None
        return rv

    async def run(self) -> None:
        spec = self.spec
        rv: str | None = None
        delay = 0.5
        while True:
            try:
                if rv is None:
                    rv = await self._list()
                params = {
                    "resourceVersion": rv,
                    "allowWatchBookmarks": "true",
                    "timeoutSeconds": str(int(self._timeout)),
                }
                if spec.label_selector:
                    params["labelSelector"] = spec.label_selector
                async for event in self._client.watch(
                    spec.api_version, spec.kind, self.namespace, params, self._timeout + 30
                ):
                    kind = str(event.get("type") or "")
                    body: Obj = event.get("object") or {}
                    if kind == "ERROR":
                        code = int(body.get("code") or 0)
                        if code == 410:  # too old: list again
                            rv = None
                            break
                        raise KubeError(code, str(body.get("reason")), str(body.get("message")))
                    new_rv = str((body.get("metadata") or {}).get("resourceVersion") or "")
                    if new_rv:
                        rv = new_rv
                    if kind in ("ADDED", "MODIFIED", "DELETED"):
                        await self._deliver(kind, body)
                delay = 0.5
            except KubeError as exc:
                if exc.status == 410:
                    rv = None
                    continue
                where = f"{spec.kind} ({self.namespace})"
                logger.warning("watch %s failed, again in %.1fs: %s", where, delay, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)
