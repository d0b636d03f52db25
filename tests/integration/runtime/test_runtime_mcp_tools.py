"""MCP tools through a running agent: real MCP servers (Streamable HTTP and SSE) built with
the mcp SDK, every call and result streamed as DataParts, limits, and servers that go away."""

from __future__ import annotations

import asyncio
import socket

from runtime_helpers import base_config, mcp_settings, tool_results

from bosun.mockllm import MockLLM


async def test_one_tool_call_streamable_http(mcp_server, start_agent, connect) -> None:
    tools = mcp_server("streamable_http")
    script = [
        {"match": {"turn": 0}, "tool_calls": [{"name": "add", "arguments": {"a": 2, "b": 3}}]},
        {"match": {"tool_result": "add"}, "text": "The sum is {{last_tool_result}}."},
    ]
    with MockLLM(script) as llm:
        agent = await start_agent(base_config(llm, mcp_servers=[mcp_settings(tools)]))
        conversation = await connect(agent.url)
        exchange = await conversation.send("add 2 and 3")
        assert exchange.final_state == "TASK_STATE_COMPLETED"
        assert exchange.final_text() == "The sum is 5."
        [call] = exchange.data("tool_call")
        [result] = exchange.data("tool_result")
        assert call["name"] == "add" and call["arguments"] == {"a": 2, "b": 3}
        assert call["status"] == "running" and call["id"] == result["id"]
        assert result == {
            "type": "tool_result",
            "id": call["id"],
            "name": "add",
            "status": "success",
            "result": 5,
        }
        tools_offered = llm.llm_requests()[0].body["tools"]
        assert {t["function"]["name"] for t in tools_offered} >= {"add", "echo", "ask_user"}
        usage = exchange.final_message().metadata["usage"]
        assert usage["requests"] == 2 and usage["toolCalls"] == 1


async def test_several_tool_calls_over_sse_with_filter(mcp_server, start_agent, connect) -> None:
    tools = mcp_server("sse")
    script = [
        {
            "match": {"turn": 0},
            "tool_calls": [
                {"name": "add", "arguments": {"a": 1, "b": 1}},
                {"name": "echo", "arguments": {"text": "hi"}},
                {"name": "add", "arguments": {"a": 20, "b": 22}},
            ],
        },
        {"match": {"turn": 1}, "text": "all done"},
    ]
    with MockLLM(script) as llm:
        settings = mcp_settings(tools, tools=["add", "echo"])
        agent = await start_agent(base_config(llm, mcp_servers=[settings]))
        conversation = await connect(agent.url)
        exchange = await conversation.send("do three things")
        assert exchange.final_text() == "all done"
        results = {r["id"]: r["result"] for r in exchange.data("tool_result")}
        # DataPart numbers are JSON numbers (protobuf Value doubles): 2 arrives as 2.0.
        assert sorted(map(str, results.values())) == ["2.0", "42.0", "hi"]
        assert len(exchange.data("tool_call")) == 3
        offered = {t["function"]["name"] for t in llm.llm_requests()[0].body["tools"]}
        assert offered == {"add", "echo", "ask_user"}  # the filter hides the other tools


async def test_unknown_tool_and_bad_arguments_go_back_to_the_model(
    mcp_server, start_agent, connect
) -> None:
    tools = mcp_server()
    script = [
        {
            "match": {"turn": 0},
            "tool_calls": [
                {"name": "no_such_tool", "arguments": {}},
                {"name": "add", "arguments": "{not json"},
            ],
        },
        {"match": {"turn": 1}, "text": "corrected myself"},
    ]
    with MockLLM(script) as llm:
        agent = await start_agent(base_config(llm, mcp_servers=[mcp_settings(tools)]))
        conversation = await connect(agent.url)
        exchange = await conversation.send("go")
        assert exchange.final_state == "TASK_STATE_COMPLETED"
        assert exchange.final_text() == "corrected myself"
        statuses = {r["name"]: r["status"] for r in exchange.data("tool_result")}
        assert statuses == {"no_such_tool": "error", "add": "error"}
        told = " ".join(m["content"] for m in tool_results(llm))
        assert "Unknown tool name: 'no_such_tool'" in told and "Invalid JSON" in told


async def test_tool_output_is_truncated_with_a_marker(mcp_server, start_agent, connect) -> None:
    tools = mcp_server()
    script = [
        {"match": {"turn": 0}, "tool_calls": [{"name": "big", "arguments": {}}]},
        {"match": {"turn": 1}, "text": "ok"},
    ]
    with MockLLM(script) as llm:
        config = base_config(llm, mcp_servers=[mcp_settings(tools)], max_tool_output_chars=1000)
        agent = await start_agent(config)
        conversation = await connect(agent.url)
        await conversation.send("big output please")
        [sent] = tool_results(llm)
        assert sent["content"].startswith("x" * 1000)
        assert "[output truncated by Bosun: 1000 of 5000 characters shown]" in sent["content"]


