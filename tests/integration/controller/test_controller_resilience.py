"""Conflicts, API errors, sink failures and restarts: the operator retries and converges."""

from __future__ import annotations

from typing import Any

from controller_harness import (
    Cluster,
    Operator,
    RecordingSink,
    eventually,
    operator_settings,
    start_operator,
    stop_operator,
)

NS = "res"
AGENTS = "kagent.dev/v1alpha2/agents"
DEPLOYMENTS = "apps/v1/deployments"
MODEL = {
    "apiVersion": "kagent.dev/v1alpha2",
    "kind": "ModelConfig",
    "metadata": {"name": "m", "namespace": NS},
    "spec": {"provider": "Ollama", "model": "llama3.2", "ollama": {"host": "http://ollama:11434"}},
}


def agent(name: str, **deployment: Any) -> dict:
    declarative: dict[str, Any] = {"systemMessage": "hi", "modelConfig": "m"}
    if deployment:
        declarative["deployment"] = deployment
    return {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "Agent",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"description": "d", "declarative": declarative},
    }


def accepted(cluster: Cluster, name: str) -> bool:
    return cluster.condition(AGENTS, NS, name, "Accepted")["status"] == "True"


async def test_status_conflict_is_retried(cluster: Cluster, operator: Operator) -> None:
    cluster.emulator.inject_fault(
        409, method="PATCH", plural="agents", subresource="status", times=2
    )
    await cluster.apply(MODEL, agent("contested"))
    await eventually(lambda: accepted(cluster, "contested"))


async def test_server_errors_are_retried_with_backoff(cluster: Cluster, operator: Operator) -> None:
    cluster.emulator.inject_fault(500, method="PATCH", plural="deployments", times=3)
    await cluster.apply(MODEL, agent("unlucky"))
    await eventually(lambda: cluster.exists(DEPLOYMENTS, NS, "unlucky"))
    await eventually(lambda: accepted(cluster, "unlucky"))


async def test_sink_failure_is_retried(cluster: Cluster) -> None:
    class FlakySink(RecordingSink):
        failures = 2

        async def upsert_agent(self, record: Any) -> None:
            if self.failures:
                self.failures -= 1
                raise ConnectionError("database unavailable")
            await super().upsert_agent(record)

    sink = FlakySink()
    op = await start_operator(operator_settings(cluster.url), sink)
    try:
        await cluster.apply(MODEL, agent("recorded"))
        await eventually(lambda: sink.agents[(NS, "recorded")].accepted)
    finally:
        await stop_operator(op)


async def test_restart_changes_nothing_and_heals_what_was_missed(cluster: Cluster) -> None:
    first = await start_operator(operator_settings(cluster.url), RecordingSink())
    await cluster.apply(MODEL, agent("a"), agent("b"))
    await eventually(lambda: accepted(cluster, "a") and accepted(cluster, "b"))
    await first.idle()
    await stop_operator(first)
    before = cluster.emulator.resource_version

    second = await start_operator(operator_settings(cluster.url), RecordingSink())
    try:
        await eventually(lambda: second.controller.reconciles.processed >= 3)
        await second.idle()
        assert cluster.emulator.resource_version == before, "a restart must not rewrite anything"
        # What changed while no operator ran is picked up: prune on the first reconcile.
        await stop_operator(second)
        await cluster.apply(agent("a", serviceAccountName="shared"))
        assert cluster.exists("v1/serviceaccounts", NS, "a")
        second = await start_operator(operator_settings(cluster.url), RecordingSink())
        await eventually(lambda: not cluster.exists("v1/serviceaccounts", NS, "a"))
        assert cluster.exists("v1/serviceaccounts", NS, "b")
        names = sorted(d["metadata"]["name"] for d in cluster.emulator.live(DEPLOYMENTS))
        assert names == ["a", "b"]
    finally:
        await stop_operator(second)


async def test_stopping_leaves_no_task_behind(cluster: Cluster) -> None:
    import asyncio

    before = set(asyncio.all_tasks())
    op = await start_operator(operator_settings(cluster.url), RecordingSink())
    await cluster.apply(MODEL, agent("brief"))
    await eventually(lambda: accepted(cluster, "brief"))
    await stop_operator(op)
    await asyncio.sleep(0.1)
    left = [
        t
        for t in asyncio.all_tasks() - before
        if not t.done() and "/aiohttp/" not in str(getattr(t.get_coro(), "cr_code", ""))
    ]
    assert not left, left
