"""A `bosun agent` answers over A2A: plainly, streamed token by token, with token usage."""

from __future__ import annotations

from runtime_helpers import base_config

from bosun.mockllm import MockLLM


async def test_plain_answer_completes_with_usage_metadata(start_agent, connect) -> None:
    with MockLLM([{"match": {"contains": "hello"}, "text": "Hello, human."}]) as llm:
        agent = await start_agent(base_config(llm))
        conversation = await connect(agent.url, streaming=False)
        exchange = await conversation.send("hello there")
        assert exchange.final_state == "TASK_STATE_COMPLETED"
        fetched = await conversation.get_task(exchange.task_id)
        assert fetched.status.message.parts[0].text == "Hello, human."
        usage = dict(fetched.status.message.metadata)["usage"]
        assert usage["outputTokens"] > 0 and usage["model"] == "gpt-test"
        assert [a.name for a in fetched.artifacts] == ["answer"]
        request = llm.llm_requests()[0]
        assert request.body["messages"][0] == {"role": "system", "content": "You are a test agent."}
        assert request.stream is False


async def test_streaming_agent_streams_tokens_as_artifact_chunks(start_agent, connect) -> None:
    text = "one two three four five"
    with MockLLM([{"match": {}, "text": text}]) as llm:
        agent = await start_agent(base_config(llm, stream=True))
        conversation = await connect(agent.url)
        exchange = await conversation.send("count")
        assert exchange.final_state == "TASK_STATE_COMPLETED"
        chunks = exchange.artifact_chunks()
        # Several chunks as the tokens arrive, then the whole answer as the last chunk.
        assert len(chunks) > 3
        assert "".join(chunks[:-1]) == text and chunks[-1] == text
        assert exchange.final_text() == text
        assert llm.llm_requests()[0].stream is True
