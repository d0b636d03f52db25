"""Team pieces without servers: termination conditions, the selector's name matching, the
handoff header, and the examples/teams set (validates and renders one team workload)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bosun.api.manifests import load_manifests, load_text
from bosun.api.team import AgentTeam
from bosun.api.teamconfig import TeamConfig, TerminationSettings
from bosun.controller.translate import check_set
from bosun.runtime.team_handoff import handoff_tool_name, parse_handoffs
from bosun.runtime.team_selector import match_member
from bosun.runtime.team_termination import RunView, deadline, reason

REPO = Path(__file__).resolve().parents[3]
SHARED_TEAM = REPO.parent / "shared" / "examples" / "v1alpha1-blog" / "team.yaml"


def view(text: str = "", source: str = "a", messages: int = 2, elapsed: float = 0.0) -> RunView:
    return RunView(last_text=text, last_source=source, messages=messages, elapsed=elapsed)


def test_termination_conditions_and_combinations() -> None:
    mention = TerminationSettings(type="TextMention", text="DONE")
    most = TerminationSettings(type="MaxMessages", max_messages=3)
    late = TerminationSettings(type="Timeout", timeout_seconds=5)
    assert reason(mention, view("all DONE")) == 'a mentioned "DONE"'
    assert reason(mention, view("DONE", source="user")) is None  # the task itself never ends it
    assert reason(most, view(messages=3)) == "3 messages reached (maxMessages 3)"
    assert reason(late, view(elapsed=6)) == "timeout of 5 s reached"
    both = TerminationSettings(type="And", conditions=[mention, most])
    assert reason(both, view("DONE", messages=2)) is None
    assert reason(both, view("DONE", messages=3)) is not None
    either = TerminationSettings(type="Or", conditions=[mention, late])
    assert reason(either, view(elapsed=9)) == "timeout of 5 s reached"
    assert deadline(either) == 5 and deadline(both) is None


def test_selector_answers_are_matched_to_member_names() -> None:
    names = ["diagnostics-agent", "remediation-agent"]
    assert match_member(" `remediation-agent`. ", names) == "remediation-agent"
    assert match_member("I pick diagnostics-agent next", names) == "diagnostics-agent"
    assert match_member("diagnostics-agent or remediation-agent", names) is None
    assert match_member("the janitor", names) is None


def test_handoff_header_is_parsed_defensively() -> None:
    assert parse_handoffs('[{"name": "fixer", "description": "fixes"}, 3, {}]') == [
        ("fixer", "fixes")
    ]
    assert parse_handoffs("not json") == [] and parse_handoffs(None) == []
    assert handoff_tool_name("remediation-agent") == "transfer_to_remediation_agent"


def test_team_model_rules() -> None:
    base = {"apiVersion": "kagent.dev/v1alpha1", "kind": "AgentTeam", "metadata": {"name": "t"}}
    ok = {"teamType": "RoundRobin", "agents": [{"name": "a"}]}
    AgentTeam.model_validate({**base, "spec": ok})
    bad_specs = [
        {**ok, "teamType": "Selector"},  # no selector block
        {**ok, "selector": {"modelConfig": "m"}},  # selector on a round robin
        {**ok, "swarm": {}},
        {**ok, "terminationCondition": {"type": "TextMention"}},
        {**ok, "terminationCondition": {"type": "And"}},
        {**ok, "terminationCondition": {"type": "MaxMessages", "maxMessages": 2, "conditions": []}},
    ]
    for spec in bad_specs:
        with pytest.raises(ValidationError):
            AgentTeam.model_validate({**base, "spec": spec})


def test_examples_teams_validate_and_render_one_team_workload() -> None:
    result = check_set(load_manifests([REPO / "examples" / "teams"]))
    assert [str(p) for p in result.problems] == []
    [(_team, out)] = [(r, o) for r, o in result.outputs if r.kind == "AgentTeam"]
    config = out.config  # type: ignore[union-attr]
    assert isinstance(config, TeamConfig)
    assert [m.member for m in config.team.members] == [
        "diagnostics-agent",
        "remediation-agent",
        "communication-agent",
    ]
    kinds = [o["kind"] for o in out.objects]
    assert kinds == ["ServiceAccount", "Secret", "Deployment", "Service"]


@pytest.mark.skipif(not SHARED_TEAM.exists(), reason="shared examples not present")
def test_the_shared_v1alpha1_agent_team_is_accepted() -> None:
    manifests = load_text(SHARED_TEAM.read_text())
    teams = manifests.of_kind("AgentTeam")
    assert [t.name for t in teams] == ["incident-response"]
