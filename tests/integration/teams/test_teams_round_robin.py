"""RoundRobin teams: members speak in the listed order, each seeing what the others said,
until the termination condition (TextMention, MaxMessages) or maxTurns ends the run."""

from __future__ import annotations

import pytest
from teams_helpers import MockLLM, member_turns, team_result

pytestmark = pytest.mark.slow  # each test starts several A2A servers (~5 s)

SCRIPT = [
    {"match": {"system_contains": "You are alpha."}, "text": "alpha looked: {{last_user_message}}"},
    {"match": {"system_contains": "You are beta.", "contains": "[alpha]"}, "text": "beta fixed it"},
    {"match": {"system_contains": "You are gamma."}, "text": "gamma: all RESOLVED"},
    {"default": True, "text": "unexpected"},
]


async def _three(team, llm: MockLLM, **team_block):
    members = [await team.member(llm, n) for n in ("alpha", "beta", "gamma")]
    return await team.start({"type": "RoundRobin", "members": members, **team_block})


async def test_members_speak_in_order_until_text_mention(team) -> None:
    with MockLLM(SCRIPT) as llm:
        chat = await _three(
            team, llm, termination={"type": "TextMention", "text": "RESOLVED"}, max_turns=9
        )
        exchange = await chat.send("The checkout is down")
    assert exchange.final_state == "TASK_STATE_COMPLETED"
    assert member_turns(exchange) == ["default__alpha", "default__beta", "default__gamma"]
    assert exchange.final_text() == "gamma: all RESOLVED"
    result = team_result(exchange)
    assert result["reason"] == 'gamma mentioned "RESOLVED"'
    assert result["speakers"] == ["alpha", "beta", "gamma"]
    # each member saw the shared conversation: beta was sent the user's task and alpha's turn
    beta_call = next(d for d in exchange.data("tool_call") if d["name"] == "default__beta")
    assert "[user]: The checkout is down" in beta_call["arguments"]["request"]
    assert "[alpha]: alpha looked" in beta_call["arguments"]["request"]


async def test_max_messages_and_max_turns_end_the_run(team) -> None:
    with MockLLM(SCRIPT) as llm:
        chat = await _three(team, llm, termination={"type": "MaxMessages", "max_messages": 3})
        by_messages = await chat.send("Look")
        assert member_turns(by_messages) == ["default__alpha", "default__beta"]
        assert team_result(by_messages)["reason"] == "3 messages reached (maxMessages 3)"
        assert by_messages.final_text() == "beta fixed it"


async def test_max_turns_without_a_condition(team) -> None:
    with MockLLM(SCRIPT) as llm:
        chat = await _three(team, llm, max_turns=4)
        exchange = await chat.send("Look")
    # round robin wraps around: alpha, beta, gamma, alpha
    assert member_turns(exchange) == [
        "default__alpha",
        "default__beta",
        "default__gamma",
        "default__alpha",
    ]
    assert team_result(exchange)["reason"] == "maxTurns (4) reached"
