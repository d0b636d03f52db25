"""What each resource should look like locally: translation, conditions, how it is reached.

Pure apart from reading the mirror: the supervisor (`supervisor.py`) calls these on every
reconcile and compares the result with what runs. Local decisions that differ from a
cluster are made here, each stated once:
- a declarative Agent and a stdio MCPServer get a free port from the supervisor's book;
- an http MCPServer and a BYO Agent run their own command, which listens where it says
  (deployment.port / httpTransport.targetPort), since local mode cannot remap it;
- a BYO Agent without `cmd` cannot run locally (an image is not a local command).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bosun.api import Agent, MCPServer, ModelConfig
from bosun.controller.local.conditions import ACCEPTED, condition
from bosun.controller.local.mirror import Mirror, ObjKey
from bosun.controller.local.ports import LOCALHOST
from bosun.controller.local.workload import find_deployment
from bosun.controller.translate import translate_agent, translate_mcpserver
from bosun.controller.translate.interface import References, TranslateOptions, TranslationFailed


@dataclass
class Plan:
    """One workload as it should run (or why it cannot)."""

    key: ObjKey
    generation: int
    accepted: dict[str, Any]
    port: int
    url: str  # agent: base URL serving A2A; MCP server: its MCP endpoint
    config_hash: str = ""
    objects: list[dict[str, Any]] = field(default_factory=list)
    blocked: tuple[str, str] | None = None  # (reason, message) when it cannot run
    keep_previous: bool = False  # not translatable: leave what runs as it is (as a cluster)
    rewrite_options: bool = True  # may --port/--host of the command be replaced?
    health_url: str | None = None  # a URL that answers 200 once ready (the stdio bridge's)

    @property
    def deployment(self) -> Mapping[str, Any] | None:
        return find_deployment(self.objects)


def agent_base_url(port: int) -> str:
    return f"http://{LOCALHOST}:{port}"


def byo_port(agent: Agent) -> int | None:
    byo = agent.spec.byo
    return byo.deployment.port if agent.spec.type == "BYO" and byo is not None else None


def mcp_http_port(server: MCPServer) -> int | None:
    if server.spec.transport_type != "http":
        return None
    http = server.spec.http_transport
    return (http.target_port if http else None) or server.spec.deployment.port


def mcp_path(server: MCPServer) -> str:
    http = server.spec.http_transport
    return http.path if http is not None else "/mcp"


def plan_agent(agent: Agent, refs: References, options: TranslateOptions, port: int) -> Plan:
    key = agent.key
    generation = agent.metadata.generation or 0
    url = agent_base_url(port)
    try:
        out = translate_agent(agent, refs, options)
    except TranslationFailed as exc:
        return Plan(
            key,
            generation,
            condition(ACCEPTED, False, "TranslationFailed", str(exc)),
            port,
            url,
            keep_previous=True,
        )
    message = "; ".join(["translated", *out.notes])
    plan = Plan(
        key,
        generation,
        condition(ACCEPTED, True, "Accepted", message),
        port,
        url,
        config_hash=out.config_hash,
        objects=list(out.objects),
    )
    byo = agent.spec.byo
    if agent.spec.type == "BYO" and byo is not None:
        plan.rewrite_options = False
        if not byo.deployment.cmd:
            plan.blocked = (
                "NotSupportedLocally",
                f"BYO agent runs image {byo.deployment.image}, which local mode cannot run; "
                "set spec.byo.deployment.cmd (and args) to a command that serves A2A on "
                f"port {byo.deployment.port}, or run it in a cluster",
            )
    if plan.deployment is None and plan.blocked is None:
        plan.blocked = ("ConfigError", "the translator produced no Deployment")
    return plan


def plan_mcpserver(
    server: MCPServer, refs: References, options: TranslateOptions, port: int
) -> Plan:
    key = server.key
    generation = server.metadata.generation or 0
    http_port = mcp_http_port(server)
    local_port = http_port or port
    url = f"http://{LOCALHOST}:{local_port}{mcp_path(server)}"
    try:
        out = translate_mcpserver(server, refs, options)
    except TranslationFailed as exc:
        return Plan(
            key,
            generation,
            condition(ACCEPTED, False, "TranslationFailed", str(exc)),
            local_port,
            url,
            keep_previous=True,
        )
    plan = Plan(
        key,
        generation,
        condition(ACCEPTED, True, "Accepted", f"{server.spec.transport_type} server at {url}"),
        local_port,
        url,
        config_hash=out.config_hash,
        objects=list(out.objects),
        rewrite_options=http_port is None,
        health_url=None if http_port else f"http://{LOCALHOST}:{local_port}/healthz",
    )
    if plan.deployment is None:
        plan.blocked = ("ConfigError", "the translator produced no Deployment")
    return plan


def model_config_status(model: ModelConfig, mirror: Mirror) -> tuple[dict[str, Any], str | None]:
    """The Accepted condition of a ModelConfig and the hash of its key Secret's data."""
    spec = model.spec
    where = f"{spec.provider} model {spec.model}"
    if spec.api_key_secret is None:
        return condition(ACCEPTED, True, "Accepted", f"{where}, no API key"), None
    data = mirror.data("Secret", model.namespace, spec.api_key_secret)
    ref = f"Secret {model.namespace}/{spec.api_key_secret}"
    if data is None:
        return condition(ACCEPTED, False, "SecretNotFound", f"apiKeySecret: {ref} not found"), None
    if spec.api_key_secret_key not in data:
        message = f"apiKeySecretKey: {ref} has no key {spec.api_key_secret_key!r}"
        return condition(ACCEPTED, False, "SecretKeyNotFound", message), None
    digest = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    return condition(ACCEPTED, True, "Accepted", f"{where}, API key from {ref}"), digest
