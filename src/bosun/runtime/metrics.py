"""Prometheus metrics of `bosun agent`: LLM calls (GenAI conventions) and tool calls.

Served at /metrics by `bosun.runtime.app`. The numbers come from the turn itself
(`bosun.runtime.turn_meter`, fed by `turn.run_turn` with each LLM response and each tool
call's start and result), not from spans: pydantic-ai's OpenTelemetry instrumentation
cost a turn ~8 % of its CPU and the process the OpenTelemetry SDK, for numbers the turn
already has. Labels follow the GenAI conventions (operation `chat`, provider, request
model).

Importing this module imports prometheus_client (~70 ms): `bosun agent` does it in the
background after the engine is up, never on the path that serves the card or /readyz.
Names and buckets: bosun.telemetry.names (docs/observability.md).
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from bosun.api.config import AgentConfig
from bosun.telemetry import names
from bosun.telemetry.exposition import Children, process_registry

REGISTRY = process_registry()

TOKENS = Histogram(
    names.GEN_AI_TOKEN_USAGE,
    "Tokens used per LLM call (OpenTelemetry gen_ai.client.token.usage)",
    [*names.GEN_AI_LABELS, names.TOKEN_TYPE_LABEL],
    buckets=names.TOKEN_BUCKETS,
    registry=REGISTRY,
)
DURATION = Histogram(
    names.GEN_AI_OPERATION_DURATION,
    "Seconds per LLM call (OpenTelemetry gen_ai.client.operation.duration)",
    [*names.GEN_AI_LABELS, "error_type"],
    buckets=names.DURATION_BUCKETS,
    registry=REGISTRY,
)
TOOL_CALLS = Counter(
    names.TOOL_CALLS, "Tool calls an agent ran", names.TOOL_LABELS, registry=REGISTRY
)
TOOL_DURATION = Histogram(
    names.TOOL_CALL_DURATION,
    "Seconds per tool call",
    names.TOOL_LABELS,
    buckets=names.DURATION_BUCKETS,
    registry=REGISTRY,
)

BUILTIN = "builtin"  # the ask_user tool
UNKNOWN = "unknown"  # a tool of an MCP server shared by several unfiltered servers


class AgentTools:
    """The agent's labels, and which server a tool name belongs to (from config.json)."""

    def __init__(self, config: AgentConfig) -> None:
        namespace, _, name = config.name.rpartition("/")
        self.namespace = namespace or "default"
        self.name = name
        self._by_tool: dict[str, str] = {"ask_user": BUILTIN}
        unfiltered = []
        for server in config.mcp_servers:
            if server.tools:
                for tool in server.tools:
                    self._by_tool.setdefault(tool, server.name)
            else:
                unfiltered.append(server.name)
        for agent in config.remote_agents:
            self._by_tool[agent.name] = f"agent:{agent.ref}"
        self._default = unfiltered[0] if len(unfiltered) == 1 else UNKNOWN

    def server_of(self, tool: str) -> str:
        return self._by_tool.get(tool, self._default)


_tools: dict[str, tuple[AgentConfig, AgentTools]] = {}  # agent name -> config, its tools


def agent_tools(config: AgentConfig) -> AgentTools:
    """The labels of `config`'s agent (built once per config object)."""
    key = config.name
    known = _tools.get(key)
    if known is None or known[0] is not config:  # first call, or the agent was re-created
        known = _tools[key] = (config, AgentTools(config))
    return known[1]


_tokens = Children(TOKENS)
_duration = Children(DURATION)
_tool_calls = Children(TOOL_CALLS)
_tool_duration = Children(TOOL_DURATION)


def observe_llm_call(
    config: AgentConfig,
    *,
    provider: str,
    model: str,
    seconds: float,
    input_tokens: int | None = None,
    output_tokens: int | None = None,
    error_type: str = "",
) -> None:
    """One LLM round trip of the agent (runtime/turn_meter.py)."""
    agent = agent_tools(config)
    base = ("chat", provider, model, agent.name, agent.namespace)
    _duration.get(*base, error_type).observe(max(0.0, seconds))
    if input_tokens is not None:
        _tokens.get(*base, "input").observe(input_tokens)
    if output_tokens is not None:
        _tokens.get(*base, "output").observe(output_tokens)


def observe_tool_call(config: AgentConfig, *, tool: str, seconds: float, failed: bool) -> None:
    """One tool call that ran (a call paused for approval counts when it runs)."""
    agent = agent_tools(config)
    outcome = "error" if failed else "success"
    labels = (agent.name, agent.namespace, agent.server_of(tool), tool, outcome)
    _tool_calls.get(*labels).inc()
    _tool_duration.get(*labels).observe(max(0.0, seconds))
