"""An Agent whose skills init container fails is Ready=False InitFailed naming the ref.

The emulator plays the kubelet and the deployment controller: the test creates the
Agent's pod (with the Deployment's selector labels) and writes its init container status
and the Deployment's status, as they would. The operator reads the pods only while the
Deployment reports unavailable replicas (agent.py, pods.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from controller_harness import (
    Cluster,
    Operator,
    RecordingSink,
    eventually,
    operator_settings,
    start_operator,
    stop_operator,
)

NS = "skills"
AGENTS = "kagent.dev/v1alpha2/agents"
PODS = "v1/pods"
DEPLOYMENTS = "apps/v1/deployments"
URL = "https://git.example.com/team/skills.git"
MESSAGE = (
    f"spec.skills.gitRefs[0]: skills from {URL} (ref main): fatal: repository '{URL}/' not found"
)
MODEL = {
    "apiVersion": "kagent.dev/v1alpha2",
    "kind": "ModelConfig",
    "metadata": {"name": "m", "namespace": NS},
    "spec": {"provider": "Ollama", "model": "llama3.2", "ollama": {"host": "http://ollama:11434"}},
}


def skilled(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "Agent",
        "metadata": {"name": name, "namespace": NS},
        "spec": {
            "description": "d",
            "declarative": {"systemMessage": "hi", "modelConfig": "m"},
            "skills": {"gitRefs": [{"url": URL, "ref": "main"}]},
        },
    }


@pytest.fixture
async def quick(cluster: Cluster) -> AsyncIterator[Operator]:
    """The operator, looking at an unavailable Agent's pods every 0.2 s."""
    cluster.emulator.declare(PODS, "Pod")  # the emulator serves no pods by default
    op = await start_operator(
        operator_settings(cluster.url, pod_check_interval=0.2), RecordingSink()
    )
    yield op
    await stop_operator(op)


async def make_pod(cluster: Cluster, agent: str) -> str:
    deployment = await eventually(lambda: cluster.get(DEPLOYMENTS, NS, agent), what="Deployment")
    labels = deployment["spec"]["selector"]["matchLabels"]
    name = f"{agent}-5d8f7c9b4-x2x7q"
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": NS,
           "labels": labels}, "spec": deployment["spec"]["template"]["spec"]}  # fmt: skip
    await cluster.user.create(pod)
    # Another Deployment's pod in the namespace, failing too: never reported for this one.
    other = {"apiVersion": "v1", "kind": "Pod",
             "metadata": {"name": "unrelated", "namespace": NS, "labels": {"app": "other"}},
             "spec": {"containers": [{"name": "c", "image": "x"}]}}  # fmt: skip
    await cluster.user.create(other)
    await set_init(cluster, "unrelated", terminated(2, "not this one"), name="c")
    return name


def terminated(code: int, message: str = "") -> dict[str, Any]:
    return {"terminated": {"exitCode": code, "reason": "Error" if code else "Completed",
                           **({"message": message} if message else {})}}  # fmt: skip


async def set_init(
    cluster: Cluster,
    pod: str,
    state: dict[str, Any],
    last: dict[str, Any] | None = None,
    name: str = "skills-fetch",
) -> None:
    status = {"name": name, "state": state, "lastState": last or {}, "restartCount": 1}
    await cluster.emulator.patch_status(PODS, NS, pod, {"initContainerStatuses": [status]})


async def set_deployment(cluster: Cluster, agent: str, available: int) -> None:
    generation = cluster.get(DEPLOYMENTS, NS, agent)["metadata"]["generation"]
    await cluster.emulator.patch_status(
        DEPLOYMENTS,
        NS,
        agent,
        {"observedGeneration": generation, "replicas": 1, "updatedReplicas": 1,
         "readyReplicas": available, "availableReplicas": available,
         "unavailableReplicas": (1 - available) or None},
    )  # fmt: skip


