"""Tool discovery against a real MCP server: success, failure (last tools kept), recovery."""

from __future__ import annotations

from controller_harness import Cluster, Operator, ToolServer, eventually

NS = "tools"
REMOTE = "kagent.dev/v1alpha2/remotemcpservers"


def remote(url: str, **spec: object) -> dict:
    return {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "RemoteMCPServer",
        "metadata": {"name": "toolbox", "namespace": NS},
        "spec": {"description": "tools", "url": url, "timeout": "2s", **spec},
    }


def tool_names(cluster: Cluster) -> list[str]:
    status = cluster.get(REMOTE, NS, "toolbox").get("status") or {}
    return [t["name"] for t in status.get("discoveredTools") or []]


async def test_discovery_success_failure_and_recovery(
    cluster: Cluster, operator: Operator, tool_server: ToolServer
) -> None:
    await cluster.apply(remote(tool_server.url))
    assert await eventually(lambda: tool_names(cluster)) == ["echo", "add"]
    accepted = cluster.condition(REMOTE, NS, "toolbox", "Accepted")
    assert (accepted["status"], accepted["reason"]) == ("True", "ToolsDiscovered")
    record = operator.sink.tools[("RemoteMCPServer", NS, "toolbox")]
    assert [t.name for t in record.tools] == ["echo", "add"] and record.error is None

    await tool_server.stop()
    failed = await eventually(
        lambda: (
            (c := cluster.condition(REMOTE, NS, "toolbox", "Accepted"))["status"] == "False" and c
        ),
        what="Accepted=False after the server went away",
    )
    assert failed["reason"] == "DiscoveryFailed"
    assert tool_server.url in failed["message"]
    assert tool_names(cluster) == ["echo", "add"]  # last-known tools are kept
    # the sink hears of it after the status write: wait for it too
    await eventually(
        lambda: operator.sink.tools[("RemoteMCPServer", NS, "toolbox")].error,
        what="the failure recorded in the sink",
    )

    await tool_server.start()
    await eventually(
        lambda: cluster.condition(REMOTE, NS, "toolbox", "Accepted")["status"] == "True",
        what="recovery once the server is back",
    )
    assert operator.sink.tools[("RemoteMCPServer", NS, "toolbox")].error is None


async def test_headers_from_a_secret_reach_the_server(cluster: Cluster, operator: Operator) -> None:
    server = ToolServer(tools=("secret_tool",), api_key="k-123")
    await server.start()
    try:
        await cluster.apply(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "tool-key", "namespace": NS},
                "stringData": {"key": "k-123"},
            },
            remote(
                server.url,
                headersFrom=[
                    {
                        "name": "X-Api-Key",
                        "valueFrom": {"type": "Secret", "name": "tool-key", "key": "key"},
                    }
                ],
            ),
        )
        assert await eventually(lambda: tool_names(cluster)) == ["secret_tool"]
        # A wrong key: 401, reported with the status code, never with the key.
        await cluster.apply(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "tool-key", "namespace": NS},
                "stringData": {"key": "wrong"},
            }
        )
        failed = await eventually(
            lambda: (
                (c := cluster.condition(REMOTE, NS, "toolbox", "Accepted"))["status"] == "False"
                and c
            )
        )
        assert "401" in failed["message"] and "wrong" not in failed["message"]
    finally:
        await server.stop()


async def test_missing_header_secret_is_named(cluster: Cluster, operator: Operator) -> None:
    await cluster.apply(
        remote(
            "http://127.0.0.1:1/mcp",
            headersFrom=[
                {"name": "X-Api-Key", "valueFrom": {"type": "Secret", "name": "absent", "key": "k"}}
            ],
        )
    )
    failed = await eventually(
        lambda: (
            (c := cluster.condition(REMOTE, NS, "toolbox", "Accepted"))["status"] == "False" and c
        )
    )
    assert "spec.headersFrom[0]" in failed["message"] and "absent" in failed["message"]


async def test_a_slow_server_does_not_block_agents(cluster: Cluster, operator: Operator) -> None:
    """Discovery runs in its own queue: an agent is reconciled while a server hangs."""
    import asyncio

    hang = asyncio.Event()

    async def black_hole(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await hang.wait()
        writer.close()

    server = await asyncio.start_server(black_hole, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        await cluster.apply(remote(f"http://127.0.0.1:{port}/mcp", timeout="1500ms"))
        await cluster.apply(
            {
                "apiVersion": "kagent.dev/v1alpha2",
                "kind": "ModelConfig",
                "metadata": {"name": "m", "namespace": NS},
                "spec": {
                    "provider": "Ollama",
                    "model": "llama3.2",
                    "ollama": {"host": "http://ollama:11434"},
                },
            },
            {
                "apiVersion": "kagent.dev/v1alpha2",
                "kind": "Agent",
                "metadata": {"name": "quick", "namespace": NS},
                "spec": {
                    "description": "q",
                    "declarative": {"systemMessage": "hi", "modelConfig": "m"},
                },
            },
        )
        accepted = await eventually(
            lambda: cluster.condition("kagent.dev/v1alpha2/agents", NS, "quick", "Accepted"),
            within=1.2,
        )
        assert accepted["status"] == "True"
        timed_out = await eventually(
            lambda: (
                (c := cluster.condition(REMOTE, NS, "toolbox", "Accepted"))["status"] == "False"
                and c
            )
        )
        assert "timed out after 1.5s" in timed_out["message"]
    finally:
        hang.set()
        server.close()
