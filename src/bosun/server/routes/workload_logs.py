"""/api/logs/{kind}/{namespace}/{name}: a local workload's log file, whole, tailed or followed.

Served only where something runs workloads as local processes and says where their logs
are: `bosun up` sets `app.state.workload_logs` to a function (kind, namespace, name) ->
log file path (or None) and includes this router. In a cluster the route is absent and
`bosun logs` tells the user to use `kubectl logs`. The file is read as it is on disk; the
processes it comes from are the user's own agents on the user's machine.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from bosun.server.context import CurrentUser
from bosun.server.errors import ERROR_RESPONSES, NotFoundError
from bosun.server.routes.common import NamePath, NamespacePath

LogLocator = Callable[[str, str, str], Path | None]

router = APIRouter(prefix="/api/logs", tags=["logs"], responses=ERROR_RESPONSES)

_KINDS = {"agent": "Agent", "agents": "Agent", "mcpserver": "MCPServer", "mcpservers": "MCPServer"}
_POLL_SECONDS = 0.25
_CHUNK = 64 * 1024


@router.get("/{kind}/{namespace}/{name}", response_class=StreamingResponse)
async def workload_log(
    request: Request,
    _: CurrentUser,
    kind: str,
    namespace: NamespacePath,
    name: NamePath,
    follow: bool = Query(default=False, description="Keep the response open for new lines."),
    tail: int | None = Query(default=None, ge=0, le=100_000, description="Last N lines only."),
) -> StreamingResponse:
    locate: LogLocator | None = getattr(request.app.state, "workload_logs", None)
    resolved = _KINDS.get(kind.lower(), kind)
    path = locate(resolved, namespace, name) if locate else None
    if path is None or not path.exists():
        raise NotFoundError(f"no log for {resolved} {namespace}/{name} (not running locally)")
    return StreamingResponse(
        _stream(request, path, follow=follow, tail=tail), media_type="text/plain; charset=utf-8"
    )


def _tail_offset(path: Path, lines: int) -> int:
    """Byte offset where the last `lines` lines start."""
    size = path.stat().st_size
    if lines == 0:
        return size
    with path.open("rb") as f:
        block, offset, found = 8192, size, 0
        while offset > 0:
            step = min(block, offset)
            offset -= step
            f.seek(offset)
            data = f.read(step)
            # the final newline of the file ends the last line, it does not start one
            end = len(data) - 1 if offset + step == size and data.endswith(b"\n") else len(data)
            for i in range(end - 1, -1, -1):
                if data[i] == 0x0A:
                    found += 1
                    if found == lines:
                        return offset + i + 1
    return 0


def _read_from(path: Path, position: int) -> tuple[bytes, int]:
    """New bytes of the file since `position` (from 0 again if it was rotated), and the new
    position. Local files of a few MB at most: read in one go off the event loop."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return b"", 0
    if size < position:  # rotated: start the new file from its beginning
        position = 0
    if size == position:
        return b"", position
    with path.open("rb") as f:
        f.seek(position)
        data = f.read(size - position)
    return data, position + len(data)


async def _stream(
    request: Request, path: Path, *, follow: bool, tail: int | None
) -> AsyncIterator[bytes]:
    position = await asyncio.to_thread(_tail_offset, path, tail) if tail is not None else 0
    while True:
        data, position = await asyncio.to_thread(_read_from, path, position)
        for start in range(0, len(data), _CHUNK):
            yield data[start : start + _CHUNK]
        if not follow or await request.is_disconnected():
            return
        await asyncio.sleep(_POLL_SECONDS)
