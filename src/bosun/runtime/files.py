"""Files in and out of a turn: a user's FileParts for the model, and files tools return.

Called by the executor (bosun.runtime.executor):

- `user_prompt(message)`: the user's A2A message as the model's prompt. Text parts are
  text, DataParts JSON; a file (bytes or URL) goes to the model as the provider takes it:
  images and PDFs as binary content (pydantic-ai's BinaryContent / ImageUrl /
  DocumentUrl, which each provider's model turns into its own shape), text files (text/*,
  JSON, YAML, XML, CSV) inlined up to MAX_INLINE_CHARS, anything else named with its type
  and size. The prompt is stored in the session as pydantic-ai messages, so a later turn
  replays the file too.
- `split_files(result)`: the files in a tool's result, replaced in the result by a short
  reference: BinaryContent (MCP images, audio, embedded blob resources) and TextFile (an
  embedded text resource: the model reads its text, the caller gets a file). MCP resource
  links are not files here: the model reads the link (toolsets/mcp.py).
- `FilePublisher.parts(files)`: those files as A2A Parts for an artifact. With a control
  plane (BOSUN_URL) each is stored there (`POST /api/files`, for the user of the turn) and
  the Part carries its download URL `/api/files/{id}` (relative to the control plane);
  without one, or if storing fails, the Part carries the bytes.
"""

from __future__ import annotations

import base64
import logging
import mimetypes
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from a2a.types import Message, Part
from google.protobuf import json_format
from pydantic_ai.messages import BinaryContent, DocumentUrl, ImageUrl, UserContent

from bosun.runtime import protocol
from bosun.runtime.credential import ControlPlaneToken

log = logging.getLogger("bosun.runtime")

MAX_INLINE_CHARS = 100_000
"""Characters of a text file put into the prompt; the rest is cut with a note."""
MAX_BINARY_BYTES = 10 * 1024 * 1024
"""Largest image or PDF passed to the model; a larger one is only named."""
TEXT_TYPES = (
    "application/json", "application/x-yaml", "application/yaml", "application/xml",
    "application/toml", "application/x-sh", "application/javascript", "application/sql",
)  # fmt: skip


def _media_type(part: Part) -> str:
    if part.media_type:
        return part.media_type
    guessed, _ = mimetypes.guess_type(part.filename or part.url or "")
    return guessed or "application/octet-stream"


def _is_text(media_type: str) -> bool:
    return (
        media_type.startswith("text/")
        or media_type in TEXT_TYPES
        or media_type.endswith(("+json", "+xml", "+yaml"))
    )


def _takes_binary(media_type: str) -> bool:
    return media_type.startswith("image/") or media_type == "application/pdf"


def describe(name: str, media_type: str, size: int | None) -> str:
    size_text = f", {size} bytes" if size is not None else ""
    return f"[file {name} ({media_type}{size_text})]"


def file_content(part: Part) -> list[UserContent]:
    """One FilePart as prompt content."""
    media_type = _media_type(part)
    name = part.filename or ("attachment" if part.HasField("raw") else part.url)
    if part.HasField("url"):
        if media_type.startswith("image/"):
            return [describe(name, media_type, None), ImageUrl(url=part.url, media_type=media_type)]
        if media_type == "application/pdf":
            return [
                describe(name, media_type, None),
                DocumentUrl(url=part.url, media_type=media_type),
            ]
        return [f"[file {name} ({media_type}) at {part.url}]"]
    data = bytes(part.raw)
    label = describe(name, media_type, len(data))
    if _takes_binary(media_type) and len(data) <= MAX_BINARY_BYTES:
        return [label, BinaryContent(data=data, media_type=media_type)]
    if _is_text(media_type):
        text = data.decode("utf-8", errors="replace")
        if len(text) > MAX_INLINE_CHARS:
            shown = text[:MAX_INLINE_CHARS]
            text = f"{shown}\n…[file cut by Bosun: {MAX_INLINE_CHARS} of {len(text)} characters]"
        return [f"{label}\n```\n{text}\n```"]
    return [f"{label} — its content cannot be shown to the model"]


