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
"""

from bosun.api.agent import Agent
from bosun.api.base import GROUP, Condition, ObjectMeta, Resource
from bosun.api.config import AgentConfig
from bosun.api.mcpserver import MCPServer, RemoteMCPServer
from bosun.api.modelconfig import ModelConfig
from bosun.api.policy import Policy
from bosun.api.team import AgentTeam
from bosun.api.v1alpha1 import Tool

KINDS: dict[str, type[Resource]] = {  # type: ignore[type-arg]
    cls.info.kind: cls
    for cls in (Agent, ModelConfig, RemoteMCPServer, MCPServer, Policy, AgentTeam, Tool)
}

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
