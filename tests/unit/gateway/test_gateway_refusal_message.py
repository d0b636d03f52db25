"""The gateway's refusal bodies, as the provider SDKs hand them to the agent runtime,
are recognised by runtime/errors.py and shown verbatim (both API shapes)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic_ai import exceptions as engine_errors

from bosun.gateway.refusals import REFUSAL_KEY, GatewayError, error_response
from bosun.runtime.errors import GATEWAY_REFUSAL_KEY, gateway_refusal

MESSAGE = (
    "namespace default is over the token budget of 50 tokens per 1h (60 used): limit "
    "hourly of Policy default/governance (spec.limits[0]); the window resets at "
    "2027-01-15T09:00:00Z (in 2647 s) " + "x" * 200
)


def _body(api: str, exc: GatewayError) -> Any:
    body = json.loads(error_response(api, exc).body)  # type: ignore[arg-type]
    # The OpenAI SDK passes on the `error` object; the Anthropic SDK the whole body.
    return body["error"] if api == "openai" else body


@pytest.mark.parametrize("api", ["openai", "anthropic"])
def test_a_budget_refusal_is_recognised_and_kept_whole(api: str) -> None:
    assert REFUSAL_KEY == GATEWAY_REFUSAL_KEY
    refusal = GatewayError(429, MESSAGE, retry_after=2647, policy="default/governance",
                           rule="spec.limits[0]", what="tokens")  # fmt: skip
    body = _body(api, refusal)
    error = body if api == "openai" else body["error"]
    assert error[REFUSAL_KEY] == {"status": 429, "policy": "default/governance",
                                  "rule": "spec.limits[0]", "reason": "tokens",
                                  "retry_after": 2647}  # fmt: skip
    exc = engine_errors.ModelHTTPError(429, "gpt-4o", body)
    assert gateway_refusal(exc) == MESSAGE  # longer than 300 characters, not cut


def test_a_providers_own_error_is_not_taken_for_a_refusal() -> None:
    provider = {"message": "Rate limit reached", "type": "rate_limit_error", "code": "x"}
    assert gateway_refusal(engine_errors.ModelHTTPError(429, "gpt-4o", provider)) is None
    assert gateway_refusal(engine_errors.ModelHTTPError(403, "gpt-4o", "denied")) is None
    assert gateway_refusal(ValueError("x")) is None
