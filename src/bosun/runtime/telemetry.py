"""OpenTelemetry traces of the runtime (OTLP/HTTP when configured).

Called once by `bosun.runtime.service` at start (`setup_telemetry`) and by
`bosun.runtime.app` (`incoming_trace`). Tracing is off unless
OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; the exporter
reads the standard OTEL_* variables (bosun.telemetry.tracing). Spans:

- `bosun.turn` per A2A turn (task and session ids) — see `turn_span` — in the trace of the
  request that started it (the W3C traceparent the control plane's proxy sends, taken up
  by `incoming_trace`);
- pydantic-ai's agent run span, one `chat <model>` span per LLM call with the gen_ai
  semantic conventions (model, input/output tokens) and one span per tool call;
- the mcp SDK's `MCP send tools/call <tool>` (it passes the trace context on to the tool
  server in the request's `_meta`) and the a2a-sdk's own server spans.

Without tracing nothing is instrumented: no spans are made, and the OpenTelemetry SDK is
not imported. The Prometheus metrics (bosun.runtime.metrics) come from the turn itself
(bosun.runtime.turn_meter), with or without tracing; BOSUN_METRICS=false turns them off.

Prompt and tool contents are left out of spans unless
OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true (they may hold user data).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator, Mapping
from typing import Any

from bosun.telemetry.tracing import make_provider, otlp_configured

_provider: Any = None  # our TracerProvider once tracing is configured


def enabled() -> bool:
    return otlp_configured()


def metrics_enabled() -> bool:
    return os.environ.get("BOSUN_METRICS", "true").strip().lower() not in ("0", "false", "no")


def setup_telemetry(agent_name: str, *, exporter: Any = None) -> bool:
    """Install a tracer provider exporting over OTLP/HTTP. Returns whether tracing is on.

    `exporter` replaces the OTLP exporter (tests pass an in-memory one).
    """
    global _provider
    if _provider is not None:
        return True
    if exporter is None and not enabled():
        return False
    from opentelemetry import trace
    from pydantic_ai import Agent
    from pydantic_ai.models.instrumented import InstrumentationSettings

    provider = make_provider("bosun-agent", {"bosun.agent": agent_name}, exporter=exporter)
    trace.set_tracer_provider(provider)
    _provider = provider
    capture = os.environ.get("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "")
    Agent.instrument_all(
        InstrumentationSettings(
            tracer_provider=provider,
            include_content=capture.lower() == "true",
            include_binary_content=False,
        )
    )
    return True


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
    global _provider
    if _provider is None:
        return
    from pydantic_ai import Agent

    _provider.force_flush()
    _provider.shutdown()
    Agent.instrument_all(False)
    _provider = None
