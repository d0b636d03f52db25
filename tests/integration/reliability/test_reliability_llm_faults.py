"""LLM faults (docs/reliability.md): each ends in an answer after bounded retries, or in
a FAILED task whose message says what happened; never a task left `working`, and the
same conversation goes on afterwards.

One fake LLM for the module (scripts swapped per case); the agent runs in-process.
"""

from __future__ import annotations

import contextlib
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from runtime_helpers import Conversation, base_config

from bosun.mockllm import MockLLM

pytestmark = pytest.mark.slow  # the agent runtime in-process; retries with backoff

FAILED, COMPLETED = "TASK_STATE_FAILED", "TASK_STATE_COMPLETED"


@pytest.fixture(scope="module")
def llm() -> Iterator[MockLLM]:
    with MockLLM([{"match": {}, "text": "unused"}]) as server:
        yield server


async def agent(start_agent: Any, connect: Any, llm: MockLLM, **settings: Any) -> Conversation:
    llm.clear_requests()
    config = base_config(llm, stream=settings.pop("stream", True))
    config["model"] = {**config["model"], **settings}
    running = await start_agent(config)
    conversation: Conversation = await connect(running.url)
    return conversation


async def turn(conversation: Conversation, text: str = "hello", context: str = "") -> Any:
    """Send, and check the task as stored agrees with what was streamed (never `working`)."""
    exchange = await conversation.send(text, context_id=context or None, limit=60)
    task = await conversation.get_task(exchange.task_id)
    assert exchange.states()[-1] in (FAILED, COMPLETED), exchange.states()
    from a2a.types import TaskState

    assert TaskState.Name(task.status.state) == exchange.final_state
    return exchange


def statuses(llm: MockLLM) -> list[int | None]:
    return [r.status for r in llm.llm_requests()]


@contextlib.contextmanager
def black_hole() -> Iterator[str]:
    """A port whose accept queue is full: connecting to it times out (SYNs are dropped)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
        fillers.append(filler)
    time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


async def test_connect_timeout_is_retried_then_the_task_fails(
    llm: MockLLM, start_agent: Any, connect: Any
) -> None:
    with black_hole() as url:
        conversation = await agent(start_agent, connect, llm, base_url=url, timeout=0.2)
        started = time.monotonic()
        exchange = await turn(conversation)
        elapsed = time.monotonic() - started
    assert exchange.final_state == FAILED
    assert "could not be reached for model 'gpt-test' (after retries)" in exchange.final_text()
    assert "timed out" in exchange.final_text()
    assert 0.8 < elapsed < 20  # four attempts of 0.2 s with backoff between: bounded


async def test_stream_stalled_or_cut_mid_answer_fails_saying_so(
    llm: MockLLM, start_agent: Any, connect: Any
) -> None:
    conversation = await agent(start_agent, connect, llm, timeout=0.5)
    llm.set_script([{"match": {}, "text": "one two three four five", "stall_after": 3}])
    stalled = await turn(conversation)
    assert stalled.final_state == FAILED
    assert "stopped answering mid-response" in stalled.final_text()
    assert "timed out" in stalled.final_text() and "Send the message again" in stalled.final_text()

    llm.set_script([{"match": {}, "text": "one two three four five", "cut_after": 3}])
    cut = await turn(conversation, context=stalled.context_id)
    assert cut.final_state == FAILED
    assert "stopped answering mid-response" in cut.final_text()
    assert len(llm.llm_requests()) == 2  # not retried: part of the answer was shown

    llm.set_script([{"match": {}, "text": "back"}])
    again = await turn(conversation, "still there?", context=stalled.context_id)
    assert again.final_text() == "back"
    # The session kept both interrupted turns, each closed with a note the model reads.
    history = [str(m.get("content")) for m in llm.llm_requests()[-1].body["messages"]]
    assert [h for h in history if h == "hello"] == ["hello", "hello"]
    assert sum("[This turn ended early: The model provider stopped" in h for h in history) == 2


async def test_connection_cut_before_the_answer_is_retried(
    llm: MockLLM, start_agent: Any, connect: Any
) -> None:
    conversation = await agent(start_agent, connect, llm, stream=False, timeout=2)
    llm.set_script([
        {"match": {}, "text": "never whole", "cut_after": 0, "times": 2},
        {"match": {}, "text": "third time lucky"},
    ])  # fmt: skip
    exchange = await turn(conversation)
    assert exchange.final_text() == "third time lucky"
    assert len(llm.llm_requests()) == 3


async def test_rate_limits_and_server_errors_are_retried_a_bounded_number_of_times(
    llm: MockLLM, start_agent: Any, connect: Any
) -> None:
    conversation = await agent(start_agent, connect, llm, timeout=5)
    llm.set_script([
        {"match": {}, "status": 429, "error": "slow down", "retry_after": 0.3, "times": 2},
        {"match": {}, "text": "after waiting"},
    ])  # fmt: skip
    started = time.monotonic()
    waited = await turn(conversation)
    assert waited.final_text() == "after waiting" and statuses(llm) == [429, 429, 200]
    assert time.monotonic() - started >= 0.6  # Retry-After honoured, twice

    llm.clear_requests()
    llm.set_script([{"match": {}, "status": 429, "error": "quota", "retry_after": 0.01}])
    limited = await turn(conversation)
    assert limited.final_state == FAILED and statuses(llm) == [429] * 4
    assert "rate limiting model 'gpt-test' and retries did not help" in limited.final_text()

    llm.clear_requests()
    llm.set_script([
        {"match": {}, "status": 503, "error": "overloaded", "retry_after": 0.01, "times": 3},
        {"match": {}, "text": "recovered"},
    ])  # fmt: skip
    assert (await turn(conversation)).final_text() == "recovered"
    assert statuses(llm) == [503, 503, 503, 200]

    llm.clear_requests()
    llm.set_script([{"match": {}, "status": 500, "error": "boom", "retry_after": 0.01}])
    broken = await turn(conversation)
    assert broken.final_state == FAILED and statuses(llm) == [500] * 4
    assert "answered HTTP 500 for model 'gpt-test' (after retries)" in broken.final_text()
    assert "boom" in broken.final_text()


async def test_a_model_that_keeps_sending_bad_tool_calls_fails_the_task(
    llm: MockLLM, start_agent: Any, connect: Any
) -> None:
    conversation = await agent(start_agent, connect, llm, timeout=5)
    llm.set_script([{"match": {}, "tool_calls": [{"name": "ask_user", "arguments": "{oops"}]}])
    malformed = await turn(conversation)
    assert malformed.final_state == FAILED
    assert "Tool 'ask_user' exceeded max retries count of 3" in malformed.final_text()
    assert len(llm.llm_requests()) == 4  # the first call and three corrections
    # What the model was told each time it can act on.
    told = llm.llm_requests()[1].body["messages"][-1]["content"]
    assert "Invalid JSON" in told  # each correction says what was wrong

    llm.clear_requests()
    llm.set_script([{"match": {}, "tool_calls": [{"name": "no_such_tool", "arguments": {}}]}])
    unknown = await turn(conversation, context=malformed.context_id)
    assert unknown.final_state == FAILED
    assert "no_such_tool" in unknown.final_text()
    first_correction = llm.llm_requests()[1].body["messages"][-1]["content"]
    assert "Unknown tool name: 'no_such_tool'" in first_correction
