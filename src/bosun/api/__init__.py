"""The resource API and the wire contracts: imported by every other package, imports none.

- `agent`, `modelconfig`, `mcpserver`: the kagent.dev kinds as pydantic models (camelCase
  on the wire), with the cross-field rules that the CRDs also carry as CEL.
- `team`: the AgentTeam kind; `teamconfig`: a team workload's config.json.
- `config`: config.json (`AgentConfig`) and the agent card, the contract between the
  translator and the runtime.
- `v1alpha1`: kagent.dev/v1alpha1 Agent, ModelConfig (converted on read) and Tool (stored).
- `policy`: Bosun's own Policy kind (policy.bosun.dev): models, invokers, A2A, limits.
- `manifests`: reading YAML into typed resources with errors that name file and field.
- `crd`: CRD YAML generated from these models.

Importing this package imports none of them: names are loaded on first use (PEP 562), so
that `bosun agent`, which needs only `config`, does not build every kind's models at start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bosun.api.agent import Agent
    from bosun.api.base import GROUP, Condition, ObjectMeta, Resource
    from bosun.api.config import AgentConfig
    from bosun.api.mcpserver import MCPServer, RemoteMCPServer
    from bosun.api.modelconfig import ModelConfig
    from bosun.api.policy import Policy
    from bosun.api.team import AgentTeam
    from bosun.api.v1alpha1 import Tool

    KINDS: dict[str, type[Resource]]  # type: ignore[type-arg]

_HOMES = {
    "Agent": "agent",
    "GROUP": "base",
    "Condition": "base",
    "ObjectMeta": "base",
    "Resource": "base",
    "AgentConfig": "config",
    "MCPServer": "mcpserver",
    "RemoteMCPServer": "mcpserver",
    "ModelConfig": "modelconfig",
    "Policy": "policy",
    "AgentTeam": "team",
    "Tool": "v1alpha1",
}


def __getattr__(name: str) -> Any:
    if name == "KINDS":
        kinds = {
            cls.info.kind: cls
            for cls in (
                __getattr__("Agent"),
                __getattr__("ModelConfig"),
                __getattr__("RemoteMCPServer"),
                __getattr__("MCPServer"),
                __getattr__("Policy"),
                __getattr__("AgentTeam"),
                __getattr__("Tool"),
            )
        }
        globals()["KINDS"] = kinds
        return kinds
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


__all__ = [
    "GROUP",
    "KINDS",
    "Agent",
    "AgentConfig",
    "AgentTeam",
    "Condition",
    "MCPServer",
    "ModelConfig",
    "ObjectMeta",
    "Policy",
    "RemoteMCPServer",
    "Resource",
    "Tool",
]
