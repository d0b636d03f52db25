"""Selector teams (the selector LLM picks the next member; an unknown name is retried, then
the run fails clearly) and Swarm teams (transfer_to_<member> hands the turn over)."""

from __future__ import annotations

import pytest
from teams_helpers import MockLLM, member_turns, openai_model, team_result

pytestmark = pytest.mark.slow  # each test starts several A2A servers (~5 s)

SELECTOR = "You pick speakers."

SCRIPT = [
    # the selector: first the diagnostician, then after its report an unknown name once,
    # then the fixer
    {
        "match": {"system_contains": SELECTOR, "contains": "not one of the members"},
        "text": "fixer",
    },
    {
        "match": {"system_contains": SELECTOR, "contains": "[doctor]"},
        "text": "the janitor",
        "times": 1,
    },
    {"match": {"system_contains": SELECTOR, "contains": "[fixer]"}, "text": "doctor"},
    {"match": {"system_contains": SELECTOR}, "text": "doctor"},
    {"match": {"system_contains": "You are doctor."}, "text": "doctor: the disk is full"},
    {"match": {"system_contains": "You are fixer."}, "text": "fixer: cleaned up, DONE"},
    # swarm: triage hands off to the fixer, which answers
    {
        "match": {"system_contains": "You are triage.", "tool_result": "transfer_to_fixer"},
        "text": "over to fixer",
    },
    {
        "match": {"system_contains": "You are triage."},
        "tool_calls": [{"name": "transfer_to_fixer", "arguments": {}}],
    },
    {"default": True, "text": "unexpected"},
]


def _selector(llm: MockLLM, retries: int = 2) -> dict:
    return {"model": openai_model(llm), "instruction": SELECTOR, "max_retries": retries}


async def test_selector_picks_and_retries_an_unknown_name(team) -> None:
    with MockLLM(SCRIPT) as llm:
        members = [
            await team.member(llm, "doctor", "Finds out what is wrong"),
            await team.member(llm, "fixer", "Repairs what is broken"),
        ]
        chat = await team.start(
            {
                "type": "Selector",
                "members": members,
                "selector": _selector(llm),
                "termination": {"type": "TextMention", "text": "DONE"},
            }
        )
        exchange = await chat.send("The site is slow")
        selector_prompts = [r.body for r in llm.requests if SELECTOR in str(r.body)]
    assert exchange.final_state == "TASK_STATE_COMPLETED", exchange.final_text()
    assert member_turns(exchange) == ["default__doctor", "default__fixer"]
    assert team_result(exchange)["reason"] == 'fixer mentioned "DONE"'
    # the selector saw the members' descriptions, and was asked again after "the janitor"
    assert any("Repairs what is broken" in str(r) for r in selector_prompts)
    assert any("not one of the members" in str(r) for r in selector_prompts)


async def test_selector_that_never_names_a_member_fails_the_run(team) -> None:
    script = [{"match": {"system_contains": SELECTOR}, "text": "nobody"}, *SCRIPT]
    with MockLLM(script) as llm:
        members = [await team.member(llm, "doctor"), await team.member(llm, "fixer")]
        chat = await team.start(
            {"type": "Selector", "members": members, "selector": _selector(llm, retries=1)}
        )
        exchange = await chat.send("Hello")
    assert exchange.final_state == "TASK_STATE_FAILED"
    text = exchange.final_text()
    assert "did not name a member" in text and "'nobody'" in text and "2 tries" in text


async def test_swarm_handoff_changes_the_active_member(team) -> None:
    with MockLLM(SCRIPT) as llm:
        triage = await team.member(llm, "triage", "Sorts requests")
        fixer = await team.member(llm, "fixer", "Repairs what is broken")
        triage["handoffs"] = ["fixer"]
        chat = await team.start({"type": "Swarm", "members": [triage, fixer]})
        exchange = await chat.send("The site is slow")
        tool_names = [
            [t["function"]["name"] for t in (r.body or {}).get("tools") or []] for r in llm.requests
        ]
    assert exchange.final_state == "TASK_STATE_COMPLETED", exchange.final_text()
    assert member_turns(exchange) == ["default__triage", "default__fixer"]
    # the handoff call streamed up as the member's own tool call
    transfers = [d for d in exchange.data("tool_call") if d["name"] == "transfer_to_fixer"]
    assert transfers and transfers[0]["agent"] == "default__triage"
    assert team_result(exchange)["reason"] == "fixer answered without a handoff"
    # only triage got a handoff tool (fixer may hand off to nobody)
    assert any("transfer_to_fixer" in names for names in tool_names)
    assert not any("transfer_to_triage" in names for names in tool_names)
