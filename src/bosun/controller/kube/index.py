"""The operator's caches and dependency index, kept by kopf indices (no re-listing).

kopf fills every index from its watches and, at start, runs no handler before all indices
hold the initial listing, so a reconcile never sees a half-filled cache. Indexed:

- the four Bosun kinds by (namespace, name), as raw bodies;
- Secrets as key -> sha256 of the value (values are never kept), ConfigMaps' data,
  Services' first port, and a small summary of each Deployment owned by a Bosun kind;
- dependencies: (kind, namespace, name) of a referenced object -> the Bosun objects that
  reference it (an Agent's ModelConfig, Secrets, ConfigMaps, tool servers, agents used as
  tools; a ModelConfig's Secrets; a server's Secrets and ConfigMaps).

`Cache` is the read side used by the reconcilers; `register_indices` the kopf side.
"""

from __future__ import annotations

import base64
import copy
import hashlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import kopf
from pydantic import ValidationError

from bosun.api import GROUP
from bosun.api.agent import Agent
from bosun.api.mcpserver import MCPServer, RemoteMCPServer
from bosun.api.modelconfig import ModelConfig
from bosun.controller.kube.status import DeploymentState
from bosun.controller.kube.workqueue import QueueKey
from bosun.controller.translate import (
    agent_references,
    mcpserver_references,
    model_config_references,
    remote_mcp_server_references,
)

Obj = dict[str, Any]
Ref = tuple[str, str, str]
NsName = tuple[str, str]

# Bosun kind -> (model, references function)
BOSUN_KINDS: dict[str, tuple[type[Any], Callable[[Any], set[Ref]]]] = {
    "Agent": (Agent, agent_references),
    "ModelConfig": (ModelConfig, model_config_references),
    "RemoteMCPServer": (RemoteMCPServer, remote_mcp_server_references),
    "MCPServer": (MCPServer, mcpserver_references),
}
OBJECTS_INDEX = {kind: f"bosun_{kind.lower()}s" for kind in BOSUN_KINDS}
DEPS_INDEX = {kind: f"bosun_{kind.lower()}_deps" for kind in BOSUN_KINDS}
SECRETS_INDEX = "bosun_secrets"
CONFIGMAPS_INDEX = "bosun_configmaps"
SERVICES_INDEX = "bosun_services"
DEPLOYMENTS_INDEX = "bosun_deployments"


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
        return refs(model.model_validate(dict(body)))
    except (ValidationError, ValueError, TypeError):
        return set()


Index = dict[Any, Any]


def _objects_indexer(**kw: Any) -> Index:
    return {(kw["namespace"], kw["name"]): copy.deepcopy(dict(kw["body"]))}


def _deps_indexer(kind: str) -> Callable[..., Index]:
    def deps(**kw: Any) -> Index:
        dependent = (kind, kw["namespace"], kw["name"])
        return {ref: dependent for ref in references_of(kind, kw["body"])}

    return deps


def _secrets_indexer(**kw: Any) -> Index:
    return {(kw["namespace"], kw["name"]): secret_hashes(kw["body"])}


def _configmaps_indexer(**kw: Any) -> Index:
    data = kw["body"].get("data") or {}
    return {(kw["namespace"], kw["name"]): {k: str(v) for k, v in data.items()}}


def _services_indexer(**kw: Any) -> Index:
    ports = kw["spec"].get("ports") or []
    return {(kw["namespace"], kw["name"]): int(ports[0].get("port") or 0) if ports else 0}


def _deployments_indexer(**kw: Any) -> Index:
    return {(kw["namespace"], kw["name"]): DeploymentState.from_body(kw["body"])}


def _owned_by_bosun(**kw: Any) -> bool:
    return bool(owners(kw["body"]))


def register_indices(registry: kopf.OperatorRegistry) -> None:
    """Add the indexing handlers to `registry` (ids are the names Cache reads)."""
    for kind, (model, _) in BOSUN_KINDS.items():
        info = model.info
        for index_id, fn in (
            (OBJECTS_INDEX[kind], _objects_indexer),
            (DEPS_INDEX[kind], _deps_indexer(kind)),
        ):
            kopf.index(info.group, info.version, info.plural, id=index_id, registry=registry)(fn)
    kopf.index("v1", "secrets", id=SECRETS_INDEX, registry=registry)(_secrets_indexer)
    kopf.index("v1", "configmaps", id=CONFIGMAPS_INDEX, registry=registry)(_configmaps_indexer)
    kopf.index("v1", "services", id=SERVICES_INDEX, registry=registry)(_services_indexer)
    kopf.index(
        "apps", "v1", "deployments", id=DEPLOYMENTS_INDEX, registry=registry, when=_owned_by_bosun
    )(_deployments_indexer)


class Cache:
    """Read access to the indices (bound once kopf has created them, at startup)."""

    def __init__(self) -> None:
        self._indices: Mapping[str, Any] = {}

    def bind(self, indices: Mapping[str, Any]) -> None:
        self._indices = {k: v for k, v in indices.items() if k.startswith("bosun_")}

    @property
    def bound(self) -> bool:
        return bool(self._indices)

    def _one(self, index: str, key: Any) -> Any:
        store = self._indices[index].get(key) if index in self._indices else None
        if not store:
            return None
        return next(iter(store), None)

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        body: Obj | None = self._one(OBJECTS_INDEX[kind], (namespace, name))
        return body

    def keys(self, kind: str) -> list[NsName]:
        index = self._indices.get(OBJECTS_INDEX[kind])
        return list(index.keys()) if index is not None else []

    def secret(self, namespace: str, name: str) -> dict[str, str] | None:
        found: dict[str, str] | None = self._one(SECRETS_INDEX, (namespace, name))
        return found

    def config_map(self, namespace: str, name: str) -> dict[str, str] | None:
        found: dict[str, str] | None = self._one(CONFIGMAPS_INDEX, (namespace, name))
        return found

    def service_port(self, namespace: str, name: str) -> int | None:
        found: int | None = self._one(SERVICES_INDEX, (namespace, name))
        return found

    def deployment(self, namespace: str, name: str) -> DeploymentState | None:
        found: DeploymentState | None = self._one(DEPLOYMENTS_INDEX, (namespace, name))
        return found

    def dependents(self, ref: Ref) -> set[QueueKey]:
        """Bosun objects that reference `ref` directly."""
        out: set[QueueKey] = set()
        for index_id in DEPS_INDEX.values():
            index = self._indices.get(index_id)
            if index is not None:
                out.update(index.get(ref, ()))
        return out

    def dependents_closure(self, refs: Iterable[Ref]) -> set[QueueKey]:
        """Everything that depends on `refs`, directly or through others (cycles are fine)."""
        seen: set[QueueKey] = set()
        todo = list(refs)
        while todo:
            for dependent in self.dependents(todo.pop()):
                if dependent not in seen:
                    seen.add(dependent)
                    todo.append(dependent)
        return seen
