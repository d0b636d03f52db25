"""Watch event handlers (watch.py): update the caches and turn watch events into queued keys.

An event matters when what it changes matters: for Bosun's kinds the spec (generation),
labels, annotations or deletion, not a status write (ours included, so no hot loop); for
Secrets, ConfigMaps and Services their content (hashes, data, port); for Deployments owned
by a Bosun kind their replica counts; for an Agent also its Ready condition, which
re-queues only the teams it is a member of. A change queues the object itself and everything
that depends on it, transitively (Secret -> ModelConfig -> Agent -> parent Agent), and the
owners of a changed or deleted owned object (so drift is undone and Ready follows the
Deployment).

Drift: an owned object edited or deleted by someone else re-queues its owner, whose
server-side apply puts Bosun's fields back. Owned objects count as changed when their
labels, annotations or owner references change too, and owned Services when any of their
spec does (not only the port that dependants read). ServiceAccounts, Roles and
RoleBindings are watched only for this, with the managed-by label as a server-side
selector (so a cluster's other ServiceAccounts never reach the operator); they are not
cached. The owners last seen are remembered per object, so an edit that strips the owner
reference still reaches the owner.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from bosun.controller.kube.context import Controller
from bosun.controller.kube.index import BOSUN_KINDS, owners, secret_hashes
from bosun.controller.kube.owned import MANAGED_BY, observe
from bosun.controller.kube.status import DeploymentState
from bosun.controller.kube.watch import Watches
from bosun.controller.kube.workqueue import QueueKey

Fingerprint = str


def _fingerprint(value: Any) -> Fingerprint:
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:16]


def enqueue(ctl: Controller, key: QueueKey) -> None:
    """RemoteMCPServers live in the discovery queue; everything else is reconciled."""
    if key[0] == "RemoteMCPServer":
        ctl.discoveries.add(key)
    else:
        ctl.reconciles.add(key)


Body = Mapping[str, Any]


def _owned_by_bosun(body: Body) -> bool:
    return bool(owners(body))


# Watched only to undo drift: (apiVersion, kind), with the managed-by label as selector.
DRIFT_ONLY: list[tuple[str, str]] = [
    ("v1", "ServiceAccount"),
    ("rbac.authorization.k8s.io/v1", "Role"),
    ("rbac.authorization.k8s.io/v1", "RoleBinding"),
]
MANAGED_BY_SELECTOR = ",".join(f"{k}={v}" for k, v in MANAGED_BY.items())


def _owned_content(body: Mapping[str, Any]) -> Any:
    """What an owned object's drift is judged on: all but status and server-set metadata."""
    meta = body.get("metadata") or {}
    rest = {k: v for k, v in body.items() if k not in ("metadata", "status")}
    return [rest, meta.get("labels"), meta.get("annotations"), meta.get("ownerReferences")]


