"""Expired memories are deleted by the control plane on a schedule (server/memory_prune.py),
without any write: before, they stayed on disk until the next memory was saved."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from server_harness import control_plane
from sqlalchemy import func, select, update

from bosun.server.db import Database, Repositories
from bosun.server.db.memories import MemoryRow
from bosun.server.db.models import utcnow

pytestmark = pytest.mark.slow  # runs the control plane


async def _rows(database: Database) -> list[str]:
    async with database.sessions() as s:
        return list(
            (await s.execute(select(MemoryRow.content).order_by(MemoryRow.content))).scalars()
        )


async def _expire(database: Database, memory_id: str) -> None:
    async with database.write() as s:  # its ttlDays have passed
        await s.execute(
            update(MemoryRow).where(MemoryRow.id == memory_id).values(expires_at=utcnow())
        )


async def _until(database: Database, expected: list[str], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while (found := await _rows(database)) != expected:
        assert time.monotonic() < deadline, f"rows {found}, expected {expected}"
        await asyncio.sleep(0.05)


async def test_expired_memories_are_pruned_on_a_schedule(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOSUN_MEMORY_PRUNE_SECONDS", "0.2")
    repo = Repositories.of(database).memories
    old = await repo.add("default", "helper", "alice", content="old", embedding=[1.0], ttl_days=1)
    await repo.add("default", "helper", "alice", content="kept", embedding=[1.0], ttl_days=30)
    await repo.add("default", "helper", "bob", content="forever", embedding=[1.0])
    await _expire(database, old.id)
    assert await _rows(database) == ["forever", "kept", "old"]

    async with control_plane(database, tmp_path):
        await _until(database, ["forever", "kept"])  # at start
        later = await repo.add(
            "default", "helper", "bob", content="later", embedding=[1.0], ttl_days=1
        )
        await _expire(database, later.id)  # no write after this one
        await _until(database, ["forever", "kept"])  # on a later tick
    async with database.sessions() as s:
        assert (await s.execute(select(func.count()).select_from(MemoryRow))).scalar() == 2


async def test_pruning_can_be_turned_off(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BOSUN_MEMORY_PRUNE_SECONDS", "0")
    repo = Repositories.of(database).memories
    old = await repo.add("default", "helper", "alice", content="old", embedding=[1.0], ttl_days=1)
    await _expire(database, old.id)
    async with control_plane(database, tmp_path):
        await asyncio.sleep(0.3)
        assert await _rows(database) == ["old"]
