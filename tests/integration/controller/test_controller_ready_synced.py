"""`run_operator(ready=...)` is what the control plane's /readyz waits for in cluster mode
("controller synced"): it must be set only once every watch has delivered its first list,
so a probe that sees the control plane ready sees an operator that knows the cluster."""

from __future__ import annotations

import asyncio
import contextlib

from controller_harness import Cluster, RecordingSink, operator_settings

from bosun.controller.kube.context import Controller
from bosun.controller.kube.index import Cache
from bosun.controller.kube.operator import run_operator

NS = "synced"


def model(name: str) -> dict[str, object]:
    return {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "ModelConfig",
        "metadata": {"name": name, "namespace": NS},
        "spec": {"provider": "OpenAI", "model": "gpt-4o"},
    }


async def test_ready_is_set_only_with_a_complete_cache(cluster: Cluster) -> None:
    await cluster.apply(*(model(f"m{i}") for i in range(20)))
    ready = asyncio.Event()
    holder: list[Controller] = []
    settings = operator_settings(cluster.url)
    task = asyncio.create_task(
        run_operator(settings, RecordingSink(), ready=ready, controller=holder)
    )
    try:
        await asyncio.wait_for(ready.wait(), 10)
        cache: Cache = holder[0].cache
        found = [cache.get("ModelConfig", NS, f"m{i}") for i in range(20)]
        assert all(obj is not None for obj in found), "ready before the first lists arrived"
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(task, 10)
