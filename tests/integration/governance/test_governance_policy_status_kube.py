"""Cluster mode: the control plane writes the Accepted condition of Policies applied with
kubectl (straight to the Kubernetes API emulator, tests/fakes/kube_emulator.py, never
through Bosun's API), and of those already there when it starts, with no traffic."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import kmock
import pytest
from lightkube import AsyncClient, KubeConfig
from lightkube.config.models import Cluster, User
from server_harness import serving

from bosun.server.app import create_app
from bosun.server.db import Database
from bosun.server.settings import Settings
from bosun.server.store_kube import KubeResourceStore

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "fakes"))

from kube_emulator import KubeEmulator, declare_kagent_kinds


def policy(name: str, window: str) -> dict[str, Any]:
    return {"apiVersion": "policy.bosun.dev/v1alpha1", "kind": "Policy",
            "metadata": {"name": name, "namespace": "team-a"},
            "spec": {"limits": [{"name": "budget", "window": window, "tokens": 5000}]}}  # fmt: skip


@pytest.fixture
async def kubectl() -> AsyncIterator[KubeResourceStore]:
    """Writes straight to the emulated API server, as kubectl does."""
    async with KubeEmulator() as emulator, kmock.Server(emulator) as server:
        declare_kagent_kinds(emulator)
        url = str(server.url).rstrip("/")
        config = KubeConfig.from_one(cluster=Cluster(server=url), user=User(token="cp"))
        kube = KubeResourceStore(AsyncClient(config=config, field_manager="kubectl"))
        yield kube
        await kube.close()


async def condition_of(store: KubeResourceStore, name: str) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for _ in range(100):
        body = (await store.get("Policy", "team-a", name)).body
        conditions = (body.get("status") or {}).get("conditions")
        if conditions:
            return dict(conditions[0])
        await asyncio.sleep(0.05)
    raise AssertionError(f"Policy {name} has no status: {body}")


async def test_kubectl_applied_policies_get_their_accepted_condition(
    kubectl: KubeResourceStore, tmp_path: Path
) -> None:
    await kubectl.apply(policy("before-start", "24h"))
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'cp.db'}")
    settings = Settings(
        mode="cluster", data_dir=tmp_path, service_account_auth=False, policy_refresh=600
    )
    app = create_app(settings, database=db, store=kubectl)
    try:
        async with serving(app):
            before = await condition_of(kubectl, "before-start")
            assert (before["type"], before["status"]) == ("Accepted", "True")

            await kubectl.apply(policy("too-long", "40d"))
            refused = await condition_of(kubectl, "too-long")
            assert (refused["status"], refused["reason"]) == ("False", "InvalidSpec")
            assert refused["message"].startswith("spec.limits[0].window: 40d")
    finally:
        await db.close()
