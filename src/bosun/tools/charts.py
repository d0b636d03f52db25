"""A built-in tool that hands back a file: `bar_chart` draws a PNG bar chart.

Registered by bosun.tools.server (`bosun tools serve`). It exists so that the examples
show a file coming back from a tool: the chart is MCP image content (image/png), which the
agent runtime turns into an A2A artifact (bosun.runtime.files: stored in the control plane
and downloadable from /api/files/{id}). PNG, not SVG, because every vision model accepts
it when the runtime passes the image on to the model. Pure Python (zlib): no network, no
imaging library; labels use a built-in 3x5 pixel font (letters, digits, a few signs).
"""

from __future__ import annotations

import base64
import struct
import zlib
from typing import Annotated

from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import ImageContent, TextContent
from pydantic import Field

MAX_BARS = 40
WIDTH = 640
LABEL_WIDTH = 176  # the label column; bars start after it
BAR_AREA = 380  # the longest bar, in pixels
ROW = 28
TOP = 52
SCALE = 2  # font pixels per glyph dot (labels); the title is drawn at 3
Colour = tuple[int, int, int]
WHITE: Colour = (255, 255, 255)
INK: Colour = (36, 41, 47)
BLUE: Colour = (47, 111, 223)
RED: Colour = (217, 83, 79)

# 3x5 glyphs: five rows, each a 3-bit number (4 = left dot, 1 = right dot).
GLYPHS = {
    "0": "75557", "1": "26227", "2": "71747", "3": "71717", "4": "55711", "5": "74717",
    "6": "74757", "7": "71111", "8": "75757", "9": "75717", "A": "25755", "B": "65656",
    "C": "34443", "D": "65556", "E": "74647", "F": "74644", "G": "34553", "H": "55755",
    "I": "72227", "J": "11152", "K": "55655", "L": "44447", "M": "57755", "N": "65555",
    "O": "25552", "P": "65644", "Q": "25563", "R": "65655", "S": "34216", "T": "72222",
    "U": "55557", "V": "55552", "W": "55775", "X": "55255", "Y": "55222", "Z": "71247",
    "-": "00700", ".": "00002", "_": "00007", "/": "11244", ":": "02020", "%": "51245",
    "(": "12221", ")": "42224", "+": "02720", ",": "00024", " ": "00000",
}  # fmt: skip


class Canvas:
    """An RGB image in memory, written out as PNG."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.pixels = bytearray(bytes(WHITE) * (width * height))

    def rect(self, x: int, y: int, w: int, h: int, colour: Colour) -> None:
        x0, x1 = max(0, x), min(self.width, x + w)
        row = bytes(colour) * max(0, x1 - x0)
        for yy in range(max(0, y), min(self.height, y + h)):
            start = (yy * self.width + x0) * 3
            self.pixels[start : start + len(row)] = row

    def text(self, x: int, y: int, text: str, colour: Colour = INK, scale: int = SCALE) -> int:
        """Draw `text` with its top-left corner at (x, y); returns the x after it."""
        for char in text.upper():
            glyph = GLYPHS.get(char, "00000")
            for r, bits in enumerate(glyph):
                for c in range(3):
                    if int(bits) & (4 >> c):
                        self.rect(x + c * scale, y + r * scale, scale, scale, colour)
            x += 4 * scale
        return x

    def png(self) -> bytes:
        stride = self.width * 3
        raw = b"".join(
            b"\x00" + bytes(self.pixels[y * stride : (y + 1) * stride]) for y in range(self.height)
        )

        def chunk(kind: bytes, data: bytes) -> bytes:
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

        header = struct.pack(">IIBBBBB", self.width, self.height, 8, 2, 0, 0, 0)
        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b"")
        )


def _number(value: float) -> str:
    return f"{value:g}"


def _fit(text: str, pixels: int, scale: int = SCALE) -> str:
    chars = pixels // (4 * scale)
    return text if len(text) <= chars else text[: chars - 1] + "."


def render_png(title: str, labels: list[str], values: list[float]) -> bytes:
    """The chart as PNG bytes: the title, then one row per label with its bar and value."""
    top = max((abs(v) for v in values), default=0.0) or 1.0
    canvas = Canvas(WIDTH, TOP + ROW * len(labels) + 12)
    canvas.text(16, 16, _fit(title, WIDTH - 32, 3), scale=3)
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = TOP + i * ROW
        shown = _fit(label, LABEL_WIDTH - 24)
        canvas.text(LABEL_WIDTH - 8 - 8 * len(shown), y + 9, shown)
        length = max(1, round(BAR_AREA * abs(value) / top)) if value else 0
        canvas.rect(LABEL_WIDTH, y + 4, length, ROW - 8, BLUE if value >= 0 else RED)
        canvas.text(LABEL_WIDTH + length + 6, y + 9, _number(value))
    return canvas.png()


def bar_chart(
    labels: Annotated[list[str], Field(description="One label per bar, in order.")],
    values: Annotated[list[float], Field(description="One number per label.")],
    title: Annotated[str, Field(description="The chart's title.")] = "Chart",
) -> list[TextContent | ImageContent]:
    """Draw a bar chart of the given numbers and return it as a PNG image file."""
    if not labels:
        raise ToolError("labels is empty: give at least one label and its value")
    if len(labels) != len(values):
        raise ToolError(f"{len(labels)} labels but {len(values)} values: give one value per label")
    if len(labels) > MAX_BARS:
        raise ToolError(f"{len(labels)} bars: at most {MAX_BARS}")
    png = render_png(title, labels, values)
    rows = ", ".join(f"{label} {_number(v)}" for label, v in zip(labels, values, strict=True))
    summary = f"Bar chart {title!r} ({rows}), returned as a PNG file."
    data = base64.b64encode(png).decode()
    return [
        TextContent(type="text", text=summary),
        ImageContent(type="image", data=data, mime_type="image/png"),
    ]
