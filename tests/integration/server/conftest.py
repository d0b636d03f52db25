"""Fixtures of the control plane tests: a migrated database on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from server_harness import Plane, control_plane

from bosun.server.db import Database, Repositories
from bosun.server.secretbox import SecretBox
from bosun.server.store_db import DbResourceStore


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
def repos(database: Database) -> Repositories:
    return Repositories.of(database)


@pytest.fixture
def store(database: Database) -> DbResourceStore:
    return DbResourceStore(Repositories.of(database).resources, SecretBox.generate())


@pytest.fixture
async def plane(database: Database, tmp_path: Path) -> AsyncIterator[Plane]:
    async with control_plane(database, tmp_path) as running:
        yield running
