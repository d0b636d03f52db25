"""The OpenTelemetry tracer provider of a Bosun process, exported over OTLP/HTTP.

Both `bosun controlplane` (server/app.py) and `bosun agent` (runtime/telemetry.py) call
`setup_tracing`. Nothing is installed unless OTEL_EXPORTER_OTLP_ENDPOINT or
OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is set (or a test hands in an exporter); the exporter
reads the other standard variables itself (OTEL_EXPORTER_OTLP_HEADERS, _TIMEOUT, ...), and
OTEL_SERVICE_NAME overrides the service name. W3C trace context (traceparent, tracestate)
is OpenTelemetry's default propagator, so spans of the control plane, the agent and the
tool servers join one trace.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any


def otlp_configured() -> bool:
    return bool(
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def make_provider(
    service_name: str,
    attributes: Mapping[str, str] | None = None,
    *,
    exporter: Any = None,
    processors: Sequence[Any] = (),
) -> Any:
    """A TracerProvider exporting to OTLP/HTTP (or to `exporter`, synchronously: tests),
    plus `processors`. Not installed globally: see `install`."""
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    resource = Resource.create(
        {"service.name": os.environ.get("OTEL_SERVICE_NAME", service_name), **(attributes or {})}
    )
    provider = TracerProvider(resource=resource)
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    elif otlp_configured():
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    for processor in processors:
        provider.add_span_processor(processor)
    return provider


def install(provider: Any) -> None:
    """Make `provider` the process's global tracer provider (libraries that trace on their
    own, such as the a2a-sdk and the mcp SDK, use the global one). OpenTelemetry allows
    this once per process; later calls keep the first."""
    from opentelemetry import trace

    trace.set_tracer_provider(provider)


def setup_tracing(
    service_name: str, attributes: Mapping[str, str] | None = None, *, exporter: Any = None
) -> Any:
    """Install and return a provider when OTLP export is configured (or `exporter` given);
    None when tracing is off."""
    if exporter is None and not otlp_configured():
        return None
    provider = make_provider(service_name, attributes, exporter=exporter)
    install(provider)
    return provider
