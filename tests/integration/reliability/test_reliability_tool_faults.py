"""Tool and sub-agent faults (docs/reliability.md): the model reads a tool error and the
agent still answers. (Down at start, hanging past the timeout, oversized output: see
tests/integration/runtime/test_runtime_mcp_tools.py.)"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from mcp.server.mcpserver import MCPServer
from runtime_helpers import base_config, mcp_settings

from bosun.mockllm import MockLLM

pytestmark = pytest.mark.slow  # agents in-process, MCP servers in threads


async def test_mcp_server_dying_mid_call_is_a_tool_error_and_the_agent_answers(
    mcp_server: Any, start_agent: Any, connect: Any
) -> None:
    started = threading.Event()
    server = MCPServer("dying-tools")

    @server.tool()
    async def sleepy(seconds: float) -> str:
        """Sleep a while."""
        started.set()
        await asyncio.sleep(seconds)
        return "woke up"

    tools = mcp_server(server=server)
    script = [
        {"match": {"turn": 0}, "tool_calls": [{"name": "sleepy", "arguments": {"seconds": 3}}]},
        {"match": {"tool_result": "sleepy"}, "text": "the tool said: {{last_tool_result}}"},
    ]
    with MockLLM(script) as llm:
        agent = await start_agent(base_config(llm, mcp_servers=[mcp_settings(tools)]))
        for _ in range(400):  # the engine is built, and the tools discovered, in the background
            service = agent.app.state.runtime.service
            if service is not None and (await service.engine()).mcp_servers[0].discovered:
                break
            await asyncio.sleep(0.05)
        conversation = await connect(agent.url)
        sending = asyncio.create_task(conversation.send("sleep a while"))
        assert await asyncio.to_thread(started.wait, 20)  # the call runs in the server
        stopping = asyncio.create_task(asyncio.to_thread(tools.stop))  # dies mid-call
        exchange = await sending
        await stopping
    assert exchange.final_state == "TASK_STATE_COMPLETED"
    [result] = exchange.data("tool_result")
    assert result["status"] == "error"
    assert "could not complete the call to 'sleepy'" in result["error"]
    assert "connection attempts failed" not in result["error"]  # it broke during the call
    assert "The tool server default/tools could not complete the call" in exchange.final_text()


SUB_SCRIPT = [
    {"match": {"system_contains": "the helper", "contains": "slow"}, "delay": 1.0,
     "text": "slow but sure"},
    {"match": {"system_contains": "the helper", "contains": "broken"}, "status": 503,
     "error": "helper's model is overloaded", "retry_after": 0.01},
    {"match": {"system_contains": "the parent", "tool_result": "helper"},
     "text": "parent got: {{last_tool_result}}"},
    {"match": {"system_contains": "the parent"},
     "tool_calls": [{"name": "helper", "arguments": {"request": "{{last_user_message}}"}}]},
]  # fmt: skip


async def test_slow_or_failing_sub_agent(start_agent: Any, connect: Any) -> None:
    with MockLLM(SUB_SCRIPT) as llm:
        helper = await start_agent(
            base_config(llm, name="default/helper", instruction="You are the helper."),
            name="helper",
        )
        remote = {"name": "helper", "ref": "default/helper", "url": helper.url,
                  "description": "Helps."}  # fmt: skip
        parent = await start_agent(
            base_config(llm, name="default/parent", instruction="You are the parent.",
                        remote_agents=[remote]),
            name="parent",
        )  # fmt: skip
        conversation = await connect(parent.url)
        slow = await conversation.send("be slow")  # waits for it: no read timeout
        assert slow.final_text() == "parent got: slow but sure"

        broken = await conversation.send("be broken")
        assert broken.final_state == "TASK_STATE_COMPLETED"
        [result] = broken.data("tool_result")
        assert result["status"] == "error"
        assert "the agent default/helper ended the task failed" in result["error"]
        assert "answered HTTP 503" in result["error"]
        assert broken.final_text().startswith("parent got: ")
