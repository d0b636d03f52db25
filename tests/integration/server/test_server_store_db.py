"""The database-backed ResourceStore behaves like the Kubernetes API (both databases)."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest

from bosun.api.store import Conflict, NotFound, StoreEvent
from bosun.server.broadcast import WatchExpired
from bosun.server.db import Database, Repositories
from bosun.server.secretbox import SecretBox
from bosun.server.store_db import DbResourceStore, InvalidObject


def model_config(name: str = "mc", model: str = "gpt-4o", **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "ModelConfig",
        "metadata": {"name": name, "namespace": "ns", **meta},
        "spec": {"provider": "OpenAI", "model": model},
    }


async def next_event(sub: Any) -> StoreEvent:
    return await asyncio.wait_for(anext(sub), 5)


async def test_apply_counts_generation_and_resource_version(store: DbResourceStore) -> None:
    created = await store.apply(model_config())
    assert created.generation == 1 and created.resource_version
    meta = created.body["metadata"]
    assert meta["uid"] and meta["creationTimestamp"].endswith("Z")
    same = await store.apply(model_config())
    assert same.resource_version == created.resource_version  # nothing changed: no write
    labelled = await store.apply(model_config(labels={"team": "a"}))
    assert labelled.generation == 1
    assert int(labelled.resource_version) > int(created.resource_version)
    changed = await store.apply(model_config(model="gpt-5"))
    assert changed.generation == 2 and changed.body["spec"]["model"] == "gpt-5"
    assert changed.body["metadata"]["uid"] == meta["uid"]
    assert "labels" not in changed.body["metadata"]  # apply replaces metadata labels


async def test_stale_resource_version_is_a_conflict(store: DbResourceStore) -> None:
    first = await store.apply(model_config())
    await store.apply(model_config(model="other"))
    with pytest.raises(Conflict):
        await store.apply(model_config(resourceVersion=first.resource_version))
    current = await store.get("ModelConfig", "ns", "mc")
    ok = await store.apply(model_config(model="third", resourceVersion=current.resource_version))
    assert ok.body["spec"]["model"] == "third"
    with pytest.raises(Conflict):
        await store.apply(model_config(name="absent", resourceVersion="5"))


async def test_status_merges_without_touching_generation(store: DbResourceStore) -> None:
    await store.apply(model_config())
    cond = {"type": "Ready", "status": "True", "reason": "Ok", "message": ""}
    one = await store.patch_status("ModelConfig", "ns", "mc", {"conditions": [cond]})
    two = await store.patch_status("ModelConfig", "ns", "mc", {"observedGeneration": 1})
    assert two.body["status"] == {"conditions": [cond], "observedGeneration": 1}
    assert two.generation == 1 and int(two.resource_version) > int(one.resource_version)
    same = await store.patch_status("ModelConfig", "ns", "mc", {"observedGeneration": 1})
    assert same.resource_version == two.resource_version
    gone = await store.patch_status("ModelConfig", "ns", "mc", {"observedGeneration": None})
    assert "observedGeneration" not in gone.body["status"]
    reapplied = await store.apply(model_config(model="x"))
    assert reapplied.body["status"]["conditions"] == [cond]  # apply keeps status
    with pytest.raises(NotFound):
        await store.patch_status("ModelConfig", "ns", "nope", {})


async def test_watch_sees_every_write_in_order(store: DbResourceStore) -> None:
    sub = store.watch()
    await store.apply(model_config())
    await store.apply(model_config(model="b"))
    await store.patch_status("ModelConfig", "ns", "mc", {"observedGeneration": 2})
    await store.delete("ModelConfig", "ns", "mc")
    events = [await next_event(sub) for _ in range(4)]
    assert [e.type for e in events] == ["ADDED", "MODIFIED", "MODIFIED", "DELETED"]
    versions = [int(e.obj.resource_version) for e in events[:3]]
    assert versions == sorted(versions)
    await sub.aclose()


async def test_a_watcher_that_lags_is_told_to_relist(database: Database) -> None:
    store = DbResourceStore(Repositories.of(database).resources, SecretBox.generate())
    store._events._maxsize = 2  # small queue so the test stays fast
    sub = store.watch()
    for i in range(4):
        await store.apply(model_config(model=f"m{i}"))
    assert (await next_event(sub)).type == "ADDED"
    await next_event(sub)
    with pytest.raises(WatchExpired):
        await next_event(sub)


async def test_list_get_delete_and_namespaces(store: DbResourceStore) -> None:
    await store.apply(model_config("b"))
    await store.apply(model_config("a"))
    other = model_config("c")
    other["metadata"]["namespace"] = "team"
    await store.apply(other)
    assert [o.name for o in await store.list("ModelConfig")] == ["a", "b", "c"]
    assert [o.name for o in await store.list("ModelConfig", "ns")] == ["a", "b"]
    assert await store.list("Agent") == []
    assert await store.list_namespaces() == ["default", "ns", "team"]
    await store.delete("ModelConfig", "ns", "a")
    with pytest.raises(NotFound):
        await store.get("ModelConfig", "ns", "a")
    with pytest.raises(NotFound):
        await store.delete("ModelConfig", "ns", "a")
    with pytest.raises(InvalidObject):
        await store.apply({"kind": "ModelConfig", "metadata": {"name": "x"}})


async def test_deleting_an_owner_deletes_what_it_owns(store: DbResourceStore) -> None:
    owner = await store.apply(model_config())
    ref = {"apiVersion": "kagent.dev/v1alpha2", "kind": "ModelConfig", "name": "mc",
           "uid": owner.body["metadata"]["uid"]}  # fmt: skip
    await store.apply(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "owned", "namespace": "ns", "ownerReferences": [ref]},
            "data": {"k": "v"},
        }
    )
    await store.apply({"apiVersion": "v1", "kind": "ConfigMap",
                       "metadata": {"name": "free", "namespace": "ns"}})  # fmt: skip
    await store.delete("ModelConfig", "ns", "mc")
    assert [o.name for o in await store.list("ConfigMap")] == ["free"]


async def test_secret_data_is_encrypted_at_rest(database: Database) -> None:
    repo = Repositories.of(database).resources
    store = DbResourceStore(repo, SecretBox.generate())
    key = "sk-test-very-secret-value"
    await store.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "openai", "namespace": "ns"},
            "stringData": {"apiKey": key},
            "data": {"other": base64.b64encode(b"x").decode()},
        }
    )
    secret = await store.get("Secret", "ns", "openai")
    assert base64.b64decode(secret.body["data"]["apiKey"]).decode() == key
    assert "stringData" not in secret.body
    row = await repo.get("Secret", "ns", "openai")
    assert row is not None and row.secret_data is not None
    raw = repr((row.body, row.metadata_, row.status)).encode() + row.secret_data
    assert key.encode() not in raw
    assert base64.b64encode(key.encode()) not in raw
    stranger = DbResourceStore(repo, SecretBox.generate())  # a different key file
    with pytest.raises(RuntimeError, match="cannot decrypt"):
        await stranger.get("Secret", "ns", "openai")