async def test_slow_tool_times_out_and_the_model_is_told(mcp_server, start_agent, connect) -> None:
    tools = mcp_server()
    script = [
        {"match": {"turn": 0}, "tool_calls": [{"name": "sleepy", "arguments": {"seconds": 5}}]},
        {"match": {"turn": 1}, "text": "too slow: {{last_tool_result}}"},
    ]
    with MockLLM(script) as llm:
        config = base_config(llm, mcp_servers=[mcp_settings(tools, timeout=0.5)])
        agent = await start_agent(config)
        conversation = await connect(agent.url)
        exchange = await conversation.send("sleep")
        assert exchange.final_state == "TASK_STATE_COMPLETED"
        [result] = exchange.data("tool_result")
        assert (
            result["status"] == "error" and "did not finish within 0.5 seconds" in result["error"]
        )


def hold_port(port: int) -> socket.socket:
    """Keep a stopped server's port from being handed to another server of the suite
    meanwhile (the fake LLM once got it): bound, not listening, so connections are refused
    as by a server that is down."""
    held = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    held.bind(("127.0.0.1", port))
    return held


async def test_server_down_then_up(mcp_server, start_agent, connect) -> None:
    """Down at start: the agent serves anyway, finds the tools later; a server that dies
    mid-session gives the model an error, and the next call reconnects."""
    tools = mcp_server()
    port = tools.port
    tools.stop()
    held = hold_port(port)
    script = [
        {"match": {"contains": "hello"}, "text": "hi without tools"},
        {
            "match": {"contains": "add", "turn": 0},
            "tool_calls": [{"name": "add", "arguments": {"a": 1, "b": 2}}],
        },
        {"match": {"tool_result": "add"}, "text": "result: {{last_tool_result}}"},
    ]
    with MockLLM(script) as llm:
        agent = await start_agent(base_config(llm, mcp_servers=[mcp_settings(tools)]))
        conversation = await connect(agent.url)
        first = await conversation.send("hello")
        assert first.final_text() == "hi without tools"
        assert "tools" not in llm.llm_requests()[0].body or all(
            t["function"]["name"] == "ask_user" for t in llm.llm_requests()[0].body["tools"]
        )

        held.close()
        tools.port = port
        tools.start()  # back up: background discovery (with backoff) finds it
        engine = await agent.app.state.runtime.service.engine()
        for _ in range(100):
            if engine.mcp_servers[0].discovered:
                break
            await asyncio.sleep(0.1)
        assert engine.mcp_servers[0].discovered
        ok = await conversation.send("add please")
        assert ok.final_text() == "result: 3"

        tools.stop()  # dies: the call fails, the model reads why, the turn still answers
        held = hold_port(port)
        failed = await conversation.send("add please")
        assert failed.final_state == "TASK_STATE_COMPLETED"
        [result] = failed.data("tool_result")
        assert result["status"] == "error" and "could not complete the call" in result["error"]
        assert "The tool server default/tools could not complete" in failed.final_text()

        held.close()
        tools.port = port
        tools.start()  # the next call reconnects by itself
        again = await conversation.send("add please")
        assert again.final_text() == "result: 3"


async def test_headers_configured_and_forwarded(
    mcp_server, start_agent, connect, monkeypatch
) -> None:
    """Static headers, secret headers from env, and allowed headers of the A2A request."""
    monkeypatch.setenv("TOOLS_TOKEN", "secret-123")
    tools = mcp_server()
    script = [
        {"match": {"turn": 0}, "tool_calls": [{"name": "echo", "arguments": {"text": "x"}}]},
        {"match": {"turn": 1}, "text": "done"},
    ]
    with MockLLM(script) as llm:
        settings = mcp_settings(
            tools,
            headers={"X-Team": "platform"},
            headers_from_env={"Authorization": "TOOLS_TOKEN"},
            allowed_headers=["X-User-Token"],
        )
        agent = await start_agent(base_config(llm, mcp_servers=[settings]))
        conversation = await connect(agent.url, headers={"X-User-Token": "user-abc"})
        exchange = await conversation.send("echo")
        assert exchange.final_text() == "done"
        assert all(h.get("x-team") == "platform" for h in tools.seen_headers)
        assert all(h.get("authorization") == "secret-123" for h in tools.seen_headers)
        # The user's header reaches the server on the call, not on discovery.
        assert any(h.get("x-user-token") == "user-abc" for h in tools.seen_headers)
        assert not tools.seen_headers[0].get("x-user-token")
