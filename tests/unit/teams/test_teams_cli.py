"""The CLI's view of teams: `bosun get agentteams` names and table, `describe` members,
and `apply` (also `bosun up`) putting a team after its member Agents."""

from __future__ import annotations

from typing import Any

from bosun.cli.restclient import apply_order, resolve_kind
from bosun.cli.tables import describe, resource_table


def body(kind: str, name: str, **spec: Any) -> dict[str, Any]:
    api = "kagent.dev/v1alpha1" if kind == "AgentTeam" else "kagent.dev/v1alpha2"
    return {"apiVersion": api, "kind": kind, "metadata": {"name": name}, "spec": spec}


def test_a_team_is_applied_after_its_members_and_deleted_before_them() -> None:
    team = body("AgentTeam", "crew", agents=[{"name": "a"}, {"name": "b"}])
    bodies = [team, body("Agent", "a"), body("ModelConfig", "m"), body("Agent", "b")]
    names = [b["metadata"]["name"] for b in apply_order(bodies)]
    assert names == ["m", "a", "b", "crew"]


def test_team_kind_names_like_kubectl() -> None:
    for text in ("agentteams", "agentteam", "team", "teams", "agentteams.kagent.dev"):
        assert resolve_kind(text) == "AgentTeam", text


def test_get_agentteams_table_and_describe_members() -> None:
    team = body("AgentTeam", "crew", teamType="RoundRobin")
    team["status"] = {
        "membersReady": "1/2",
        "members": [
            {"name": "a", "namespace": "default", "state": "Ready"},
            {"name": "b", "namespace": "default", "state": "NotFound", "message": "no Agent b"},
        ],
        "conditions": [
            {"type": "Accepted", "status": "False", "reason": "MemberNotFound"},
            {"type": "Ready", "status": "False", "reason": "MembersNotReady"},
        ],
    }
    lines = resource_table("AgentTeam", [team], all_namespaces=False).splitlines()
    assert lines[0].split() == ["NAME", "TYPE", "MEMBERS", "READY", "ACCEPTED", "AGE"]
    assert lines[1].split()[:5] == ["crew", "RoundRobin", "1/2", "False", "False"]
    text = describe(team)
    assert "Members:" in text
    member_b = next(line for line in text.splitlines() if "default/b" in line)
    assert member_b.split()[:2] == ["default/b", "NotFound"] and "no Agent b" in member_b