def user_prompt(message: Message | None) -> str | list[UserContent]:
    """The user's message as the model's prompt: a string, or a list when it has files."""
    if message is None:
        return ""
    content: list[UserContent] = []
    for part in message.parts:
        if part.HasField("text"):
            if part.text:
                content.append(part.text)
        elif part.HasField("data"):
            content.append(protocol.as_text(json_format.MessageToDict(part.data)))
        elif part.HasField("url") or part.HasField("raw"):
            content.extend(file_content(part))
    if all(isinstance(c, str) for c in content):
        return "\n".join(str(c) for c in content)
    return content


@dataclass(frozen=True)
class TextFile:
    """A text file a tool returned (an MCP embedded text resource): the model reads it as
    this JSON object, the caller gets it as a file (`split_files`)."""

    uri: str
    media_type: str
    text: str


def split_files(result: Any, first: int = 1) -> tuple[Any, list[BinaryContent]]:
    """A tool result without its files, and those files (in order; the references name
    them file-<first>, file-<first + 1> ...)."""
    if isinstance(result, BinaryContent | TextFile):
        reference, item = _split_one(result, first)
        return reference, [item]
    if isinstance(result, list) and any(isinstance(r, BinaryContent | TextFile) for r in result):
        files: list[BinaryContent] = []
        out = []
        for entry in result:
            if isinstance(entry, BinaryContent | TextFile):
                reference, item = _split_one(entry, first + len(files))
                out.append(reference)
                files.append(item)
            else:
                out.append(entry)
        return out, files
    return result, []


def _split_one(entry: BinaryContent | TextFile, n: int) -> tuple[Any, BinaryContent]:
    if isinstance(entry, TextFile):
        item = BinaryContent(data=entry.text.encode(), media_type=entry.media_type)
        return {**_reference(item, n), "uri": entry.uri}, item
    return _reference(entry, n), entry


def file_name(item: BinaryContent, n: int) -> str:
    extension = mimetypes.guess_extension(item.media_type) or ".bin"
    return f"file-{n}{extension}"


def _reference(item: BinaryContent, n: int) -> dict[str, Any]:
    return {
        "type": "file",
        "name": file_name(item, n),
        "mediaType": item.media_type,
        "size": len(item.data),
    }


class FilePublisher:
    """Turns a turn's returned files into A2A Parts (stored in the control plane if any)."""

    def __init__(self, *, agent: str, user: str | None, context_id: str, task_id: str) -> None:
        self.agent = agent
        self.user = user
        self.context_id = context_id
        self.task_id = task_id
        self.count = 0

    def _headers(self) -> dict[str, str]:
        return ControlPlaneToken().headers(self.user)

    async def _store(self, base_url: str, name: str, item: BinaryContent) -> str | None:
        body = {
            "name": name,
            "media_type": item.media_type,
            "data": base64.b64encode(item.data).decode(),
            "session_id": self.context_id,
            "task_id": self.task_id,
            "agent": self.agent,
        }
        try:
            async with httpx.AsyncClient(base_url=base_url.rstrip("/"), timeout=30) as http:
                response = await http.post("/api/files", json=body, headers=self._headers())
            response.raise_for_status()
            return str(response.json()["url"])
        except (httpx.HTTPError, KeyError, ValueError) as exc:
            log.warning("file %s could not be stored in the control plane: %s", name, exc)
            return None

    async def parts(self, files: Sequence[BinaryContent]) -> list[tuple[str, Part]]:
        """(file name, Part) per file, in order."""
        out = []
        base_url = os.environ.get("BOSUN_URL")
        for item in files:
            self.count += 1
            name = file_name(item, self.count)
            url = await self._store(base_url, name, item) if base_url else None
            if url is not None:
                part = Part(url=url, filename=name, media_type=item.media_type)
            else:
                part = Part(raw=item.data, filename=name, media_type=item.media_type)
            out.append((name, part))
        return out
