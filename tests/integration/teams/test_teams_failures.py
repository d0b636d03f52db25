"""A team run never hangs: a member that fails or times out ends the run with a message
naming it; the Timeout condition ends a run; CancelTask cancels the member's work; a
member's approval request comes up to the caller and the decision goes down."""

from __future__ import annotations

import asyncio

import pytest
from a2a.types import CancelTaskRequest, ListTasksRequest, TaskState
from teams_helpers import MockLLM, mcp_settings, member_turns, team_result

pytestmark = pytest.mark.slow  # each test starts several A2A servers (~5 s)

SCRIPT = [
    {"match": {"system_contains": "You are quick."}, "text": "quick answer"},
    {"match": {"system_contains": "You are slow."}, "delay": 5, "text": "slow answer"},
    {
        "match": {"system_contains": "You are careful.", "tool_result": "delete_pod"},
        "text": "careful: {{last_tool_result}} RESOLVED",
    },
    {
        "match": {"system_contains": "You are careful."},
        "tool_calls": [{"name": "delete_pod", "arguments": {"name": "web"}}],
    },
    {"default": True, "text": "unexpected"},
]


async def test_unreachable_member_ends_the_run_naming_it(team) -> None:
    with MockLLM(SCRIPT) as llm:
        quick = await team.member(llm, "quick")
        gone = {**quick, "name": "default__gone", "ref": "default/gone", "member": "gone"}
        gone["url"] = "http://127.0.0.1:9/"
        chat = await team.start({"type": "RoundRobin", "members": [quick, gone]})
        exchange = await chat.send("Hi")
    assert exchange.final_state == "TASK_STATE_FAILED"
    assert "The team member gone failed" in exchange.final_text()
    assert "default/gone" in exchange.final_text()


async def test_member_timeout_fails_and_timeout_condition_ends(team) -> None:
    # 2 s: time enough for quick's first turn on a loaded machine, far short of slow's 5 s.
    with MockLLM(SCRIPT) as llm:
        quick = await team.member(llm, "quick")
        slow = await team.member(llm, "slow")
        chat = await team.start(
            {"type": "RoundRobin", "members": [quick, slow], "member_timeout": 2}
        )
        timed_out = await chat.send("Hi")
        assert timed_out.final_state == "TASK_STATE_FAILED"
        assert "The team member slow did not answer within 2 s" in timed_out.final_text()
        team2 = await team.start(
            {
                "type": "RoundRobin",
                "members": [quick, slow],
                "termination": {"type": "Timeout", "timeout_seconds": 2},
            }
        )
        ended = await team2.send("Hi")
    assert ended.final_state == "TASK_STATE_COMPLETED"
    assert ended.final_text() == "quick answer"
    assert "timeout of 2 s reached while slow was working" in team_result(ended)["reason"]


async def test_cancel_stops_the_member(team) -> None:
    with MockLLM(SCRIPT) as llm:
        slow = await team.member(llm, "slow")
        chat = await team.start({"type": "RoundRobin", "members": [slow]})
        sending = asyncio.create_task(chat.send("Hi", limit=30))
        await asyncio.to_thread(llm.wait_for_requests, 1, 20)  # the member is thinking
        page = await chat.client.list_tasks(ListTasksRequest())
        [task] = [t for t in page.tasks if t.status.state == TaskState.TASK_STATE_WORKING]
        cancelled = await chat.client.cancel_task(CancelTaskRequest(id=task.id))
        assert cancelled.status.state == TaskState.TASK_STATE_CANCELED
        async with asyncio.timeout(5):
            exchange = await sending
        assert "TASK_STATE_COMPLETED" not in exchange.states()
        # the member's LLM request was abandoned: its task was cancelled too
        for _ in range(50):
            if llm.requests[0].disconnected:
                break
            await asyncio.sleep(0.1)
        assert llm.requests[0].disconnected


async def test_member_approval_bubbles_up_and_decision_goes_down(team, mcp_server) -> None:
    tools = mcp_server()
    with MockLLM(SCRIPT) as llm:
        careful = await team.member(
            llm, "careful", mcp_servers=[mcp_settings(tools, require_approval=["delete_pod"])]
        )
        chat = await team.start(
            {
                "type": "RoundRobin",
                "members": [careful],
                "termination": {"type": "TextMention", "text": "RESOLVED"},
            }
        )
        paused = await chat.send("Remove web")
        assert paused.final_state == "TASK_STATE_INPUT_REQUIRED"
        [request] = paused.requests()
        assert request["tool"] == "delete_pod" and request["agent"] == "default__careful"
        partial = await chat.send(
            task_id=paused.task_id, context_id=paused.context_id, data={"decisions": {}}
        )
        assert partial.final_state == "TASK_STATE_INPUT_REQUIRED"
        done = await chat.send(
            task_id=paused.task_id,
            context_id=paused.context_id,
            data={"decisions": {request["id"]: {"approved": True}}},
        )
    assert done.final_state == "TASK_STATE_COMPLETED", done.final_text()
    assert "careful: " in done.final_text() and "RESOLVED" in done.final_text()
    assert member_turns(paused) == ["default__careful"]
