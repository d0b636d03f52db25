"""An AgentTeam in cluster mode: Accepted names a missing member until it exists, Ready
follows the team's Deployment and its members' readiness, objects are owned by the team."""

from __future__ import annotations

from typing import Any

from controller_harness import Cluster, Operator, eventually

NS = "crew"
TEAMS = "kagent.dev/v1alpha1/agentteams"
AGENTS = "kagent.dev/v1alpha2/agents"
DEPLOYMENTS = "apps/v1/deployments"
SECRET = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "llm-key", "namespace": NS},
    "stringData": {"api-key": "sk-one"},
}
MODEL = {
    "apiVersion": "kagent.dev/v1alpha2",
    "kind": "ModelConfig",
    "metadata": {"name": "model", "namespace": NS},
    "spec": {
        "provider": "OpenAI",
        "model": "gpt-4o",
        "apiKeySecret": "llm-key",
        "apiKeySecretKey": "api-key",
    },
}
TEAM = {
    "apiVersion": "kagent.dev/v1alpha1",
    "kind": "AgentTeam",
    "metadata": {"name": "incident-response", "namespace": NS},
    "spec": {
        "teamType": "RoundRobin",
        "agents": [{"name": "diagnostics"}, {"name": "remediation"}],
        "terminationCondition": {"type": "TextMention", "text": "RESOLVED"},
    },
}


def member(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "Agent",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "description": f"the {name} agent",
            "declarative": {"systemMessage": f"You do {name}.", "modelConfig": "model"},
        },
    }


def cond(cluster: Cluster, type_: str) -> dict[str, Any]:
    return cluster.condition(TEAMS, NS, "incident-response", type_)


def states(cluster: Cluster) -> dict[str, str]:
    status = cluster.get(TEAMS, NS, "incident-response").get("status") or {}
    return {m["name"]: m["state"] for m in status.get("members") or []}


async def test_team_accepted_once_its_members_exist_and_ready_once_they_are(
    cluster: Cluster, operator: Operator
) -> None:
    await cluster.apply(SECRET, MODEL, member("diagnostics"), TEAM)
    refused = await eventually(
        lambda: (c := cond(cluster, "Accepted"))["status"] == "False" and c, what="not accepted"
    )
    assert refused["reason"] == "MemberNotFound"
    assert 'spec.agents[1]: Agent "crew/remediation" not found' in refused["message"]
    assert "diagnostics" not in refused["message"]
    assert states(cluster) == {"diagnostics": "NotReady", "remediation": "NotFound"}
    assert not cluster.exists(DEPLOYMENTS, NS, "incident-response")

    await cluster.apply(member("remediation"))
    accepted = await eventually(
        lambda: (c := cond(cluster, "Accepted"))["status"] == "True" and c, what="accepted"
    )
    assert "members diagnostics, remediation" in accepted["message"]
    team = cluster.get(TEAMS, NS, "incident-response")
    for resource, name in [
        (DEPLOYMENTS, "incident-response"),
        ("v1/services", "incident-response"),
        ("v1/secrets", "incident-response-config"),
        ("v1/serviceaccounts", "incident-response"),
    ]:
        obj = await eventually(lambda r=resource, n=name: cluster.get(r, NS, n), what=name)
        (ref,) = obj["metadata"]["ownerReferences"]
        assert (ref["kind"], ref["uid"], ref["controller"]) == (
            "AgentTeam",
            team["metadata"]["uid"],
            True,
        ), resource

    # the team's own pod is up, but the members are not: not Ready, saying who
    await cluster.set_deployment_status(NS, "incident-response", available=1)
    waiting = await eventually(
        lambda: (c := cond(cluster, "Ready"))["reason"] == "MembersNotReady" and c
    )
    assert waiting["status"] == "False"
    assert "crew/diagnostics (NotReady" in waiting["message"]
    assert cluster.get(TEAMS, NS, "incident-response")["status"]["membersReady"] == "0/2"

    # members become Ready one by one (status writes of the Agents re-queue the team)
    await eventually(lambda: cluster.exists(DEPLOYMENTS, NS, "diagnostics"))
    await cluster.set_deployment_status(NS, "diagnostics", available=1)
    await eventually(
        lambda: cluster.get(TEAMS, NS, "incident-response")["status"]["membersReady"] == "1/2"
    )
    await eventually(lambda: cluster.exists(DEPLOYMENTS, NS, "remediation"))
    await cluster.set_deployment_status(NS, "remediation", available=1)
    ready = await eventually(lambda: (c := cond(cluster, "Ready"))["status"] == "True" and c)
    assert ready["reason"] == "DeploymentReady"
    assert states(cluster) == {"diagnostics": "Ready", "remediation": "Ready"}
    assert cluster.get(TEAMS, NS, "incident-response")["status"]["membersReady"] == "2/2"

    # a member going away: not Ready again and not accepted, naming it
    await cluster.delete("kagent.dev/v1alpha2", "Agent", NS, "remediation")
    gone = await eventually(
        lambda: (c := cond(cluster, "Accepted"))["status"] == "False" and c, what="member gone"
    )
    assert "crew/remediation" in gone["message"]
    assert cond(cluster, "Ready")["status"] == "False"
    # the objects of the last good translation stay (a typo never takes a team down)
    assert cluster.exists(DEPLOYMENTS, NS, "incident-response")


async def test_a_team_named_like_an_agent_is_not_accepted(
    cluster: Cluster, operator: Operator
) -> None:
    clash = {**TEAM, "metadata": {"name": "diagnostics", "namespace": NS}}
    clash["spec"] = {**TEAM["spec"], "agents": [{"name": "remediation"}]}
    await cluster.apply(SECRET, MODEL, member("diagnostics"), member("remediation"), clash)
    refused = await eventually(
        lambda: (
            (c := cluster.condition(TEAMS, NS, "diagnostics", "Accepted"))["status"] == "False"
            and c
        )
    )
    assert refused["reason"] == "TranslationFailed"
    assert "share a Service" in refused["message"]
