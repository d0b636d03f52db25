"""Fixtures of the team integration tests (helpers in teams_helpers.py)."""

from teams_helpers import team  # noqa: F401
