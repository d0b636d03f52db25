"""Fixtures of the reliability tests (docs/reliability.md lists what each test proves).

They reuse the harnesses of the runtime and server tests (real agents, real control
planes, MCP servers in threads): those folders are put on sys.path here.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
for _folder in ("runtime", "server"):
    _path = str(_HERE.parent / _folder)
    if _path not in sys.path:
        sys.path.insert(0, _path)

from runtime_helpers import connect, mcp_server, start_agent  # noqa: E402, F401
