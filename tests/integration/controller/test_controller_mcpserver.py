"""An MCPServer becomes a Deployment and Service; once Ready its tools are discovered."""

from __future__ import annotations

from controller_harness import (
    Cluster,
    RecordingSink,
    ToolServer,
    eventually,
    operator_settings,
    start_operator,
    stop_operator,
)

from bosun.controller.translate import TranslateOptions

NS = "servers"
SERVERS = "kagent.dev/v1alpha1/mcpservers"
SERVER = {
    "apiVersion": "kagent.dev/v1alpha1",
    "kind": "MCPServer",
    "metadata": {"name": "everything", "namespace": NS},
    "spec": {
        "transportType": "stdio",
        "timeout": "2s",
        "deployment": {"cmd": "npx", "args": ["-y", "@modelcontextprotocol/server-everything"]},
    },
}


async def test_mcpserver_objects_ready_and_discovery(
    cluster: Cluster, tool_server: ToolServer
) -> None:
    # In a cluster the tools are at the Service's DNS name; here the test's MCP server.
    options = TranslateOptions(mcp_server_url=lambda server: tool_server.url)
    sink = RecordingSink()
    op = await start_operator(operator_settings(cluster.url, translate=options), sink)
    try:
        await cluster.apply(SERVER)
        accepted = await eventually(
            lambda: cluster.condition(SERVERS, NS, "everything", "Accepted")
        )
        assert accepted["status"] == "True", accepted
        deployment = cluster.get("apps/v1/deployments", NS, "everything")
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["args"][:1] == ["mcp-bridge"]
        assert cluster.exists("v1/services", NS, "everything")
        ready = cluster.condition(SERVERS, NS, "everything", "Ready")
        assert ready["status"] == "False"
        assert "discoveredTools" not in (cluster.get(SERVERS, NS, "everything").get("status") or {})

        await cluster.set_deployment_status(NS, "everything", available=1)
        await eventually(
            lambda: cluster.condition(SERVERS, NS, "everything", "Discovered")["status"] == "True",
            what="discovery once Ready",
        )
        status = cluster.get(SERVERS, NS, "everything")["status"]
        assert [t["name"] for t in status["discoveredTools"]] == ["echo", "add"]
        assert cluster.condition(SERVERS, NS, "everything", "Ready")["status"] == "True"
        assert [t.name for t in sink.tools[("MCPServer", NS, "everything")].tools] == [
            "echo",
            "add",
        ]

        await cluster.delete("kagent.dev/v1alpha1", "MCPServer", NS, "everything")
        await eventually(lambda: not cluster.exists("apps/v1/deployments", NS, "everything"))
        await eventually(lambda: ("MCPServer", NS, "everything") not in sink.tools)
    finally:
        await stop_operator(op)
