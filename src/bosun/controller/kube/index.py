"""The operator's caches and dependency index, fed by the watches' events (no re-listing).

Kept here, by (namespace, name):
- the Bosun kinds (BOSUN_KINDS), as raw bodies; an Agent or ModelConfig written as
  kagent.dev/v1alpha1 is handed out converted to v1alpha2 (legacy.py);
- Secrets as key -> sha256 of the value (values are never kept), ConfigMaps' data,
  Services' first port, and a summary of each Deployment owned by a Bosun kind;
- dependencies: (kind, namespace, name) of a referenced object -> the Bosun objects that
  reference it (an Agent's ModelConfig, Secrets, ConfigMaps, tool servers, agents used as
  tools; a ModelConfig's Secrets; a server's Secrets and ConfigMaps; a team's members).

Readiness (`ready`): every watch (watch.py) has delivered its first list, so reconciles
start only with a complete cache and a restart never reports "ModelConfig not found" for
a ModelConfig that simply was not cached yet. (kopf's indices, used before, blocked all
handlers on a readiness check that was quadratic in the objects: a restart with 1000
Agents took 42 s, most of it there.)
"""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import logging
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError

from bosun.api import GROUP
from bosun.api.agent import Agent
from bosun.api.mcpserver import MCPServer, RemoteMCPServer
from bosun.api.modelconfig import ModelConfig
from bosun.api.team import AgentTeam
from bosun.api.v1alpha1 import Tool
from bosun.controller.kube import legacy
from bosun.controller.kube.status import DeploymentState
from bosun.controller.kube.workqueue import QueueKey
from bosun.controller.translate import (
    agent_references,
    mcpserver_references,
    model_config_references,
    remote_mcp_server_references,
    team_references,
)
from bosun.controller.translate.httptool import tool_references

logger = logging.getLogger(__name__)

Obj = dict[str, Any]
Ref = tuple[str, str, str]
NsName = tuple[str, str]

# Bosun kind -> (model, references function)
BOSUN_KINDS: dict[str, tuple[type[Any], Any]] = {
    "Agent": (Agent, agent_references),
    "ModelConfig": (ModelConfig, model_config_references),
    "RemoteMCPServer": (RemoteMCPServer, remote_mcp_server_references),
    "MCPServer": (MCPServer, mcpserver_references),
    "AgentTeam": (AgentTeam, team_references),
    "Tool": (Tool, tool_references),  # kagent.dev/v1alpha1, used by v1alpha1 Agents
}
# Everything watched: kind -> apiVersion.
WATCHED: dict[str, str] = {
    **{kind: model.info.api_version for kind, (model, _) in BOSUN_KINDS.items()},
    "Secret": "v1",
    "ConfigMap": "v1",
    "Service": "v1",
    "Deployment": "apps/v1",
}


def secret_hashes(body: Mapping[str, Any]) -> dict[str, str]:
    """key -> sha256 of the decoded value (as the translator's `secret_hash` of the text)."""
    out: dict[str, str] = {}
    for key, value in (body.get("data") or {}).items():
        try:
            raw = base64.b64decode(str(value or ""))
        except ValueError:
            raw = str(value).encode()
        out[key] = hashlib.sha256(raw).hexdigest()
    return out


def owners(body: Mapping[str, Any]) -> list[QueueKey]:
    """The Bosun objects named as owners of `body` (same namespace, by ownerReferences)."""
    meta = body.get("metadata") or {}
    return [
        (str(ref.get("kind")), str(meta.get("namespace") or ""), str(ref.get("name")))
        for ref in meta.get("ownerReferences") or []
        if str(ref.get("apiVersion", "")).startswith(f"{GROUP}/") and ref.get("kind") in BOSUN_KINDS
    ]


def references_of(kind: str, body: Mapping[str, Any]) -> set[Ref]:
    """What a Bosun object reads; an invalid object reads nothing (it is re-read when fixed)."""
    model, refs = BOSUN_KINDS[kind]
    try:
        found: set[Ref] = refs(model.model_validate(dict(body)))
    except (ValidationError, ValueError, TypeError):
        return set()
    return found


def _key(kind: str, body: Mapping[str, Any]) -> QueueKey:
    meta = body.get("metadata") or {}
    return (kind, str(meta.get("namespace") or ""), str(meta.get("name") or ""))


