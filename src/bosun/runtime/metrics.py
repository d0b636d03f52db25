"""Prometheus metrics of `bosun agent`: LLM calls (GenAI conventions) and tool calls.

Served at /metrics by `bosun.runtime.app`. The numbers come from the spans pydantic-ai
already makes for every LLM call (`chat <model>`, with gen_ai.* attributes) and tool call
(`execute_tool <name>`): `SpanMetrics` is a span processor that turns each finished span
into observations, so the engine needs no hooks of its own. runtime/telemetry.py adds it
to the tracer provider pydantic-ai reports to (a private one when OTLP export is off, so
that the a2a-sdk's own spans are not made just for metrics).

Importing this module imports prometheus_client (~70 ms): `bosun agent` does it in the
background after the engine is up, never on the path that serves the card or /readyz.
Names and buckets: bosun.telemetry.names (docs/observability.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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

DEFERRAL_ATTR = "pydantic_ai.tool.deferral.name"  # set on a call that paused, not ran
BUILTIN = "builtin"  # the ask_user tool
UNKNOWN = "unknown"  # a tool of an MCP server shared by several unfiltered servers


class AgentTools:
    """Which server a tool name belongs to, from config.json (the spans do not say)."""

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


def _agent(key: str, configs: Mapping[str, AgentConfig]) -> AgentTools | None:
    config = configs.get(key)
    if config is None:
        return None
    known = _tools.get(key)
    if known is None or known[0] is not config:  # first span, or the agent was re-created
        known = _tools[key] = (config, AgentTools(config))
    return known[1]


_tokens = Children(TOKENS)
_duration = Children(DURATION)
_tool_calls = Children(TOOL_CALLS)
_tool_duration = Children(TOOL_DURATION)


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) else None


def observe_span(span: Any, configs: Mapping[str, AgentConfig]) -> None:
    """Record what one finished span says (LLM call or tool call); ignore other spans.
    `configs`: the agents of this process by pydantic-ai agent name (runtime/telemetry.py)."""
    attrs = span.attributes or {}
    operation = attrs.get("gen_ai.operation.name")
    if operation not in ("chat", "text_completion", "generate_content", "execute_tool"):
        return
    agent = _agent(str(attrs.get("gen_ai.agent.name", "")), configs)
    namespace, name = (agent.namespace, agent.name) if agent else ("", "")
    seconds = max(0.0, ((span.end_time or 0) - (span.start_time or 0)) / 1e9)
    failed = span.status is not None and span.status.status_code.name == "ERROR"
    if operation == "execute_tool":
        if attrs.get(DEFERRAL_ATTR):
            return  # paused for approval or an answer: it runs (and counts) when resumed
        tool = str(attrs.get("gen_ai.tool.name", ""))
        server = agent.server_of(tool) if agent else UNKNOWN
        labels = (name, namespace, server, tool, "error" if failed else "success")
        _tool_calls.get(*labels).inc()
        _tool_duration.get(*labels).observe(seconds)
        return
    provider = str(attrs.get("gen_ai.provider.name") or attrs.get("gen_ai.system") or "")
    model = str(attrs.get("gen_ai.request.model") or attrs.get("gen_ai.response.model") or "")
    base = (str(operation), provider, model, name, namespace)
    error_type = str(attrs.get("error.type") or ("error" if failed else ""))
    _duration.get(*base, error_type).observe(seconds)
    for key, token_type in (
        ("gen_ai.usage.input_tokens", "input"),
        ("gen_ai.usage.output_tokens", "output"),
    ):
        count = _int(attrs.get(key))
        if count is not None:
            _tokens.get(*base, token_type).observe(count)
