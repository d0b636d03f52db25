"""An Agent with its ModelConfig becomes objects with status; changes converge; delete cleans up."""

from __future__ import annotations

from controller_harness import Cluster, Operator, eventually

NS = "team-a"
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


def agent(name: str = "helper", prompt: str = "You help.", **declarative: object) -> dict:
    return {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "Agent",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "description": "helps",
            "declarative": {"systemMessage": prompt, "modelConfig": "model", **declarative},
        },
    }


DEPLOYMENTS = "apps/v1/deployments"
AGENTS = "kagent.dev/v1alpha2/agents"


async def test_agent_is_translated_applied_and_accepted(
    cluster: Cluster, operator: Operator
) -> None:
    await cluster.apply(SECRET, MODEL, agent())
    accepted = await eventually(lambda: cluster.condition(AGENTS, NS, "helper", "Accepted"))
    assert accepted["status"] == "True", accepted
    deployment = cluster.get(DEPLOYMENTS, NS, "helper")
    owner = cluster.get(AGENTS, NS, "helper")
    refs = deployment["metadata"]["ownerReferences"]
    assert refs[0]["uid"] == owner["metadata"]["uid"] and refs[0]["controller"] is True
    for resource, name in [
        ("v1/services", "helper"),
        ("v1/secrets", "helper-config"),
        ("v1/serviceaccounts", "helper"),
    ]:
        assert cluster.exists(resource, NS, name), (resource, name)
    status = cluster.get(AGENTS, NS, "helper")["status"]
    assert status["observedGeneration"] == 1
    ready = cluster.condition(AGENTS, NS, "helper", "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "DeploymentNotReady")
    assert "0/1 replicas available" in ready["message"]
    mc = await eventually(
        lambda: cluster.condition("kagent.dev/v1alpha2/modelconfigs", NS, "model", "Accepted")
    )
    assert mc["status"] == "True"
    record = await eventually(lambda: operator.sink.agents[(NS, "helper")])
    assert record.accepted and record.config is not None


async def test_ready_follows_the_deployment(cluster: Cluster, operator: Operator) -> None:
    await cluster.apply(SECRET, MODEL, agent())
    await eventually(lambda: cluster.exists(DEPLOYMENTS, NS, "helper"))
    await cluster.set_deployment_status(NS, "helper", available=1)
    ready = await eventually(
        lambda: (c := cluster.condition(AGENTS, NS, "helper", "Ready"))["status"] == "True" and c
    )
    assert ready["reason"] == "DeploymentReady"
    assert "1/1 replicas available" in ready["message"]
    first_transition = ready["lastTransitionTime"]
    await cluster.set_deployment_status(NS, "helper", available=0)
    not_ready = await eventually(
        lambda: (c := cluster.condition(AGENTS, NS, "helper", "Ready"))["status"] == "False" and c
    )
    assert not_ready["reason"] == "DeploymentNotReady"
    assert first_transition  # set when it became True


async def test_update_rolls_and_delete_removes_everything(
    cluster: Cluster, operator: Operator
) -> None:
    await cluster.apply(SECRET, MODEL, agent())
    await eventually(lambda: cluster.exists(DEPLOYMENTS, NS, "helper"))
    before = cluster.get(DEPLOYMENTS, NS, "helper")
    hash_before = before["spec"]["template"]["metadata"]["annotations"]["kagent.dev/config-hash"]
    await cluster.apply(agent(prompt="You help a lot."))
    await eventually(lambda: cluster.get(AGENTS, NS, "helper")["status"]["observedGeneration"] == 2)
    after = cluster.get(DEPLOYMENTS, NS, "helper")
    assert (
        after["spec"]["template"]["metadata"]["annotations"]["kagent.dev/config-hash"]
        != hash_before
    )

    await cluster.delete("kagent.dev/v1alpha2", "Agent", NS, "helper")
    await eventually(lambda: not cluster.exists(DEPLOYMENTS, NS, "helper"))
    assert not cluster.exists("v1/secrets", NS, "helper-config")
    await eventually(lambda: (NS, "helper") not in operator.sink.agents)
    assert ("Agent", NS, "helper") in operator.sink.deleted


async def test_secret_rotation_rolls_the_agent(cluster: Cluster, operator: Operator) -> None:
    await cluster.apply(SECRET, MODEL, agent())
    await eventually(lambda: cluster.exists(DEPLOYMENTS, NS, "helper"))
    mc_status = await eventually(
        lambda: cluster.get("kagent.dev/v1alpha2/modelconfigs", NS, "model")["status"]
    )
    old_hash = cluster.get(DEPLOYMENTS, NS, "helper")["spec"]["template"]["metadata"][
        "annotations"
    ]["kagent.dev/config-hash"]
    await cluster.apply({**SECRET, "stringData": {"api-key": "sk-two"}})
    await eventually(
        lambda: (
            cluster.get(DEPLOYMENTS, NS, "helper")["spec"]["template"]["metadata"]["annotations"][
                "kagent.dev/config-hash"
            ]
            != old_hash
        ),
        what="a new config hash on the pod template",
    )
    await eventually(
        lambda: (
            cluster.get("kagent.dev/v1alpha2/modelconfigs", NS, "model")["status"]["secretHash"]
            != mc_status["secretHash"]
        )
    )
    secret_value_seen = str(cluster.get("kagent.dev/v1alpha2/modelconfigs", NS, "model"))
    assert "sk-two" not in secret_value_seen
