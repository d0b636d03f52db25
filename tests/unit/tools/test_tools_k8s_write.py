"""The Kubernetes tools that change objects, and the tool list's annotations and read-only
mode, against tests/fakes/kube_emulator over real HTTP through the mcp SDK's client."""

from __future__ import annotations

from typing import Any

from mcp import Client
from mcp_types import CallToolResult, TextContent
from tools_harness import Kube, http_server

from bosun.tools.server import build_server

DESTRUCTIVE = {
    "k8s_apply_manifest",
    "k8s_patch_resource",
    "k8s_delete_resource",
    "k8s_remove_label",
    "k8s_remove_annotation",
    "k8s_scale",
    "k8s_rollout",
    "k8s_execute_command",
    "helm_upgrade",
    "helm_uninstall",
}
MANIFEST = """
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop}
data: {color: blue}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: "nginx:1.27"}]}
"""


def text(result: CallToolResult) -> str:
    assert isinstance(result.content[0], TextContent)
    return result.content[0].text


async def call(tool: str, /, **arguments: Any) -> CallToolResult:
    async with Client(build_server().server) as client:
        return await client.call_tool(tool, arguments)


async def test_every_tool_is_annotated_and_read_only_mode_serves_only_reads(kube: Kube) -> None:
    async with Client(build_server().server) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
    async with Client(build_server(read_only=True).server) as client:
        read_only = {t.name: t for t in (await client.list_tools()).tools}
    for tool in tools.values():
        hints = tool.annotations
        assert hints is not None, tool.name
        assert None not in (hints.read_only_hint, hints.destructive_hint, hints.idempotent_hint)
    destructive = {n for n, t in tools.items() if t.annotations and t.annotations.destructive_hint}
    assert destructive == DESTRUCTIVE
    assert {"k8s_get_resources", "helm_list_releases", "prometheus_query_tool"} <= set(read_only)
    assert not DESTRUCTIVE & set(read_only)
    assert "k8s_create_resource" not in read_only and "helm_repo_add" not in read_only
    assert all(t.annotations and t.annotations.read_only_hint for t in read_only.values())


async def test_apply_dry_runs_every_object_first_then_applies(kube: Kube) -> None:
    result = await call("k8s_apply_manifest", manifest=MANIFEST)
    assert not result.is_error, text(result)
    assert text(result) == "ConfigMap shop/settings: applied\nDeployment shop/web: applied"
    assert kube.get("v1/configmaps", "shop", "settings")["data"] == {"color": "blue"}
    assert kube.get("apps/v1/deployments", "shop", "web")["spec"]["replicas"] == 1
    patches = [
        (path, query.get("dryRun"))
        for method, path, query in kube.emulator.seen
        if method == "PATCH"
    ]
    assert [dry for _, dry in patches] == ["All", "All", None, None]
    assert all(
        q.get("fieldManager") == "bosun-tools" for m, _, q in kube.emulator.seen if m == "PATCH"
    )


async def test_a_failing_dry_run_changes_nothing(kube: Kube) -> None:
    kube.emulator.inject_fault(422, method="PATCH", name="web")
    result = await call("k8s_apply_manifest", manifest=MANIFEST)
    assert result.is_error
    assert "the server-side dry run failed, nothing was changed" in text(result)
    assert "cannot apply Deployment shop/web" in text(result)
    writes = [q for m, _, q in kube.emulator.seen if m == "PATCH" and q.get("dryRun") != "All"]
    assert writes == []


async def test_apply_names_what_is_wrong_with_a_manifest(kube: Kube) -> None:
    not_yaml = await call("k8s_apply_manifest", manifest="kind: [unclosed")
    no_name = await call("k8s_apply_manifest", manifest="apiVersion: v1\nkind: ConfigMap\n")
    no_crd = await call(
        "k8s_apply_manifest", manifest="apiVersion: x.io/v1\nkind: Thing\nmetadata: {name: a}\n"
    )
    assert not_yaml.is_error and "not valid YAML" in text(not_yaml)
    assert no_name.is_error and "has no metadata.name" in text(no_name)
    assert no_crd.is_error and "serves no Thing in x.io/v1" in text(no_crd)


