"""Prometheus observations of one turn: each LLM round trip and each tool call that ran.

Fed by `bosun.runtime.turn.run_turn` from what it sees anyway (the graph's nodes and the
tool events); the numbers go to `bosun.runtime.metrics`, imported on the first
observation (`bosun agent` imports it in the background once started). BOSUN_METRICS=false
turns it off (`meter_for` returns None).

- An LLM call lasts from its model-request node to the next node (the response), or to
  the error that ended the turn; tokens are the response's usage.
- A tool call lasts from its call event to its result event; a call paused for approval
  has no result in that turn and is counted when it runs after the user's answer (a result
  without a call event in the same turn: its duration is unknown, counted as 0). Denied
  calls did not run and are not counted.
"""

from __future__ import annotations

import importlib
import time
from typing import Any

from bosun.api.config import AgentConfig
from bosun.runtime.telemetry import metrics_enabled


def meter_for(config: AgentConfig, model: Any) -> TurnMeter | None:
    return TurnMeter(config, model) if metrics_enabled() else None


def _metrics() -> Any:
    return importlib.import_module("bosun.runtime.metrics")


def _error_type(error: BaseException) -> str:
    # As the OpenTelemetry conventions (and pydantic-ai's spans) name it.
    kind = type(error)
    if kind.__module__ == "builtins":
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


class TurnMeter:
    def __init__(self, config: AgentConfig, model: Any) -> None:
        self.config = config
        self.provider = str(getattr(model, "system", "") or "")
        self.model = str(getattr(model, "model_name", "") or config.model.model)
        self._request_started: float | None = None
        self._calls: dict[str, float] = {}

    def model_request(self) -> None:
        self._request_started = time.perf_counter()

    def model_response(self, response: Any) -> None:
        if self._request_started is None:
            return
        seconds = time.perf_counter() - self._request_started
        self._request_started = None
        usage = response.usage
        _metrics().observe_llm_call(
            self.config,
            provider=self.provider,
            model=self.model,
            seconds=seconds,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
        )

    def failed(self, error: BaseException) -> None:
        """The turn ended with `error`: an LLM call in flight failed with it."""
        if self._request_started is None:
            return
        seconds = time.perf_counter() - self._request_started
        self._request_started = None
        _metrics().observe_llm_call(
            self.config,
            provider=self.provider,
            model=self.model,
            seconds=seconds,
            error_type=_error_type(error),
        )

    def tool_started(self, call_id: str) -> None:
        self._calls[call_id] = time.perf_counter()

    def tool_finished(self, call_id: str, tool: str, status: str) -> None:
        started = self._calls.pop(call_id, None)
        if status == "denied":
            return
        seconds = time.perf_counter() - started if started is not None else 0.0
        _metrics().observe_tool_call(
            self.config, tool=tool, seconds=seconds, failed=status != "success"
        )
