"""The gateway's own error answers (refusals), in the shape of the provider's API.

Used by routes.py for every answer the gateway gives itself instead of the provider's:
a bad credential (401), a Policy refusal (403 model, 429 budget/rate with Retry-After),
an unknown agent or ModelConfig, an unreachable provider. The body carries a
REFUSAL_KEY object that the agent runtime (runtime/errors.py) recognises, so the task
fails with this message verbatim.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

from bosun.gateway.policy import Decision
from bosun.gateway.upstream import Api

LONG_WAIT = 10  # seconds: a 429 asking for a longer wait tells the SDKs not to retry

REFUSAL_KEY = "bosun_gateway"
"""In the error object of every answer the gateway itself gives (not the provider's): who
refused and why. The agent runtime (runtime/errors.py) looks for it to show the gateway's
message verbatim instead of guessing from the status code (a 403 is not a bad API key)."""


class GatewayError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        *,
        retry_after: int | None = None,
        policy: str = "",
        rule: str = "",
        what: str = "",
        resets_at: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after
        self.policy = policy  # namespace/name of the Policy that refused, if one did
        self.rule = rule
        self.what = what  # model, tokens, requests (bosun_budget_rejections_total's reason)
        self.resets_at = resets_at

    @staticmethod
    def of(decision: Decision) -> GatewayError:
        return GatewayError(
            decision.status, decision.message, retry_after=decision.retry_after,
            policy=decision.policy, rule=decision.rule, what=decision.what,
            resets_at=decision.resets_at,
        )  # fmt: skip

    def marker(self) -> dict[str, Any]:
        """The REFUSAL_KEY object: the refusal's facts, no secrets (they are Policy names)."""
        out: dict[str, Any] = {"status": self.status}
        if self.policy:
            out.update(policy=self.policy, rule=self.rule, reason=self.what)
        if self.retry_after is not None:
            out["retry_after"] = self.retry_after
        if self.resets_at:
            out["resets_at"] = self.resets_at
        return out


_ANTHROPIC_TYPES = {400: "invalid_request_error", 401: "authentication_error",
                    403: "permission_error", 404: "not_found_error", 429: "rate_limit_error",
                    502: "api_error"}  # fmt: skip


def error_response(api: Api, exc: GatewayError) -> JSONResponse:
    """The refusal in the shape the agent's SDK parses (its message reaches the task)."""
    kind = _ANTHROPIC_TYPES.get(exc.status, "api_error")
    error: dict[str, Any] = {"message": exc.message, "type": kind}
    if api == "openai":
        error["code"] = kind
    error[REFUSAL_KEY] = exc.marker()
    body: dict[str, Any] = {"error": error}
    if api == "anthropic":
        body = {"type": "error", "error": error}
    headers = {}
    if exc.retry_after is not None:
        headers["retry-after"] = str(exc.retry_after)
        if exc.retry_after > LONG_WAIT:
            headers["x-should-retry"] = "false"
    return JSONResponse(body, exc.status, headers=headers)
