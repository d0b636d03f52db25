"""Fixtures of the runtime integration tests (helpers live in runtime_helpers.py)."""

from runtime_helpers import connect, mcp_server, start_agent  # noqa: F401
