"""The ResourceStore of cluster mode: the Kubernetes API, through lightkube.

- kagent.dev kinds are lightkube generic resources (group kagent.dev, versions from
  bosun.api); Secret, ConfigMap, Service and Namespace are lightkube's core classes.
- `apply` is server-side apply (field manager `bosun-controlplane`, forced): fields Bosun
  sends are Bosun's, fields other managers (kubectl, Argo CD) own and Bosun does not send
  stay theirs. A metadata.resourceVersion in the body makes the API server refuse a
  stale write (409 -> `Conflict`).
- `patch_status` is a JSON merge patch on the status subresource.
- `watch()` merges watches of the four kagent.dev kinds, cluster-wide. (Secrets are not
  watched: listing every Secret of a cluster needs more rights than the control plane
  should have.)

Built by app.py in cluster mode (imported only there, lazily).
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from lightkube import ApiError, AsyncClient
from lightkube.generic_resource import create_namespaced_resource
from lightkube.resources.core_v1 import ConfigMap, Namespace, Secret, Service
from lightkube.types import PatchType

from bosun.api.manifests import RESOURCE_KINDS
from bosun.api.store import Conflict, NotFound, StoredObject, StoreEvent
from bosun.api.v1alpha1_convert import convert_stored
from bosun.server.store_db import InvalidObject

FIELD_MANAGER = "bosun-controlplane"
WATCHED = tuple(RESOURCE_KINDS)

_CORE: dict[str, Any] = {"Secret": Secret, "ConfigMap": ConfigMap, "Service": Service}
_GENERIC: dict[str, Any] = {
    kind: create_namespaced_resource(
        cls.info.group, cls.info.version, cls.info.kind, cls.info.plural
    )
    for kind, cls in RESOURCE_KINDS.items()
}


def _resource(kind: str) -> Any:
    res = _GENERIC.get(kind) or _CORE.get(kind)
    if res is None:
        raise InvalidObject(f"kind {kind} is not served by this store")
    return res


def _to_dict(obj: Any) -> dict[str, Any]:
    data = obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
    return dict(data)


def _stored(kind: str, obj: Any) -> StoredObject:
    body = _to_dict(obj)
    body.setdefault("kind", kind)
    # Written as kagent.dev/v1alpha1 (served with strategy None): read as its v1alpha2 form,
    # as the operator does (docs/v1alpha1.md). Its Tools are not resolved here.
    body = convert_stored(kind, body) or body
    meta = body.get("metadata") or {}
    return StoredObject(kind, str(meta.get("namespace", "")), str(meta.get("name", "")), body)


def _api_error(exc: ApiError, what: str) -> Exception:
    code = exc.status.code if exc.status is not None else None
    if code == 404:
        return NotFound(f"{what} not found")
    if code == 409:
        return Conflict(f"{what}: {exc.status.message if exc.status else 'conflict'}")
    return exc


class KubeResourceStore:
    def __init__(self, client: AsyncClient | None = None) -> None:
        self._client = client or AsyncClient(field_manager=FIELD_MANAGER)

    async def close(self) -> None:
        await self._client.close()

    async def list(self, kind: str, namespace: str | None = None) -> builtins.list[StoredObject]:
        res = _resource(kind)
        try:
            items = [o async for o in self._client.list(res, namespace=namespace or "*")]
        except ApiError as exc:
            raise _api_error(exc, kind) from exc
        objects = [_stored(kind, o) for o in items]
        return sorted(objects, key=lambda o: (o.namespace, o.name))

    async def get(self, kind: str, namespace: str, name: str) -> StoredObject:
        try:
            obj = await self._client.get(_resource(kind), name, namespace=namespace)
        except ApiError as exc:
            raise _api_error(exc, f"{kind} {namespace}/{name}") from exc
        return _stored(kind, obj)

    async def apply(self, body: dict[str, Any]) -> StoredObject:
        kind = str(body.get("kind", ""))
        meta = body.get("metadata") or {}
        if not meta.get("name") or not body.get("apiVersion"):
            raise InvalidObject("an object needs apiVersion, kind and metadata.name")
        res = _resource(kind)
        namespace = str(meta.get("namespace") or "default")
        content = {k: v for k, v in body.items() if k != "status"}
        content["metadata"] = {**meta, "namespace": namespace}
        try:
            obj = await self._client.patch(
                res,
                str(meta["name"]),
                content,
                namespace=namespace,
                patch_type=PatchType.APPLY,
                field_manager=FIELD_MANAGER,
                force=True,
            )
        except ApiError as exc:
            raise _api_error(exc, f"{kind} {namespace}/{meta['name']}") from exc
        return _stored(kind, obj)

    async def patch_status(
        self, kind: str, namespace: str, name: str, status: dict[str, Any]
    ) -> StoredObject:
        res = _resource(kind)
        try:
            obj = await self._client.patch(
                res.Status,
                name,
                {"status": status},
                namespace=namespace,
                patch_type=PatchType.MERGE,
            )
        except ApiError as exc:
            raise _api_error(exc, f"{kind} {namespace}/{name}") from exc
        return _stored(kind, obj)

    async def delete(self, kind: str, namespace: str, name: str) -> None:
        try:
            await self._client.delete(_resource(kind), name, namespace=namespace)
        except ApiError as exc:
            raise _api_error(exc, f"{kind} {namespace}/{name}") from exc

    async def list_namespaces(self) -> builtins.list[str]:
        try:
            names = [n.metadata.name async for n in self._client.list(Namespace) if n.metadata]
        except ApiError as exc:
            raise _api_error(exc, "namespaces") from exc
        return sorted(str(n) for n in names if n)

    def watch(self) -> AsyncIterator[StoreEvent]:
        return _MergedWatch(self._client)


class _MergedWatch:
    """One iterator over the watches of every served kind; aclose() stops them all."""

    def __init__(self, client: AsyncClient) -> None:
        self._queue: asyncio.Queue[StoreEvent | BaseException] = asyncio.Queue(maxsize=10_000)
        self._tasks = [
            asyncio.create_task(self._pump(client, kind), name=f"watch {kind}") for kind in WATCHED
        ]

    async def _pump(self, client: AsyncClient, kind: str) -> None:
        try:
            async for event_type, obj in client.watch(_GENERIC[kind], namespace="*"):
                if event_type in ("ADDED", "MODIFIED", "DELETED"):
                    await self._queue.put(StoreEvent(event_type, _stored(kind, obj)))  # type: ignore[arg-type]
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # ends the merged watch; the consumer re-lists
            await self._queue.put(exc)

    def __aiter__(self) -> _MergedWatch:
        return self

    async def __anext__(self) -> StoreEvent:
        item = await self._queue.get()
        if isinstance(item, BaseException):
            await self.aclose()
            raise item
        return item

    async def aclose(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
