"""Fixtures of the memory/skills/files tests: the runtime's and the control plane's helpers."""

import sys
from pathlib import Path

# The runtime and server harnesses live beside their own tests (rootdir-style test folders).
for folder in ("runtime", "server"):
    path = str(Path(__file__).parents[1] / folder)
    if path not in sys.path:
        sys.path.append(path)

from runtime_helpers import connect, mcp_server, start_agent  # noqa: E402, F401
