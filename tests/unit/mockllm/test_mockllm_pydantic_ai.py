"""pydantic-ai agents (the engine Bosun runs) talk to the fake LLM through their real providers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pydantic_ai import Agent
from pydantic_ai.models import Model
from pydantic_ai.models.anthropic import AnthropicModel
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.providers.anthropic import AnthropicProvider
from pydantic_ai.providers.openai import OpenAIProvider

from bosun.mockllm import MockLLM

SCRIPT: dict[str, Any] = {
    "rules": [
        {
            "name": "ask-weather",
            "match": {"system_contains": "weather bot", "turn": 0},
            "tool_calls": [{"name": "get_weather", "arguments": {"city": "{{last_user_message}}"}}],
        },
        {
            "name": "answer",
            "match": {"tool_result": "get_weather"},
            "text": "Forecast: {{last_tool_result}}",
        },
    ]
}


def openai_model(llm: MockLLM) -> Model:
    return OpenAIChatModel(
        "gpt-test", provider=OpenAIProvider(base_url=llm.openai_base_url, api_key="k")
    )


def anthropic_model(llm: MockLLM) -> Model:
    return AnthropicModel("claude-test", provider=AnthropicProvider(base_url=llm.url, api_key="k"))


@pytest.fixture(scope="module")
def llm() -> Iterator[MockLLM]:
    with MockLLM(SCRIPT) as server:
        yield server


def weather_agent(model: Model) -> Agent[None, str]:
    agent = Agent(model, instructions="You are a weather bot.")

    @agent.tool_plain
    def get_weather(city: str) -> str:
        """Weather for a city."""
        return f"sunny in {city}"

    return agent


@pytest.mark.parametrize("make_model", [openai_model, anthropic_model], ids=["openai", "anthropic"])
async def test_agent_calls_a_tool_then_answers(
    llm: MockLLM, make_model: Callable[[MockLLM], Model]
) -> None:
    llm.clear_requests()
    result = await weather_agent(make_model(llm)).run("Paris")
    assert result.output == "Forecast: sunny in Paris"
    usage = result.usage
    assert (usage.requests, usage.tool_calls) == (2, 1)
    assert usage.input_tokens > 0
    assert usage.output_tokens > 0
    assert [r.rule_name for r in llm.requests] == ["ask-weather", "answer"]
    assert all(r.status == 200 and not r.stream for r in llm.requests)


@pytest.mark.parametrize("make_model", [openai_model, anthropic_model], ids=["openai", "anthropic"])
async def test_streamed_agent_run(llm: MockLLM, make_model: Callable[[MockLLM], Model]) -> None:
    llm.clear_requests()
    async with weather_agent(make_model(llm)).run_stream("Oslo") as run:
        pieces = [text async for text in run.stream_text(delta=True)]
    assert "".join(pieces) == "Forecast: sunny in Oslo"
    assert all(r.stream for r in llm.requests)
    assert len(llm.requests) == 2
