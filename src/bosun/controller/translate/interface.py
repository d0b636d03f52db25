"""Public types of the translator (stable: the operator, local mode and the server use them).

The functions live in sibling modules and are exported from the package (`__init__.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bosun.api.agent import Agent
from bosun.api.config import AgentConfig
from bosun.api.images import MCP_RUNNER_IMAGE, RUNTIME_IMAGE
from bosun.api.mcpserver import MCPServer, RemoteMCPServer
from bosun.api.modelconfig import ModelConfig

Key = tuple[str, str]  # (namespace, name)


@dataclass(frozen=True)
class TranslationError:
    """A precise, user-facing reason why a resource cannot be translated."""

    path: str  # e.g. spec.declarative.tools[2].mcpServer
    message: str  # e.g. RemoteMCPServer "default/github" not found
    missing: tuple[str, str, str] | None = None
    """(kind, namespace, name) when the error is only that a referenced object (or a key of
    it) is absent: `bosun validate --external-refs` turns these into warnings."""

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


@dataclass(frozen=True)
class References:
    """Everything an Agent or MCPServer may reference, handed in by the caller (no I/O).

    Secrets are given as key -> content hash only (never values): the translator needs to
    know a key exists and to fold its hash into the config hash.
    """

    model_configs: dict[Key, ModelConfig] = field(default_factory=dict)
    remote_mcp_servers: dict[Key, RemoteMCPServer] = field(default_factory=dict)
    mcp_servers: dict[Key, MCPServer] = field(default_factory=dict)
    agents: dict[Key, Agent] = field(default_factory=dict)
    config_maps: dict[Key, dict[str, str]] = field(default_factory=dict)
    secrets: dict[Key, dict[str, str]] = field(default_factory=dict)  # key -> sha256 of value
    services: dict[Key, int] = field(default_factory=dict)  # Service -> its first port
    namespace_labels: dict[str, dict[str, str]] = field(default_factory=dict)
    """Labels of namespaces, for `allowedNamespaces.from: Selector` (unknown = no labels)."""


@dataclass(frozen=True)
class TranslateOptions:
    """How the environment reaches things. Defaults are cluster DNS names.

    Local mode passes resolvers that map agents and MCP servers to 127.0.0.1 ports.
    """

    runtime_image: str = RUNTIME_IMAGE  # repository:<package version>, never latest
    mcp_runner_image: str = MCP_RUNNER_IMAGE
    image_pull_secrets: tuple[str, ...] = ()
    """Secrets (by name, in the pod's own namespace) every pod Bosun creates pulls its
    image with: agents, teams and MCPServers (BOSUN_IMAGE_PULL_SECRETS; the chart's
    imagePullSecrets). An Agent's own deployment.imagePullSecrets come first."""
    otel_env: tuple[tuple[str, str], ...] = ()
    """OpenTelemetry settings (name, value) every agent and team pod gets: the operator's
    own standard OTEL_* variables (the chart's tracing values or controlplane.extraEnv;
    ControllerSettings.from_env picks them). When there are any, each pod also gets
    OTEL_SERVICE_NAME = its agent's name and its namespace as k8s.namespace.name in
    OTEL_RESOURCE_ATTRIBUTES. An Agent's own deployment.env wins over all of them."""
    controlplane_url: str | None = None  # BOSUN_URL for the runtime
    agent_url: Callable[[str, str], str] | None = None  # (namespace, name) -> A2A URL
    mcp_server_url: Callable[[MCPServer], str] | None = None
    model_gateway: bool = False
    """Route every routable ModelConfig through the model gateway unless its annotation
    gateway.bosun.dev/route says "false" (BOSUN_MODEL_GATEWAY)."""


@dataclass(frozen=True)
class AgentOutput:
    config: AgentConfig | None  # None for BYO agents
    card: dict[str, Any] | None
    objects: list[dict[str, Any]]  # Kubernetes objects, wire form, with owner references
    config_hash: str
    notes: list[str] = field(default_factory=list)
    """Things worth telling the user that are not errors (e.g. runtime go runs on Python);
    the operator puts them in the Accepted condition's message."""


@dataclass(frozen=True)
class MCPServerOutput:
    objects: list[dict[str, Any]]
    url: str  # where its MCP endpoint is reached
    config_hash: str


class TranslationFailed(Exception):
    """Raised by the translate_* functions; carries every problem found, not just the first."""

    def __init__(self, errors: list[TranslationError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors


# Functions this package exports (see __init__.py):
#   translate_agent(agent: Agent, refs: References, options: TranslateOptions) -> AgentOutput
#       raises TranslationFailed
#   translate_mcpserver(server: MCPServer, refs: References, options) -> MCPServerOutput
#       raises TranslationFailed
#   agent_references(agent: Agent) -> set[tuple[str, str, str]]   # (kind, namespace, name)
#       what the agent depends on (ModelConfig, Secret, ConfigMap, RemoteMCPServer,
#       MCPServer, Service, Agent), for the operator's dependency index
#   model_config_references / mcp references likewise for Secrets
#   references_from_set(manifest_set) -> References   # for validate/render/local mode
