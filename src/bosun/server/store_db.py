"""The ResourceStore of local mode: resources and core objects kept in the database.

Behaves like the Kubernetes API as far as Bosun relies on it:
- `apply` creates or replaces an object. `metadata.generation` starts at 1 and grows when
  anything outside metadata and status changes; `metadata.resourceVersion` is a global
  counter bumped on every write. A body that carries a resourceVersion must match the stored
  one, else `Conflict` (optimistic concurrency, HTTP 409). An apply that changes nothing
  writes nothing and emits no event.
- `patch_status` merges (JSON merge patch) into `status`; generation is unchanged.
- `delete` also deletes objects of the same namespace whose ownerReferences name the
  deleted object's uid (what the Kubernetes garbage collector does for generated objects).
- `watch()` yields ADDED / MODIFIED / DELETED for every write made through *this store
  instance*, in commit order; see broadcast.py for what happens to a watcher that lags.
  Writes by another process on the same database are not seen by watchers here.
- Secrets: `data` (base64, with `stringData` folded in as Kubernetes does) is encrypted
  with the SecretBox; reads return it decrypted. Never put a StoredObject of a Secret in
  a response or a log.

Built by the app in local mode, and by the local supervisor (`bosun up`) that shares it.
"""

from __future__ import annotations

import asyncio
import base64
import builtins
import copy
import uuid
from pathlib import Path
from typing import Any

from bosun.api.store import Conflict, NotFound, StoredObject, StoreEvent
from bosun.server.broadcast import Broadcast, Subscription
from bosun.server.db.engine import Database
from bosun.server.db.models import ResourceRow, utcnow
from bosun.server.db.resources import ResourcesRepo, ResourceTx
from bosun.server.secretbox import SecretBox

_SERVER_FIELDS = ("uid", "resourceVersion", "generation", "creationTimestamp")
_TOP_LEVEL = ("apiVersion", "kind", "metadata", "status")


class InvalidObject(ValueError):
    """The body is not an object the store can keep (missing apiVersion, kind or name)."""


def _timestamp(row: ResourceRow) -> str:
    return row.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch: dicts merge, None deletes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _secret_data(body: dict[str, Any]) -> dict[str, str]:
    data = {str(k): str(v) for k, v in (body.get("data") or {}).items()}
    for key, value in (body.get("stringData") or {}).items():
        data[str(key)] = base64.b64encode(str(value).encode()).decode()
    return data


