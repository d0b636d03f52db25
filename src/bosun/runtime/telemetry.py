"""OpenTelemetry traces of the runtime (OTLP/HTTP when configured), and the span feed of
its Prometheus metrics.

Called once by `bosun.runtime.service` at start (`setup_telemetry`) and by
`bosun.runtime.app` (`watch_agent`, `incoming_trace`). Tracing is off unless
OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; the exporter
reads the standard OTEL_* variables (bosun.telemetry.tracing). Spans:

- `bosun.turn` per A2A turn (task and session ids) — see `turn_span` — in the trace of the
  request that started it (the W3C traceparent the control plane's proxy sends, taken up
  by `incoming_trace`);
- pydantic-ai's agent run span, one `chat <model>` span per LLM call with the gen_ai
  semantic conventions (model, input/output tokens) and one span per tool call;
- the mcp SDK's `MCP send tools/call <tool>` (it passes the trace context on to the tool
  server in the request's `_meta`) and the a2a-sdk's own server spans.

Metrics (bosun.runtime.metrics) are derived from pydantic-ai's LLM and tool spans by a
span processor. With tracing off, pydantic-ai reports to a private provider that has only
that processor (no export, no global provider: the a2a-sdk and mcp SDK make no spans);
BOSUN_METRICS=false turns this off too.

Prompt and tool contents are left out of spans unless
OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true (they may hold user data).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import Any

from bosun.api.config import AgentConfig
from bosun.telemetry.tracing import make_provider, otlp_configured

_provider: Any = None  # our TracerProvider once tracing is configured
_metrics_provider: Any = None  # the private provider feeding metrics when tracing is off
_agents: dict[str, AgentConfig] = {}  # pydantic-ai agent name -> config (metrics labels)


def enabled() -> bool:
    return otlp_configured()


def metrics_enabled() -> bool:
    return os.environ.get("BOSUN_METRICS", "true").strip().lower() not in ("0", "false", "no")


def watch_agent(config: AgentConfig) -> None:
    """Label this agent's LLM and tool metrics with its namespace, name and tool servers."""
    _agents[config.name.replace("/", "__")] = config


def _span_metrics() -> Any:
    from opentelemetry.sdk.trace import SpanProcessor

    class SpanMetrics(SpanProcessor):
        """Every finished LLM or tool span becomes observations (bosun.runtime.metrics)."""

        def on_end(self, span: Any) -> None:
            from bosun.runtime import metrics  # imported by app.py in the background first

            metrics.observe_span(span, _agents)

    return SpanMetrics()


def setup_telemetry(agent_name: str, *, exporter: Any = None) -> bool:
    """Install a tracer provider exporting over OTLP/HTTP. Returns whether tracing is on.

    `exporter` replaces the OTLP exporter (tests pass an in-memory one). Without tracing,
    metrics still get pydantic-ai's spans through a private provider.
    """
    global _provider, _metrics_provider
    if _provider is not None:
        return True
    tracing = exporter is not None or enabled()
    if not tracing and (_metrics_provider is not None or not metrics_enabled()):
        return False
    from opentelemetry import trace
    from pydantic_ai import Agent
    from pydantic_ai.models.instrumented import InstrumentationSettings

    processors = [_span_metrics()] if metrics_enabled() else []
    attributes = {"bosun.agent": agent_name}
    if tracing:
        provider = make_provider(
            "bosun-agent", attributes, exporter=exporter, processors=processors
        )
        trace.set_tracer_provider(provider)
        _provider = provider
    else:
        provider = make_provider("bosun-agent", attributes, processors=processors)
        _metrics_provider = provider
    capture = os.environ.get("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "")
    Agent.instrument_all(
        InstrumentationSettings(
            tracer_provider=provider,
            include_content=capture.lower() == "true",
            include_binary_content=False,
            # Full tool schemas on every LLM span: only worth it when someone reads traces.
            include_model_request_parameters=tracing,
        )
    )
    return tracing


@contextlib.contextmanager
def incoming_trace(headers: Mapping[str, str]) -> Iterator[None]:
    """Continue the caller's trace (W3C traceparent) while a request is handled; tasks
    started meanwhile (the turn) inherit it. A no-op when tracing is off."""
    if _provider is None or "traceparent" not in headers:
        yield
        return
    from opentelemetry import context, propagate

    token = context.attach(propagate.extract(headers))
    try:
        yield
    finally:
        context.detach(token)


@contextlib.contextmanager
def turn_span(task_id: str, context_id: str, agent: str) -> Iterator[None]:
    """A span around one turn (a no-op when tracing is off)."""
    if _provider is None:
        yield
        return
    tracer = _provider.get_tracer("bosun.runtime")
    with tracer.start_as_current_span(
        "bosun.turn",
        attributes={
            "bosun.agent": agent,
            "a2a.task_id": task_id,
            "a2a.context_id": context_id,
            "gen_ai.conversation.id": context_id,
        },
    ):
        yield


def shutdown_telemetry() -> None:
    """Flush pending spans and stop tracing (at process exit, and between tests)."""
    global _provider, _metrics_provider
    if _provider is None and _metrics_provider is None:
        return
    from pydantic_ai import Agent

    for provider in (_provider, _metrics_provider):
        if provider is not None:
            provider.force_flush()
            provider.shutdown()
    Agent.instrument_all(False)
    _provider = None
    _metrics_provider = None
