"""Telemetry shared by the control plane and the agent runtime (imports only api).

- `names.py`: the metric names both processes use (OpenTelemetry GenAI semantic
  conventions where they exist), their label names and histogram buckets — written once.
- `tracing.py`: the OpenTelemetry tracer provider, exported over OTLP/HTTP when the
  standard OTEL_EXPORTER_OTLP_* variables ask for it.
- `exposition.py`: the /metrics answer (Prometheus text format), importing
  prometheus_client only when called.

Which metrics each process has: `bosun.server.metrics` (control plane) and
`bosun.runtime.metrics` (`bosun agent`); docs/observability.md lists them.
"""
