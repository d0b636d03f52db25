"""The Kubernetes ResourceStore (cluster mode) against the Kubernetes API emulator
(tests/fakes/kube_emulator.py over HTTP), and the REST API writing CRs through it."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import kmock
import pytest
from lightkube import AsyncClient, KubeConfig
from lightkube.config.models import Cluster, User
from server_harness import serving
from server_manifests import agent, model_config

from bosun.api.store import Conflict, NotFound
from bosun.server.app import create_app
from bosun.server.db import Database
from bosun.server.settings import Settings
from bosun.server.store_kube import KubeResourceStore

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fakes"))

from kube_emulator import KubeEmulator, declare_kagent_kinds


@pytest.fixture
async def store() -> AsyncIterator[KubeResourceStore]:
    async with KubeEmulator() as emulator, kmock.Server(emulator) as server:
        declare_kagent_kinds(emulator)
        url = str(server.url).rstrip("/")
        config = KubeConfig.from_one(cluster=Cluster(server=url), user=User(token="cp"))
        kube = KubeResourceStore(AsyncClient(config=config, field_manager="bosun-controlplane"))
        yield kube
        await kube.close()


async def test_apply_get_list_status_delete(store: KubeResourceStore) -> None:
    created = await store.apply(model_config())
    assert created.generation == 1 and created.resource_version
    await store.apply(model_config("b", ns="team"))
    listed = [(o.namespace, o.name) for o in await store.list("ModelConfig")]
    assert listed == [("default", "default-model-config"), ("team", "b")]
    assert [o.name for o in await store.list("ModelConfig", "team")] == ["b"]
    changed = await store.apply(model_config(model="gpt-5"))
    assert changed.generation == 2 and changed.body["spec"]["model"] == "gpt-5"
    status = {"conditions": [{"type": "Accepted", "status": "True", "reason": "Ok", "message": ""}]}
    patched = await store.patch_status("ModelConfig", "default", "default-model-config", status)
    assert patched.body["status"]["conditions"][0]["type"] == "Accepted"
    assert patched.generation == 2
    stale = model_config(model="x")
    stale["metadata"]["resourceVersion"] = created.resource_version
    with pytest.raises(Conflict):
        await store.apply(stale)
    await store.delete("ModelConfig", "default", "default-model-config")
    with pytest.raises(NotFound):
        await store.get("ModelConfig", "default", "default-model-config")
    with pytest.raises(NotFound):
        await store.delete("ModelConfig", "default", "default-model-config")


async def test_watch_merges_the_kinds(store: KubeResourceStore) -> None:
    watch = store.watch()
    await asyncio.sleep(0.3)  # let the watches connect
    await store.apply(model_config())
    await store.apply(agent())
    await store.delete("Agent", "default", "helper")
    seen = []
    while len(seen) < 3:
        event = await asyncio.wait_for(anext(watch), 5)
        seen.append((event.type, event.obj.kind))
    await watch.aclose()  # type: ignore[attr-defined]
    assert sorted(seen) == sorted(
        [("ADDED", "ModelConfig"), ("ADDED", "Agent"), ("DELETED", "Agent")]
    )


async def test_rest_api_in_cluster_mode_writes_custom_resources(
    store: KubeResourceStore, tmp_path: Path
) -> None:
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'cp.db'}")
    settings = Settings(mode="cluster", data_dir=tmp_path, service_account_auth=False)
    app = create_app(settings, database=db, store=store)
    async with serving(app) as url, httpx.AsyncClient(base_url=url) as http:
        assert (await http.post("/api/modelconfigs", json=model_config())).status_code == 201
        created = await http.post("/api/agents", json=agent())
        assert created.status_code == 201, created.text
        stored = await store.get("Agent", "default", "helper")
        assert stored.body["spec"]["description"] == "helper helps"
        bad = await http.post("/api/agents", json=agent("other", model="nope"))
        assert bad.status_code == 422 and bad.json()["field"] == "spec.declarative.modelConfig"
        assert (await http.delete("/api/agents/default/helper")).status_code == 204
    await db.close()
