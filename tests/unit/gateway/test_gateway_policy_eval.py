"""Policy evaluation, one pure function per decision; the Policy kind's CEL rules."""

from __future__ import annotations

import copy
from typing import Any

import celpy
import pytest
from pydantic import ValidationError

from bosun.api.crd import crd
from bosun.api.policy import LIMIT_RULE, SPEC_RULE, Policy
from bosun.gateway import tokens
from bosun.gateway.policy import (
    Caller,
    Usage,
    a2a_decision,
    applicable_limits,
    check_policy,
    invoke_decision,
    limit_decision,
    model_decision,
)
from bosun.gateway.windows import describe, window_at


def pol(name: str = "p", ns: str = "prod", **spec: Any) -> Policy:
    meta = {"name": name, "namespace": ns}
    body = {"apiVersion": "policy.bosun.dev/v1alpha1", "kind": "Policy", "metadata": meta}
    return Policy.model_validate({**body, "spec": spec})


def test_models_every_policy_must_admit_and_deny_wins() -> None:
    policies = [pol("a", models={"allow": ["gpt-*"]}), pol("b", models={"deny": ["gpt-4o"]})]
    assert model_decision(policies, "prod", "OpenAI", "gpt-4.1").allowed
    denied = model_decision(policies, "prod", "OpenAI", "gpt-4o")
    assert (denied.status, denied.policy, denied.rule) == (403, "prod/b", "spec.models.deny[0]")
    assert not model_decision(policies, "prod", "OpenAI", "claude-x").allowed
    assert model_decision(policies, "dev", "OpenAI", "claude-x").allowed  # other namespace
    only_anthropic = [pol(models={"providers": ["Anthropic"]})]
    assert "provider OpenAI" in model_decision(only_anthropic, "prod", "OpenAI", "m").message


def test_a2a_deny_rules_then_allow_lists() -> None:
    deny = [pol(a2a=[{"namespaces": ["dev"], "action": "Deny"}])]
    assert not a2a_decision(deny, "dev", "prod").allowed
    assert a2a_decision(deny, "ops", "prod").allowed
    assert a2a_decision(deny, None, "prod").allowed and a2a_decision(deny, "prod", "prod").allowed
    allow = [pol(a2a=[{"namespaces": ["team-*"], "action": "Allow"}])]
    assert a2a_decision(allow, "team-a", "prod").allowed
    assert "no Allow rule" in a2a_decision(allow, "ops", "prod").message


def test_invokers_only_govern_the_agents_they_name() -> None:
    policies = [pol(invokers=[{"agents": ["billing-*"], "groups": ["finance"],
                               "serviceAccounts": ["ops/*"]}])]  # fmt: skip
    stranger = Caller("eve")
    assert invoke_decision(policies, "prod", "helper", stranger).allowed
    assert not invoke_decision(policies, "prod", "billing-bot", stranger).allowed
    assert invoke_decision(policies, "prod", "billing-bot", Caller("al", ("finance",))).allowed
    robot = Caller.of_service_account("system:serviceaccount:ops:runner")
    assert robot.agent_namespace == "ops" and robot.service_account == "ops/runner"
    assert invoke_decision(policies, "prod", "billing-bot", robot).allowed


def test_limits_count_per_subject_and_name_the_reset() -> None:
    limits = [{"name": "tok", "per": "User", "window": "1h", "tokens": 100},
              {"name": "rate", "per": "Agent", "window": "1m", "requests": 2,
               "agents": ["helper"]}]  # fmt: skip
    now = 3600 * 10 + 90.0
    applied = applicable_limits([pol(limits=limits)], "prod", "helper", "alice", now)
    assert [(a.name, a.subject) for a in applied] == [("tok", "alice"), ("rate", "prod/helper")]
    assert applied[1].window.start == 3600 * 10 + 60
    assert applicable_limits([pol(limits=limits)], "prod", "other", None, now)[0].subject == "-"
    fine = limit_decision([(applied[0], Usage(99, 5)), (applied[1], Usage(0, 2))], now)
    assert fine.allowed
    over = limit_decision([(applied[0], Usage(100, 1)), (applied[1], Usage(0, 1))], now)
    assert (over.status, over.retry_after) == (429, 3510)
    assert "user alice is over the token budget of 100 tokens per 1h" in over.message
    rate = limit_decision([(applied[1], Usage(0, 3))], now)
    assert rate.retry_after == 30 and "rate of 2 requests per 1m (2 made)" in rate.message


def test_windows_are_named_as_written() -> None:
    assert [describe(s) for s in (86400, 3600, 60, 30, 172800)] == ["24h", "1h", "1m", "30s",
                                                                     "2d"]  # fmt: skip
    assert window_at(60, 125.5).retry_after(125.5) == 55


def test_accepted_problems_name_the_field() -> None:
    bad = pol(limits=[{"name": "x", "window": "40d", "tokens": 1}],
              a2a=[{"namespaces": ["prod"], "action": "Deny"}])  # fmt: skip
    fields = [field for field, _ in check_policy(bad)]
    assert fields == ["spec.limits[0].window", "spec.a2a[0].namespaces"]


def test_agent_tokens_are_bound_to_one_agent() -> None:
    key = b"k" * 32
    token = tokens.agent_token(key, "prod", "my.agent")
    assert tokens.verify(key, token) == ("prod", "my.agent")
    assert tokens.verify(b"other" * 8, token) is None
    assert tokens.verify(key, token.replace("prod", "dev")) is None


_ENV = celpy.Environment()


def _cel_failures(schema: dict[str, Any], value: Any) -> list[str]:
    out = []
    for rule in schema.get("x-kubernetes-validations", []):
        program = _ENV.program(_ENV.compile(rule["rule"]))
        if not bool(program.evaluate({"self": celpy.json_to_cel(value)})):
            out.append(rule["message"])
    if isinstance(value, dict):
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                out += _cel_failures(sub, value[name])
    elif isinstance(value, list) and "items" in schema:
        for item in value:
            out += _cel_failures(schema["items"], item)
    return out


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"models": {"allow": ["*"]}}, None),
        ({}, SPEC_RULE.message),
        ({"limits": [{"name": "a", "window": "1h"}]}, LIMIT_RULE.message),
        ({"limits": [{"name": "a", "window": "1h", "tokens": 1},
                     {"name": "a", "window": "1m", "requests": 1}]}, "limit names must be unique"),
        ({"invokers": [{"agents": ["x"]}]}, "names at least one of users"),
    ],
)  # fmt: skip
def test_cel_rules_agree_with_python(spec: dict[str, Any], message: str | None) -> None:
    schema = crd(Policy)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]
    failures = _cel_failures(schema["spec"], copy.deepcopy(spec))
    if message is None:
        pol(**spec)
        assert failures == []
        return
    with pytest.raises(ValidationError, match=message.split(" (")[0][:30]):
        pol(**spec)
    assert any(message[:30] in f for f in failures), failures


def test_the_policy_examples_load_and_are_accepted() -> None:
    from pathlib import Path

    from bosun.api.manifests import load_manifests

    examples = Path(__file__).resolve().parents[3] / "examples" / "policy"
    loaded = load_manifests([examples])
    assert loaded.errors == [] and len(loaded.of_kind("Policy")) == 2
    for found in loaded.of_kind("Policy"):
        assert check_policy(found) == []  # type: ignore[arg-type]
