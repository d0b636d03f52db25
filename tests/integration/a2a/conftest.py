"""Fixtures of the A2A conformance tests: the runtime and control-plane harnesses of
tests/integration/runtime and tests/integration/server, reused as they are."""

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(_HERE.parent / "runtime"), str(_HERE.parent / "server")]

from runtime_helpers import connect, start_agent  # noqa: E402, F401
