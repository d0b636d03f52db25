"""A namespaced install's tool server ($BOSUN_WATCH_NAMESPACES, the chart's
watchNamespaces): the k8s and helm tools refuse other namespaces and cluster-scoped kinds
with an error naming the allowed namespaces, never send such a request, and list "all
namespaces" as each allowed one. Against tests/fakes/kube_emulator over HTTP, through the
mcp SDK's client; helm through its real binary.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp_types import CallToolResult, TextContent
from tools_harness import Kube

from bosun.tools.k8s_client import NamespaceScope
from bosun.tools.server import build_server

ALLOWED = "'shop', 'team-b'"
REPO = Path(__file__).resolve().parents[3]
HELM = (
    str(REPO / ".tools/bin/helm") if (REPO / ".tools/bin/helm").exists() else shutil.which("helm")
)


def pod(namespace: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
        "status": {"phase": "Running"},
    }


def text(result: CallToolResult) -> str:
    assert isinstance(result.content[0], TextContent)
    return result.content[0].text


def refused(result: CallToolResult, namespace: str = "other") -> bool:
    message = text(result)
    return (
        result.is_error
        and f"namespace {namespace!r} is outside this tool server's reach" in message
        and ALLOWED in message
        and "watchNamespaces" in message
    )


@pytest.fixture
async def scoped(kube: Kube, monkeypatch: pytest.MonkeyPatch) -> Kube:
    monkeypatch.setenv("BOSUN_WATCH_NAMESPACES", "shop, team-b")
    for namespace, name in (("shop", "web-1"), ("team-b", "api-1"), ("other", "secret-1")):
        await kube.create("v1/pods", pod(namespace, name))
    return kube


def touched_other(kube: Kube) -> list[str]:
    return [path for _, path, _ in kube.emulator.seen if "/namespaces/other" in path]


async def test_k8s_tools_refuse_other_namespaces_and_name_the_allowed_ones(scoped: Kube) -> None:
    async with Client(build_server().server) as client:

        async def call(tool: str, **arguments: Any) -> CallToolResult:
            return await client.call_tool(tool, arguments)

        assert refused(await call("k8s_get_resources", resource_type="pods", namespace="other"))
        assert refused(
            await call(
                "k8s_get_resource_yaml",
                resource_type="po",
                resource_name="secret-1",
                namespace="other",
            )
        )
        assert refused(await call("k8s_get_pod_logs", pod_name="secret-1", namespace="other"))
        assert refused(await call("k8s_get_events", namespace="other"))
        assert refused(
            await call(
                "k8s_delete_resource",
                resource_type="pod",
                resource_name="secret-1",
                namespace="other",
            )
        )
        assert refused(
            await call("k8s_execute_command", pod_name="secret-1", namespace="other", command="id")
        )
        assert refused(await call("k8s_scale", name="web", replicas=0, namespace="other"))
        assert refused(
            await call(
                "k8s_rollout",
                action="restart",
                resource_type="deployment",
                resource_name="web",
                namespace="other",
            )
        )
        assert refused(await call("k8s_check_service_connectivity", service_name="db.other:5432"))
        # kagent's default namespace, "default", is outside too: the error says where to look.
        assert refused(await call("k8s_get_pod_logs", pod_name="web-1"), "default")
        # One document outside the scope refuses the whole manifest before the dry run.
        manifest = (
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: shop}\n---\n"
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b, namespace: other}\n"
        )
        assert refused(await call("k8s_apply_manifest", manifest=manifest))
        assert refused(await call("k8s_create_resource", yaml_content=manifest))
        assert not scoped.exists("v1/configmaps", "shop", "a")
        # Cluster-scoped kinds are out of a Role's reach: said plainly.
        nodes = await call("k8s_get_resources", resource_type="nodes")
        assert nodes.is_error and "Node is cluster-scoped" in text(nodes) and ALLOWED in text(nodes)

        # All namespaces = each allowed one; no namespace = the first allowed one
        # (the kubeconfig's "default" is not one of them).
        everywhere = text(
            await call("k8s_get_resources", resource_type="pods", all_namespaces=True)
        )
        assert "web-1" in everywhere and "api-1" in everywhere and "secret-1" not in everywhere
        here = text(await call("k8s_get_resources", resource_type="pods"))
        assert "web-1" in here and "api-1" not in here
        assert not (await call("k8s_get_events")).is_error
        allowed = await call("k8s_get_resources", resource_type="pods", namespace="team-b")
        assert "api-1" in text(allowed)
        config = text(await call("k8s_get_cluster_configuration"))
        assert "allowed-namespaces:\n- shop\n- team-b" in config
    assert touched_other(scoped) == []
    assert scoped.exists("v1/pods", "other", "secret-1")


async def test_without_watch_namespaces_every_namespace_is_reachable(kube: Kube) -> None:
    await kube.create("v1/pods", pod("other", "secret-1"))
    async with Client(build_server().server) as client:
        result = await client.call_tool(
            "k8s_get_resources", {"resource_type": "pods", "all_namespaces": True}
        )
    assert "secret-1" in text(result)
    assert NamespaceScope.from_env({"BOSUN_WATCH_NAMESPACES": " , "}).allowed == ()
    assert NamespaceScope(("a", "b")).default("b") == "b"
    assert NamespaceScope(("a", "b")).default("c") == "a"
    assert NamespaceScope().default("c") == "c"


@pytest.mark.slow  # runs the helm binary
@pytest.mark.skipif(HELM is None, reason="no helm binary (scripts/bootstrap.sh --test)")
async def test_helm_tools_stay_in_the_watched_namespaces(
    scoped: Kube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("CACHE", "CONFIG", "DATA"):
        monkeypatch.setenv(f"HELM_{name}_HOME", str(tmp_path / f"helm-{name.lower()}"))
    assert HELM is not None
    monkeypatch.setenv("BOSUN_HELM", HELM)
    monkeypatch.setenv("POD_NAMESPACE", "team-b")
    async with Client(build_server().server) as client:

        async def call(tool: str, **arguments: Any) -> CallToolResult:
            return await client.call_tool(tool, arguments)

        assert refused(await call("helm_list_releases", namespace="other"))
        assert refused(await call("helm_get_release", name="x", namespace="other"))
        assert refused(await call("helm_uninstall", name="x", namespace="other"))
        assert refused(await call("helm_upgrade", name="x", chart="repo/x", namespace="other"))
        every = await call("helm_list_releases", all_namespaces=True)
        assert every.is_error and "all namespaces is not available" in text(every)
        assert ALLOWED in text(every)
        # Without a namespace: the pod's own, as it is one of the watched ones.
        listed = await call("helm_list_releases")
        assert not listed.is_error, text(listed)
    paths = [path for _, path, _ in scoped.emulator.seen]
    assert any("/namespaces/team-b/secrets" in p for p in paths), paths
    assert touched_other(scoped) == []
    assert not [p for p in paths if p.endswith("/api/v1/secrets")]  # no all-namespace list