async def test_create_then_create_again_is_a_readable_conflict(kube: Kube) -> None:
    doc = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: once}\ndata: {a: '1'}\n"
    first = await call("k8s_create_resource", yaml_content=doc)
    second = await call("k8s_create_resource", yaml_content=doc)
    assert text(first) == "ConfigMap default/once: created"
    assert second.is_error and "already exists" in text(second)


async def test_create_from_a_url(kube: Kube) -> None:
    doc = b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: fetched}\ndata: {a: '1'}\n"
    async with http_server(doc, "application/yaml") as port:
        result = await call(
            "k8s_create_resource_from_url", url=f"http://127.0.0.1:{port}/cm.yaml", namespace="shop"
        )
    assert text(result) == "ConfigMap shop/fetched: created"
    assert kube.exists("v1/configmaps", "shop", "fetched")


async def test_patch_label_annotate_remove_and_delete(kube: Kube) -> None:
    await call("k8s_apply_manifest", manifest=MANIFEST)
    merge = await call(
        "k8s_patch_resource",
        resource_type="deploy",
        resource_name="web",
        namespace="shop",
        patch='{"spec": {"minReadySeconds": 5}}',
        patch_type="merge",
    )
    assert text(merge) == "Deployment shop/web: patched"
    assert kube.get("apps/v1/deployments", "shop", "web")["spec"]["minReadySeconds"] == 5
    bad = await call(
        "k8s_patch_resource",
        resource_type="cm",
        resource_name="settings",
        patch="{}",
        namespace="shop",
        patch_type="json",
    )
    assert bad.is_error and "a json patch must be a JSON array" in text(bad)

    common = {"resource_type": "configmap", "resource_name": "settings", "namespace": "shop"}
    assert not (await call("k8s_label_resource", labels="team=a tier=web", **common)).is_error
    clash = await call("k8s_label_resource", labels="team=b", **common)
    assert clash.is_error and "already has label team=a" in text(clash)
    await call("k8s_annotate_resource", annotations="owner=ops", **common)
    await call("k8s_remove_label", label_key="tier", **common)
    meta = kube.get("v1/configmaps", "shop", "settings")["metadata"]
    assert meta["labels"] == {"team": "a"} and meta["annotations"] == {"owner": "ops"}
    await call("k8s_remove_annotation", annotation_key="owner", **common)
    assert not kube.get("v1/configmaps", "shop", "settings")["metadata"].get("annotations")
    absent = await call("k8s_remove_label", label_key="nope", **common)
    assert "has no label 'nope'; nothing changed" in text(absent)

    deleted = await call("k8s_delete_resource", **common)
    again = await call("k8s_delete_resource", **common)
    assert text(deleted) == "ConfigMap shop/settings: deleted"
    assert not kube.exists("v1/configmaps", "shop", "settings")
    assert again.is_error and "not found" in text(again)


