"""Kubernetes Events on condition transitions: a failure warns once, a recovery is Normal."""

from __future__ import annotations

from typing import Any

from controller_harness import Cluster, Operator, eventually

NS = "ev"
AGENTS = "kagent.dev/v1alpha2/agents"
MODELS = "kagent.dev/v1alpha2/modelconfigs"
EVENTS = "v1/events"
OLLAMA = {
    "apiVersion": "kagent.dev/v1alpha2",
    "kind": "ModelConfig",
    "metadata": {"name": "m", "namespace": NS},
    "spec": {"provider": "Ollama", "model": "llama3.2", "ollama": {"host": "http://ollama:11434"}},
}


def agent(name: str, model: str = "m", **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "Agent",
        "metadata": {"name": name, "namespace": NS, **meta},
        "spec": {"description": "d", "declarative": {"systemMessage": "hi", "modelConfig": model}},
    }


def events_for(cluster: Cluster, kind: str, name: str) -> list[dict[str, Any]]:
    """The Events `kubectl describe` shows for an object (by involvedObject), oldest first."""
    uid = cluster.get(AGENTS if kind == "Agent" else MODELS, NS, name)["metadata"]["uid"]
    found = [
        e
        for e in cluster.emulator.live(EVENTS)
        if e["involvedObject"].get("kind") == kind
        and e["involvedObject"].get("name") == name
        and e["involvedObject"].get("uid") == uid
    ]
    return sorted(found, key=lambda e: e["metadata"]["name"])  # <name>.<hex ns>: by creation


def summary(events: list[dict[str, Any]]) -> list[tuple[str, str, int]]:
    return [(e["type"], e["reason"], e["count"]) for e in events]


async def test_missing_model_config_warns_once_and_recovery_is_normal(
    cluster: Cluster, operator: Operator
) -> None:
    await cluster.apply(agent("lonely"))
    warned = await eventually(lambda: events_for(cluster, "Agent", "lonely"), what="a Warning")
    assert summary(warned) == [("Warning", "TranslationFailed", 1)]
    event = warned[0]
    assert 'ModelConfig "ev/m" not found' in event["message"]
    assert "spec.declarative.modelConfig" in event["message"]
    assert event["involvedObject"]["apiVersion"] == "kagent.dev/v1alpha2"
    assert event["source"]["component"] == "bosun-controller"
    assert event["metadata"]["namespace"] == NS

    # The same failure reconciled again (queued directly, and through a label change that
    # makes the operator act) posts nothing more.
    key = ("Agent", NS, "lonely")
    processed = operator.controller.reconciles.processed
    for _ in range(3):
        operator.controller.reconciles.add(key)
        await eventually(lambda p=processed: operator.controller.reconciles.processed > p)
        processed = operator.controller.reconciles.processed
    await cluster.apply(agent("lonely", labels={"team": "x"}))
    await eventually(lambda: operator.controller.reconciles.processed > processed)
    await operator.idle()
    assert summary(events_for(cluster, "Agent", "lonely")) == [("Warning", "TranslationFailed", 1)]

    await cluster.apply(OLLAMA)
    recovered = await eventually(
        lambda: len(e := events_for(cluster, "Agent", "lonely")) == 2 and e, what="recovery"
    )
    assert summary(recovered) == [
        ("Warning", "TranslationFailed", 1),
        ("Normal", "Reconciled", 1),
    ]
    assert "Agent reconciled" in recovered[1]["message"]
    await operator.idle()
    # A healthy ModelConfig and a not-yet-ready Deployment are no news.
    assert events_for(cluster, "ModelConfig", "m") == []
    assert len(events_for(cluster, "Agent", "lonely")) == 2


async def test_the_same_failure_again_bumps_the_count(cluster: Cluster, operator: Operator) -> None:
    await cluster.apply(OLLAMA, agent("steady"))
    await eventually(lambda: cluster.exists("apps/v1/deployments", NS, "steady"))
    await cluster.set_deployment_status(NS, "steady", available=1)
    await eventually(
        lambda: (
            summary(events_for(cluster, "Agent", "steady")) == [("Normal", "DeploymentReady", 1)]
        )
    )
    await cluster.set_deployment_status(NS, "steady", available=0)
    await eventually(
        lambda: (
            ("Warning", "DeploymentNotReady", 1) in summary(events_for(cluster, "Agent", "steady"))
        )
    )
    await cluster.set_deployment_status(NS, "steady", available=1)
    events = await eventually(
        lambda: (e := events_for(cluster, "Agent", "steady")) and e[0]["count"] == 2 and e,
        what="the Ready Event aggregated",
    )
    assert summary(events) == [
        ("Normal", "DeploymentReady", 2),
        ("Warning", "DeploymentNotReady", 1),
    ]
    assert events[0]["lastTimestamp"] >= events[0]["firstTimestamp"]
    assert "0/1 replicas available" in events[1]["message"]


async def test_model_config_secret_events_name_the_secret_not_its_value(
    cluster: Cluster, operator: Operator
) -> None:
    model = {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "ModelConfig",
        "metadata": {"name": "keyed", "namespace": NS},
        "spec": {
            "provider": "OpenAI",
            "model": "gpt-4o",
            "apiKeySecret": "llm-key",
            "apiKeySecretKey": "api-key",
        },
    }
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "llm-key", "namespace": NS},
        "stringData": {"other": "sk-very-secret"},
    }
    await cluster.apply(secret, model)
    warned = await eventually(lambda: events_for(cluster, "ModelConfig", "keyed"))
    assert summary(warned) == [("Warning", "SecretNotFound", 1)]
    assert 'key "api-key" not found in Secret "ev/llm-key"' in warned[0]["message"]
    await cluster.apply({**secret, "stringData": {"api-key": "sk-very-secret"}})
    events = await eventually(
        lambda: len(e := events_for(cluster, "ModelConfig", "keyed")) == 2 and e
    )
    assert summary(events) == [("Warning", "SecretNotFound", 1), ("Normal", "Accepted", 1)]
    assert "sk-very-secret" not in str(list(cluster.emulator.live(EVENTS)))


async def test_events_survive_a_refusing_api_server(cluster: Cluster, operator: Operator) -> None:
    """An Event that cannot be posted is dropped; the status is still written."""
    cluster.emulator.inject_fault(403, method="POST", plural="events", times=5)
    await cluster.apply(agent("unheard", model="absent"))
    cond = await eventually(lambda: cluster.condition(AGENTS, NS, "unheard", "Accepted"))
    assert cond["reason"] == "TranslationFailed"
    await operator.idle()
    assert events_for(cluster, "Agent", "unheard") == []
