"""Metric names, label names and histogram buckets, written once for both processes.

The GenAI names follow the OpenTelemetry semantic conventions (gen_ai.client.token.usage,
gen_ai.client.operation.duration) in Prometheus form: dots become underscores, and the
unit goes in the name only where the convention's exporters put it (seconds). Everything
else is Bosun's own, prefixed `bosun_`. Imported by `bosun.server.metrics` and
`bosun.runtime.metrics`; no prometheus_client import here (cheap for `bosun agent`).
"""

from __future__ import annotations

# --- GenAI semantic conventions -------------------------------------------------------
GEN_AI_TOKEN_USAGE = "gen_ai_client_token_usage"
"""Histogram of tokens per LLM call, label gen_ai_token_type = input | output."""
GEN_AI_OPERATION_DURATION = "gen_ai_client_operation_duration_seconds"
"""Histogram of seconds per LLM call (gen_ai.client.operation.duration, unit s)."""
GEN_AI_LABELS = (
    "gen_ai_operation_name",
    "gen_ai_provider_name",
    "gen_ai_request_model",
    "agent",
    "namespace",
)
TOKEN_TYPE_LABEL = "gen_ai_token_type"
# Bucket boundaries advised by the conventions.
TOKEN_BUCKETS = (
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
)  # fmt: skip
DURATION_BUCKETS = (
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
)  # fmt: skip

# --- HTTP (control plane API and proxy) -----------------------------------------------
HTTP_REQUESTS = "bosun_http_requests"  # _total added by prometheus_client
HTTP_DURATION = "bosun_http_request_duration_seconds"
HTTP_LABELS = ("route", "method", "status")
HTTP_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
PROXY_REQUESTS = "bosun_a2a_proxy_requests"
PROXY_DURATION = "bosun_a2a_proxy_request_duration_seconds"
PROXY_LABELS = ("namespace", "agent", "rpc_method", "outcome")

# --- agents: tools and approvals --------------------------------------------------------
TOOL_CALLS = "bosun_tool_calls"
TOOL_CALL_DURATION = "bosun_tool_call_duration_seconds"
TOOL_LABELS = ("agent", "namespace", "server", "tool", "outcome")
APPROVALS = "bosun_approvals"
APPROVAL_LABELS = ("namespace", "agent", "decision")

# --- operator and governance ----------------------------------------------------------
RECONCILES = "bosun_reconciles"
RECONCILE_LABELS = ("kind", "outcome")
BUDGET_REJECTIONS = "bosun_budget_rejections"
BUDGET_LABELS = ("namespace", "agent", "policy", "reason")
AUDIT_RECORDS = "bosun_audit_records"
AUDIT_LABELS = ("kind", "outcome")
