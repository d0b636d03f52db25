"""The agent engine built from config.json: a pydantic-ai Agent with its tools.

Built once per process by `bosun.runtime.app` (in the background, so the A2A card is
served before the heavy engine imports finish) and used by the executor for every turn
(`bosun.runtime.turn`). Tools are composed from small wrappers (toolsets/): each MCP
server -> tool filter -> approval -> per-tool timeout -> output truncation; remote
agents; the built-in ask_user tool.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic_ai import Agent, DeferredToolRequests
from pydantic_ai.toolsets import AbstractToolset

from bosun.api.config import AgentConfig, McpServerSettings
from bosun.runtime.deps import TurnDeps
from bosun.runtime.http_tool import http_toolset
from bosun.runtime.memory import MemoryService, build_memory
from bosun.runtime.models import ModelConfigError, build_model
from bosun.runtime.skills import build_skills
from bosun.runtime.team_handoff import HandoffToolset
from bosun.runtime.toolsets.approval import require_approval
from bosun.runtime.toolsets.ask_user import ask_user_toolset
from bosun.runtime.toolsets.mcp import McpServerTools
from bosun.runtime.toolsets.memory import memory_toolset
from bosun.runtime.toolsets.remote_agent import RemoteAgents, remote_agent_toolset
from bosun.runtime.toolsets.skills import skills_toolset
from bosun.runtime.toolsets.timeout import TimeoutToolset
from bosun.runtime.toolsets.truncation import DEFAULT_MAX_CHARS, TruncatingToolset

log = logging.getLogger("bosun.runtime")

DEFAULT_MAX_LLM_CALLS = 25
"""LLM round trips allowed in one turn before it stops with a message."""
TOOL_RETRIES = 3
"""How often the model may correct a bad tool call (unknown name, invalid arguments)."""


@dataclass(frozen=True)
class Limits:
    max_llm_calls: int = DEFAULT_MAX_LLM_CALLS
    max_tool_output_chars: int = DEFAULT_MAX_CHARS

    @classmethod
    def from_config(cls, config: AgentConfig) -> Limits:
        return cls(
            max_llm_calls=config.max_llm_calls, max_tool_output_chars=config.max_tool_output_chars
        )


@dataclass
class Engine:
    """The pieces a turn needs, and the background work that keeps tools available."""

    config: AgentConfig
    agent: Agent[TurnDeps, Any]
    limits: Limits
    mcp_servers: list[McpServerTools] = field(default_factory=list)
    remote_agents: RemoteAgents | None = None
    memory: MemoryService | None = None

    @property
    def stream(self) -> bool:
        return self.config.stream

    @property
    def model_name(self) -> str:
        return self.config.model.model

    def start(self) -> None:
        """Begin tool discovery in the background (the agent serves meanwhile)."""
        for server in self.mcp_servers:
            server.start_discovery()

    async def close(self) -> None:
        await asyncio.gather(*(s.close() for s in self.mcp_servers), return_exceptions=True)
        if self.remote_agents is not None:
            await self.remote_agents.close()
        if self.memory is not None:
            await self.memory.close()
        # The provider SDK's HTTP client (openai, anthropic) holds pooled connections.
        client = getattr(self.agent.model, "client", None)
        close = getattr(client, "close", None)
        if close is not None:
            with contextlib.suppress(Exception):
                await close()


def mcp_toolset(
    settings: McpServerSettings, limits: Limits
) -> tuple[McpServerTools, AbstractToolset[Any]]:
    """The resilient MCP toolset and the composed wrapper chain the agent uses."""
    server = McpServerTools(settings)
    toolset: AbstractToolset[Any] = server
    if settings.tools:
        allowed = frozenset(settings.tools)
        toolset = toolset.filtered(lambda ctx, tool_def: tool_def.name in allowed)
    toolset = require_approval(toolset, settings.require_approval)
    toolset = TimeoutToolset(toolset, seconds=settings.timeout)
    toolset = TruncatingToolset(toolset, max_chars=limits.max_tool_output_chars)
    return server, toolset


def instruction(config: AgentConfig) -> str:
    """The system prompt: config.json's, or the file it names (a mounted Secret)."""
    if config.instruction_file is None:
        return config.instruction
    try:
        return Path(config.instruction_file).read_text()
    except OSError as exc:
        raise ModelConfigError(
            f"instruction_file {config.instruction_file!r} cannot be read: {exc.strerror or exc}"
        ) from None


def build_engine(config: AgentConfig, *, data_dir: Path | None = None) -> Engine:
    """The engine for config.json. Raises ModelConfigError for unusable settings."""
    limits = Limits.from_config(config)
    toolsets: list[AbstractToolset[Any]] = []
    servers: list[McpServerTools] = []
    for settings in config.mcp_servers:
        server, toolset = mcp_toolset(settings, limits)
        servers.append(server)
        toolsets.append(toolset)
    remote = RemoteAgents(list(config.remote_agents)) if config.remote_agents else None
    if remote is not None:
        toolsets.append(
            TruncatingToolset(remote_agent_toolset(remote), max_chars=limits.max_tool_output_chars)
        )
    if config.http_tools:  # kagent.dev/v1alpha1 Tools of type http (runtime/http_tool.py)
        toolsets.append(
            TruncatingToolset(
                http_toolset(config.http_tools), max_chars=limits.max_tool_output_chars
            )
        )
    toolsets.append(ask_user_toolset())
    toolsets.append(HandoffToolset())  # only when a Swarm team asks, for that turn
    instructions: list[Any] = [instruction(config) or None]
    memory = None
    if config.memory is not None:  # long-term memory: tools + prefetch (runtime/memory.py)
        memory = build_memory(config.memory, agent=config.name, data_dir=data_dir)
        toolsets.append(memory_toolset(memory))
        instructions.append(memory.instructions)
    if config.skills is not None:  # SKILL.md folders: tools + their list (runtime/skills.py)
        skills = build_skills(config.skills, data_dir=data_dir)
        toolsets.append(skills_toolset(skills))
        instructions.append(lambda: skills.instructions())
    agent: Agent[TurnDeps, Any] = Agent(
        build_model(config.model),
        instructions=[i for i in instructions if i is not None] or None,
        output_type=[str, DeferredToolRequests],
        deps_type=TurnDeps,
        name=config.name.replace("/", "__"),
        description=config.description or None,
        toolsets=toolsets,
        retries={"tools": TOOL_RETRIES, "output": 1},
    )
    return Engine(
        config=config,
        agent=agent,
        limits=limits,
        mcp_servers=servers,
        remote_agents=remote,
        memory=memory,
    )