def count_pod_lists(op: Operator, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """(namespace, selector) of each pod list the operator sends."""
    client = op.controller.client
    calls: list[tuple[str, str]] = []
    real = client.list_page

    async def list_page(api_version: str, kind: str, namespace: str, selector: str = "") -> Any:
        if kind == "Pod":
            calls.append((namespace, selector))
        return await real(api_version, kind, namespace, selector)

    monkeypatch.setattr(client, "list_page", list_page)
    return calls


def ready(cluster: Cluster, agent: str) -> dict[str, Any]:
    return cluster.condition(AGENTS, NS, agent, "Ready")


def warnings(cluster: Cluster, agent: str) -> list[dict[str, Any]]:
    return [
        e
        for e in cluster.emulator.live("v1/events")
        if e["involvedObject"].get("name") == agent and e["type"] == "Warning"
    ]


async def test_a_failed_skills_fetch_is_ready_false_naming_the_ref_until_it_recovers(
    cluster: Cluster, quick: Operator, monkeypatch: pytest.MonkeyPatch
) -> None:
    pod_lists = count_pod_lists(quick, monkeypatch)
    await cluster.apply(MODEL, skilled("docs"))
    pod = await make_pod(cluster, "docs")
    await set_init(cluster, pod, terminated(1, MESSAGE + "\n"))
    await quick.idle()
    # A Deployment that reports no unavailable replicas (none yet) costs no pod list.
    assert pod_lists == [] and ready(cluster, "docs")["reason"] == "DeploymentNotReady"
    await set_deployment(cluster, "docs", available=0)

    cond = await eventually(
        lambda: (c := ready(cluster, "docs"))["reason"] == "InitFailed" and c, what="InitFailed"
    )
    assert cond["status"] == "False"
    assert cond["message"] == (
        f"init container skills-fetch of pod {pod} failed (exit 1): {MESSAGE}"
    )
    (event,) = await eventually(lambda: warnings(cluster, "docs"), what="a Warning")
    assert event["reason"] == "InitFailed" and "spec.skills.gitRefs[0]" in event["message"]
    assert cluster.condition(AGENTS, NS, "docs", "Accepted")["status"] == "True"

    # The ref is fixed: the init container completes and the Deployment becomes available.
    await set_init(cluster, pod, terminated(0))
    await set_deployment(cluster, "docs", available=1)
    cond = await eventually(
        lambda: (c := ready(cluster, "docs"))["status"] == "True" and c, what="Ready"
    )
    assert cond["reason"] == "DeploymentReady"
    await quick.idle()
    assert len(warnings(cluster, "docs")) == 1  # the failure warned once
    selector = "app.kubernetes.io/instance=docs,kagent.dev/agent=docs"  # the Deployment's
    assert pod_lists and set(pod_lists) == {(NS, selector)}
    # Available again: the periodic look stops.
    seen = len(pod_lists)
    await asyncio.sleep(0.6)
    assert len(pod_lists) == seen


async def test_a_crash_loop_found_later_by_the_periodic_look(
    cluster: Cluster, quick: Operator
) -> None:
    await cluster.apply(MODEL, skilled("later"))
    pod = await make_pod(cluster, "later")
    await set_init(cluster, pod, {"running": {"startedAt": "2026-01-01T00:00:00Z"}})
    await set_deployment(cluster, "later", available=0)
    await eventually(lambda: ready(cluster, "later")["reason"] == "DeploymentNotReady")
    looks = quick.controller.reconciles.processed
    await eventually(lambda: quick.controller.reconciles.processed >= looks + 3, what="looks")
    assert ready(cluster, "later")["reason"] == "DeploymentNotReady"  # running is no failure

    # The init container fails and waits to be restarted: no Deployment status changes.
    fatal = "skills-fetch: spec.skills.gitRefs[0]: skills from x (ref main): fatal: denied"
    log_tail = f"Cloning...\n{fatal}\n"  # FallbackToLogsOnError: the log's tail
    await set_init(
        cluster,
        pod,
        {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 10s restarting"}},
        last=terminated(1, log_tail),
    )
    cond = await eventually(
        lambda: (c := ready(cluster, "later"))["reason"] == "InitFailed" and c, what="InitFailed"
    )
    assert cond["message"].endswith(f"failed (exit 1): {fatal}")
