"""Install scope and replicas: watched namespaces only; of two replicas only the leader acts."""

from __future__ import annotations

from controller_harness import (
    Cluster,
    RecordingSink,
    eventually,
    operator_settings,
    start_operator,
    stop_operator,
)

AGENTS = "kagent.dev/v1alpha2/agents"


def model(ns: str) -> dict:
    return {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "ModelConfig",
        "metadata": {"name": "m", "namespace": ns},
        "spec": {"provider": "Ollama", "model": "llama3.2", "ollama": {"host": "http://o:11434"}},
    }


def agent(ns: str, name: str) -> dict:
    return {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "Agent",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"description": "d", "declarative": {"systemMessage": "hi", "modelConfig": "m"}},
    }


def has_status(cluster: Cluster, ns: str, name: str) -> bool:
    return bool(cluster.get(AGENTS, ns, name).get("status"))


async def test_only_watched_namespaces_are_reconciled(cluster: Cluster) -> None:
    op = await start_operator(
        operator_settings(cluster.url, watch_namespaces=("team-a",)), RecordingSink()
    )
    try:
        await cluster.apply(model("team-a"), agent("team-a", "mine"))
        await cluster.apply(model("team-b"), agent("team-b", "theirs"))
        await eventually(lambda: has_status(cluster, "team-a", "mine"))
        await op.idle()
        assert not has_status(cluster, "team-b", "theirs")
        assert not cluster.exists("apps/v1/deployments", "team-b", "theirs")
    finally:
        await stop_operator(op)


async def test_two_replicas_one_leader_and_failover(cluster: Cluster) -> None:
    def settings(identity: str):  # type: ignore[no-untyped-def]
        return operator_settings(
            cluster.url,
            leader_election=True,
            lease_duration=1.0,
            lease_renew_interval=0.2,
            lease_namespace="bosun-system",
            identity=identity,
        )

    first = await start_operator(settings("replica-1"), RecordingSink())
    second = await start_operator(settings("replica-2"), RecordingSink())
    try:
        await cluster.apply(model("ha"), agent("ha", "one"))
        await eventually(lambda: has_status(cluster, "ha", "one"))
        lease = cluster.get("coordination.k8s.io/v1/leases", "bosun-system", "bosun-controller")
        leader, follower = (
            (first, second) if lease["spec"]["holderIdentity"] == "replica-1" else (second, first)
        )
        await leader.idle()
        assert leader.controller.reconciles.processed > 0
        assert follower.controller.reconciles.processed == 0
        assert leader.sink.agents and not follower.sink.agents

        await stop_operator(leader)  # releases the Lease: the follower takes over at once
        await cluster.apply(agent("ha", "two"))
        await eventually(lambda: has_status(cluster, "ha", "two"), within=5)
        assert follower.controller.reconciles.processed > 0
        lease = cluster.get("coordination.k8s.io/v1/leases", "bosun-system", "bosun-controller")
        assert lease["spec"]["holderIdentity"] == follower.controller.settings.identity
        assert lease["spec"]["leaseTransitions"] >= 1
    finally:
        await stop_operator(first)
        await stop_operator(second)
