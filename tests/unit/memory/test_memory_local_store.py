"""The runtime's local memory store (no control plane): nearest first, per user, and a
memory past its TTL is neither found nor kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from bosun.runtime.memory import MemoryService
from bosun.runtime.memory_embed import KeywordEmbedder
from bosun.runtime.memory_store import SqliteMemories, cosine_distance, pack


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_ttl_expiry_and_users(tmp_path: Path) -> None:
    clock = Clock()
    store = SqliteMemories(tmp_path / "m.sqlite3", clock=clock)
    memory = MemoryService(embedder=KeywordEmbedder(), backend=store, ttl_days=2)
    await memory.save("alice", "The staging cluster is called atlas")
    await memory.save("alice", "Deployments happen on Tuesdays")
    found = await memory.search("alice", "which cluster is staging?")
    assert found[0]["content"] == "The staging cluster is called atlas"
    assert await memory.search("bob", "which cluster is staging?") == []
    assert store.vector_engine in ("sqlite-vec", "python")

    clock.now += 2 * 86400 + 1  # two days later both are gone
    assert await memory.search("alice", "which cluster is staging?") == []
    await memory.save("alice", "a new one")  # a write deletes what expired
    rows = store._conn().execute("SELECT content FROM memories").fetchall()
    assert rows == [("a new one",)]
    await memory.close()


async def test_prefetch_only_related_memories(tmp_path: Path) -> None:
    memory = MemoryService(embedder=KeywordEmbedder(), backend=SqliteMemories(tmp_path / "m"))
    await memory.save(None, "The user's favourite colour is green")
    block = await memory.prefetch(None, "what is my favourite colour")
    assert block is not None and "- The user's favourite colour is green" in block
    assert await memory.prefetch(None, "deploy the web app") is None
    await memory.close()


def test_cosine_distance_matches_its_definition() -> None:
    assert cosine_distance(pack([1.0, 0.0]), pack([1.0, 0.0])) == 0.0
    assert abs((cosine_distance(pack([1.0, 0.0]), pack([0.0, 2.0])) or 0) - 1.0) < 1e-9
    assert cosine_distance(pack([1.0]), pack([1.0, 0.0])) is None
    assert cosine_distance(pack([0.0, 0.0]), pack([1.0, 0.0])) is None


def test_skill_files_stay_inside_the_skill(tmp_path: Path) -> None:
    from bosun.runtime.skills import SkillError, discover, split_front_matter

    root = tmp_path / "s" / "one"
    root.mkdir(parents=True)
    (root / "SKILL.md").write_text("---\nname: one\ndescription: The first\n---\nDo it.\n")
    (tmp_path / "secret.txt").write_text("no")
    [skill] = discover([str(tmp_path / "s")])
    assert (skill.name, skill.description, skill.instructions()) == ("one", "The first", "Do it.\n")
    with pytest.raises(SkillError):
        skill.read("../../secret.txt")
    assert split_front_matter("no front matter") == ({}, "no front matter")