class DbResourceStore:
    """ResourceStore over the `resources` table. One instance per process and database."""

    def __init__(self, repo: ResourcesRepo, secrets: SecretBox) -> None:
        self._repo = repo
        self._secrets = secrets
        self._events: Broadcast[StoreEvent] = Broadcast()
        self._lock = asyncio.Lock()  # publish order = commit order

    @classmethod
    def for_database(cls, db: Database, secret_key_file: Path) -> DbResourceStore:
        return cls(ResourcesRepo(db), SecretBox.from_file(secret_key_file))

    def _to_object(self, row: ResourceRow) -> StoredObject:
        meta = dict(row.metadata_)
        meta.update(
            name=row.name,
            namespace=row.namespace,
            uid=row.uid,
            resourceVersion=str(row.resource_version),
            generation=row.generation,
            creationTimestamp=_timestamp(row),
        )
        body: dict[str, Any] = {"apiVersion": row.api_version, "kind": row.kind, "metadata": meta}
        body.update(copy.deepcopy(row.body))
        if row.secret_data is not None:
            body["data"] = self._secrets.open(row.secret_data)
        if row.status:
            body["status"] = copy.deepcopy(row.status)
        return StoredObject(row.kind, row.namespace, row.name, body)

    async def list(self, kind: str, namespace: str | None = None) -> builtins.list[StoredObject]:
        return [self._to_object(r) for r in await self._repo.list(kind, namespace)]

    async def get(self, kind: str, namespace: str, name: str) -> StoredObject:
        row = await self._repo.get(kind, namespace, name)
        if row is None:
            raise NotFound(f"{kind} {namespace}/{name} not found")
        return self._to_object(row)

    async def list_namespaces(self) -> builtins.list[str]:
        return sorted({"default", *await self._repo.namespaces()})

    async def apply(self, body: dict[str, Any]) -> StoredObject:
        kind, api_version = body.get("kind"), body.get("apiVersion")
        meta = body.get("metadata")
        if not isinstance(meta, dict) or not meta.get("name") or not kind or not api_version:
            raise InvalidObject("an object needs apiVersion, kind and metadata.name")
        namespace = str(meta.get("namespace") or "default")
        name = str(meta["name"])
        expected_version = str(meta.get("resourceVersion") or "")
        content = {k: copy.deepcopy(v) for k, v in body.items() if k not in _TOP_LEVEL}
        sealed: dict[str, str] | None = None
        if kind == "Secret":
            sealed = _secret_data(content)
            content.pop("data", None)
            content.pop("stringData", None)
        new_meta = {
            k: copy.deepcopy(v)
            for k, v in meta.items()
            if k not in (*_SERVER_FIELDS, "name", "namespace")
        }
        async with self._lock:
            async with self._repo.transaction() as tx:
                row = await tx.get(str(kind), namespace, name)
                if expected_version and (
                    row is None or str(row.resource_version) != expected_version
                ):
                    raise Conflict(
                        f"{kind} {namespace}/{name} was changed or deleted since it was read "
                        f"(resourceVersion {expected_version}); read it again and retry"
                    )
                if row is None:
                    row = await self._create(tx, str(kind), str(api_version), namespace, name)
                    event_type = "ADDED"
                elif (
                    row.body == content
                    and row.metadata_ == new_meta
                    and row.api_version == api_version
                    and (sealed is None or self._secrets.open(row.secret_data or b"") == sealed)
                ):
                    return self._to_object(row)
                else:
                    event_type = "MODIFIED"
                    if row.body != content or sealed is not None:
                        row.generation += 1
                    row.resource_version = await tx.next_version()
                row.api_version = str(api_version)
                row.metadata_ = new_meta
                row.body = content
                row.secret_data = self._secrets.seal(sealed) if sealed is not None else None
                row.updated_at = utcnow()
                await tx.flush()
                obj = self._to_object(row)
            self._events.publish(StoreEvent(event_type, obj))  # type: ignore[arg-type]
            return obj

    async def _create(
        self, tx: ResourceTx, kind: str, api_version: str, namespace: str, name: str
    ) -> ResourceRow:
        row = ResourceRow(
            kind=kind,
            namespace=namespace,
            name=name,
            uid=str(uuid.uuid4()),
            api_version=api_version,
            metadata_={},
            body={},
            status=None,
            generation=1,
            resource_version=await tx.next_version(),
            created_at=utcnow(),
        )
        tx.add(row)
        return row

    async def patch_status(
        self, kind: str, namespace: str, name: str, status: dict[str, Any]
    ) -> StoredObject:
        async with self._lock:
            async with self._repo.transaction() as tx:
                row = await tx.get(kind, namespace, name)
                if row is None:
                    raise NotFound(f"{kind} {namespace}/{name} not found")
                merged = merge_patch(row.status or {}, status)
                if merged == (row.status or {}):
                    return self._to_object(row)
                row.status = merged
                row.resource_version = await tx.next_version()
                row.updated_at = utcnow()
                await tx.flush()
                obj = self._to_object(row)
            self._events.publish(StoreEvent("MODIFIED", obj))
            return obj

    async def delete(self, kind: str, namespace: str, name: str) -> None:
        async with self._lock:
            deleted: builtins.list[StoredObject] = []
            async with self._repo.transaction() as tx:
                row = await tx.get(kind, namespace, name)
                if row is None:
                    raise NotFound(f"{kind} {namespace}/{name} not found")
                pending = [row]
                while pending:
                    victim = pending.pop()
                    deleted.append(self._to_object(victim))
                    await tx.delete(victim)
                    await tx.flush()
                    pending.extend(
                        r
                        for r in await tx.in_namespace(victim.namespace)
                        if any(
                            ref.get("uid") == victim.uid
                            for ref in r.metadata_.get("ownerReferences") or []
                        )
                    )
            for obj in deleted:
                self._events.publish(StoreEvent("DELETED", obj))

    def watch(self) -> Subscription[StoreEvent]:
        """Events of every write from now on. Close with `await sub.aclose()`."""
        return self._events.subscribe()

    def close(self) -> None:
        """End every watch (at shutdown)."""
        self._events.close()
