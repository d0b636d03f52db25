"""Agents as tools over A2A: a second running agent is called as a tool, its progress is
streamed to the caller, and its approval requests bubble up with decisions going down."""

from __future__ import annotations

from runtime_helpers import base_config, mcp_settings

from bosun.mockllm import MockLLM

SCRIPT = [
    # the sub-agent ("helper")
    {
        "match": {"system_contains": "helper", "tool_result": "delete_pod"},
        "text": "helper: {{last_tool_result}}",
    },
    {
        "match": {"system_contains": "helper", "contains": "delete"},
        "tool_calls": [{"name": "delete_pod", "arguments": {"name": "x"}}],
    },
    {
        "match": {"system_contains": "helper", "contains": "add"},
        "tool_calls": [{"name": "add", "arguments": {"a": 2, "b": 2}}],
    },
    {
        "match": {"system_contains": "helper", "tool_result": "add"},
        "text": "helper says {{last_tool_result}}",
    },
    # the parent
    {
        "match": {"system_contains": "parent", "tool_result": "helper"},
        "text": "parent got: {{last_tool_result}}",
    },
    {
        "match": {"system_contains": "parent", "contains": "delete"},
        "tool_calls": [{"name": "helper", "arguments": {"request": "delete pod x"}}],
    },
    {
        "match": {"system_contains": "parent", "contains": "sum"},
        "tool_calls": [{"name": "helper", "arguments": {"request": "add two and two"}}],
    },
]


async def _agents(llm, mcp_server, start_agent, connect):
    tools = mcp_server()
    helper_config = base_config(
        llm,
        name="default/helper",
        instruction="You are the helper.",
        mcp_servers=[mcp_settings(tools, require_approval=["delete_pod"])],
    )
    helper = await start_agent(helper_config, name="helper")
    parent_config = base_config(
        llm,
        name="default/parent",
        instruction="You are the parent.",
        stream=True,
        remote_agents=[
            {
                "name": "helper",
                "ref": "default/helper",
                "url": helper.url,
                "description": "Does things on the cluster.",
            }
        ],
    )
    parent = await start_agent(parent_config, name="parent")
    return await connect(parent.url)


async def test_sub_agent_answer_and_progress(mcp_server, start_agent, connect) -> None:
    with MockLLM(SCRIPT) as llm:
        conversation = await _agents(llm, mcp_server, start_agent, connect)
        exchange = await conversation.send("what is the sum?")
        assert exchange.final_state == "TASK_STATE_COMPLETED"
        assert exchange.final_text() == "parent got: helper says 4"
        calls = exchange.data("tool_call")
        parent_call = next(c for c in calls if c["name"] == "helper")
        # The helper's own tool call and result, forwarded while it worked.
        nested = [c for c in calls if c.get("agent") == "helper"]
        assert [c["name"] for c in nested] == ["add"]
        assert nested[0]["parentId"] == parent_call["id"]
        nested_results = [r for r in exchange.data("tool_result") if r.get("agent") == "helper"]
        assert nested_results[0]["result"] == 4
        offered = next(
            r for r in llm.llm_requests() if "parent" in r.body["messages"][0]["content"]
        ).body["tools"]
        helper_tool = next(t for t in offered if t["function"]["name"] == "helper")
        assert helper_tool["function"]["description"] == "Does things on the cluster."


async def test_nested_approval_bubbles_up_and_the_decision_flows_down(
    mcp_server, start_agent, connect
) -> None:
    with MockLLM(SCRIPT) as llm:
        conversation = await _agents(llm, mcp_server, start_agent, connect)
        paused = await conversation.send("please delete x")
        assert paused.final_state == "TASK_STATE_INPUT_REQUIRED"
        [request] = paused.requests()
        assert request["kind"] == "approval" and request["tool"] == "delete_pod"
        assert request["arguments"] == {"name": "x"} and request["agent"] == "helper"
        parent_call = next(c for c in paused.data("tool_call") if c["name"] == "helper")
        assert request["parentId"] == parent_call["id"]
        assert not any("deleted" in str(r) for r in paused.data("tool_result"))

        resumed = await conversation.send(
            task_id=paused.task_id,
            context_id=paused.context_id,
            data={"decisions": {request["id"]: {"approved": True}}},
        )
        assert resumed.final_state == "TASK_STATE_COMPLETED"
        assert resumed.final_text() == "parent got: helper: pod x deleted"
        nested = [r for r in resumed.data("tool_result") if r.get("agent") == "helper"]
        assert nested and nested[0]["result"] == "pod x deleted"


async def test_nested_rejection_reaches_the_sub_agent(mcp_server, start_agent, connect) -> None:
    with MockLLM(SCRIPT) as llm:
        conversation = await _agents(llm, mcp_server, start_agent, connect)
        paused = await conversation.send("please delete x")
        [request] = paused.requests()
        resumed = await conversation.send(
            task_id=paused.task_id,
            data={"decisions": {request["id"]: {"approved": False, "reason": "not today"}}},
        )
        assert resumed.final_state == "TASK_STATE_COMPLETED"
        assert "not today" in resumed.final_text()
        assert "deleted" not in resumed.final_text()


async def test_unreachable_sub_agent_is_a_tool_error(start_agent, connect) -> None:
    with MockLLM(SCRIPT) as llm:
        config = base_config(
            llm,
            instruction="You are the parent.",
            remote_agents=[
                {"name": "helper", "ref": "default/helper", "url": "http://127.0.0.1:9/"}
            ],
        )
        agent = await start_agent(config)
        conversation = await connect(agent.url)
        exchange = await conversation.send("what is the sum?")
        assert exchange.final_state == "TASK_STATE_COMPLETED"
        [result] = exchange.data("tool_result")
        assert result["status"] == "error" and "could not be reached" in result["error"]
