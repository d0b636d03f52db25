"""Collect what the translator needs for one object, from the caches (never a listing).

Agents used as tools are followed transitively, so the translator can reject cycles and
over-long chains; each referenced server brings its own Secret and ConfigMap references.
An invalid referenced object is left out (the translator then names it as missing, and
that object's own status says what is wrong with it).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from bosun.api.agent import Agent
from bosun.api.mcpserver import MCPServer, RemoteMCPServer
from bosun.api.modelconfig import ModelConfig
from bosun.api.team import AgentTeam
from bosun.controller.kube.context import Controller
from bosun.controller.kube.index import Ref, references_of
from bosun.controller.translate import References, agent_references

NsName = tuple[str, str]


def _parse(model: type[Any], body: dict[str, Any] | None) -> Any:
    if body is None:
        return None
    try:
        return model.model_validate(body)
    except (ValidationError, ValueError):
        return None


class Collector:
    def __init__(self, ctl: Controller) -> None:
        self.cache = ctl.cache
        self.model_configs: dict[NsName, ModelConfig] = {}
        self.remote: dict[NsName, RemoteMCPServer] = {}
        self.servers: dict[NsName, MCPServer] = {}
        self.agents: dict[NsName, Agent] = {}
        self.config_maps: dict[NsName, dict[str, str]] = {}
        self.secrets: dict[NsName, dict[str, str]] = {}
        self.services: dict[NsName, int] = {}
        self.namespaces: set[str] = set()
        self._seen: set[Ref] = set()

    def add(self, ref: Ref) -> None:
        if ref in self._seen:
            return
        self._seen.add(ref)
        kind, ns, name = ref
        key = (ns, name)
        self.namespaces.add(ns)
        if kind == "Secret":
            data = self.cache.secret(ns, name)
            if data is not None:
                self.secrets[key] = data
        elif kind == "ConfigMap":
            cm = self.cache.config_map(ns, name)
            if cm is not None:
                self.config_maps[key] = cm
        elif kind == "Service":
            port = self.cache.service_port(ns, name)
            if port is not None:
                self.services[key] = port
        elif kind == "ModelConfig":
            self._resource(ref, ModelConfig, self.model_configs)
        elif kind == "RemoteMCPServer":
            self._resource(ref, RemoteMCPServer, self.remote)
        elif kind == "MCPServer":
            self._resource(ref, MCPServer, self.servers)
        elif kind == "Agent":
            agent = _parse(Agent, self.cache.get("Agent", ns, name))
            if agent is not None:
                self.agents[key] = agent
                for child in agent_references(agent):
                    if child[0] == "Agent":  # chains only: cycle and depth checks
                        self.add(child)

    def _resource(self, ref: Ref, model: type[Any], into: dict[NsName, Any]) -> None:
        kind, ns, name = ref
        body = self.cache.get(kind, ns, name)
        parsed = _parse(model, body)
        if parsed is None or body is None:
            return
        into[(ns, name)] = parsed
        for dep in references_of(kind, body):
            self.add(dep)

    def references(self, namespace_labels: dict[str, dict[str, str]]) -> References:
        return References(
            model_configs=self.model_configs,
            remote_mcp_servers=self.remote,
            mcp_servers=self.servers,
            agents=self.agents,
            config_maps=self.config_maps,
            secrets=self.secrets,
            services=self.services,
            namespace_labels=namespace_labels,
        )


async def gather(
    ctl: Controller, owner: Agent | MCPServer | AgentTeam, refs: set[Ref]
) -> References:
    """References for translating `owner` (itself included among agents)."""
    collector = Collector(ctl)
    if isinstance(owner, Agent):
        collector.agents[(owner.namespace, owner.name)] = owner
    for ref in refs:
        collector.add(ref)
    foreign = collector.namespaces - {owner.namespace}
    labels = await ctl.namespace_labels(foreign) if foreign else {}
    return collector.references(labels)
