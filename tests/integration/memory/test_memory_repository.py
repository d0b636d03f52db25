"""The memories and files repositories on SQLite and PostgreSQL: nearest first, per agent
and user, expired memories gone; files only for their owner."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from bosun.server.db import Database, Repositories
from bosun.server.db.memories import MemoryRow
from bosun.server.db.models import utcnow


async def test_search_is_nearest_first_and_per_owner(database: Database) -> None:
    repo = Repositories.of(database).memories
    await repo.add("default", "helper", "alice", content="east", embedding=[1.0, 0.0, 0.0])
    await repo.add("default", "helper", "alice", content="north-east", embedding=[1.0, 1.0, 0.0])
    await repo.add("default", "helper", "bob", content="bob's", embedding=[1.0, 0.0, 0.0])
    await repo.add("default", "other", "alice", content="other agent", embedding=[1.0, 0.0, 0.0])
    await repo.add("default", "helper", "alice", content="4 dims", embedding=[1.0, 0, 0, 0])

    found = await repo.search("default", "helper", "alice", [1.0, 0.1, 0.0], limit=5)
    assert [m.content for m in found] == ["east", "north-east"]
    assert found[0].score is not None and found[0].score > found[1].score > 0.5  # type: ignore[operator]
    assert [m.content for m in await repo.list("default", "helper", "bob")] == ["bob's"]
    assert len(await repo.list(None, None, "alice")) == 4


async def test_expired_memories_are_not_found_and_pruned(database: Database) -> None:
    repo = Repositories.of(database).memories
    old = await repo.add(
        "default", "helper", "alice", content="old", embedding=[1.0, 0.0], ttl_days=1
    )
    await repo.add("default", "helper", "alice", content="kept", embedding=[1.0, 0.1], ttl_days=30)
    assert old.expires_at is not None and old.expires_at > utcnow() + timedelta(hours=23)
    async with database.write() as s:  # a day passes for the first one
        await s.execute(update(MemoryRow).where(MemoryRow.id == old.id).values(expires_at=utcnow()))
    found = await repo.search("default", "helper", "alice", [1.0, 0.0], limit=5)
    assert [m.content for m in found] == ["kept"]
    assert await repo.prune() == 1
    assert [m.content for m in await repo.list("default", "helper", "alice")] == ["kept"]


async def test_delete_only_own(database: Database) -> None:
    repos = Repositories.of(database)
    memory = await repos.memories.add("default", "helper", "alice", content="x", embedding=[1.0])
    assert not await repos.memories.delete("bob", memory.id)
    assert await repos.memories.delete("alice", memory.id)
    stored = await repos.files.create(
        "alice", name="a.png", media_type="image/png", data=b"\x89PNG"
    )
    assert await repos.files.get("bob", stored.id) is None
    found = await repos.files.get("alice", stored.id)
    assert found is not None and found[1] == b"\x89PNG" and found[0].size == 4
