"""OpenTelemetry traces of the runtime, exported over OTLP/HTTP when configured.

Called once by `bosun.runtime.service` at start. Nothing happens unless
OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set; the exporter
reads the standard OTEL_* variables (headers, timeout). Spans:

- `bosun.turn` per A2A turn (task and session ids) — see `turn_span`;
- pydantic-ai's agent run span, one `chat <model>` span per LLM call with the gen_ai
  semantic conventions (model, input/output tokens) and one span per tool call;
- the a2a-sdk's own server spans.

Prompt and tool contents are left out of spans unless
OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true (they may hold user data).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

_provider: Any = None  # our TracerProvider once configured


def enabled() -> bool:
    return bool(
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


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
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    from pydantic_ai import Agent
    from pydantic_ai.models.instrumented import InstrumentationSettings

    resource = Resource.create(
        {
            "service.name": os.environ.get("OTEL_SERVICE_NAME", "bosun-agent"),
            "bosun.agent": agent_name,
        }
    )
    provider = TracerProvider(resource=resource)
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    capture = os.environ.get("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "")
    Agent.instrument_all(
        InstrumentationSettings(
            tracer_provider=provider,
            include_content=capture.lower() == "true",
            include_binary_content=False,
        )
    )
    _provider = provider
    return True


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
