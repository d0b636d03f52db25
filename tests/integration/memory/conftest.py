"""Fixtures of the memory/skills/files tests: the runtime's and the control plane's helpers,
and a migrated database on SQLite and on PostgreSQL."""

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bosun.server.db import Database

# The runtime and server harnesses live beside their own tests (rootdir-style test folders).
for folder in ("runtime", "server"):
    path = str(Path(__file__).parents[1] / folder)
    if path not in sys.path:
        sys.path.append(path)

from runtime_helpers import connect, mcp_server, start_agent  # noqa: E402, F401


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'bosun.db'}"
    else:
        url = await request.getfixturevalue("postgres").new_database()
    db = await Database.open(url)
    try:
        yield db
    finally:
        await db.close()
