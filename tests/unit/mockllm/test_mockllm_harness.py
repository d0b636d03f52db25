"""MockLLM as tests use it: the fixture, script files (reload, errors naming them), redaction."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from bosun.mockllm import MockLLM, fingerprint
from bosun.mockllm.testing import MockLLMFactory, mock_llm  # noqa: F401  (the fixture)


def ask(llm: MockLLM, text: str) -> httpx.Response:
    body = {"model": "m", "messages": [{"role": "user", "content": text}]}
    return httpx.post(llm.openai_base_url + "/chat/completions", json=body)


def test_fixture_starts_independent_servers(mock_llm: MockLLMFactory) -> None:  # noqa: F811
    one = mock_llm([{"match": {}, "text": "one"}])
    two = mock_llm([{"match": {}, "text": "two"}])
    assert one.url != two.url
    assert one.url.startswith("http://127.0.0.1:")
    assert one.openai_base_url == one.url + "/v1"
    assert ask(one, "x").json()["choices"][0]["message"]["content"] == "one"
    assert ask(two, "x").json()["choices"][0]["message"]["content"] == "two"
    assert len(one.requests) == len(two.requests) == 1


async def test_async_context_manager_and_unstarted_url() -> None:
    llm = MockLLM([{"match": {}, "text": "hi"}])
    with pytest.raises(RuntimeError, match="not started"):
        _ = llm.url
    async with llm:
        async with httpx.AsyncClient() as client:
            response = await client.get(llm.url + "/health")
        assert response.status_code == 200
    llm.stop()  # idempotent


def test_script_file_is_named_in_errors_and_reloaded_when_it_changes(tmp_path: Path) -> None:
    path = tmp_path / "agent.yaml"
    path.write_text("rules:\n  - match: {contains: hi}\n    text: first\n")
    with MockLLM(path) as llm:
        unmatched = ask(llm, "bye")
        assert unmatched.status_code == 400
        assert f"no rule in {path} matched" in unmatched.json()["error"]["message"]
        assert ask(llm, "hi").json()["choices"][0]["message"]["content"] == "first"

        path.write_text("rules:\n  - match: {}\n    text: second\n")
        stat = path.stat()
        os.utime(path, (stat.st_atime, stat.st_mtime + 5))  # mtime granularity can be coarse
        assert ask(llm, "bye").json()["choices"][0]["message"]["content"] == "second"

        path.write_text("rules: [{text: broken}]\n")
        os.utime(path, (stat.st_atime, stat.st_mtime + 10))
        assert ask(llm, "bye").json()["choices"][0]["message"]["content"] == "second"


def test_every_credential_header_is_redacted(mock_llm: MockLLMFactory) -> None:  # noqa: F811
    llm = mock_llm([{"match": {}, "text": "ok"}])
    headers = {"x-api-key": "k1", "api-key": "k2", "cookie": "s=k3", "x-trace": "visible"}
    body = {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}
    httpx.post(llm.url + "/v1/messages", json=body, headers=headers)
    (request,) = llm.requests
    assert {k: request.headers[k] for k in headers} == {
        "x-api-key": "***",
        "api-key": "***",
        "cookie": "***",
        "x-trace": "visible",
    }
    assert request.credentials == {
        "x-api-key": fingerprint("k1"),
        "api-key": fingerprint("k2"),
        "cookie": fingerprint("s=k3"),
    }


def test_wrong_anthropic_base_url_gets_a_hint(mock_llm: MockLLMFactory) -> None:  # noqa: F811
    llm = mock_llm([{"match": {}, "text": "ok"}])
    response = httpx.post(llm.url + "/v1/v1/messages", json={})
    assert response.status_code == 404
    message = response.json()["error"]["message"]
    assert "no endpoint POST /v1/v1/messages" in message
    assert f"Anthropic clients at {llm.url}/ (no /v1)" in message
    assert llm.requests[0].path == "/v1/v1/messages"  # unknown paths are recorded too


def test_bad_json_and_bad_messages_are_400(mock_llm: MockLLMFactory) -> None:  # noqa: F811
    llm = mock_llm([{"match": {}, "text": "ok"}])
    url = llm.openai_base_url + "/chat/completions"
    assert "not valid JSON" in httpx.post(url, content=b"{").json()["error"]["message"]
    no_model = httpx.post(url, json={"messages": []})
    assert "`model` is required" in no_model.json()["error"]["message"]
    bad_role = httpx.post(url, json={"model": "m", "messages": [{"role": "robot"}]})
    assert "unknown message role 'robot'" in bad_role.json()["error"]["message"]


def test_keep_bounds_the_request_log() -> None:
    """`bosun up --mock-llm` runs the fake LLM in its own process: its log must not grow."""
    with MockLLM([{"match": {}, "text": "hi"}], keep=3) as llm:
        for n in range(5):
            ask(llm, f"question {n}")
        kept = [r.body["messages"][0]["content"] for r in llm.requests]
    assert kept == ["question 2", "question 3", "question 4"]
