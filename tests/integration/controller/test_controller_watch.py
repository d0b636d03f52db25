"""The operator's event source (watch.py): list then watch, resume after the server ends a
watch, relist after 410 Gone (objects that vanished meanwhile come as DELETED), retry
after errors, and deliver only what the filter accepts."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import Any

from controller_harness import Cluster, eventually

from bosun.controller.kube.client import KubeClient
from bosun.controller.kube.settings import ControllerSettings
from bosun.controller.kube.watch import Watches

NS = "watched"


def config_map(name: str, **labels: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": NS, "labels": labels},
        "data": {"k": name},
    }


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple[str | None, str]] = []

    async def __call__(self, event: Mapping[str, Any], body: Mapping[str, Any]) -> None:
        self.events.append((event["type"], body["metadata"]["name"]))


def watch_requests(cluster: Cluster) -> int:
    return sum(1 for r in cluster.emulator if r.params.get("watch") == "true")


async def test_list_watch_resume_relist(cluster: Cluster) -> None:
    await cluster.apply(config_map("a"), config_map("b"))
    client = KubeClient(ControllerSettings(api_server=cluster.url, api_token="t"))
    seen = Recorder()
    watches = Watches()
    watches.on_event("v1", "ConfigMap", seen)
    tasks = watches.tasks(client, [NS], timeout=1)
    try:
        await asyncio.wait_for(watches.synced.wait(), 10)
        assert sorted(seen.events) == [(None, "a"), (None, "b")]

        # The server ends each watch after 1 s: what happens later is still delivered.
        await eventually(lambda: watch_requests(cluster) >= 2, what="a resumed watch")
        await cluster.apply(config_map("c"))
        await eventually(lambda: ("ADDED", "c") in seen.events, what="c added")

        # The watch fails (500), then its resourceVersion is too old (410): while no watch
        # runs, b is deleted; the relist delivers it as DELETED.
        cluster.emulator.inject_fault(500, method="GET", plural="configmaps", times=2)
        cluster.emulator.inject_fault(410, method="GET", plural="configmaps", times=1)
        before = watch_requests(cluster)
        await eventually(lambda: watch_requests(cluster) > before, what="a failed watch")
        await cluster.delete("v1", "ConfigMap", NS, "b")
        await eventually(lambda: ("DELETED", "b") in seen.events, what="b deleted", within=15)
        await cluster.apply(config_map("d"))
        await eventually(lambda: ("ADDED", "d") in seen.events, what="d after the relist")
        assert ("ADDED", "a") not in seen.events  # a relist delivers with type None
    finally:
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks, return_exceptions=True)
        await client.close()


async def test_selector_and_filter(cluster: Cluster) -> None:
    client = KubeClient(ControllerSettings(api_server=cluster.url, api_token="t"))
    labelled, filtered = Recorder(), Recorder()
    watches = Watches()
    watches.on_event("v1", "ConfigMap", labelled, label_selector="team=x")
    watches.on_event(
        "v1", "ConfigMap", filtered, when=lambda body: body["metadata"]["name"].startswith("k")
    )
    tasks = watches.tasks(client, [], timeout=30)  # cluster-wide
    try:
        await asyncio.wait_for(watches.synced.wait(), 10)
        await cluster.apply(config_map("keep", team="x"), config_map("other"))
        await eventually(lambda: labelled.events and filtered.events)
        await cluster.apply(config_map("last", team="x"))
        await eventually(lambda: ("ADDED", "last") in labelled.events)
        assert labelled.events == [("ADDED", "keep"), ("ADDED", "last")]
        assert filtered.events == [("ADDED", "keep")]
    finally:
        for task in tasks:
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks, return_exceptions=True)
        await client.close()
