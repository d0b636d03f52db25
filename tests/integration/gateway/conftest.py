"""Fixtures of the gateway tests: a migrated database on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bosun.server.db import Database


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
