"""Starting the stdio child: kept apart from `child` so that `bosun mcp-bridge` can start it
before importing the mcp SDK, starlette and uvicorn (run.py).

The child needs about as long to import as the bridge does; started first, both import at
once instead of one after the other (in `bosun up`, the MCP server used to be the last
workload Ready for that reason).
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import anyio
from anyio.abc import Process


async def open_child(
    argv: Sequence[str], *, env: dict[str, str] | None = None, cwd: str | Path | None = None
) -> Process:
    return await anyio.open_process(
        list(argv),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=cwd,
        # Own process group: Ctrl-C in a terminal reaches the bridge only, which then
        # stops the child in order; and the group lets us stop grandchildren too.
        start_new_session=True,
    )
