"""The resource API and the wire contracts: imported by every other package, imports none.

- `agent`, `modelconfig`, `mcpserver`: the kagent.dev kinds as pydantic models (camelCase
  on the wire), with the cross-field rules that the CRDs also carry as CEL.
- `config`: config.json (`AgentConfig`) and the agent card, the contract between the
  translator and the runtime.
- `manifests`: reading YAML into typed resources with errors that name file and field.
- `crd`: CRD YAML generated from these models.
"""

from bosun.api.agent import Agent
from bosun.api.base import GROUP, Condition, ObjectMeta, Resource
from bosun.api.config import AgentConfig
from bosun.api.mcpserver import MCPServer, RemoteMCPServer
from bosun.api.modelconfig import ModelConfig

KINDS: dict[str, type[Resource]] = {  # type: ignore[type-arg]
    cls.info.kind: cls for cls in (Agent, ModelConfig, RemoteMCPServer, MCPServer)
}

__all__ = [
    "GROUP",
    "KINDS",
    "Agent",
    "AgentConfig",
    "Condition",
    "MCPServer",
    "ModelConfig",
    "ObjectMeta",
    "RemoteMCPServer",
    "Resource",
]
