"""The state one operator process shares between its reconcilers, and the status writer.

`Controller` holds the client, the caches, the two work queues, the sink and the small
in-memory bookkeeping that makes reconciles cheap and correct:

- `applied`: which owned objects were applied last for an owner (pruning lists the
  cluster only when that set changes, or on the first reconcile after a start);
- `pending`: the resourceVersion of our last status write per object, so a reconcile
  waits (briefly) for the cache to show it instead of acting on an older read; a
  reconcile that waits is `parked` and queued again by the watch event that shows it;
- `sunk`: a fingerprint of the last record handed to the sink per object;
- `owned`: the live objects Bosun owns, as the watches show them (compact JSON), so an
  apply that would change nothing is skipped (owned.py).

`write_status` also posts the Kubernetes Events of the condition transitions it wrote
(events.py), so every reconciler gets them by writing its status.

Created by operator.py; every handler module receives it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bosun.controller.kube.client import Conflict, KubeClient, KubeError, NotFound
from bosun.controller.kube.events import EventRecorder, transitions
from bosun.controller.kube.index import Cache
from bosun.controller.kube.settings import ControllerSettings
from bosun.controller.kube.sink import ReconcileSink
from bosun.controller.kube.status import status_patch
from bosun.controller.kube.workqueue import QueueKey, Requeue, WorkQueue

Obj = dict[str, Any]
ObjKey = tuple[str, str, str, str]  # (apiVersion, kind, namespace, name)

PENDING_WAIT = 5.0  # seconds to wait for the cache to show our own write
NAMESPACE_LABELS_TTL = 30.0


def key_of(body: Mapping[str, Any]) -> QueueKey:
    meta = body.get("metadata") or {}
    return (str(body.get("kind")), str(meta.get("namespace") or ""), str(meta.get("name")))


def _rv_at_least(seen: str, wanted: str) -> bool:
    """Whether resourceVersion `seen` is `wanted` or newer (etcd's are integers)."""
    if seen == wanted:
        return True
    try:
        return int(seen) >= int(wanted)
    except ValueError:
        return False


@dataclass
class Controller:
    settings: ControllerSettings
    client: KubeClient
    cache: Cache
    sink: ReconcileSink
    reconciles: WorkQueue
    discoveries: WorkQueue
    events: EventRecorder
    applied: dict[QueueKey, set[ObjKey]] = field(default_factory=dict)
    pending: dict[QueueKey, tuple[str, float]] = field(default_factory=dict)
    parked: set[QueueKey] = field(default_factory=set)  # reconciles waiting for `pending`
    deferred: set[QueueKey] = field(default_factory=set)  # new Agents given a moment (agent.py)
    sunk: dict[QueueKey, str] = field(default_factory=dict)
    owned: dict[ObjKey, bytes] = field(default_factory=dict)  # fed by the watches
    applied_rv: dict[ObjKey, str] = field(default_factory=dict)  # our applies' answers
    discovery_failures: dict[QueueKey, int] = field(default_factory=dict)
    discovering: set[QueueKey] = field(default_factory=set)  # discovery loop scheduled
    inventory: dict[str, set[ObjKey]] | None = None  # owned objects by owner uid (owned.py)
    inventory_lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _ns_labels: dict[str, tuple[float, dict[str, str]]] = field(default_factory=dict)

    def forget(self, key: QueueKey) -> None:
        """Drop what is remembered about an object that is gone."""
        self.applied.pop(key, None)
        self.pending.pop(key, None)
        self.parked.discard(key)
        self.deferred.discard(key)
        self.sunk.pop(key, None)
        self.discovery_failures.pop(key, None)
        self.discovering.discard(key)
        self.reconciles.forget(key)
        self.discoveries.forget(key)

    def reset(self) -> None:
        """Forget bookkeeping that another leader may have invalidated."""
        self.applied.clear()
        self.pending.clear()
        self.parked.clear()
        self.sunk.clear()
        self.discovery_failures.clear()
        self.discovering.clear()
        self.inventory = None

    def check_fresh(self, key: QueueKey, body: Mapping[str, Any]) -> None:
        """Raise Requeue while the cache has not yet shown our last status write."""
        pending = self.pending.get(key)
        if pending is None:
            return
        rv, at = pending
        seen = str((body.get("metadata") or {}).get("resourceVersion") or "")
        waited = time.monotonic() - at
        if _rv_at_least(seen, rv) or waited > PENDING_WAIT:
            del self.pending[key]
            self.parked.discard(key)
            return
        # Not polled: the watch event that shows the write queues the key (`caught_up`);
        # the delay is only the bound on waiting for it.
        self.parked.add(key)
        raise Requeue(PENDING_WAIT - waited + 0.01, f"waiting for the cache to show {rv}")

    def caught_up(self, key: QueueKey, body: Mapping[str, Any]) -> bool:
        """Whether `body` (just delivered) is the write a parked reconcile waits for."""
        if key not in self.parked:
            return False
        pending = self.pending.get(key)
        seen = str((body.get("metadata") or {}).get("resourceVersion") or "")
        if pending is not None and not _rv_at_least(seen, pending[0]):
            return False
        self.parked.discard(key)
        return True

    async def write_status(self, body: Mapping[str, Any], desired: Mapping[str, Any]) -> None:
        """Patch `.status` to `desired` if it differs; conditional on the read's version."""
        patch = status_patch(body.get("status"), desired)
        if patch is None:
            return
        kind, namespace, name = key_of(body)
        meta = body.get("metadata") or {}
        try:
            result = await self.client.patch_status(
                str(body.get("apiVersion")),
                kind,
                namespace,
                name,
                patch,
                resource_version=str(meta.get("resourceVersion") or "") or None,
            )
        except Conflict as exc:
            raise Requeue(0.2, f"status write conflict: {exc.message}") from exc
        except NotFound:
            return  # deleted meanwhile: the deletion event reconciles it
        new_rv = str((result.get("metadata") or {}).get("resourceVersion") or "")
        if new_rv:
            self.pending[(kind, namespace, name)] = (new_rv, time.monotonic())
        # After the write, not before: a write that conflicted is retried from a new read,
        # and posting first would report the same transition twice.
        await self.events.record(body, transitions(body.get("status"), desired))

    async def namespace_labels(self, namespaces: set[str]) -> dict[str, dict[str, str]]:
        """Labels of namespaces (for allowedNamespaces selectors), cached for 30 s.

        Unknown or unreadable namespaces have no labels (a selector then does not match).
        """
        out: dict[str, dict[str, str]] = {}
        now = time.monotonic()
        for ns in sorted(namespaces):
            cached = self._ns_labels.get(ns)
            if cached is not None and now - cached[0] < NAMESPACE_LABELS_TTL:
                out[ns] = cached[1]
                continue
            try:
                found = await self.client.get("v1", "Namespace", None, ns)
            except KubeError:
                found = None
            labels = dict(((found or {}).get("metadata") or {}).get("labels") or {})
            self._ns_labels[ns] = (now, labels)
            out[ns] = labels
        return out
