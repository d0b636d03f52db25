"""The cluster-mode store keeps v1alpha1 Tools too (`bosun apply -f tool.yaml` against a
cluster's control plane): applied, listed and deleted as the kagent.dev/v1alpha1 kind."""

from __future__ import annotations

from test_server_store_kube import store  # noqa: F401  (the fixture: kmock emulator)

from bosun.server.store_kube import KubeResourceStore

TOOL = {
    "apiVersion": "kagent.dev/v1alpha1",
    "kind": "Tool",
    "metadata": {"name": "kubectl-get", "namespace": "ops"},
    "spec": {"type": "kubernetes", "description": "Get resources"},
}


async def test_tools_are_stored_as_v1alpha1(store: KubeResourceStore) -> None:  # noqa: F811
    created = await store.apply(TOOL)
    assert created.body["apiVersion"] == "kagent.dev/v1alpha1"
    assert created.body["spec"]["type"] == "kubernetes"
    assert [o.name for o in await store.list("Tool", "ops")] == ["kubectl-get"]
    await store.delete("Tool", "ops", "kubectl-get")
    assert await store.list("Tool", "ops") == []
