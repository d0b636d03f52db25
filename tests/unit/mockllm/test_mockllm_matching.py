"""Rule matching and templating on requests of both APIs, without a server."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bosun.mockllm import load_script
from bosun.mockllm.conversation import Conversation, from_anthropic, from_openai
from bosun.mockllm.engine import RuleBook, plan_reply


def openai_conv(*messages: dict[str, Any], model: str = "gpt-test") -> Conversation:
    return from_openai({"model": model, "messages": list(messages)})


def pick(rules: list[dict[str, Any]], conv: Conversation) -> int | None:
    found = RuleBook(load_script(rules)).pick(conv)
    return None if found is None else found[0]


USER_HI = {"role": "user", "content": "hi there"}
ASSISTANT_CALL = {
    "role": "assistant",
    "content": None,
    "tool_calls": [
        {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}},
        {"id": "c2", "type": "function", "function": {"name": "clock", "arguments": "{}"}},
    ],
}
RESULTS = [
    {"role": "tool", "tool_call_id": "c1", "content": "found 3 pods"},
    {"role": "tool", "tool_call_id": "c2", "content": "12:00"},
]


@pytest.mark.parametrize(
    ("match", "hit"),
    [
        ({"last_message": "hi there"}, True),
        ({"last_message": "hi"}, False),
        ({"contains": "there"}, True),
        ({"contains": "where"}, False),
        ({"regex": "^hi\\s+th"}, True),
        ({"regex": "^there"}, False),
        ({"turn": 0}, True),
        ({"turn": 1}, False),
        ({"model": "gpt-test"}, True),
        ({"model": "gpt-*"}, True),
        ({"model": "claude-*"}, False),
        ({"api": "openai"}, True),
        ({"api": "anthropic"}, False),
        ({"system_contains": "k8s helper"}, True),
        ({"system_contains": "chef"}, False),
        ({"contains": "hi", "turn": 0, "system_contains": "helper"}, True),
        ({"contains": "hi", "turn": 3}, False),
        ({"tool_result": "lookup"}, False),
        ({}, True),
    ],
)
def test_each_condition_on_a_user_message(match: dict[str, Any], hit: bool) -> None:
    conv = openai_conv({"role": "system", "content": "You are a k8s helper."}, USER_HI)
    assert pick([{"match": match, "text": "x"}], conv) == (0 if hit else None)


def test_developer_message_counts_as_system_prompt() -> None:
    conv = openai_conv({"role": "developer", "content": "agent B"}, USER_HI)
    assert pick([{"match": {"system_contains": "agent B"}, "text": "x"}], conv) == 0


@pytest.mark.parametrize(
    ("match", "hit"),
    [
        ({"tool_result": "lookup"}, True),
        ({"tool_result": "clock"}, True),
        ({"tool_result": "lookup", "contains": "3 pods"}, True),
        ({"tool_result": "clock", "contains": "3 pods"}, False),
        ({"tool_result": "other"}, False),
        ({"contains": "12:00"}, True),
        ({"turn": 1}, True),
    ],
)
def test_tool_results_of_parallel_calls_are_one_last_message(
    match: dict[str, Any], hit: bool
) -> None:
    conv = openai_conv(USER_HI, ASSISTANT_CALL, *RESULTS)
    assert pick([{"match": match, "text": "x"}], conv) == (0 if hit else None)


def anthropic_conv() -> Conversation:
    return from_anthropic(
        {
            "model": "claude-test",
            "max_tokens": 100,
            "system": [{"type": "text", "text": "You are agent A."}],
            "messages": [
                {"role": "user", "content": [{"type": "text", "text": "list pods"}]},
                {
                    "role": "assistant",
                    "content": [
                        {"type": "text", "text": "Let me look."},
                        {"type": "tool_use", "id": "t1", "name": "list_pods", "input": {}},
                    ],
                },
                {
                    "role": "user",
                    "content": [
                        {
                            "type": "tool_result",
                            "tool_use_id": "t1",
                            "content": [{"type": "text", "text": "pod-a, pod-b"}],
                        }
                    ],
                },
            ],
        }
    )


def test_anthropic_tool_result_and_system_blocks() -> None:
    conv = anthropic_conv()
    assert (conv.api, conv.model, conv.turn, conv.system) == (
        "anthropic",
        "claude-test",
        1,
        "You are agent A.",
    )
    rules = [
        {"match": {"tool_result": "list_pods", "contains": "pod-c"}, "text": "no"},
        {"match": {"tool_result": "list_pods", "contains": "pod-b"}, "text": "yes"},
    ]
    assert pick(rules, conv) == 1
    assert (
        pick([{"match": {"system_contains": "agent A", "api": "anthropic"}, "text": "x"}], conv)
        == 0
    )


def test_times_limits_a_rule_then_later_rules_answer() -> None:
    book = RuleBook(
        load_script(
            [
                {"match": {}, "status": 500, "error": "flaky", "times": 2},
                {"match": {}, "text": "ok"},
            ]
        )
    )
    conv = openai_conv(USER_HI)
    assert [book.pick(conv)[0] for _ in range(4)] == [0, 0, 1, 1]  # type: ignore[index]
    assert book.uses() == [2, 2]


def test_default_rules_are_tried_after_all_others_and_order_decides() -> None:
    rules: list[dict[str, Any]] = [
        {"default": True, "text": "fallback"},
        {"match": {"contains": "hi"}, "text": "first"},
        {"match": {"contains": "there"}, "text": "second"},
    ]
    assert pick(rules, openai_conv(USER_HI)) == 1
    assert pick(rules, openai_conv({"role": "user", "content": "bye"})) == 0


def test_templates_fill_text_and_tool_arguments() -> None:
    conv = openai_conv(
        {"role": "system", "content": "sys"},
        {"role": "user", "content": [{"type": "text", "text": "find nginx"}]},
        ASSISTANT_CALL,
        *RESULTS,
        model="gpt-t",
    )
    rule = load_script(
        [
            {
                "match": {},
                "text": "{{last_user_message}}|{{last_tool_result}}|{{model}}|{{turn}}|{{system}}",
                "tool_calls": [{"name": "echo", "arguments": {"q": ["{{ last_user_message }}"]}}],
            }
        ]
    ).rules[0]
    reply = plan_reply(rule, conv)
    assert reply.text == "find nginx|12:00|gpt-t|1|sys"
    assert json.loads(reply.tool_calls[0].arguments) == {"q": ["find nginx"]}
    assert reply.tool_calls[0].id.startswith("call_")
    assert reply.output_tokens >= 1
    assert reply.input_tokens > 10  # estimated from the size of what was sent


def test_usage_override_and_anthropic_ids() -> None:
    rule = load_script(
        [{"match": {}, "tool_calls": [{"name": "t"}], "usage": {"input_tokens": 7}}]
    ).rules[0]
    reply = plan_reply(rule, anthropic_conv())
    assert reply.input_tokens == 7
    assert reply.tool_calls[0].id.startswith("toolu_")
    assert reply.tool_calls[0].arguments == "{}"
