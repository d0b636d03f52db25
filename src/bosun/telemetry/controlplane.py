"""The Prometheus metrics of the control plane process (`bosun controlplane`), defined once.

Here, not in bosun.server, because three packages of that process record them and only
this one may be imported by all three: the server (HTTP, proxy, approvals, audit), the
operator in bosun.controller.kube (reconciles) and the model gateway in bosun.gateway
(LLM calls it forwards, budget rejections). Served at /metrics by server/metrics.py.

Recording helpers bind label children once (`Children`): a hot path pays a dict lookup,
not prometheus_client's label validation and lock.

For the gateway (bosun.gateway), to call where it refuses or forwards:
    from bosun.telemetry import controlplane as m
    m.budget_rejected(namespace, agent, policy="dev-team/budget", reason="tokens")
    m.llm_call(provider, model, agent, namespace, seconds, input_tokens, output_tokens)
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from bosun.telemetry import names
from bosun.telemetry.exposition import Children

HTTP_REQUESTS = Counter(
    names.HTTP_REQUESTS, "HTTP requests to the control plane, by route template",
    names.HTTP_LABELS,
)  # fmt: skip
HTTP_DURATION = Histogram(
    names.HTTP_DURATION, "Seconds until the response ended (streams: their whole life)",
    names.HTTP_LABELS[:2], buckets=names.HTTP_BUCKETS,
)  # fmt: skip
PROXY_REQUESTS = Counter(
    names.PROXY_REQUESTS, "A2A calls through the proxy and /mcp, by agent and JSON-RPC method",
    names.PROXY_LABELS,
)  # fmt: skip
PROXY_DURATION = Histogram(
    names.PROXY_DURATION, "Seconds until the agent's answer began (time to first byte)",
    names.PROXY_LABELS[:3], buckets=names.HTTP_BUCKETS,
)  # fmt: skip
APPROVALS = Counter(
    names.APPROVALS, "Decisions on calls that waited for approval", names.APPROVAL_LABELS
)
RECONCILES = Counter(
    names.RECONCILES, "Operator reconciles by kind and outcome", names.RECONCILE_LABELS
)
BUDGET_REJECTIONS = Counter(
    names.BUDGET_REJECTIONS,
    "Requests refused by a Policy (budget, rate limit or model not allowed)",
    names.BUDGET_LABELS,
)
AUDIT_RECORDS = Counter(names.AUDIT_RECORDS, "Audit records written", names.AUDIT_LABELS)
GATEWAY_TOKENS = Histogram(
    names.GEN_AI_TOKEN_USAGE, "Tokens per LLM call through the gateway",
    [*names.GEN_AI_LABELS, names.TOKEN_TYPE_LABEL], buckets=names.TOKEN_BUCKETS,
)  # fmt: skip
GATEWAY_DURATION = Histogram(
    names.GEN_AI_OPERATION_DURATION, "Seconds per LLM call through the gateway",
    [*names.GEN_AI_LABELS, "error_type"], buckets=names.DURATION_BUCKETS,
)  # fmt: skip

http_requests = Children(HTTP_REQUESTS)
http_duration = Children(HTTP_DURATION)
proxy_requests = Children(PROXY_REQUESTS)
proxy_duration = Children(PROXY_DURATION)
approvals = Children(APPROVALS)
reconciles = Children(RECONCILES)
budget_rejections = Children(BUDGET_REJECTIONS)
audit_records = Children(AUDIT_RECORDS)
_gateway_tokens = Children(GATEWAY_TOKENS)
_gateway_duration = Children(GATEWAY_DURATION)


def reconciled(kind: str, outcome: str) -> None:
    """One reconcile of `kind` ended: outcome `success`, `error` or `requeue`."""
    reconciles.get(kind, outcome).inc()


def budget_rejected(namespace: str, agent: str, *, policy: str, reason: str) -> None:
    """The gateway (or the proxy) refused a request because of `policy` (ns/name);
    reason: `tokens`, `requests`, `model`, `a2a` ..."""
    budget_rejections.get(namespace, agent, policy, reason).inc()


def llm_call(
    provider: str,
    model: str,
    agent: str,
    namespace: str,
    seconds: float,
    input_tokens: int | None,
    output_tokens: int | None,
    *,
    operation: str = "chat",
    error_type: str = "",
) -> None:
    """One LLM call the gateway forwarded (GenAI semantic-convention metrics)."""
    base = (operation, provider, model, agent, namespace)
    _gateway_duration.get(*base, error_type).observe(seconds)
    if input_tokens is not None:
        _gateway_tokens.get(*base, "input").observe(input_tokens)
    if output_tokens is not None:
        _gateway_tokens.get(*base, "output").observe(output_tokens)
