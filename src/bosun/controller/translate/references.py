"""Which objects a resource depends on, and building `References` from a manifest set.

- `agent_references`, `model_config_references`, `remote_mcp_server_references`,
  `mcpserver_references`: (kind, namespace, name) of everything a resource reads, for the
  operator's dependency index (a change to any of them re-translates the resource) and
  for fetching what `translate_*` needs.
- `references_from_set`: everything in a ManifestSet as `References` (validate, render,
  local mode). Secrets are reduced to content hashes here: values go no further.
- `namespace_allowed`: the allowedNamespaces check for cross-namespace references.
"""

from __future__ import annotations

import hashlib
from typing import Any

from bosun.api.agent import Agent
from bosun.api.k8s import AllowedNamespaces, EnvVar
from bosun.api.manifests import ManifestSet
from bosun.api.mcpserver import MCPServer, RemoteMCPServer
from bosun.api.modelconfig import ModelConfig
from bosun.controller.translate.httptool import http_tool_references
from bosun.controller.translate.interface import References

Ref = tuple[str, str, str]  # (kind, namespace, name)


def secret_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def references_from_set(manifests: ManifestSet) -> References:
    model_configs: dict[tuple[str, str], ModelConfig] = {}
    remote: dict[tuple[str, str], RemoteMCPServer] = {}
    servers: dict[tuple[str, str], MCPServer] = {}
    agents: dict[tuple[str, str], Agent] = {}
    for r in manifests.resources:
        key = (r.namespace, r.name)
        if isinstance(r, ModelConfig):
            model_configs[key] = r
        elif isinstance(r, RemoteMCPServer):
            remote[key] = r
        elif isinstance(r, MCPServer):
            servers[key] = r
        elif isinstance(r, Agent):
            agents[key] = r
    config_maps = {
        (c.namespace, c.name): dict(c.data) for c in manifests.core if c.kind == "ConfigMap"
    }
    secrets = {
        (c.namespace, c.name): {k: secret_hash(v) for k, v in c.data.items()}
        for c in manifests.core
        if c.kind == "Secret"
    }
    return References(
        model_configs=model_configs,
        remote_mcp_servers=remote,
        mcp_servers=servers,
        agents=agents,
        config_maps=config_maps,
        secrets=secrets,
    )


def _env_references(env: list[EnvVar], namespace: str) -> set[Ref]:
    out: set[Ref] = set()
    for var in env:
        source = var.value_from
        if source is None:
            continue
        if source.secret_key_ref is not None:
            out.add(("Secret", namespace, source.secret_key_ref.name))
        if source.config_map_key_ref is not None:
            out.add(("ConfigMap", namespace, source.config_map_key_ref.name))
    return out


def _value_refs(values: list[Any], namespace: str) -> set[Ref]:
    return {
        (v.value_from.type, namespace, v.value_from.name)
        for v in values
        if v.value_from is not None
    }


def agent_references(agent: Agent) -> set[Ref]:
    """Objects the agent reads directly (the Secrets of its ModelConfigs and servers are
    their own references: see model_config_references and friends)."""
    ns = agent.namespace
    out: set[Ref] = set()
    if agent.spec.byo is not None:
        return _env_references(agent.spec.byo.deployment.env, ns)
    spec = agent.spec.declarative
    if spec is None:
        return out
    out.add(("ModelConfig", ns, spec.model_config_))
    if spec.memory is not None and spec.memory.model_config_:
        out.add(("ModelConfig", ns, spec.memory.model_config_))
    compaction = spec.context.compaction if spec.context else None
    if compaction and compaction.summarizer and compaction.summarizer.model_config_:
        out.add(("ModelConfig", ns, compaction.summarizer.model_config_))
    if spec.system_message_from is not None:
        out.add((spec.system_message_from.type, ns, spec.system_message_from.name))
    if spec.prompt_template is not None:
        out |= {("ConfigMap", ns, s.name) for s in spec.prompt_template.data_sources}
    for tool in spec.tools:
        out |= _value_refs(tool.headers_from, ns)
        if tool.mcp_server is not None:
            ref = tool.mcp_server
            out.add((ref.kind, ref.namespace or ns, ref.name))
        if tool.agent is not None:
            out.add(("Agent", tool.agent.namespace or ns, tool.agent.name))
    if spec.deployment is not None:
        out |= _env_references(spec.deployment.env, ns)
    if agent.spec.skills is not None:
        out |= {("ConfigMap", ns, s.name) for s in agent.spec.skills.config_map_refs}
    return out | http_tool_references(agent)  # converted v1alpha1 Tools (httptool.py)


def model_config_references(mc: ModelConfig) -> set[Ref]:
    out: set[Ref] = set()
    if mc.spec.api_key_secret:
        out.add(("Secret", mc.namespace, mc.spec.api_key_secret))
    if mc.spec.tls is not None and mc.spec.tls.ca_cert_secret_ref:
        out.add(("Secret", mc.namespace, mc.spec.tls.ca_cert_secret_ref))
    return out


def remote_mcp_server_references(server: RemoteMCPServer) -> set[Ref]:
    out = _value_refs(server.spec.headers_from, server.namespace)
    if server.spec.tls is not None and server.spec.tls.ca_cert_secret_ref:
        out.add(("Secret", server.namespace, server.spec.tls.ca_cert_secret_ref))
    return out


def mcpserver_references(server: MCPServer) -> set[Ref]:
    d = server.spec.deployment
    ns = server.namespace
    out = _env_references(d.env, ns)
    out |= {("Secret", ns, s.name) for s in d.secret_refs}
    out |= {("ConfigMap", ns, c.name) for c in d.config_map_refs}
    return out


def _selector_matches(selector: Any, labels: dict[str, str]) -> bool:
    if selector is None:
        return False
    for key, value in (selector.match_labels or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.match_expressions or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        present = key in labels
        if (
            (op == "In" and labels.get(key) not in values)
            or (op == "NotIn" and present and labels.get(key) in values)
            or (op == "Exists" and not present)
            or (op == "DoesNotExist" and present)
        ):
            return False
    return True


def namespace_allowed(
    allowed: AllowedNamespaces | None, owner_namespace: str, from_namespace: str, refs: References
) -> bool:
    """Whether an object in `owner_namespace` may be referenced from `from_namespace`."""
    if owner_namespace == from_namespace:
        return True
    if allowed is None or allowed.from_ == "Same":
        return False
    if allowed.from_ == "All":
        return True
    return _selector_matches(allowed.selector, refs.namespace_labels.get(from_namespace, {}))
