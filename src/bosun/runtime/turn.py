"""One turn of the agent loop: the engine runs, and what happens is told to a sink.

Called by the executor for each A2A message (a new prompt, or the user's decisions on
paused calls). It drives pydantic-ai's `agent.iter()` node by node so that text can be
streamed token by token (when the agent streams) and every tool call and result is
reported as it happens. The sink (the executor) turns these into A2A updates; this module
knows nothing of A2A.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic_ai import Agent, DeferredToolRequests, DeferredToolResults
from pydantic_ai.messages import (
    DeferredToolRequestsEvent,
    FunctionToolCallEvent,
    FunctionToolResultEvent,
    ModelMessage,
    ModelRequest,
    ModelResponse,
    PartDeltaEvent,
    PartStartEvent,
    RetryPromptPart,
    TextPart,
    TextPartDelta,
    ToolCallPart,
    ToolReturnPart,
    UserContent,
)
from pydantic_ai.usage import RunUsage, UsageLimits

from bosun.runtime.deps import TurnDeps
from bosun.runtime.engine import Engine
from bosun.runtime.turn_meter import TurnMeter, meter_for

ToolStatus = Literal["success", "error", "denied"]


class TurnSink(Protocol):
    """Receives what happens during a turn, in order."""

    async def text_delta(self, text: str) -> None:
        """A piece of the model's text as it streams (only when the agent streams)."""

    async def model_text(self, text: str) -> None:
        """The text of a model response that also called tools (thinking out loud)."""

    async def tool_call(self, call_id: str, name: str, arguments: Any) -> None: ...

    async def tool_pending(self, call_id: str, name: str, arguments: Any) -> None:
        """A call that will wait for the user (approval, question, or a paused sub-agent)."""

    async def tool_result(
        self, call_id: str, name: str, status: ToolStatus, content: Any
    ) -> None: ...


@dataclass
class TurnResult:
    output: str | DeferredToolRequests
    new_messages: list[ModelMessage]
    usage: RunUsage


def arguments_of(part: ToolCallPart) -> Any:
    """A call's arguments as a dict; malformed JSON from the model is kept as text."""
    try:
        return part.args_as_dict()
    except Exception:
        return {"_raw": part.args if isinstance(part.args, str) else str(part.args)}


def _status(part: ToolReturnPart) -> ToolStatus:
    outcome = getattr(part, "outcome", "success")
    if outcome == "success":
        return "success"
    if outcome == "denied":
        return "denied"
    return "error"


def _content(part: ToolReturnPart) -> Any:
    if _status(part) == "success":
        return part.content
    return part.model_response_str()


ABANDONED_CALL = "This call did not run: the user sent a new message instead of answering it."


def close_open_calls(history: Sequence[ModelMessage]) -> list[ModelMessage]:
    """History where every tool call has a result, for a turn that starts with a new prompt.

    A turn paused for approval ends with calls that have no result yet; if the user then
    starts a new task in the same session, those calls will never run, and providers
    reject a history with unanswered calls.
    """
    messages = list(history)
    last_response = next(
        (i for i in range(len(messages) - 1, -1, -1) if isinstance(messages[i], ModelResponse)),
        None,
    )
    if last_response is None:
        return messages
    response = messages[last_response]
    assert isinstance(response, ModelResponse)
    answered = {
        part.tool_call_id
        for message in messages[last_response + 1 :]
        if isinstance(message, ModelRequest)
        for part in message.parts
        if isinstance(part, ToolReturnPart)
    }
    missing = [c for c in response.tool_calls if c.tool_call_id not in answered]
    if missing:
        messages.append(
            ModelRequest(
                parts=[
                    ToolReturnPart(
                        tool_name=c.tool_name,
                        content=ABANDONED_CALL,
                        tool_call_id=c.tool_call_id,
                        outcome="interrupted",
                    )
                    for c in missing
                ]
            )
        )
    return messages


async def run_turn(
    engine: Engine,
    *,
    prompt: str | Sequence[UserContent] | None,
    history: Sequence[ModelMessage],
    deferred: DeferredToolResults | None,
    deps: TurnDeps,
    sink: TurnSink,
) -> TurnResult:
    """Run the agent until it answers or pauses. Raises the engine's errors unchanged."""
    agent = engine.agent
    limits = UsageLimits(request_limit=engine.limits.max_llm_calls)
    meter = meter_for(engine.config, agent.model)  # Prometheus metrics (turn_meter.py)
    if prompt is not None:
        history = close_open_calls(history)
    try:
        async with agent.iter(
            prompt,
            message_history=list(history) or None,
            deferred_tool_results=deferred,
            deps=deps,
            usage_limits=limits,
        ) as run:
            async for node in run:
                if Agent.is_model_request_node(node):
                    if meter is not None:
                        meter.model_request()
                    if engine.stream:
                        async with node.stream(run.ctx) as events:
                            async for event in events:
                                await _model_event(event, sink)
                elif Agent.is_call_tools_node(node):
                    response = node.model_response
                    if meter is not None:
                        meter.model_response(response)
                    text = "".join(p.content for p in response.parts if isinstance(p, TextPart))
                    if text and response.tool_calls:
                        await sink.model_text(text)
                    async with node.stream(run.ctx) as events:
                        async for event in events:
                            await _tool_event(event, sink, meter)
            result = run.result
    except Exception as exc:
        if meter is not None:
            meter.failed(exc)
        raise
    assert result is not None  # iter() completed without an exception
    return TurnResult(output=result.output, new_messages=result.new_messages(), usage=result.usage)


async def _model_event(event: Any, sink: TurnSink) -> None:
    text = ""
    if isinstance(event, PartStartEvent) and isinstance(event.part, TextPart):
        text = event.part.content
    elif isinstance(event, PartDeltaEvent) and isinstance(event.delta, TextPartDelta):
        text = event.delta.content_delta
    if text:
        await sink.text_delta(text)


async def _tool_event(event: Any, sink: TurnSink, meter: TurnMeter | None) -> None:
    if isinstance(event, FunctionToolCallEvent):
        part = event.part
        if meter is not None:
            meter.tool_started(part.tool_call_id)
        await sink.tool_call(part.tool_call_id, part.tool_name, arguments_of(part))
    elif isinstance(event, FunctionToolResultEvent):
        result = event.part
        if isinstance(result, ToolReturnPart):
            status = _status(result)
            if meter is not None:
                meter.tool_finished(result.tool_call_id, result.tool_name, status)
            await sink.tool_result(result.tool_call_id, result.tool_name, status, _content(result))
        elif isinstance(result, RetryPromptPart) and meter is not None and result.tool_name:
            meter.tool_finished(result.tool_call_id, result.tool_name, "error")
    elif isinstance(event, DeferredToolRequestsEvent):
        for part in [*event.requests.approvals, *event.requests.calls]:
            await sink.tool_pending(part.tool_call_id, part.tool_name, arguments_of(part))
