"""The read-only Kubernetes tools (kagent's names and parameters) against kmock's
Kubernetes emulator over real HTTP, with a kubeconfig file pointing at it (the way a
user's machine finds a cluster), called through the mcp SDK's client."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kmock
import pytest
import yaml
from mcp import Client
from mcp_types import CallToolResult, TextContent

from bosun.tools.server import build_server

# Inside a pod, lightkube finds the in-cluster configuration before $KUBECONFIG.
outside_a_pod = pytest.mark.skipif(
    Path("/var/run/secrets/kubernetes.io/serviceaccount/token").exists(),
    reason="running inside a pod: the in-cluster configuration takes precedence",
)
pytestmark = outside_a_pod
POD: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "name": "web-1",
        "namespace": "shop",
        "creationTimestamp": "2024-01-01T00:00:00Z",
        "managedFields": [{"manager": "kubectl"}],
    },
    "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]},
    "status": {
        "phase": "Running",
        "containerStatuses": [
            {
                "name": "app",
                "ready": False,
                "restartCount": 4,
                "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            }
        ],
    },
}
EVENT: dict[str, Any] = {
    "apiVersion": "v1",
    "kind": "Event",
    "metadata": {"name": "web-1.17a", "namespace": "shop"},
    "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "shop"},
    "type": "Warning",
    "reason": "BackOff",
    "message": "Back-off restarting failed container app",
    "lastTimestamp": "2024-01-01T00:05:00Z",
}


@pytest.fixture
def cluster(kmock: kmock.RawHandler, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    kmock.objects["v1/pods", "shop", "web-1"] = POD
    kmock.objects["v1/pods", "default", "db-0"] = {
        **POD,
        "metadata": {"name": "db-0", "namespace": "default"},
        "status": {"phase": "Pending"},
    }
    kmock.objects["v1/events", "shop", "web-1.17a"] = EVENT
    # The emulator answers 404 for a resource it has never seen; a cluster knows Services.
    kmock.resources["v1/services"].namespaced = True
    kmock.resources["v1/secrets"].namespaced = True
    kmock.objects["v1/secrets", "shop", "db-password"] = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db-password", "namespace": "shop"},
        "data": {"password": "c2VjcmV0"},
    }
    kmock["get /api/v1/namespaces/shop/pods/web-1/log"] << b"starting\nlistening on :80\n"
    server = str(kmock.url).rstrip("/")
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "test",
        "clusters": [{"name": "test", "cluster": {"server": server}}],
        "users": [{"name": "test", "user": {"token": "not-a-secret"}}],
        "contexts": [{"name": "test", "context": {"cluster": "test", "user": "test"}}],
    }
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(kubeconfig))
    monkeypatch.setenv("KUBECONFIG", str(path))
    return kmock


def cluster_tools() -> Client:
    tools = build_server()
    assert tools.kubernetes_status.startswith("enabled: http://127.0.0.1:")
    return Client(tools.server)


def text(result: CallToolResult) -> str:
    assert isinstance(result.content[0], TextContent)
    return result.content[0].text


async def test_kubernetes_tools_are_registered_when_a_kubeconfig_exists(cluster: Any) -> None:
    async with cluster_tools() as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
    assert {"k8s_get_resources", "k8s_describe_resource", "k8s_get_pod_logs"} <= set(tools)
    annotations = tools["k8s_describe_resource"].annotations
    assert annotations is not None and annotations.read_only_hint is True
    assert annotations.destructive_hint is False
    assert tools["k8s_get_pod_logs"].input_schema["required"] == ["pod_name"]


async def test_get_resources_prints_a_table_across_namespaces(cluster: Any) -> None:
    async with cluster_tools() as client:
        table = text(
            await client.call_tool(
                "k8s_get_resources", {"resource_type": "po", "all_namespaces": True}
            )
        )
    header, *rows = table.splitlines()
    assert header.split() == [
        "NAMESPACE",
        "NAME",
        "READY",
        "STATUS",
        "RESTARTS",
        "IP",
        "NODE",
        "AGE",
    ]
    assert any(row.split()[:5] == ["shop", "web-1", "0/1", "CrashLoopBackOff", "4"] for row in rows)
    assert any(row.split()[:2] == ["default", "db-0"] for row in rows)


async def test_get_resources_in_one_namespace(cluster: Any) -> None:
    async with cluster_tools() as client:
        table = text(
            await client.call_tool(
                "k8s_get_resources",
                {"resource_type": "Pods", "namespace": "shop", "output": "table"},
            )
        )
        empty = text(
            await client.call_tool(
                "k8s_get_resources", {"resource_type": "svc", "namespace": "shop"}
            )
        )
    assert "NAMESPACE" not in table
    assert "web-1" in table and "db-0" not in table
    assert empty == "No Service resources found in namespace 'shop'."


async def test_describe_shows_the_object_and_its_events(cluster: Any) -> None:
    async with cluster_tools() as client:
        described = text(
            await client.call_tool(
                "k8s_describe_resource",
                {"resource_type": "pod", "resource_name": "web-1", "namespace": "shop"},
            )
        )
    body, _, events = described.partition("\nEvents:\n")
    obj = yaml.safe_load(body)
    assert obj["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert "managedFields" not in obj["metadata"]
    assert "Warning  BackOff: Back-off restarting failed container app" in events


async def test_pod_logs(cluster: Any) -> None:
    async with cluster_tools() as client:
        logs = await client.call_tool(
            "k8s_get_pod_logs", {"pod_name": "web-1", "namespace": "shop", "tail_lines": 10}
        )
    assert text(logs) == "starting\nlistening on :80\n"
    request = cluster["get /api/v1/namespaces/shop/pods/web-1/log"][0]
    assert request.params["tailLines"] == "10"


async def test_errors_name_what_is_wrong(cluster: Any) -> None:
    async with cluster_tools() as client:
        missing = await client.call_tool(
            "k8s_describe_resource",
            {"resource_type": "pod", "resource_name": "nope", "namespace": "shop"},
        )
        unknown = await client.call_tool("k8s_get_resources", {"resource_type": "widgets"})
        secret = await client.call_tool(
            "k8s_get_resource_yaml",
            {"resource_type": "secret", "resource_name": "db-password", "namespace": "shop"},
        )
        no_args = await client.call_tool("k8s_get_pod_logs", {})
    assert missing.is_error and "cannot get pod 'nope': not found" in text(missing)
    assert unknown.is_error and "no resource type 'widgets'" in text(unknown)
    assert "k8s_get_available_api_resources" in text(unknown)
    assert not secret.is_error
    assert yaml.safe_load(text(secret))["data"] == {"password": "<redacted: 6 bytes>"}
    assert "c2VjcmV0" not in text(secret)
    assert no_args.is_error and "pod_name" in text(no_args)


async def test_an_unreachable_cluster_is_a_tool_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "gone",
        "clusters": [{"name": "gone", "cluster": {"server": "http://127.0.0.1:9"}}],
        "users": [{"name": "gone", "user": {"token": "x"}}],
        "contexts": [{"name": "gone", "context": {"cluster": "gone", "user": "gone"}}],
    }
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(kubeconfig))
    monkeypatch.setenv("KUBECONFIG", str(path))
    async with Client(build_server().server) as client:
        result = await client.call_tool("k8s_get_resources", {"resource_type": "nodes"})
    assert result.is_error
    assert "cannot get nodes: the Kubernetes API is unreachable" in text(result)
