"""Context compaction: after `compaction_interval` turns the older ones are summarised by
the model, and later turns send the summary instead of them."""

from __future__ import annotations

import asyncio

from runtime_helpers import base_config

from bosun.mockllm import MockLLM


async def test_older_turns_are_replaced_by_a_summary(start_agent, connect) -> None:
    script = [
        {
            "match": {"system_contains": "You compact a conversation"},
            "text": "SUMMARY: the user is Ada",
        },
        {"default": True, "text": "ok"},
    ]
    with MockLLM(script) as llm:
        config = base_config(llm, compaction={"compaction_interval": 2, "overlap_size": 1})
        agent = await start_agent(config)
        conversation = await connect(agent.url)
        first = await conversation.send("My name is Ada.")
        await conversation.send("I like tea.", context_id=first.context_id)
        for _ in range(100):  # compaction runs in the background after the turn
            if any("You compact" in str(r.body["messages"][0]) for r in llm.llm_requests()):
                break
            await asyncio.sleep(0.05)
        summariser = [r for r in llm.llm_requests() if "You compact" in str(r.body["messages"][0])]
        assert len(summariser) == 1
        assert "User: My name is Ada." in summariser[0].body["messages"][-1]["content"]
        sessions = agent.app.state.runtime.service.sessions
        for _ in range(100):
            history = await sessions.history(first.context_id)
            if "SUMMARY" in str(history[0]):
                break
            await asyncio.sleep(0.05)

        await conversation.send("What now?", context_id=first.context_id)
        sent = [m["content"] for m in llm.llm_requests()[-1].body["messages"]]
        assert "My name is Ada." not in sent
        assert any("SUMMARY: the user is Ada" in str(c) for c in sent)
        assert "I like tea." in sent  # the most recent turn is kept verbatim
