"""The Anthropic Messages side, driven by the real `anthropic` SDK over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import httpx
import pytest

from bosun.mockllm import MockLLM, fingerprint

KEY = "ak-test-secret-456"
RULES: list[dict[str, Any]] = [
    {
        "name": "lookup",
        "match": {"contains": "pods", "turn": 0},
        "text": "Let me check.",
        "tool_calls": [{"name": "list_pods", "arguments": {"namespace": "default"}}],
    },
    {"match": {"tool_result": "list_pods"}, "text": "Pods: {{last_tool_result}}"},
    {"match": {"last_message": "hello"}, "text": "Hello from Claude."},
]


@pytest.fixture(scope="module")
def server() -> Iterator[MockLLM]:
    with MockLLM() as llm:
        yield llm


@pytest.fixture
def llm(server: MockLLM) -> MockLLM:
    server.set_script(RULES)
    server.clear_requests()
    return server


def client(llm: MockLLM, **kwargs: Any) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=llm.anthropic_base_url, api_key=KEY, **kwargs)


def test_text_answer_usage_and_redacted_api_key(llm: MockLLM) -> None:
    message = client(llm).messages.create(
        model="claude-test",
        max_tokens=64,
        system="You are terse.",
        messages=[{"role": "user", "content": "hello"}],
    )
    assert [b.type for b in message.content] == ["text"]
    assert message.content[0].text == "Hello from Claude."  # type: ignore[union-attr]
    assert (message.stop_reason, message.model, message.role) == (
        "end_turn",
        "claude-test",
        "assistant",
    )
    assert message.usage.output_tokens == 5  # 18 characters / 4, rounded up
    assert message.usage.input_tokens > 0
    (request,) = llm.requests
    assert (request.path, request.api, request.rule) == ("/v1/messages", "anthropic", 2)
    assert request.body["system"] == "You are terse."
    assert request.body["max_tokens"] == 64
    assert request.headers["anthropic-version"]
    # The SDK sends the key as x-api-key or (newer versions) as a bearer token.
    (header,) = request.credentials
    assert request.headers[header] in ("***", "Bearer ***")
    assert request.credentials[header] == fingerprint(KEY)
    assert KEY not in repr(request)


def test_tool_use_round_trip(llm: MockLLM) -> None:
    api = client(llm)
    messages: list[Any] = [{"role": "user", "content": "which pods run?"}]
    first = api.messages.create(model="claude-test", max_tokens=64, messages=messages)
    assert first.stop_reason == "tool_use"
    text, tool_use = first.content
    assert text.type == "text"
    assert tool_use.type == "tool_use"
    assert (tool_use.name, tool_use.input) == ("list_pods", {"namespace": "default"})
    assert tool_use.id.startswith("toolu_")
    messages += [
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": tool_use.id, "content": "a, b"}],
        },
    ]
    second = api.messages.create(model="claude-test", max_tokens=64, messages=messages)
    assert second.content[0].text == "Pods: a, b"  # type: ignore[union-attr]
    assert [r.rule for r in llm.requests] == [0, 1]


def test_stream_is_the_real_event_sequence(llm: MockLLM) -> None:
    with client(llm).messages.stream(
        model="claude-test", max_tokens=64, messages=[{"role": "user", "content": "pods?"}]
    ) as stream:
        events = list(stream)
        final = stream.get_final_message()
    kinds = [e.type for e in events if e.type not in ("text", "input_json")]  # SDK helper events
    assert kinds[:2] == ["message_start", "content_block_start"]
    assert kinds[-2:] == ["message_delta", "message_stop"]
    assert kinds.count("content_block_start") == kinds.count("content_block_stop") == 2
    deltas = [e.delta.type for e in events if e.type == "content_block_delta"]
    assert {"text_delta", "input_json_delta"} == set(deltas)
    assert final.stop_reason == "tool_use"
    assert final.content[0].text == "Let me check."  # type: ignore[union-attr]
    assert final.content[1].input == {"namespace": "default"}  # type: ignore[union-attr]
    assert final.usage.output_tokens > 1  # from message_delta, not message_start's 1
    assert llm.requests[0].stream is True


def test_unmatched_and_scripted_errors_use_anthropic_error_shape(llm: MockLLM) -> None:
    with pytest.raises(anthropic.BadRequestError) as info:
        client(llm).messages.create(
            model="claude-test", max_tokens=64, messages=[{"role": "user", "content": "nothing"}]
        )
    assert info.value.body["type"] == "error"  # type: ignore[index]
    assert info.value.body["error"]["type"] == "invalid_request_error"  # type: ignore[index]
    assert "last message (user): 'nothing'" in info.value.message
    llm.set_script([{"match": {}, "status": 529, "error": "Overloaded"}])
    with pytest.raises(anthropic.APIStatusError) as status_info:
        client(llm, max_retries=0).messages.create(
            model="claude-test", max_tokens=64, messages=[{"role": "user", "content": "x"}]
        )
    assert status_info.value.status_code == 529
    assert status_info.value.body["error"]["type"] == "overloaded_error"  # type: ignore[index]


def test_max_tokens_is_required_like_the_real_api(llm: MockLLM) -> None:
    response = httpx.post(
        llm.url + "/v1/messages",
        json={"model": "claude-test", "messages": [{"role": "user", "content": "hello"}]},
    )
    assert response.status_code == 400
    assert "`max_tokens` is required" in response.json()["error"]["message"]


def test_models_list_and_count_tokens(llm: MockLLM) -> None:
    llm.set_script({"models": ["claude-a"], "rules": []})
    api = client(llm)
    assert [m.id for m in api.models.list()] == ["claude-a"]
    counted = api.messages.count_tokens(
        model="claude-a", messages=[{"role": "user", "content": "hello " * 20}]
    )
    assert counted.input_tokens > 20
