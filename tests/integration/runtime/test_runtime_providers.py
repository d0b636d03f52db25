"""What the runtime sends to each provider (as the fake LLM recorded it), retries on
provider errors, failures a person understands, and the per-turn LLM call limit."""

from __future__ import annotations

import httpx
from runtime_helpers import base_config

from bosun.mockllm import MockLLM, fingerprint

KEY = "sk-test-key-123"
ANSWER = [{"match": {}, "text": "fine"}]


async def _ask(start_agent, connect, llm, model: dict) -> object:
    agent = await start_agent(base_config(llm, model=model))
    conversation = await connect(agent.url)
    exchange = await conversation.send("hello")
    return exchange


async def test_openai_request_shape(start_agent, connect, monkeypatch) -> None:
    monkeypatch.setenv("TEST_OPENAI_KEY", KEY)
    with MockLLM(ANSWER) as llm:
        model = {
            "type": "openai",
            "model": "gpt-4o-mini",
            "base_url": llm.openai_base_url,
            "api_key_env": "TEST_OPENAI_KEY",
            "headers": {"X-Team": "platform"},
            "temperature": 0.2,
            "max_tokens": 300,
            "top_p": 0.9,
            "seed": 7,
        }
        exchange = await _ask(start_agent, connect, llm, model)
        assert exchange.final_text() == "fine"
        [request] = llm.llm_requests()
        assert request.path == "/v1/chat/completions"
        assert request.credentials["authorization"] == fingerprint(KEY)
        assert request.headers["x-team"] == "platform"
        body = request.body
        assert body["model"] == "gpt-4o-mini" and body["temperature"] == 0.2
        assert body["max_completion_tokens"] == 300 or body.get("max_tokens") == 300
        assert body["top_p"] == 0.9 and body["seed"] == 7


async def test_azure_openai_request_shape(start_agent, connect, monkeypatch) -> None:
    monkeypatch.setenv("TEST_AZURE_KEY", KEY)
    with MockLLM(ANSWER) as llm:
        model = {
            "type": "azure_openai",
            "model": "gpt-4o",
            "azure_endpoint": llm.url,
            "api_version": "2024-10-21",
            "azure_deployment": "prod-gpt4o",
            "api_key_env": "TEST_AZURE_KEY",
        }
        exchange = await _ask(start_agent, connect, llm, model)
        assert exchange.final_text() == "fine"
        [request] = llm.llm_requests()
        assert request.path == "/openai/deployments/prod-gpt4o/chat/completions"
        assert request.query["api-version"] == "2024-10-21"
        assert request.credentials["api-key"] == fingerprint(KEY)


async def test_anthropic_request_shape(start_agent, connect, monkeypatch) -> None:
    monkeypatch.setenv("TEST_ANTHROPIC_KEY", KEY)
    with MockLLM(ANSWER) as llm:
        model = {
            "type": "anthropic",
            "model": "claude-test-model",
            "base_url": llm.anthropic_base_url,
            "api_key_env": "TEST_ANTHROPIC_KEY",
            "temperature": 0.5,
            "top_k": 40,
        }
        exchange = await _ask(start_agent, connect, llm, model)
        assert exchange.final_text() == "fine"
        [request] = llm.llm_requests()
        assert request.path == "/v1/messages" and request.api == "anthropic"
        assert fingerprint(KEY) in request.credentials.values()
        body = request.body
        assert body["model"] == "claude-test-model" and body["max_tokens"] == 8192
        assert body["temperature"] == 0.5 and body["top_k"] == 40
        assert "You are a test agent." in str(body["system"])


async def test_ollama_request_shape(start_agent, connect) -> None:
    with MockLLM(ANSWER) as llm:
        model = {
            "type": "ollama",
            "model": "llama3.2",
            "host": llm.url,
            "options": {"num_ctx": "4096"},
        }
        exchange = await _ask(start_agent, connect, llm, model)
        assert exchange.final_text() == "fine"
        [request] = llm.llm_requests()
        assert request.path == "/v1/chat/completions" and request.body["model"] == "llama3.2"
        assert request.body["options"] == {"num_ctx": 4096}


async def test_server_error_is_retried(start_agent, connect) -> None:
    script = [{"match": {}, "status": 500, "times": 1}, {"match": {}, "text": "after a retry"}]
    with MockLLM(script) as llm:
        agent = await start_agent(base_config(llm))
        exchange = await (await connect(agent.url)).send("hello")
        assert exchange.final_text() == "after a retry"
        assert [r.status for r in llm.llm_requests()] == [500, 200]


async def test_rejected_credentials_fail_the_task_with_a_clear_message(
    start_agent, connect
) -> None:
    script = [{"match": {}, "status": 401, "error": "Incorrect API key provided"}]
    with MockLLM(script) as llm:
        agent = await start_agent(base_config(llm))
        exchange = await (await connect(agent.url)).send("hello")
        assert exchange.final_state == "TASK_STATE_FAILED"
        text = exchange.final_text()
        assert "rejected the credentials" in text and "gpt-test" in text
        assert len(llm.llm_requests()) == 1  # a 401 is not retried


async def test_max_llm_calls_per_turn(start_agent, connect) -> None:
    script = [{"match": {}, "tool_calls": [{"name": "ask_user_typo", "arguments": {}}]}]
    with MockLLM(script) as llm:
        agent = await start_agent(base_config(llm, max_llm_calls=3))
        conversation = await connect(agent.url)
        exchange = await conversation.send("loop forever")
        assert exchange.final_state == "TASK_STATE_FAILED"
        assert "made 3 LLM calls in this turn" in exchange.final_text()
        assert len(llm.llm_requests()) == 3
        # The session is still usable afterwards.
        llm.set_script([{"match": {}, "text": "recovered"}])
        again = await conversation.send("hi", context_id=exchange.context_id)
        assert again.final_text() == "recovered"


async def test_a2a_v03_client_and_card(start_agent) -> None:
    with MockLLM([{"match": {}, "text": "hello from 1.0"}]) as llm:
        agent = await start_agent(base_config(llm))
        async with httpx.AsyncClient(base_url=agent.url, timeout=20) as http:
            card = (await http.get("/.well-known/agent.json")).json()
            assert card["protocolVersion"] == "0.3" and card["url"] == agent.url
            assert card["preferredTransport"] == "JSONRPC"
            assert any(i["protocolVersion"] == "1.0" for i in card["supportedInterfaces"])
            response = await http.post(
                "/",
                json={
                    "jsonrpc": "2.0",
                    "id": 1,
                    "method": "message/send",
                    "params": {
                        "message": {
                            "kind": "message",
                            "role": "user",
                            "messageId": "m-1",
                            "parts": [{"kind": "text", "text": "hi"}],
                        }
                    },
                },
            )
            result = response.json()["result"]
            assert result["kind"] == "task" and result["status"]["state"] == "completed"
            assert result["status"]["message"]["parts"][0]["text"] == "hello from 1.0"
            health = (await http.get("/health")).json()
            assert health == {"status": "ok", "agent": "default/test-agent"}
