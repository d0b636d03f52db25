"""Files in a turn: a user's image or PDF (bytes or a URL) reaches the OpenAI and Anthropic
request bodies in each API's shape (and again from the session's history), a text file is
inlined, another file named, and an image a tool returns comes back as an A2A artifact
with its bytes (no control plane here)."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import pytest
from a2a.types import Message, Part, Role, SendMessageRequest
from runtime_helpers import Conversation, Exchange, McpTestServer, base_config, mcp_settings

from bosun.mockllm import MockLLM

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
SCRIPT: list[dict[str, Any]] = [
    {"match": {"contains": "chart", "turn": 0}, "tool_calls": [{"name": "chart", "arguments": {}}]},
    # pydantic-ai sends a tool's image after its result, as a user message: match the turn.
    {"match": {"turn": 1, "api": "openai"}, "text": "Here is the chart."},
    {"default": True, "text": "Got it."},
]  # fmt: skip


@pytest.fixture(scope="module")
def llm() -> Any:
    with MockLLM(SCRIPT) as server:
        yield server


async def send_parts(conv: Conversation, parts: list[Part], context_id: str = "") -> Exchange:
    message = Message(
        role=Role.ROLE_USER, message_id=str(uuid.uuid4()), parts=parts, context_id=context_id
    )
    exchange = Exchange()
    async for event in conv.client.send_message(SendMessageRequest(message=message)):
        exchange.events.append(event)
    return exchange


def image_part() -> Part:
    return Part(raw=PNG, filename="dot.png", media_type="image/png")


async def test_image_reaches_openai_as_image_url_and_is_replayed(
    llm: MockLLM, start_agent: Any, connect: Any
) -> None:
    agent = await start_agent(base_config(llm), name="openai-files")
    conv = await connect(agent.url)
    llm.clear_requests()
    first = await send_parts(conv, [Part(text="What is in this picture?"), image_part()])
    assert first.final_text() == "Got it."
    user = llm.llm_requests()[-1].body["messages"][-1]
    kinds = [c["type"] for c in user["content"]]
    assert kinds == ["text", "text", "image_url"]
    assert user["content"][2]["image_url"]["url"] == (
        "data:image/png;base64," + base64.b64encode(PNG).decode()
    )
    # The next turn of the session sends the image again, from the stored history.
    await send_parts(conv, [Part(text="and now?")], context_id=first.context_id)
    replayed = str(llm.llm_requests()[-1].body["messages"])
    assert base64.b64encode(PNG).decode() in replayed


async def test_image_reaches_anthropic_as_base64_image_block_and_text_files_inline(
    llm: MockLLM, start_agent: Any, connect: Any
) -> None:
    model = {"type": "anthropic", "model": "claude-test", "base_url": llm.anthropic_base_url}
    agent = await start_agent(base_config(llm, model=model), name="anthropic-files")
    conv = await connect(agent.url)
    llm.clear_requests()
    notes = Part(raw=b"line one\nline two", filename="notes.txt", media_type="text/plain")
    blob = Part(raw=b"\x00\x01", filename="data.bin", media_type="application/octet-stream")
    await send_parts(conv, [Part(text="Look"), image_part(), notes, blob])
    content = llm.llm_requests()[-1].body["messages"][-1]["content"]
    image = next(c for c in content if c["type"] == "image")
    assert image["source"] == {
        "type": "base64", "media_type": "image/png", "data": base64.b64encode(PNG).decode()
    }  # fmt: skip
    texts = "\n".join(c["text"] for c in content if c["type"] == "text")
    assert "[file notes.txt (text/plain, 17 bytes)]\n```\nline one\nline two\n```" in texts
    assert "[file data.bin (application/octet-stream, 2 bytes)]" in texts


def image_tools() -> Any:
    from mcp.server.mcpserver import MCPServer
    from mcp.types import ImageContent, TextContent

    server = MCPServer("image-tools")

    @server.tool()
    def chart() -> list[Any]:
        """Draw a chart."""
        return [
            TextContent(type="text", text="a chart"),
            ImageContent(type="image", data=base64.b64encode(PNG).decode(), mime_type="image/png"),
        ]

    return server


async def test_a_tool_image_comes_back_as_an_artifact(
    llm: MockLLM, start_agent: Any, connect: Any
) -> None:
    tools = McpTestServer(image_tools()).start()
    try:
        agent = await start_agent(
            base_config(llm, mcp_servers=[mcp_settings(tools)]), name="chart-agent"
        )
        conv = await connect(agent.url)
        exchange = await conv.send("draw a chart")
    finally:
        tools.stop()
    assert exchange.final_text() == "Here is the chart."
    files = [
        e.artifact_update.artifact
        for e in exchange.events
        if e.HasField("artifact_update") and e.artifact_update.artifact.name != "answer"
    ]
    assert [a.name for a in files] == ["file-1.png"]
    part = files[0].parts[0]
    assert part.raw == PNG and part.media_type == "image/png" and part.filename == "file-1.png"
    result = exchange.data("tool_result")[0]["result"]
    assert result[1] == {"type": "file", "name": "file-1.png", "mediaType": "image/png", "size": 70}


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def test_pdfs_and_file_urls_reach_the_model_in_its_shape(
    llm: MockLLM, start_agent: Any, connect: Any
) -> None:
    model = {"type": "anthropic", "model": "claude-test", "base_url": llm.anthropic_base_url}
    agent = await start_agent(base_config(llm, model=model), name="anthropic-pdf")
    conv = await connect(agent.url)
    llm.clear_requests()
    pdf = Part(raw=PDF, filename="report.pdf", media_type="application/pdf")
    linked = Part(url="https://example.com/spec.pdf", media_type="application/pdf")
    await send_parts(conv, [Part(text="Summarise"), pdf, linked])
    content = llm.llm_requests()[-1].body["messages"][-1]["content"]
    documents = [c["source"] for c in content if c["type"] == "document"]
    assert documents[0] == {
        "type": "base64", "media_type": "application/pdf", "data": base64.b64encode(PDF).decode()
    }  # fmt: skip
    assert documents[1] == {"type": "url", "url": "https://example.com/spec.pdf"}
    texts = "\n".join(c["text"] for c in content if c["type"] == "text")
    assert f"[file report.pdf (application/pdf, {len(PDF)} bytes)]" in texts

    openai = await start_agent(base_config(llm), name="openai-urls")
    conv = await connect(openai.url)
    image = Part(url="https://example.com/diagram.png", media_type="image/png")
    other = Part(url="https://example.com/data.csv", media_type="text/csv")
    await send_parts(conv, [Part(text="Look"), image, other])
    user = llm.llm_requests()[-1].body["messages"][-1]["content"]
    urls = [c["image_url"]["url"] for c in user if c["type"] == "image_url"]
    assert urls == ["https://example.com/diagram.png"]  # passed as a link, not downloaded
    texts = "\n".join(c["text"] for c in user if c["type"] == "text")
    assert "[file https://example.com/data.csv (text/csv) at https://example.com/data.csv]" in texts