class Triggers:
    def __init__(self, ctl: Controller) -> None:
        self.ctl = ctl
        self._seen: dict[QueueKey, Fingerprint] = {}
        self._owners: dict[QueueKey, list[QueueKey]] = {}  # owned objects' owners last seen

    def _changed(self, key: QueueKey, event: Mapping[str, Any], fingerprint: Any) -> bool:
        if event.get("type") == "DELETED":
            self._seen.pop(key, None)
            return True
        new = _fingerprint(fingerprint)
        if self._seen.get(key) == new:
            return False
        self._seen[key] = new
        return True

    def _cascade(self, ref: QueueKey) -> None:
        for dependent in self.ctl.cache.dependents_closure([ref]):
            enqueue(self.ctl, dependent)

    async def on_bosun(self, event: Mapping[str, Any], body: Body, **_: Any) -> None:
        meta = body.get("metadata") or {}
        key: QueueKey = (str(body.get("kind")), str(meta.get("namespace")), str(meta.get("name")))
        self.ctl.cache.update(key[0], event.get("type") == "DELETED", body)
        if self.ctl.caught_up(key, body):  # a reconcile waited for this (our status write)
            enqueue(self.ctl, key)
        fingerprint = [
            meta.get("generation"),
            meta.get("labels"),
            meta.get("annotations"),
            bool(meta.get("deletionTimestamp")),
        ]
        if self._changed(key, event, fingerprint):
            enqueue(self.ctl, key)
            if key[0] == "MCPServer":
                self.ctl.discoveries.add(key)  # rediscover now (it waits for Ready itself)
            self._cascade(key)
        if key[0] == "Agent":
            self._member_readiness(key, event, body)

    def _member_readiness(self, key: QueueKey, event: Mapping[str, Any], body: Body) -> None:
        """An Agent's Ready changed (a status write): its teams show their members' states."""
        conditions = (body.get("status") or {}).get("conditions") or []
        ready: dict[str, Any] = next((c for c in conditions if c.get("type") == "Ready"), {})
        ready_key: QueueKey = ("AgentReady", key[1], key[2])
        if self._changed(ready_key, event, [ready.get("status"), ready.get("message")]):
            for dependent in self.ctl.cache.dependents(key):
                if dependent[0] == "AgentTeam":
                    enqueue(self.ctl, dependent)

    def _core(self, kind: str, event: Mapping[str, Any], body: Body, content: Any) -> None:
        self.ctl.cache.update(kind, event.get("type") == "DELETED", body)
        meta = body.get("metadata") or {}
        key: QueueKey = (kind, str(meta.get("namespace")), str(meta.get("name")))
        found = owners(body)
        echo = observe(self.ctl, body, event.get("type") == "DELETED" or not found)
        if found:
            content = [content, _owned_content(body) if kind == "Service" else None]
            content.append([meta.get("labels"), meta.get("annotations"), found])
        if self._changed(key, event, content):
            self._cascade(key)
            self._requeue_owners(key, event, found, queue=not echo)

    def _requeue_owners(
        self, key: QueueKey, event: Mapping[str, Any], found: list[QueueKey], *, queue: bool
    ) -> None:
        """Queue the owners seen now and those seen before (an edit may drop the reference);
        not for the echo of the owner's own apply (`queue` False: it knows what it wrote)."""
        before = self._owners.pop(key, [])
        if found and event.get("type") != "DELETED":
            self._owners[key] = found
        if not queue:
            return
        for owner in dict.fromkeys([*before, *found]):
            enqueue(self.ctl, owner)

    async def on_owned(self, event: Mapping[str, Any], body: Body, **_: Any) -> None:
        """A ServiceAccount, Role or RoleBinding labelled managed-by=bosun: undo its drift."""
        meta = body.get("metadata") or {}
        key: QueueKey = (str(body.get("kind")), str(meta.get("namespace")), str(meta.get("name")))
        found = owners(body)
        echo = observe(self.ctl, body, event.get("type") == "DELETED" or not found)
        if self._changed(key, event, _owned_content(body)):
            self._requeue_owners(key, event, found, queue=not echo)

    async def on_secret(self, event: Mapping[str, Any], body: Body, **_: Any) -> None:
        self._core("Secret", event, body, secret_hashes(body))

    async def on_configmap(self, event: Mapping[str, Any], body: Body, **_: Any) -> None:
        self._core("ConfigMap", event, body, body.get("data"))

    async def on_service(self, event: Mapping[str, Any], body: Body, **_: Any) -> None:
        self._core("Service", event, body, (body.get("spec") or {}).get("ports"))

    async def on_deployment(self, event: Mapping[str, Any], body: Body, **_: Any) -> None:
        state = DeploymentState.from_body(body)
        self._core("Deployment", event, body, state.__dict__)

    def register(self, watches: Watches) -> None:
        for model, _ in BOSUN_KINDS.values():
            watches.on_event(model.info.api_version, model.info.kind, self.on_bosun)
        watches.on_event("v1", "Secret", self.on_secret)
        watches.on_event("v1", "ConfigMap", self.on_configmap)
        watches.on_event("v1", "Service", self.on_service)
        watches.on_event("apps/v1", "Deployment", self.on_deployment, when=_owned_by_bosun)
        for api_version, kind in DRIFT_ONLY:
            watches.on_event(api_version, kind, self.on_owned, label_selector=MANAGED_BY_SELECTOR)
