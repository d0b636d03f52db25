"""Cluster mode: the control plane reads an Agent written as kagent.dev/v1alpha1 (stored
in v1alpha2 with its v1alpha1 fields, as strategy None leaves it) in its v1alpha2 form."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import kmock
import pytest
from lightkube import AsyncClient, KubeConfig
from lightkube.config.models import Cluster, User

from bosun.server.store_kube import KubeResourceStore

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fakes"))

from kube_emulator import KubeEmulator, declare_kagent_kinds

STORED = {
    "apiVersion": "kagent.dev/v1alpha2",
    "kind": "Agent",
    "metadata": {"name": "old", "namespace": "default"},
    "spec": {"systemMessage": "You help.", "modelConfigRef": {"name": "m"}},
}


@pytest.fixture
async def store() -> AsyncIterator[KubeResourceStore]:
    async with KubeEmulator() as emulator, kmock.Server(emulator) as server:
        declare_kagent_kinds(emulator)
        url = str(server.url).rstrip("/")
        config = KubeConfig.from_one(cluster=Cluster(server=url), user=User(token="cp"))
        kube = KubeResourceStore(AsyncClient(config=config, field_manager="kubectl"))
        yield kube
        await kube.close()


async def test_a_stored_v1alpha1_agent_is_read_as_v1alpha2(store: KubeResourceStore) -> None:
    await store.apply(STORED)
    for found in [await store.get("Agent", "default", "old"), *await store.list("Agent")]:
        spec = found.body["spec"]
        assert spec["declarative"] == {"systemMessage": "You help.", "modelConfig": "m"}
        assert "systemMessage" not in spec and found.resource_version
        assert found.body["metadata"]["annotations"]["bosun.dev/converted-from"]
