"""CancelTask stops the running turn (the LLM call, a tool call) and leaves it CANCELED;
the session goes on afterwards."""

from __future__ import annotations

import asyncio
import time

from a2a.types import CancelTaskRequest, ListTasksRequest, TaskState
from runtime_helpers import base_config, mcp_settings

from bosun.mockllm import MockLLM


async def _running_task_id(conversation) -> str:
    for _ in range(200):
        page = await conversation.client.list_tasks(ListTasksRequest())
        working = [t for t in page.tasks if t.status.state == TaskState.TASK_STATE_WORKING]
        if working:
            return working[0].id
        await asyncio.sleep(0.02)
    raise AssertionError("no running task")


async def test_cancel_stops_the_llm_call(start_agent, connect) -> None:
    script = [
        {"match": {"contains": "slow"}, "delay": 30, "text": "too late"},
        {"default": True, "text": "still here"},
    ]
    with MockLLM(script) as llm:
        agent = await start_agent(base_config(llm))
        conversation = await connect(agent.url)
        sending = asyncio.create_task(conversation.send("slow question", limit=40))
        await asyncio.to_thread(llm.wait_for_requests, 1, 30)
        task_id = await _running_task_id(conversation)

        started = time.monotonic()
        cancelled = await conversation.client.cancel_task(CancelTaskRequest(id=task_id))
        assert cancelled.status.state == TaskState.TASK_STATE_CANCELED
        async with asyncio.timeout(5):
            exchange = await sending  # the stream ends too
        assert time.monotonic() - started < 5
        assert "TASK_STATE_COMPLETED" not in exchange.states()
        task = await conversation.get_task(task_id)
        assert task.status.state == TaskState.TASK_STATE_CANCELED
        # The LLM request itself was abandoned (the fake LLM saw the client go away).
        for _ in range(50):
            if llm.requests[0].disconnected:
                break
            await asyncio.sleep(0.05)
        assert llm.requests[0].disconnected

        after = await conversation.send("and now?", context_id=task.context_id)
        assert after.final_text() == "still here"
        history = [m["content"] for m in llm.llm_requests()[-1].body["messages"]]
        assert "slow question" in history  # the cancelled turn is part of the session


async def test_cancel_stops_a_running_tool_call(mcp_server, start_agent, connect) -> None:
    tools = mcp_server()
    script = [
        {"match": {"turn": 0}, "tool_calls": [{"name": "sleepy", "arguments": {"seconds": 30}}]},
        {"default": True, "text": "next"},
    ]
    with MockLLM(script) as llm:
        config = base_config(llm, mcp_servers=[mcp_settings(tools, timeout=60)])
        agent = await start_agent(config)
        conversation = await connect(agent.url)
        sending = asyncio.create_task(conversation.send("sleep", limit=40))
        task_id = await _running_task_id(conversation)
        await asyncio.to_thread(llm.wait_for_requests, 1, 30)
        await asyncio.sleep(0.3)  # the tool call is under way
        cancelled = await conversation.client.cancel_task(CancelTaskRequest(id=task_id))
        assert cancelled.status.state == TaskState.TASK_STATE_CANCELED
        async with asyncio.timeout(5):
            exchange = await sending
        assert not exchange.data("tool_result")
        after = await conversation.send("hello", context_id=cancelled.context_id)
        assert after.final_state == "TASK_STATE_COMPLETED"


async def test_subscribe_to_a_running_task(start_agent, connect) -> None:
    from a2a.types import SubscribeToTaskRequest

    script = [{"match": {}, "delay": 1.0, "text": "slow answer"}]
    with MockLLM(script) as llm:
        agent = await start_agent(base_config(llm))
        conversation = await connect(agent.url)
        sending = asyncio.create_task(conversation.send("take your time", limit=40))
        task_id = await _running_task_id(conversation)
        watcher = await connect(agent.url)
        states = []
        async with asyncio.timeout(20):
            async for event in watcher.client.subscribe(SubscribeToTaskRequest(id=task_id)):
                if event.HasField("status_update"):
                    states.append(event.status_update.status.state)
                elif event.HasField("task"):
                    states.append(event.task.status.state)
        assert states[-1] == TaskState.TASK_STATE_COMPLETED
        assert (await sending).final_text() == "slow answer"
