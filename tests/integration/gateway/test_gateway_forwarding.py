"""The model gateway forwards OpenAI and Anthropic calls with the real key, and meters them."""

from __future__ import annotations

import json
from pathlib import Path

from gateway_harness import (
    REAL_KEY,
    USAGE_SCRIPT,
    agent,
    anthropic_path,
    chat,
    gateway_plane,
    model_config,
    openai_path,
    secret,
)

from bosun.mockllm.recorder import fingerprint
from bosun.mockllm.testing import MockLLMFactory, mock_llm  # noqa: F401
from bosun.server.db import Database


async def test_openai_call_reaches_the_provider_with_the_real_key(
    database: Database,
    tmp_path: Path,
    mock_llm: MockLLMFactory,  # noqa: F811
) -> None:
    llm = mock_llm(USAGE_SCRIPT)
    async with gateway_plane(database, tmp_path) as plane:
        for body in (secret(), model_config(llm.openai_base_url), agent()):
            await plane.store.apply(body)
        answer = await plane.http.post(openai_path(), json=chat(), headers=plane.auth())
        assert answer.status_code == 200, answer.text
        assert answer.json()["choices"][0]["message"]["content"] == "hello from the provider"
        sent = llm.llm_requests()[-1]
        assert sent.credentials["authorization"] == fingerprint(REAL_KEY)
        assert sent.model == "gpt-4o"  # pinned to the ModelConfig's, whatever the agent sent

        tools = chat("use a tool", tools=[{"type": "function", "function": {
            "name": "lookup", "parameters": {"type": "object", "properties": {}}}}])  # fmt: skip
        called = await plane.http.post(openai_path(), json=tools, headers=plane.auth())
        assert called.json()["choices"][0]["message"]["tool_calls"][0]["function"]["name"] == (
            "lookup"
        )
        totals = await plane.metered()
        assert totals == [{"namespace": "default", "agent": "helper", "user": None,
                           "model": "gpt-4o", "requests": 2, "input_tokens": 47,
                           "output_tokens": 23}]  # fmt: skip


async def test_streams_are_metered_from_the_providers_usage(
    database: Database,
    tmp_path: Path,
    mock_llm: MockLLMFactory,  # noqa: F811
) -> None:
    llm = mock_llm(USAGE_SCRIPT)
    async with gateway_plane(database, tmp_path) as plane:
        for body in (secret(), model_config(llm.openai_base_url), agent(summarizer="claude"),
                     model_config(llm.anthropic_base_url, name="claude", provider="Anthropic",
                                  model="claude-x")):  # fmt: skip
            await plane.store.apply(body)
        headers = {**plane.auth(), "X-Bosun-User": "alice"}
        async with plane.http.stream(
            "POST", openai_path(), json=chat(stream=True), headers=headers
        ) as response:
            text = "".join([chunk async for chunk in response.aiter_text()])
        chunks = [json.loads(line[5:]) for line in text.splitlines()
                  if line.startswith("data:") and "[DONE]" not in line]  # fmt: skip
        said = "".join(
            c["choices"][0]["delta"].get("content") or "" for c in chunks if c.get("choices")
        )
        assert response.status_code == 200 and said == "hello from the provider"
        assert llm.llm_requests()[-1].body["stream_options"] == {"include_usage": True}

        anthropic = {"model": "x", "max_tokens": 50, "stream": True,
                     "messages": [{"role": "user", "content": "hi"}]}  # fmt: skip
        anthropic_headers = {"x-api-key": plane.token(), "anthropic-version": "2023-06-01",
                             "X-Bosun-User": "alice"}  # fmt: skip
        async with plane.http.stream(
            "POST", anthropic_path(), json=anthropic, headers=anthropic_headers
        ) as response:
            events = [line async for line in response.aiter_lines() if line.startswith("event:")]
        assert "event: message_delta" in events
        assert llm.llm_requests()[-1].credentials["x-api-key"] == fingerprint(REAL_KEY)
        plain = await plane.http.post(
            anthropic_path(), json={**anthropic, "stream": False}, headers=anthropic_headers
        )
        assert plain.json()["content"][0]["text"] == "hello from the provider"
        by_model = {row["model"]: row for row in await plane.metered()}
        assert by_model["gpt-4o"]["input_tokens"] == 40
        assert by_model["gpt-4o"]["output_tokens"] == 20
        assert by_model["gpt-4o"]["user"] == "alice"
        assert by_model["claude-x"]["requests"] == 2
        assert by_model["claude-x"]["input_tokens"] == 80
        assert by_model["claude-x"]["output_tokens"] == 40


