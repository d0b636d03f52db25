"""Session history from stored events, compaction cuts, dangling calls, truncation."""

from __future__ import annotations

from pydantic_ai.messages import (
    ModelRequest,
    ModelResponse,
    RequestUsage,
    TextPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)

from bosun.api.config import CompactionSettings
from bosun.runtime.compaction import compaction_cut, transcript
from bosun.runtime.sessions import SUMMARY_PREFIX, apply_event, dump_messages
from bosun.runtime.toolsets.truncation import truncate
from bosun.runtime.turn import close_open_calls


def _turn(text: str, answer: str, tokens: int = 10) -> list:
    return [
        ModelRequest(parts=[UserPromptPart(content=text)]),
        ModelResponse(parts=[TextPart(content=answer)], usage=RequestUsage(input_tokens=tokens)),
    ]


def test_events_rebuild_the_history_and_apply_compaction() -> None:
    messages = _turn("a", "A") + _turn("b", "B")
    history = apply_event([], {"kind": "messages", "messages": dump_messages(messages)})
    assert len(history) == 4
    compacted = apply_event(history, {"kind": "compaction", "summary": "talked about a", "cut": 2})
    assert len(compacted) == 3
    first = compacted[0]
    assert isinstance(first, ModelRequest)
    assert first.parts[0].content == SUMMARY_PREFIX + "talked about a"
    assert apply_event(compacted, {"kind": "from-the-future"}) == compacted


def test_compaction_is_due_by_interval_or_tokens() -> None:
    messages = _turn("a", "A") + _turn("b", "B") + _turn("c", "C", tokens=500)
    assert compaction_cut(messages, CompactionSettings(compaction_interval=5)) == 0
    assert compaction_cut(messages, CompactionSettings(compaction_interval=3)) == 4
    assert compaction_cut(messages, CompactionSettings(compaction_interval=3, overlap_size=2)) == 2
    assert compaction_cut(messages, CompactionSettings(token_threshold=400)) == 4
    assert "User: a" in transcript(messages) and "Agent: C" in transcript(messages)


def test_open_calls_are_closed_before_a_new_prompt() -> None:
    history = [
        ModelRequest(parts=[UserPromptPart(content="go")]),
        ModelResponse(parts=[ToolCallPart("t", {}, "c1"), ToolCallPart("t", {}, "c2")]),
        ModelRequest(parts=[ToolReturnPart("t", "done", "c1")]),
    ]
    closed = close_open_calls(history)
    last = closed[-1]
    assert isinstance(last, ModelRequest)
    assert [p.tool_call_id for p in last.parts] == ["c2"]
    assert close_open_calls(closed) == closed


def test_truncation_marker() -> None:
    assert truncate("short", 10) == "short"
    cut = truncate("x" * 30, 10)
    assert cut.startswith("x" * 10) and "10 of 30 characters shown" in cut
