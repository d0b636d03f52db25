"""Long-term memory in the runtime (local store, no control plane): saved by one session of
a user, prefetched into another session of the same user, never shown to another user."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from runtime_helpers import base_config, openai_model

from bosun.mockllm import MockLLM

FACT = "The user's favourite colour is green"
SCRIPT: list[dict[str, Any]] = [
    {"match": {"contains": "remember", "turn": 0},
     "tool_calls": [{"name": "save_memory", "arguments": {"content": FACT}}]},
    {"match": {"tool_result": "save_memory"}, "text": "Noted: {{last_tool_result}}"},
    {"match": {"contains": "search", "turn": 0},
     "tool_calls": [{"name": "load_memory", "arguments": {"query": "favourite colour"}}]},
    {"match": {"tool_result": "load_memory"}, "text": "Found: {{last_tool_result}}"},
    {"match": {"system_contains": FACT}, "text": "From memory: green."},
    {"default": True, "text": "I do not know."},
]  # fmt: skip


@pytest.fixture(scope="module")
def llm() -> Any:
    with MockLLM(SCRIPT) as server:
        yield server


async def test_memory_is_per_user_and_reaches_other_sessions(
    llm: MockLLM, start_agent: Any, connect: Any, tmp_path: Path
) -> None:
    agent = await start_agent(base_config(llm, memory={"ttl_days": 30}))
    alice = await connect(agent.url, headers={"X-Bosun-User": "alice"})
    bob = await connect(agent.url, headers={"X-Bosun-User": "bob"})

    saved = await alice.send("Please remember that my favourite colour is green")
    assert saved.final_state == "TASK_STATE_COMPLETED"
    assert saved.final_text() == "Noted: Saved to long-term memory."

    # A new session (new contextId) of the same user: prefetched into the instructions.
    again = await alice.send("What is my favourite colour?")
    assert again.context_id != saved.context_id
    assert again.final_text() == "From memory: green."
    messages = llm.llm_requests()[-1].body["messages"]
    assert any(m["role"] == "system" and FACT in m["content"] for m in messages)

    # The search tool finds it too.
    found = await alice.send("search my memories")
    assert FACT in found.final_text()

    # Another user sees nothing: neither prefetched nor through the tool.
    other = await bob.send("What is my favourite colour?")
    assert other.final_text() == "I do not know."
    assert FACT not in str(llm.llm_requests()[-1].body)
    searched = await bob.send("search my memories")
    assert searched.final_text() == "Found: No memories match."


async def test_openai_compatible_embeddings_come_from_the_model_configs_endpoint(
    llm: MockLLM, start_agent: Any, connect: Any
) -> None:
    """memory.model of type openai: vectors from its /v1/embeddings (the fake LLM's), used
    for saving and for the prefetch of a new session."""
    from bosun.api.config import MemorySettings
    from bosun.mockllm.embeddings import embed
    from bosun.runtime.memory_embed import build_embedder

    embedder_settings = openai_model(llm, model="text-embedding-test")
    memory = {"model": embedder_settings, "ttl_days": 30}
    embedder = build_embedder(MemorySettings.model_validate(memory).model)
    assert embedder.name == "openai:text-embedding-test"
    vectors = await embedder.embed([FACT, "favourite colour"])
    assert [[round(x, 6) for x in v] for v in vectors] == [
        [round(x, 6) for x in embed(t)] for t in (FACT, "favourite colour")
    ]

    seen = len(llm.requests)
    agent = await start_agent(base_config(llm, memory=memory), name="embedding-agent")
    carol = await connect(agent.url, headers={"X-Bosun-User": "carol"})
    assert (await carol.send("Please remember that my favourite colour is green")).final_text() == (
        "Noted: Saved to long-term memory."
    )
    again = await carol.send("What is my favourite colour?")
    assert again.final_text() == "From memory: green."
    calls = [r for r in llm.requests[seen:] if r.path == "/v1/embeddings"]
    inputs = [r.body["input"] for r in calls]
    assert all(r.body["model"] == "text-embedding-test" for r in calls)
    assert [FACT] in inputs  # the save
    assert any("What is my favourite colour?" in str(i) for i in inputs)  # the prefetch


async def test_ollama_embeddings_come_from_its_openai_compatible_endpoint(llm: MockLLM) -> None:
    """memory.model of type ollama: Ollama serves OpenAI's /v1/embeddings at its host."""
    from bosun.api.config import MemorySettings
    from bosun.mockllm import fingerprint
    from bosun.mockllm.embeddings import embed
    from bosun.runtime.memory_embed import build_embedder

    memory = {"model": {"type": "ollama", "model": "nomic-embed-text", "host": llm.url}}
    embedder = build_embedder(MemorySettings.model_validate(memory).model)
    assert embedder.name == "ollama:nomic-embed-text"
    seen = len(llm.requests)
    vectors = await embedder.embed([FACT])
    assert [round(x, 6) for x in vectors[0]] == [round(x, 6) for x in embed(FACT)]
    (call,) = [r for r in llm.requests[seen:] if r.path == "/v1/embeddings"]
    assert call.body["model"] == "nomic-embed-text"
    # No key of the user's: the openai SDK needs one, so the placeholder Ollama ignores.
    assert call.credentials == {"authorization": fingerprint("ollama")}