async def test_only_the_agents_own_credential_opens_its_models(
    database: Database,
    tmp_path: Path,
    mock_llm: MockLLMFactory,  # noqa: F811
) -> None:
    llm = mock_llm(USAGE_SCRIPT)
    async with gateway_plane(database, tmp_path) as plane:
        for body in (secret(), model_config(llm.openai_base_url), agent(), agent("other")):
            await plane.store.apply(body)
        missing = await plane.http.post(openai_path(), json=chat())
        assert missing.status_code == 401
        forged = await plane.http.post(
            openai_path(), json=chat(), headers={"Authorization": "Bearer bgw1.default.helper.00"}
        )
        assert forged.status_code == 401 and "invalid gateway token" in forged.text
        wrong = await plane.http.post(openai_path(), json=chat(), headers=plane.auth("other"))
        assert wrong.status_code == 403
        assert "not one of agent default/helper" in wrong.json()["error"]["message"]
        unused = await plane.http.post(openai_path(mc="nope"), json=chat(), headers=plane.auth())
        assert unused.status_code == 403 and "does not use ModelConfig nope" in unused.text
        assert llm.llm_requests() == []


async def test_azure_and_ollama_models_go_to_their_own_endpoints(
    database: Database,
    tmp_path: Path,
    mock_llm: MockLLMFactory,  # noqa: F811
) -> None:
    """The agent speaks OpenAI to the gateway; Azure gets its deployment URL and api-key,
    Ollama its /v1 with no key; both are metered like OpenAI."""
    llm = mock_llm(USAGE_SCRIPT)
    azure = model_config(llm.url, name="azure")
    azure["spec"] = {"provider": "AzureOpenAI", "model": "gpt-4o", "apiKeySecret": "llm-key",
                     "apiKeySecretKey": "apiKey",
                     "azureOpenAI": {"azureEndpoint": llm.url, "apiVersion": "2024-10-21",
                                     "azureDeployment": "prod-gpt4o"}}  # fmt: skip
    ollama = model_config(llm.url, name="local")
    ollama["spec"] = {"provider": "Ollama", "model": "llama3.2", "ollama": {"host": llm.url}}
    async with gateway_plane(database, tmp_path) as plane:
        for body in (
            secret(),
            azure,
            ollama,
            agent(model="azure"),
            agent("local-one", model="local"),
        ):
            await plane.store.apply(body)
        answer = await plane.http.post(openai_path(mc="azure"), json=chat(), headers=plane.auth())
        assert answer.status_code == 200, answer.text
        assert answer.json()["choices"][0]["message"]["content"] == "hello from the provider"
        sent = llm.llm_requests()[-1]
        assert sent.path == "/openai/deployments/prod-gpt4o/chat/completions"
        assert sent.query == {"api-version": "2024-10-21"}
        assert sent.credentials == {"api-key": fingerprint(REAL_KEY)}

        local = await plane.http.post(
            openai_path("local-one", mc="local"), json=chat(), headers=plane.auth("local-one")
        )
        assert local.status_code == 200, local.text
        sent = llm.llm_requests()[-1]
        assert sent.path == "/v1/chat/completions" and sent.credentials == {}
        assert sent.model == "llama3.2"
        totals = {(t["agent"], t["model"]): t["requests"] for t in await plane.metered()}
        assert totals == {("helper", "gpt-4o"): 1, ("local-one", "llama3.2"): 1}
