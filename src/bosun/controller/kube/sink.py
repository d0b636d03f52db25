"""Where the operator records what the control plane's database needs (agents, tools).

The operator cannot import the server (import-linter). `bosun controlplane` passes an
object that satisfies `ReconcileSink`, wired to the server's repositories; with `--no-db`
(or when the operator runs alone) `LoggingSink` is used and only logs.

Calls are made after the Kubernetes writes of a reconcile and only when the record changed
since the last call for that object (the operator keeps a fingerprint in memory), so a sink
sees each change once per process, plus once per object after a restart. A sink that
raises makes the reconcile retry with backoff: implementations must be idempotent upserts.
Records never carry secret values (config.json references keys by env var name).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from bosun.api.config import AgentConfig
from bosun.api.mcpserver import DiscoveredTool

logger = logging.getLogger(__name__)

ToolServerKind = Literal["RemoteMCPServer", "MCPServer"]


@dataclass(frozen=True)
class AgentRecord:
    """An Agent as reconciled: its resource, and its config when it was accepted."""

    namespace: str
    name: str
    resource: dict[str, Any]  # the Agent in wire form (apiVersion, kind, metadata, spec)
    accepted: bool
    message: str  # the Accepted condition's message
    config: AgentConfig | None = None  # None for BYO agents and when not accepted
    card: dict[str, Any] | None = None
    config_hash: str = ""


@dataclass(frozen=True)
class ToolServerRecord:
    """The tools last discovered on one MCP server (kept when a later discovery fails)."""

    kind: ToolServerKind
    namespace: str
    name: str
    url: str
    protocol: str  # STREAMABLE_HTTP or SSE
    description: str = ""
    tools: list[DiscoveredTool] = field(default_factory=list)
    error: str | None = None  # the last discovery's error, if it failed


class ReconcileSink(Protocol):
    """The control plane's side of the operator. All methods are idempotent."""

    async def upsert_agent(self, record: AgentRecord) -> None: ...

    async def delete_agent(self, namespace: str, name: str) -> None: ...

    async def upsert_tools(self, record: ToolServerRecord) -> None: ...

    async def delete_tools(self, kind: ToolServerKind, namespace: str, name: str) -> None: ...


class LoggingSink:
    """The `--no-db` sink: logs what would be stored, stores nothing."""

    async def upsert_agent(self, record: AgentRecord) -> None:
        logger.debug("agent %s/%s accepted=%s", record.namespace, record.name, record.accepted)

    async def delete_agent(self, namespace: str, name: str) -> None:
        logger.debug("agent %s/%s deleted", namespace, name)

    async def upsert_tools(self, record: ToolServerRecord) -> None:
        logger.debug(
            "%s %s/%s: %d tools", record.kind, record.namespace, record.name, len(record.tools)
        )

    async def delete_tools(self, kind: ToolServerKind, namespace: str, name: str) -> None:
        logger.debug("%s %s/%s deleted", kind, namespace, name)
