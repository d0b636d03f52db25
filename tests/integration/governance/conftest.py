"""Fixtures of the governance tests: a migrated database on SQLite and on PostgreSQL, and
the control plane test harness of tests/integration/server (server_harness,
server_agents), imported from there rather than copied."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

SERVER_TESTS = Path(__file__).resolve().parent.parent / "server"
if str(SERVER_TESTS) not in sys.path:
    sys.path.insert(0, str(SERVER_TESTS))

from bosun.server.db import Database  # noqa: E402


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


@pytest.fixture
async def sqlite_db(tmp_path: Path) -> AsyncIterator[Database]:
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'gov.db'}")
    try:
        yield db
    finally:
        await db.close()
