"""Everything the translator may need, gathered from the supervisor's mirror of the store.

Local mode has few objects, so the supervisor hands the translator all of them rather than
following references one by one; the translator picks what an Agent uses and says
precisely what is missing.
"""

from __future__ import annotations

from typing import Any, cast

from bosun.api import Agent, MCPServer, ModelConfig, RemoteMCPServer
from bosun.controller.local.mirror import Mirror
from bosun.controller.translate import secret_hash
from bosun.controller.translate.interface import References


def gather_references(mirror: Mirror) -> References:
    secrets: dict[tuple[str, str], dict[str, str]] = {}
    config_maps: dict[tuple[str, str], dict[str, str]] = {}
    for kind, namespace, name in mirror.objects:
        if kind == "Secret":
            data = mirror.data(kind, namespace, name) or {}
            secrets[(namespace, name)] = {k: secret_hash(v) for k, v in data.items()}
        elif kind == "ConfigMap":
            config_maps[(namespace, name)] = mirror.data(kind, namespace, name) or {}
    return References(
        model_configs={_key(r): cast(ModelConfig, r) for r in mirror.of_kind("ModelConfig")},
        remote_mcp_servers={
            _key(r): cast(RemoteMCPServer, r) for r in mirror.of_kind("RemoteMCPServer")
        },
        mcp_servers={_key(r): cast(MCPServer, r) for r in mirror.of_kind("MCPServer")},
        agents={_key(r): cast(Agent, r) for r in mirror.of_kind("Agent")},
        config_maps=config_maps,
        secrets=secrets,
    )


def _key(resource: Any) -> tuple[str, str]:
    return (resource.namespace, resource.name)
