"""A Policy's Accepted condition is written when it is applied (local mode: the REST API
that `bosun apply` uses, and Policies already stored when the control plane starts, as
`bosun up` leaves them), not when traffic first reads it: GET shows it with no gateway,
A2A or /mcp request made, naming the field at fault when the Policy cannot hold."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from server_harness import serving

from bosun.server.app import create_app
from bosun.server.db import Database, Repositories
from bosun.server.secretbox import SecretBox
from bosun.server.settings import Settings
from bosun.server.store_db import DbResourceStore

PATH = "/api/resources/policies/default"


def policy(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "policy.bosun.dev/v1alpha1", "kind": "Policy",
            "metadata": {"name": name, "namespace": "default"}, "spec": spec}  # fmt: skip


@contextlib.asynccontextmanager
async def plane(
    database: Database, tmp_path: Path, store: DbResourceStore
) -> AsyncIterator[httpx.AsyncClient]:
    # A long refresh: nothing here may depend on a cache read writing the status.
    app = create_app(Settings(data_dir=tmp_path, policy_refresh=600), database=database,
                     store=store)  # fmt: skip
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        yield http


async def accepted(http: httpx.AsyncClient, name: str, generation: int = 1) -> dict[str, Any]:
    """The Accepted condition of `name` once it judges `generation` (5 s at most)."""
    body: dict[str, Any] = {}
    for _ in range(100):
        got = await http.get(f"{PATH}/{name}")
        assert got.status_code == 200, got.text
        body = got.json()
        status = body.get("status") or {}
        if status.get("observedGeneration") == generation and status.get("conditions"):
            (condition,) = status["conditions"]
            assert condition["type"] == "Accepted"
            return dict(condition)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no Accepted condition for generation {generation}: {body}")


async def test_apply_writes_the_accepted_condition_without_traffic(
    database: Database, tmp_path: Path
) -> None:
    store = DbResourceStore(Repositories.of(database).resources, SecretBox.generate())
    # As `bosun up` leaves it: stored before the control plane serves.
    await store.apply(policy("stored-before", models={"allow": ["gpt-*"]}))
    async with plane(database, tmp_path, store) as http:
        before = await accepted(http, "stored-before")
        assert (before["status"], before["reason"]) == ("True", "Accepted")

        good = policy("budget", limits=[{"name": "daily", "window": "24h", "tokens": 1000}])
        created = await http.post("/api/resources", json=good)
        assert created.status_code in (200, 201), created.text
        condition = await accepted(http, "budget")
        assert (condition["status"], condition["reason"]) == ("True", "Accepted")

        # The schema takes 40d; only the Policy's own rule (31d at most) refuses it.
        bad = policy("monthly", limits=[{"name": "month", "window": "40d", "tokens": 1000}])
        created = await http.post("/api/resources", json=bad)
        assert created.status_code in (200, 201), created.text
        condition = await accepted(http, "monthly")
        assert (condition["status"], condition["reason"]) == ("False", "InvalidSpec")
        assert condition["message"].startswith("spec.limits[0].window: 40d is longer than 31d")

        # Fixing it is judged again, for the new generation.
        fixed = policy("monthly", limits=[{"name": "month", "window": "31d", "tokens": 1000}])
        assert (await http.post("/api/resources", json=fixed)).status_code in (200, 201)
        condition = await accepted(http, "monthly", generation=2)
        assert (condition["status"], condition["reason"]) == ("True", "Accepted")
