"""Fixtures of the team integration tests (helpers in teams_helpers.py)."""

from teams_helpers import mcp_server, team  # noqa: F401
