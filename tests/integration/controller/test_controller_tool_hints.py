"""The built-in tools' default approval, as the operator shows it: each discovered tool's
readOnlyHint/destructiveHint in status.discoveredTools, and the Agent's Accepted message
naming the servers whose destructive tools pause (and the opt-out annotation)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from controller_harness import Cluster, Operator, eventually, free_port
from mcp.server.mcpserver import MCPServer
from mcp_types import ToolAnnotations

NS = "ops"
REMOTE = "kagent.dev/v1alpha2/remotemcpservers"
AGENTS = "kagent.dev/v1alpha2/agents"
OPT_OUT = "bosun.dev/require-approval-for-destructive-tools"
OLLAMA = {
    "apiVersion": "kagent.dev/v1alpha2",
    "kind": "ModelConfig",
    "metadata": {"name": "m", "namespace": NS},
    "spec": {"provider": "Ollama", "model": "llama3.2", "ollama": {"host": "http://ollama:11434"}},
}


def annotated_app() -> Any:
    """A real MCP server with one read tool, one destructive tool and one without hints."""
    mcp = MCPServer("hinted-tools")

    def fn(text: str) -> str:
        return text

    mcp.tool(name="read_thing", annotations=ToolAnnotations(read_only_hint=True))(fn)
    mcp.tool(
        name="delete_thing",
        annotations=ToolAnnotations(read_only_hint=False, destructive_hint=True),
    )(fn)
    mcp.tool(name="plain_thing")(fn)
    return mcp.streamable_http_app(stateless_http=True, json_response=True)


@pytest.fixture
async def hinted_url() -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(annotated_app(), host="127.0.0.1", port=port, log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    await eventually(lambda: server.started, what="the MCP server to start")
    yield f"http://127.0.0.1:{port}/mcp"
    server.should_exit = True
    with contextlib.suppress(asyncio.CancelledError):
        await task


def remote(name: str, url: str, builtin: bool) -> dict[str, Any]:
    annotations = {"bosun.dev/builtin-tools": "true"} if builtin else {}
    return {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "RemoteMCPServer",
        "metadata": {"name": name, "namespace": NS, "annotations": annotations},
        "spec": {"description": "tools", "url": url, "timeout": "2s"},
    }


def agent(name: str, *servers: str, **annotations: str) -> dict[str, Any]:
    tools = [
        {"type": "McpServer", "mcpServer": {"name": s, "kind": "RemoteMCPServer"}} for s in servers
    ]
    return {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "Agent",
        "metadata": {"name": name, "namespace": NS, "annotations": annotations},
        "spec": {
            "description": "d",
            "declarative": {"systemMessage": "hi", "modelConfig": "m", "tools": tools},
        },
    }


def accepted(cluster: Cluster, name: str) -> dict[str, Any] | None:
    cond = cluster.condition(AGENTS, NS, name, "Accepted")
    return cond if cond["status"] == "True" else None


async def test_hints_reach_status_and_the_agent_says_which_servers_pause(
    cluster: Cluster, operator: Operator, hinted_url: str
) -> None:
    await cluster.apply(
        OLLAMA,
        remote("builtin", hinted_url, builtin=True),
        remote("other", hinted_url, builtin=False),
        agent("cautious", "builtin", "other"),
        agent("bold", "builtin", **{OPT_OUT: "false"}),
    )

    def discovered() -> list[dict[str, Any]]:
        return list(
            (cluster.get(REMOTE, NS, "builtin").get("status") or {}).get("discoveredTools") or []
        )

    tools = await eventually(discovered, what="discovered tools")
    assert tools == [
        {"name": "read_thing", "description": "", "readOnlyHint": True},
        {"name": "delete_thing", "description": "", "readOnlyHint": False, "destructiveHint": True},
        {"name": "plain_thing", "description": ""},
    ]
    record = operator.sink.tools[("RemoteMCPServer", NS, "builtin")]
    assert [(t.name, t.destructive_hint) for t in record.tools][1] == ("delete_thing", True)

    message = (await eventually(lambda: accepted(cluster, "cautious")))["message"]
    assert message == (
        "Agent reconciled; destructive tools of the built-in tool server ops/builtin pause "
        f'for approval by default; annotate the Agent {OPT_OUT}: "false" to opt out'
    )
    assert "ops/other" not in message  # not trusted: no default
    bold = (await eventually(lambda: accepted(cluster, "bold")))["message"]
    assert bold == "Agent reconciled"
