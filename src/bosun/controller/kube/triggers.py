"""kopf event handlers: update the caches and turn watch events into queued keys.

An event matters when what it changes matters: for Bosun's kinds the spec (generation),
labels, annotations or deletion, not a status write (ours included, so no hot loop); for
Secrets, ConfigMaps and Services their content (hashes, data, port); for Deployments owned
by a Bosun kind their replica counts. A change queues the object itself and everything
that depends on it, transitively (Secret -> ModelConfig -> Agent -> parent Agent), and the
owners of a changed or deleted owned object (so drift is undone and Ready follows the
Deployment).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import kopf

from bosun.controller.kube.context import Controller
from bosun.controller.kube.index import BOSUN_KINDS, owners, secret_hashes
from bosun.controller.kube.status import DeploymentState
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


def _owned_by_bosun(body: kopf.Body, **_: Any) -> bool:
    return bool(owners(body))


class Triggers:
    def __init__(self, ctl: Controller) -> None:
        self.ctl = ctl
        self._seen: dict[QueueKey, Fingerprint] = {}

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

    async def on_bosun(self, event: Mapping[str, Any], body: kopf.Body, **_: Any) -> None:
        meta = body.get("metadata") or {}
        key: QueueKey = (str(body.get("kind")), str(meta.get("namespace")), str(meta.get("name")))
        self.ctl.cache.update(key[0], event.get("type") == "DELETED", body)
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

    def _core(self, kind: str, event: Mapping[str, Any], body: kopf.Body, content: Any) -> None:
        self.ctl.cache.update(kind, event.get("type") == "DELETED", body)
        meta = body.get("metadata") or {}
        key: QueueKey = (kind, str(meta.get("namespace")), str(meta.get("name")))
        if self._changed(key, event, content):
            self._cascade(key)
            for owner in owners(body):
                enqueue(self.ctl, owner)

    async def on_secret(self, event: Mapping[str, Any], body: kopf.Body, **_: Any) -> None:
        self._core("Secret", event, body, secret_hashes(body))

    async def on_configmap(self, event: Mapping[str, Any], body: kopf.Body, **_: Any) -> None:
        self._core("ConfigMap", event, body, body.get("data"))

    async def on_service(self, event: Mapping[str, Any], body: kopf.Body, **_: Any) -> None:
        self._core("Service", event, body, (body.get("spec") or {}).get("ports"))

    async def on_deployment(self, event: Mapping[str, Any], body: kopf.Body, **_: Any) -> None:
        state = DeploymentState.from_body(body)
        self._core("Deployment", event, body, state.__dict__)

    def register(self, registry: kopf.OperatorRegistry) -> None:
        for model, _ in BOSUN_KINDS.values():
            info = model.info
            kopf.on.event(
                info.group, info.version, info.plural, id=f"bosun-{info.plural}", registry=registry
            )(self.on_bosun)
        kopf.on.event("v1", "secrets", id="bosun-secrets", registry=registry)(self.on_secret)
        kopf.on.event("v1", "configmaps", id="bosun-configmaps", registry=registry)(
            self.on_configmap
        )
        kopf.on.event("v1", "services", id="bosun-services", registry=registry)(self.on_service)
        kopf.on.event(
            "apps",
            "v1",
            "deployments",
            id="bosun-deployments",
            registry=registry,
            when=_owned_by_bosun,
        )(self.on_deployment)
