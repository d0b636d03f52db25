"""General tools that need nothing but Python: `current_time`, `echo`, `word_count`, and
the diagnostic `server_info` (process id, version, uptime).

`server_info` exists so that tests and operators can see *which* process answered a call,
e.g. that every client of one `bosun mcp-bridge` replica reaches the same warm child.
"""

from __future__ import annotations

import os
import platform
import time
from datetime import datetime
from typing import Annotated, TypedDict
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

_STARTED = time.time()


class WordCount(TypedDict):
    words: int
    characters: int
    lines: int


class ServerInfo(TypedDict):
    pid: int
    name: str
    version: str
    python: str
    uptime_seconds: float
    kubernetes: str


def current_time(
    timezone: Annotated[
        str,
        Field(description="IANA time zone such as 'Europe/Paris' or 'America/New_York'."),
    ] = "UTC",
) -> str:
    """Return the current date and time in ISO 8601, with the weekday and time zone."""
    try:
        zone = ZoneInfo(timezone.strip() or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ToolError(
            f"unknown time zone {timezone!r}: use an IANA name such as 'UTC' or 'Europe/Paris'"
        ) from None
    now = datetime.now(zone)
    return f"{now.isoformat(timespec='seconds')} ({now:%A}, {zone.key})"


def echo(text: Annotated[str, Field(description="Text to send back unchanged.")]) -> str:
    """Return the given text unchanged (useful to test a tool connection)."""
    return text


def word_count(text: Annotated[str, Field(description="Text to count.")]) -> WordCount:
    """Count the words, characters and lines of a text."""
    return WordCount(
        words=len(text.split()),
        characters=len(text),
        lines=len(text.splitlines()),
    )


def make_server_info(name: str, version: str, kubernetes_status: str) -> ServerInfo:
    return ServerInfo(
        pid=os.getpid(),
        name=name,
        version=version,
        python=platform.python_version(),
        uptime_seconds=round(time.time() - _STARTED, 3),
        kubernetes=kubernetes_status,
    )
