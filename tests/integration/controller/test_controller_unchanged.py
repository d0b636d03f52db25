"""Applies that would change nothing are not sent (owned.py), and skipping them never
leaves drift in place: an owned object edited while no operator ran is put back."""

from __future__ import annotations

from typing import Any

from controller_harness import (
    Cluster,
    RecordingSink,
    eventually,
    operator_settings,
    start_operator,
    stop_operator,
)

NS = "unchanged"
DEPLOYMENTS = "apps/v1/deployments"
AGENTS = "kagent.dev/v1alpha2/agents"
MODEL = {
    "apiVersion": "kagent.dev/v1alpha2",
    "kind": "ModelConfig",
    "metadata": {"name": "m", "namespace": NS},
    "spec": {"provider": "Ollama", "model": "llama3.2", "ollama": {"host": "http://ollama:11434"}},
}


def agent(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "Agent",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"description": "d", "declarative": {"systemMessage": "hi", "modelConfig": "m"}},
    }


def applies(cluster: Cluster, since: int) -> list[str]:
    """Paths of the server-side applies the emulator received after request `since`."""
    return [
        r.url.path
        for r in list(cluster.emulator)[since:]
        if str(r.method).upper().endswith("PATCH")
        and "apply-patch" in (r.headers.get("Content-Type") or "")
        and r.params.get("fieldManager") == "bosun"
    ]


async def test_restart_applies_only_what_drifted_while_down(cluster: Cluster) -> None:
    first = await start_operator(operator_settings(cluster.url), RecordingSink())
    try:
        await cluster.apply(MODEL, agent("a"), agent("b"))
        await eventually(lambda: cluster.exists(DEPLOYMENTS, NS, "a"))
        await eventually(lambda: cluster.exists(DEPLOYMENTS, NS, "b"))
        await first.idle()
        # Queued again with nothing changed: every apply is skipped.
        since = len(list(cluster.emulator))
        first.controller.reconciles.add(("Agent", NS, "a"))
        await first.idle()
        assert applies(cluster, since) == []
    finally:
        await stop_operator(first)

    replicas = cluster.get(DEPLOYMENTS, NS, "a")["spec"].get("replicas", 1)
    await cluster.user.patch("apps/v1", "Deployment", NS, "a", {"spec": {"replicas": 5}})
    since = len(list(cluster.emulator))
    second = await start_operator(operator_settings(cluster.url), RecordingSink())
    try:
        await eventually(lambda: second.controller.reconciles.processed >= 3)
        await second.idle()
        assert cluster.get(DEPLOYMENTS, NS, "a")["spec"].get("replicas", 1) == replicas
        assert applies(cluster, since) == [f"/apis/apps/v1/namespaces/{NS}/deployments/a"]
    finally:
        await stop_operator(second)


async def test_agent_applied_before_its_model_is_accepted_with_one_status_write(
    cluster: Cluster,
) -> None:
    op = await start_operator(operator_settings(cluster.url), RecordingSink())
    try:
        since = len(list(cluster.emulator))
        await cluster.apply(agent("early"))
        await cluster.apply(MODEL)
        await eventually(
            lambda: cluster.condition(AGENTS, NS, "early", "Accepted")["status"] == "True"
        )
        await op.idle()
        requests = list(cluster.emulator)[since:]
        writes = [r for r in requests if r.url.path.endswith("/agents/early/status")]
        assert len(writes) == 1, "one status write: Accepted, and Ready from the applied Deployment"
        ready = cluster.condition(AGENTS, NS, "early", "Ready")
        assert ready["reason"] == "DeploymentNotReady"
        events = [r for r in requests if r.url.path.endswith("/events")]
        assert events == [], "no Warning for a ModelConfig that was on its way"
    finally:
        await stop_operator(op)