class Cache:
    """What the watches delivered, and who depends on what. Fed by triggers.py."""

    def __init__(self) -> None:
        self._objects: dict[str, dict[NsName, Obj]] = {kind: {} for kind in BOSUN_KINDS}
        self._secrets: dict[NsName, dict[str, str]] = {}
        self._config_maps: dict[NsName, dict[str, str]] = {}
        self._services: dict[NsName, int] = {}
        self._deployments: dict[NsName, DeploymentState] = {}
        self._deps: dict[Ref, set[QueueKey]] = {}
        self._refs: dict[QueueKey, set[Ref]] = {}
        self._legacy: set[QueueKey] = set()  # bodies carrying v1alpha1 fields (legacy.py)
        self.ready = asyncio.Event()

    # -- writing (from the watch) ----------------------------------------------------------

    def update(self, kind: str, deleted: bool, body: Mapping[str, Any]) -> None:
        key = _key(kind, body)
        if deleted:
            self._forget(key)
        else:
            self._store(key, body)

    def _store(self, key: QueueKey, body: Mapping[str, Any]) -> None:
        kind, ns, name = key
        if kind in BOSUN_KINDS:
            self._objects[kind][(ns, name)] = copy.deepcopy(dict(body))
            if legacy.is_legacy(kind, body):
                self._legacy.add(key)
            else:
                self._legacy.discard(key)
            self._refresh_refs(key)
        elif kind == "Secret":
            self._secrets[(ns, name)] = secret_hashes(body)
        elif kind == "ConfigMap":
            data = body.get("data") or {}
            self._config_maps[(ns, name)] = {k: str(v) for k, v in data.items()}
        elif kind == "Service":
            ports = (body.get("spec") or {}).get("ports") or []
            self._services[(ns, name)] = int(ports[0].get("port") or 0) if ports else 0
        elif kind == "Deployment":
            self._deployments[(ns, name)] = DeploymentState.from_body(body)

    def _forget(self, key: QueueKey) -> None:
        kind, ns, name = key
        if kind in BOSUN_KINDS:
            self._objects[kind].pop((ns, name), None)
            self._legacy.discard(key)
            self._set_refs(key, set())
            if kind == "Tool":
                self._refresh_tool_users(ns, name)
        else:
            stores: dict[str, dict[NsName, Any]] = {
                "Secret": self._secrets,
                "ConfigMap": self._config_maps,
                "Service": self._services,
                "Deployment": self._deployments,
            }
            stores[kind].pop((ns, name), None)

    def _refresh_refs(self, key: QueueKey) -> None:
        kind, ns, name = key
        body = self.get(kind, ns, name)
        if body is None:
            return
        refs = references_of(kind, body)
        if key in self._legacy:
            refs |= legacy.tool_refs(kind, self._objects[kind][(ns, name)])
        self._set_refs(key, refs)
        if kind == "Tool":
            self._refresh_tool_users(ns, name)

    def _refresh_tool_users(self, ns: str, name: str) -> None:
        """A Tool changed the conversion of the Agents naming it, so what they read."""
        for user in self.dependents(("Tool", ns, name)):
            if user in self._legacy:
                self._refresh_refs(user)

    def _set_refs(self, key: QueueKey, refs: set[Ref]) -> None:
        old = self._refs.pop(key, set())
        for ref in old - refs:
            dependents = self._deps.get(ref)
            if dependents is not None:
                dependents.discard(key)
                if not dependents:
                    del self._deps[ref]
        for ref in refs - old:
            self._deps.setdefault(ref, set()).add(key)
        if refs:
            self._refs[key] = refs

    # -- readiness -------------------------------------------------------------------------

    def mark_synced(self) -> None:
        """Every watch delivered its first list (watch.py): the cache is complete."""
        self.ready.set()

    # -- reading ---------------------------------------------------------------------------

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        body = self._objects[kind].get((namespace, name))
        if body is not None and (kind, namespace, name) in self._legacy:
            return legacy.converted(kind, body, lambda ns, n: self._objects["Tool"].get((ns, n)))
        return body

    def keys(self, kind: str) -> list[NsName]:
        return list(self._objects[kind])

    def secret(self, namespace: str, name: str) -> dict[str, str] | None:
        return self._secrets.get((namespace, name))

    def config_map(self, namespace: str, name: str) -> dict[str, str] | None:
        return self._config_maps.get((namespace, name))

    def service_port(self, namespace: str, name: str) -> int | None:
        return self._services.get((namespace, name))

    def deployment(self, namespace: str, name: str) -> DeploymentState | None:
        return self._deployments.get((namespace, name))

    def dependents(self, ref: Ref) -> set[QueueKey]:
        """Bosun objects that reference `ref` directly."""
        return set(self._deps.get(ref, ()))

    def dependents_closure(self, refs: Iterable[Ref]) -> set[QueueKey]:
        """Everything that depends on `refs`, directly or through others (cycles are fine)."""
        seen: set[QueueKey] = set()
        todo = list(refs)
        while todo:
            for dependent in self._deps.get(todo.pop(), ()):
                if dependent not in seen:
                    seen.add(dependent)
                    todo.append(dependent)
        return seen
