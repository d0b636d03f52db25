"""An MCP tool's text embedded resource comes back as an A2A artifact, as its images do: the
CSV as a file with its bytes, while the model still reads its text (also when the session is
replayed). A resource link is not a file: the model reads the link, with its name and type.
No control plane here."""

from __future__ import annotations

from typing import Any

import pytest
from runtime_helpers import McpTestServer, base_config, mcp_settings

from bosun.mockllm import MockLLM

CSV = "pod,restarts\napi-7f9,3\nweb-1c2,0\n"
SCRIPT: list[dict[str, Any]] = [
    {"match": {"contains": "report", "turn": 0},
     "tool_calls": [{"name": "report", "arguments": {}}]},
    {"match": {"tool_result": "report"}, "text": "Model saw: {{last_tool_result}}"},
    {"default": True, "text": "Got it."},
]  # fmt: skip


def report_tools() -> Any:
    from mcp.server.mcpserver import MCPServer
    from mcp.types import EmbeddedResource, ResourceLink, TextContent, TextResourceContents

    server = MCPServer("report-tools")

    @server.tool()
    def report() -> list[Any]:
        """Write the restart report."""
        csv = TextResourceContents(
            uri="file:///reports/restarts.csv", mime_type="text/csv", text=CSV
        )
        link = ResourceLink(
            type="resource_link",
            uri="https://reports.example.test/full.pdf",
            name="full.pdf",
            mime_type="application/pdf",
        )
        return [
            TextContent(type="text", text="the report"),
            EmbeddedResource(type="resource", resource=csv),
            link,
        ]

    return server


@pytest.mark.slow  # starts an agent and an MCP server
async def test_a_text_resource_comes_back_as_an_artifact_and_a_link_as_a_link(
    start_agent: Any, connect: Any
) -> None:
    tools = McpTestServer(report_tools()).start()
    try:
        with MockLLM(SCRIPT) as llm:
            config = base_config(llm, mcp_servers=[mcp_settings(tools)])
            agent = await start_agent(config, name="report-agent")
            conv = await connect(agent.url)
            exchange = await conv.send("write the report")
            # the session (with the tool's result in it) is stored and replayed
            again = await conv.send("thanks", context_id=exchange.context_id)
            assert again.final_text() == "Got it."
            replayed = str(llm.llm_requests()[-1].body["messages"])
            assert "pod,restarts" in replayed
    finally:
        tools.stop()
    # the model still read the CSV's text and the link
    seen = exchange.final_text()
    assert "pod,restarts" in seen and "https://reports.example.test/full.pdf" in seen
    files = [
        e.artifact_update.artifact
        for e in exchange.events
        if e.HasField("artifact_update") and e.artifact_update.artifact.name != "answer"
    ]
    assert [a.name for a in files] == ["file-1.csv"]
    csv = files[0].parts[0]
    assert (csv.raw.decode(), csv.media_type, csv.filename) == (CSV, "text/csv", "file-1.csv")
    result = exchange.data("tool_result")[0]["result"]
    assert result[1] == {
        "type": "file", "name": "file-1.csv", "mediaType": "text/csv", "size": len(CSV),
        "uri": "file:///reports/restarts.csv",
    }  # fmt: skip
    assert result[2] == {
        "type": "resource_link", "uri": "https://reports.example.test/full.pdf",
        "name": "full.pdf", "mimeType": "application/pdf",
    }  # fmt: skip
