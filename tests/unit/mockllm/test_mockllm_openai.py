"""The OpenAI Chat Completions side, driven by the real `openai` SDK over HTTP."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest

from bosun.mockllm import MockLLM, fingerprint

KEY = "sk-test-secret-123"
WEATHER: list[dict[str, Any]] = [
    {
        "name": "weather",
        "match": {"contains": "weather", "turn": 0},
        "tool_calls": [{"name": "get_weather", "arguments": {"city": "Paris"}}],
    },
    {"match": {"tool_result": "get_weather"}, "text": "Forecast: {{last_tool_result}}"},
    {"match": {"last_message": "hello"}, "text": "Hello to you, friend."},
]


@pytest.fixture(scope="module")
def server() -> Iterator[MockLLM]:
    with MockLLM() as llm:
        yield llm


@pytest.fixture
def llm(server: MockLLM) -> MockLLM:
    server.set_script(WEATHER)
    server.clear_requests()
    return server


def client(llm: MockLLM, **kwargs: object) -> openai.OpenAI:
    return openai.OpenAI(base_url=llm.openai_base_url, api_key=KEY, **kwargs)  # type: ignore[arg-type]


def test_text_answer_with_usage_and_recorded_request_shape(llm: MockLLM) -> None:
    response = client(llm).chat.completions.create(
        model="gpt-test",
        messages=[{"role": "user", "content": "hello"}],
        temperature=0.2,
        max_tokens=50,
    )
    assert response.choices[0].message.content == "Hello to you, friend."
    assert response.choices[0].finish_reason == "stop"
    assert response.model == "gpt-test"
    assert response.usage is not None
    assert response.usage.completion_tokens == 6  # 21 characters / 4, rounded up
    assert response.usage.total_tokens == response.usage.prompt_tokens + 6
    (request,) = llm.requests
    assert (request.path, request.api, request.rule, request.status) == (
        "/v1/chat/completions",
        "openai",
        2,
        200,
    )
    assert request.body["temperature"] == 0.2
    assert request.body["max_tokens"] == 50


def test_tool_call_round_trip(llm: MockLLM) -> None:
    api = client(llm)
    messages: list[dict[str, object]] = [{"role": "user", "content": "weather in Paris?"}]
    first = api.chat.completions.create(model="gpt-test", messages=messages)  # type: ignore[arg-type]
    assert first.choices[0].finish_reason == "tool_calls"
    (call,) = first.choices[0].message.tool_calls or []
    assert call.function.name == "get_weather"  # type: ignore[union-attr]
    assert json.loads(call.function.arguments) == {"city": "Paris"}  # type: ignore[union-attr]
    messages += [
        first.choices[0].message.model_dump(exclude_none=True),
        {"role": "tool", "tool_call_id": call.id, "content": "sunny, 21C"},
    ]
    second = api.chat.completions.create(model="gpt-test", messages=messages)  # type: ignore[arg-type]
    assert second.choices[0].message.content == "Forecast: sunny, 21C"
    assert [r.rule_name for r in llm.requests] == ["weather", None]


def test_streamed_text_and_usage_chunk(llm: MockLLM) -> None:
    chunks = list(
        client(llm).chat.completions.create(
            model="gpt-test",
            messages=[{"role": "user", "content": "hello"}],
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    pieces = [
        c.choices[0].delta.content for c in chunks if c.choices and c.choices[0].delta.content
    ]
    assert len(pieces) == 4
    assert "".join(pieces) == "Hello to you, friend."
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 6
    assert llm.requests[0].stream is True


def test_streamed_tool_call_deltas_join_into_the_arguments(llm: MockLLM) -> None:
    llm.set_script(
        [{"match": {}, "tool_calls": [{"name": "search", "arguments": {"query": "x" * 40}}]}]
    )
    stream = client(llm).chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "go"}], stream=True
    )
    arguments, names, finish = "", [], None
    for chunk in stream:
        assert chunk.usage is None  # no usage chunk unless include_usage was asked for
        choice = chunk.choices[0]
        finish = choice.finish_reason or finish
        for delta in choice.delta.tool_calls or []:
            if delta.function and delta.function.name:
                names.append(delta.function.name)
            arguments += (delta.function.arguments or "") if delta.function else ""
    assert names == ["search"]
    assert json.loads(arguments) == {"query": "x" * 40}
    assert finish == "tool_calls"


def test_unmatched_request_is_a_400_quoting_the_message(llm: MockLLM) -> None:
    with pytest.raises(openai.BadRequestError) as info:
        client(llm).chat.completions.create(
            model="gpt-test", messages=[{"role": "user", "content": "what is love " * 40}]
        )
    message = info.value.message
    assert "no rule in <inline script> matched" in message
    assert "last message (user): 'what is love what is love" in message
    assert "(520 chars)" in message  # long messages are cut
    assert info.value.code == "mockllm_no_rule"


def test_error_once_then_success_through_sdk_retries(llm: MockLLM) -> None:
    llm.set_script(
        [
            {
                "match": {},
                "status": 500,
                "error": "upstream hiccup",
                "times": 1,
                "retry_after": 0.01,
            },
            {"match": {}, "text": "recovered"},
        ]
    )
    response = client(llm, max_retries=2).chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "hi"}]
    )
    assert response.choices[0].message.content == "recovered"
    first, second = llm.requests
    assert (first.status, second.status) == (500, 200)
    assert second.headers["x-stainless-retry-count"] == "1"
    assert llm.rule_uses() == [1, 1]


def test_rate_limit_error_reaches_the_client(llm: MockLLM) -> None:
    llm.set_script([{"match": {}, "status": 429, "error": "slow down", "retry_after": 2}])
    with pytest.raises(openai.RateLimitError) as info:
        client(llm, max_retries=0).chat.completions.create(
            model="gpt-test", messages=[{"role": "user", "content": "hi"}]
        )
    assert info.value.message.endswith("slow down")
    assert info.value.body == {
        "message": "slow down",
        "type": "rate_limit_exceeded",
        "param": None,
        "code": None,
    }
    assert info.value.response.headers["retry-after"] == "2"


def test_credentials_are_redacted_everywhere(llm: MockLLM) -> None:
    client(llm).chat.completions.create(
        model="gpt-test", messages=[{"role": "user", "content": "hello"}]
    )
    (request,) = llm.requests
    assert request.headers["authorization"] == "Bearer ***"
    assert request.credentials == {"authorization": fingerprint(KEY)}
    over_http = httpx.get(llm.url + "/_mock/requests").json()
    assert over_http[0]["headers"]["authorization"] == "Bearer ***"
    assert KEY not in json.dumps(over_http)
    assert KEY not in repr(llm.requests)


def test_azure_deployment_path_needs_api_version(llm: MockLLM) -> None:
    azure = openai.AzureOpenAI(
        azure_endpoint=llm.url, azure_deployment="dep-1", api_version="2024-10-21", api_key=KEY
    )
    response = azure.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "hello"}]
    )
    assert response.choices[0].message.content == "Hello to you, friend."
    (request,) = llm.requests
    assert request.path == "/openai/deployments/dep-1/chat/completions"
    assert request.query == {"api-version": "2024-10-21"}
    assert request.headers["api-key"] == "***"
    assert request.credentials == {"api-key": fingerprint(KEY)}
    bare = httpx.post(
        llm.url + "/openai/deployments/dep-1/chat/completions",
        json={"messages": [{"role": "user", "content": "hello"}]},
    )
    assert bare.status_code == 400
    assert "api-version" in bare.json()["error"]["message"]


def test_models_list_health_and_wrong_base_url(llm: MockLLM) -> None:
    llm.set_script({"models": ["m1", "m2"], "rules": []})
    assert [m.id for m in client(llm).models.list()] == ["m1", "m2"]
    assert httpx.get(llm.url + "/health").json() == {"status": "ok"}
    wrong = openai.OpenAI(base_url=llm.url, api_key=KEY, max_retries=0)  # forgot /v1
    with pytest.raises(openai.NotFoundError) as info:  # an endpoint served only under /v1
        wrong.models.retrieve("m1")
    assert f"Point OpenAI clients at {llm.url}/v1" in info.value.message


def test_control_routes_reset_records_and_replace_the_script(llm: MockLLM) -> None:
    client(llm).chat.completions.create(model="m", messages=[{"role": "user", "content": "hello"}])
    assert len(httpx.get(llm.url + "/_mock/requests").json()) == 1
    assert httpx.delete(llm.url + "/_mock/requests").status_code == 204
    assert llm.requests == []
    bad = httpx.put(llm.url + "/_mock/script", json={"rules": [{"text": "x"}]})
    assert bad.status_code == 400
    assert "a rule needs `match:`" in bad.json()["error"]["message"]
    good = httpx.put(llm.url + "/_mock/script", json=[{"match": {}, "text": "replaced"}])
    assert good.json()["uses"] == [0]
    response = client(llm).chat.completions.create(
        model="m", messages=[{"role": "user", "content": "anything"}]
    )
    assert response.choices[0].message.content == "replaced"


async def test_cancelled_request_during_delay_is_recorded_as_disconnected(llm: MockLLM) -> None:
    llm.set_script([{"match": {}, "text": "too late", "delay": 5}])
    api = openai.AsyncOpenAI(base_url=llm.openai_base_url, api_key=KEY, max_retries=0)
    task = asyncio.create_task(
        api.chat.completions.create(model="m", messages=[{"role": "user", "content": "hi"}])
    )
    await asyncio.to_thread(llm.wait_for_requests, 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await api.close()
    deadline = time.monotonic() + 2
    while not llm.requests[0].disconnected:
        assert time.monotonic() < deadline, "the server did not notice the client leaving"
        await asyncio.sleep(0.02)
    assert llm.requests[0].status == 499


def test_stream_cut_short_is_recorded_as_disconnected(llm: MockLLM) -> None:
    llm.set_script([{"match": {}, "text": "word " * 50, "stream_chunk_delay": 0.02}])
    stream = client(llm).chat.completions.create(
        model="m", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    next(iter(stream))
    stream.close()
    deadline = time.monotonic() + 2
    while not llm.requests[0].disconnected:
        assert time.monotonic() < deadline
        time.sleep(0.02)
