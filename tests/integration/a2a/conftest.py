"""Fixtures of the A2A conformance tests: the runtime harness of tests/integration/runtime."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "runtime"))

from runtime_helpers import connect, start_agent  # noqa: F401
