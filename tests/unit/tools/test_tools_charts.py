"""The built-in `bar_chart` tool: a PNG file back through MCP, which the runtime's result
mapping turns into a file for an artifact (and a reference in the tool-result event)."""

from __future__ import annotations

import base64
import struct
import zlib

from mcp import Client
from mcp_types import ImageContent, TextContent
from pydantic_ai.messages import BinaryContent

from bosun.runtime.files import split_files
from bosun.runtime.toolsets.mcp import map_result
from bosun.tools.charts import BLUE, RED, WIDTH, render_png
from bosun.tools.server import build_server


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, RGB rows) of a PNG written by charts.Canvas (filter 0, one IDAT)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = {}, 8
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        (crc,) = struct.unpack(">I", data[at + 8 + length : at + 12 + length])
        assert crc == zlib.crc32(kind + body)
        chunks[kind] = body
        at += 12 + length
    width, height, depth, colour_type = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour_type) == (8, 2)
    raw = zlib.decompress(chunks[b"IDAT"])
    stride = width * 3 + 1
    rows = [raw[y * stride + 1 : (y + 1) * stride] for y in range(height)]
    return width, height, rows


def bar_pixels(row: bytes, colour: tuple[int, int, int]) -> int:
    return sum(1 for x in range(0, len(row), 3) if tuple(row[x : x + 3]) == colour)


async def test_bar_chart_returns_a_summary_and_a_png_image() -> None:
    async with Client(build_server(kubernetes_tools=False).server) as client:
        tools = {tool.name: tool for tool in (await client.list_tools()).tools}
        assert tools["bar_chart"].annotations is not None
        assert tools["bar_chart"].annotations.read_only_hint is True
        result = await client.call_tool(
            "bar_chart", {"title": "Pods per node", "labels": ["a", "b"], "values": [3, 1.5]}
        )
    assert not result.is_error
    summary, image = result.content
    assert isinstance(summary, TextContent)
    assert summary.text == "Bar chart 'Pods per node' (a 3, b 1.5), returned as a PNG file."
    assert isinstance(image, ImageContent) and image.mime_type == "image/png"
    png = base64.b64decode(image.data)
    width, height, rows = decode_png(png)
    assert (width, height) == (WIDTH, 52 + 2 * 28 + 12)
    # the middle pixel row of each bar: the first bar is twice as long as the second
    assert (bar_pixels(rows[52 + 14], BLUE), bar_pixels(rows[52 + 28 + 14], BLUE)) == (380, 190)

    # What the agent runtime makes of it: a file for an artifact, a reference in its place.
    for_event, files = split_files(map_result(result))
    assert for_event[0] == summary.text
    assert for_event[1] == {
        "type": "file", "name": "file-1.png", "mediaType": "image/png", "size": len(png),
    }  # fmt: skip
    assert isinstance(files[0], BinaryContent) and files[0].data == png


async def test_bar_chart_refuses_mismatched_input() -> None:
    async with Client(build_server(kubernetes_tools=False).server) as client:
        empty = await client.call_tool("bar_chart", {"labels": [], "values": []})
        uneven = await client.call_tool("bar_chart", {"labels": ["a", "b"], "values": [1]})
    assert empty.is_error and "labels is empty" in str(empty.content[0])
    assert uneven.is_error and "2 labels but 1 values" in str(uneven.content[0])


def test_negative_values_are_red_and_zero_has_no_bar() -> None:
    _, _, rows = decode_png(render_png("t", ["up", "down", "zero"], [2, -1, 0]))
    middle = [rows[52 + i * 28 + 14] for i in range(3)]
    assert bar_pixels(middle[0], BLUE) == 380 and bar_pixels(middle[0], RED) == 0
    assert bar_pixels(middle[1], RED) == 190
    assert bar_pixels(middle[2], BLUE) + bar_pixels(middle[2], RED) == 0
