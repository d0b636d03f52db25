"""Gathering the translator's `References` for one resource from the ResourceStore.

The API validates an Agent (or checks a ModelConfig / RemoteMCPServer) before storing it,
with the same translator the controller runs: this module fetches what the resource
references, transitively (an agent used as a tool brings its own references, for the
cycle check), and reduces Secrets to content hashes. Used by routes/resources.py.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from pydantic import ValidationError

from bosun.api.agent import Agent
from bosun.api.manifests import RESOURCE_KINDS
from bosun.api.mcpserver import MCPServer, RemoteMCPServer
from bosun.api.modelconfig import ModelConfig
from bosun.api.store import NotFound, ResourceStore, StoredObject
from bosun.controller.translate import (
    References,
    agent_references,
    mcpserver_references,
    model_config_references,
    remote_mcp_server_references,
    secret_hash,
)

Ref = tuple[str, str, str]
MAX_OBJECTS = 500  # a bound on what one validation may fetch


def _decoded(value: Any) -> str:
    try:
        return base64.b64decode(str(value), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return str(value)


def _service_port(obj: StoredObject) -> int | None:
    ports = obj.body.get("spec", {}).get("ports") or []
    port = ports[0].get("port") if ports and isinstance(ports[0], dict) else None
    return int(port) if isinstance(port, int) else None


def _dependencies(resource: Any) -> set[Ref]:
    if isinstance(resource, Agent):
        return agent_references(resource)
    if isinstance(resource, ModelConfig):
        return model_config_references(resource)
    if isinstance(resource, RemoteMCPServer):
        return remote_mcp_server_references(resource)
    if isinstance(resource, MCPServer):
        return mcpserver_references(resource)
    return set()


async def gather_references(store: ResourceStore, root: Any) -> References:
    """Everything `root` (a typed resource) reaches, as References. Absent objects are
    simply missing: the translator reports them with the referring field."""
    refs = References()
    pending = list(_dependencies(root))
    seen: set[Ref] = {root.key}
    if isinstance(root, Agent):
        refs.agents[(root.namespace, root.name)] = root  # the new version, not the stored one
    while pending and len(seen) < MAX_OBJECTS:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        kind, namespace, name = ref
        try:
            obj = await store.get(kind, namespace, name)
        except NotFound:
            continue
        key = (namespace, name)
        if kind == "Secret":
            data = obj.body.get("data") or {}
            refs.secrets[key] = {str(k): secret_hash(_decoded(v)) for k, v in data.items()}
        elif kind == "ConfigMap":
            refs.config_maps[key] = {
                str(k): str(v) for k, v in (obj.body.get("data") or {}).items()
            }
        elif kind == "Service":
            port = _service_port(obj)
            if port is not None:
                refs.services[key] = port
        elif kind in RESOURCE_KINDS:
            try:
                typed = RESOURCE_KINDS[kind].model_validate(obj.body)
            except ValidationError:
                continue  # a stored object that no longer validates is reported as missing
            tables: dict[str, dict[tuple[str, str], Any]] = {
                "Agent": refs.agents,
                "ModelConfig": refs.model_configs,
                "RemoteMCPServer": refs.remote_mcp_servers,
                "MCPServer": refs.mcp_servers,
            }
            tables[kind][key] = typed
            pending.extend(_dependencies(typed) - seen)
    return refs
