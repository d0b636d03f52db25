"""Failures of a turn as messages a person can act on (one mapping, used by the executor).

User errors (configuration: API key, model name), model/provider errors (rate limits,
outages, context window) and tool errors are told apart, each with what to do next.
Secrets never appear: provider bodies are shortened and API keys are never part of them.

A refusal by Bosun's model gateway (a Policy: model not allowed, budget or rate spent;
or a bad gateway credential) is told apart from the provider's own errors by the
`bosun_gateway` object the gateway puts in its error body (gateway/refusals.py
REFUSAL_KEY): its message, which names the Policy, the rule and when the window resets,
is shown verbatim, not as "check the API key" or "try again in a moment".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic_ai import exceptions as engine_errors

from bosun.runtime.models import ModelConfigError
from bosun.runtime.store import StoreError

if TYPE_CHECKING:
    from bosun.runtime.engine import Engine

_MAX = 300
_MAX_GATEWAY = 1000  # the gateway's own messages: names and times, no provider text
GATEWAY_REFUSAL_KEY = "bosun_gateway"  # must equal bosun.gateway.refusals.REFUSAL_KEY


def _short(text: object) -> str:
    value = str(text).strip().replace("\n", " ")
    return value if len(value) <= _MAX else value[:_MAX] + "…"


def gateway_refusal(exc: BaseException) -> str | None:
    """The gateway's message when `exc` is the model gateway's own refusal, else None.

    The OpenAI SDK hands over the body's `error` object, the Anthropic SDK the whole body."""
    body = getattr(exc, "body", None)
    if not isinstance(body, dict):
        return None
    error = body if GATEWAY_REFUSAL_KEY in body else body.get("error")
    if not isinstance(error, dict) or not isinstance(error.get(GATEWAY_REFUSAL_KEY), dict):
        return None
    message = str(error.get("message") or "").strip()
    return message[:_MAX_GATEWAY] if message else None


def describe_failure(exc: BaseException, engine: Engine) -> str:
    model = engine.model_name
    refused = gateway_refusal(exc)
    if refused is not None:
        return f"The model gateway refused the call to model {model!r}: {refused}"
    if isinstance(exc, engine_errors.UsageLimitExceeded):
        limit = engine.limits.max_llm_calls
        return (
            f"Stopped: the agent made {limit} LLM calls in this turn without finishing "
            f"(limit max_llm_calls = {limit}). Send another message to let it continue, "
            "or raise the limit."
        )
    if isinstance(exc, engine_errors.ModelAuthenticationError):
        return (
            f"The model provider rejected the credentials for model {model!r}: check the "
            "API key in the ModelConfig's secret."
        )
    if isinstance(exc, engine_errors.ModelNotFoundError):
        return f"The model provider does not know the model {model!r}: check the model name."
    if isinstance(exc, engine_errors.ModelContextWindowExceededError):
        return (
            f"The conversation is too long for model {model!r}. Start a new session, or "
            "enable context compaction for this agent."
        )
    if isinstance(exc, engine_errors.ModelRateLimitError | engine_errors.ModelQuotaExceededError):
        return (
            f"The model provider is rate limiting model {model!r} and retries did not help: "
            f"{_short(exc)}. Try again in a moment."
        )
    if isinstance(exc, engine_errors.ModelConnectionError):
        if exc.in_stream or exc.phase == "read":
            # Not retried: part of the answer may already have reached the user.
            return (
                f"The model provider stopped answering mid-response for model {model!r} "
                f"({_short(exc)}); the answer is incomplete. Send the message again: the "
                "conversation so far is kept."
            )
        return (
            f"The model provider could not be reached for model {model!r} (after retries): "
            f"{_short(exc)}"
        )
    if isinstance(exc, engine_errors.ModelHTTPError):
        return (
            f"The model provider answered HTTP {exc.status_code} for model {model!r} "
            f"(after retries): {_short(exc.body or exc)}"
        )
    if isinstance(exc, engine_errors.ModelAPIError):
        return f"The model provider failed for model {model!r}: {_short(exc)}"
    if isinstance(exc, engine_errors.UnexpectedModelBehavior):
        return f"The model's answer could not be used: {_short(exc)}"
    if isinstance(exc, ModelConfigError):
        return f"The model is not configured correctly: {exc}"
    if isinstance(exc, StoreError):
        return f"The conversation could not be saved or read: {exc}"
    return f"The agent failed unexpectedly ({type(exc).__name__}: {_short(exc)})."
