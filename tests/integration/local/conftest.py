"""Fixtures for the local supervisor's tests: the real database-backed store on SQLite, and
a supervisor running on it (stopped, with every child, at the end of the test)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bosun.api.store import ResourceStore
from bosun.controller.local.supervisor import LocalSupervisor


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[ResourceStore]:
    from bosun.server.db.engine import Database
    from bosun.server.store_db import DbResourceStore

    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'bosun.db'}")
    resources = DbResourceStore.for_database(db, tmp_path / "secret.key")
    yield resources
    resources.close()
    await db.close()


@pytest.fixture
async def supervisor(store: ResourceStore, tmp_path: Path) -> AsyncIterator[LocalSupervisor]:
    sup = LocalSupervisor(store, data_dir=tmp_path / "data", backoff_start=0.1)
    task = asyncio.create_task(sup.run())
    yield sup
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await sup.stop()