async def test_scale_and_rollout(kube: Kube) -> None:
    await call("k8s_apply_manifest", manifest=MANIFEST)
    scaled = await call("k8s_scale", name="web", namespace="shop", replicas=3)
    assert text(scaled) == "Deployment shop/web: scaled from 1 to 3 replicas"
    args = {"resource_type": "deployment", "resource_name": "web", "namespace": "shop"}
    waiting = await call("k8s_rollout", action="status", **args)
    assert "waiting for the rollout to be observed" in text(waiting)
    generation = kube.get("apps/v1/deployments", "shop", "web")["metadata"]["generation"]
    await kube.emulator.patch_status(
        "apps/v1/deployments",
        "shop",
        "web",
        {
            "observedGeneration": generation,
            "replicas": 3,
            "updatedReplicas": 3,
            "availableReplicas": 3,
        },
    )
    done = await call("k8s_rollout", action="status", **args)
    assert text(done) == "Deployment shop/web: successfully rolled out"

    restarted = await call("k8s_rollout", action="restart", **args)
    assert text(restarted) == "Deployment shop/web: restarted"
    template = kube.get("apps/v1/deployments", "shop", "web")["spec"]["template"]
    assert "kubectl.kubernetes.io/restartedAt" in template["metadata"]["annotations"]

    # What the deployment controller leaves behind: one ReplicaSet per revision.
    uid = kube.get("apps/v1/deployments", "shop", "web")["metadata"]["uid"]
    for revision, image in ((1, "nginx:1.26"), (2, "nginx:1.27")):
        await kube.create(
            "apps/v1/replicasets",
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "metadata": {
                    "name": f"web-{revision}",
                    "namespace": "shop",
                    "annotations": {"deployment.kubernetes.io/revision": str(revision)},
                    "ownerReferences": [
                        {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": uid}
                    ],
                },
                "spec": {
                    "template": {
                        "metadata": {"labels": {"app": "web", "pod-template-hash": f"h{revision}"}},
                        "spec": {"containers": [{"name": "app", "image": image}]},
                    }
                },
            },
        )
    history = await call("k8s_rollout", action="history", **args)
    assert "1         nginx:1.26" in text(history) and "2         nginx:1.27" in text(history)
    undone = await call("k8s_rollout", action="undo", **args)
    assert text(undone) == "Deployment shop/web: rolled back to revision 1"
    template = kube.get("apps/v1/deployments", "shop", "web")["spec"]["template"]
    assert template["spec"]["containers"][0]["image"] == "nginx:1.26"
    assert template["metadata"]["labels"] == {"app": "web"}
    wrong = await call("k8s_rollout", action="undo", resource_type="cm", resource_name="settings")
    assert wrong.is_error and "ConfigMap has no rollouts" in text(wrong)


async def test_custom_resources_are_found_through_discovery(kube: Kube) -> None:
    created = await call(
        "k8s_create_resource",
        yaml_content="apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\n",
    )
    assert text(created) == "Widget default/w1: created", text(created)
    listed = await call("k8s_get_resources", resource_type="wdg", output="name")
    assert text(listed) == "widget.example.com/w1\n"
    resources = text(await call("k8s_get_available_api_resources"))
    assert any(
        line.split()[:4] == ["widgets", "wdg", "example.com/v1", "true"]
        for line in resources.splitlines()
    )
    config = text(await call("k8s_get_cluster_configuration"))
    assert "current-context: test" in config and kube.url in config
    assert "not-a-secret" not in config


async def test_service_connectivity_from_the_tool_server(kube: Kube) -> None:
    async with http_server(b"ok") as port:
        await kube.create(
            "v1/services",
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": "web", "namespace": "shop"},
                "spec": {"clusterIP": "127.0.0.1", "ports": [{"port": port}]},
            },
        )
        await kube.create(
            "discovery.k8s.io/v1/endpointslices",
            {
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {
                    "name": "web-x",
                    "namespace": "shop",
                    "labels": {"kubernetes.io/service-name": "web"},
                },
                "endpoints": [
                    {"addresses": ["10.0.0.1"], "conditions": {"ready": True}},
                    {"addresses": ["10.0.0.2"], "conditions": {"ready": False}},
                ],
            },
        )
        result = await call("k8s_check_service_connectivity", service_name="web.shop")
    lines = text(result).splitlines()
    assert lines[1] == "ready endpoints: 1"
    assert lines[2].startswith(f"connected to 127.0.0.1:{port}") and "answered 200" in lines[2]
    missing = await call("k8s_check_service_connectivity", service_name="nope:80")
    assert missing.is_error and "cannot get Service default/nope" in text(missing)


async def test_execute_command_failure_is_a_tool_error(kube: Kube) -> None:
    # The emulator does not speak the exec WebSocket protocol: the call must fail cleanly.
    result = await call("k8s_execute_command", pod_name="web-1", namespace="shop", command="ls -l")
    assert result.is_error and "cannot run 'ls' in pod shop/web-1" in text(result)
    unbalanced = await call("k8s_execute_command", pod_name="web-1", command="echo 'oops")
    assert unbalanced.is_error and "cannot split the command" in text(unbalanced)
