"""Policies enforced: forbidden models, token budgets and request rates at the gateway
(with Retry-After and a reset after the window), shared by two replicas."""

from __future__ import annotations

import contextlib
from pathlib import Path

from gateway_harness import (
    USAGE_SCRIPT,
    agent,
    chat,
    gateway_plane,
    model_config,
    openai_path,
    policy,
    secret,
)

from bosun.mockllm.testing import MockLLMFactory, mock_llm  # noqa: F401
from bosun.server.db import Database
from bosun.server.secretbox import SecretBox


async def _setup(plane, llm, *policies) -> None:  # type: ignore[no-untyped-def]
    for body in (secret(), model_config(llm.openai_base_url), agent()):
        await plane.store.apply(body)
    for body in policies:
        created = await plane.http.post("/api/resources", json=body)
        assert created.status_code in (200, 201), created.text


async def test_a_model_the_namespace_may_not_use_is_refused_naming_the_policy(
    database: Database,
    tmp_path: Path,
    mock_llm: MockLLMFactory,  # noqa: F811
) -> None:
    llm = mock_llm(USAGE_SCRIPT)
    async with gateway_plane(database, tmp_path) as plane:
        await _setup(plane, llm, policy(models={"allow": ["claude-*", "gpt-3.5*"]}))
        refused = await plane.http.post(openai_path(), json=chat(), headers=plane.auth())
        assert refused.status_code == 403
        message = refused.json()["error"]["message"]
        assert 'model "gpt-4o" is not allowed in namespace default' in message
        assert "Policy default/governance" in message and "claude-*" in message
        assert llm.llm_requests() == []
        stored = await plane.http.get("/api/resources/policies/default/governance")
        condition = stored.json()["status"]["conditions"][0]
        assert (condition["type"], condition["status"]) == ("Accepted", "True")

        await plane.http.post("/api/resources", json=policy(models={"allow": ["gpt-*"]}))
        allowed = await plane.http.post(openai_path(), json=chat(), headers=plane.auth())
        assert allowed.status_code == 200


async def test_an_invalid_policy_is_refused_naming_the_field(
    database: Database, tmp_path: Path
) -> None:
    async with gateway_plane(database, tmp_path) as plane:
        bad = policy(limits=[{"name": "daily", "window": "24h"}])
        answer = await plane.http.post("/api/resources", json=bad)
        assert answer.status_code == 422
        assert answer.json()["field"].startswith("spec.limits[0]")
        assert "tokens, requests or both" in answer.json()["message"]


async def test_budget_exhausted_gives_429_with_retry_after_until_the_window_resets(
    database: Database,
    tmp_path: Path,
    mock_llm: MockLLMFactory,  # noqa: F811
) -> None:
    llm = mock_llm(USAGE_SCRIPT)
    budget = {"name": "daily", "per": "Namespace", "window": "1h", "tokens": 100}
    async with gateway_plane(database, tmp_path) as plane:
        await _setup(plane, llm, policy(limits=[budget]))
        plane.clock.now += 600  # 10 minutes into the hour
        for _ in range(2):  # 60 tokens each: the second ends at 120 >= 100
            ok = await plane.http.post(openai_path(), json=chat(), headers=plane.auth())
            assert ok.status_code == 200
        refused = await plane.http.post(openai_path(), json=chat(), headers=plane.auth())
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "3000"
        assert refused.headers["x-should-retry"] == "false"
        message = refused.json()["error"]["message"]
        assert "namespace default is over the token budget of 100 tokens per 1h" in message
        assert "limit daily of Policy default/governance (spec.limits[0])" in message
        assert "resets at 2027-01-15T09:00:00Z (in 3000 s)" in message
        assert len(llm.llm_requests()) == 2

        plane.clock.now += 3000  # the next hour: a fresh budget
        again = await plane.http.post(openai_path(), json=chat(), headers=plane.auth())
        assert again.status_code == 200


async def test_request_rate_per_user(
    database: Database,
    tmp_path: Path,
    mock_llm: MockLLMFactory,  # noqa: F811
) -> None:
    llm = mock_llm(USAGE_SCRIPT)
    rate = {"name": "per-user", "per": "User", "window": "1m", "requests": 2}
    async with gateway_plane(database, tmp_path) as plane:
        await _setup(plane, llm, policy(limits=[rate]))
        alice = {**plane.auth(), "X-Bosun-User": "alice"}
        for _ in range(2):
            assert (await plane.http.post(openai_path(), json=chat(), headers=alice)).is_success
        refused = await plane.http.post(openai_path(), json=chat(), headers=alice)
        assert refused.status_code == 429 and refused.headers["retry-after"] == "60"
        assert refused.headers["x-should-retry"] == "false"  # waits over 10 s are not retried
        assert "user alice is over the rate of 2 requests per 1m" in refused.text
        bob = {**plane.auth(), "X-Bosun-User": "bob"}
        assert (await plane.http.post(openai_path(), json=chat(), headers=bob)).is_success


async def test_two_replicas_on_one_database_share_a_budget(
    database: Database,
    tmp_path: Path,
    mock_llm: MockLLMFactory,  # noqa: F811
) -> None:
    llm = mock_llm(USAGE_SCRIPT)
    budget = {"name": "daily", "per": "Agent", "window": "24h", "tokens": 100}
    box = SecretBox.generate()
    url = database.engine.url.render_as_string(hide_password=False)
    async with contextlib.AsyncExitStack() as stack:
        second_db = await Database.open(url)
        stack.push_async_callback(second_db.close)
        one = await stack.enter_async_context(gateway_plane(database, tmp_path, box=box))
        two = await stack.enter_async_context(gateway_plane(second_db, tmp_path, box=box))
        await _setup(one, llm, policy(limits=[budget]))
        for plane in (one, two):
            ok = await plane.http.post(openai_path(), json=chat(), headers=plane.auth())
            assert ok.status_code == 200, ok.text
        for plane in (two, one):
            refused = await plane.http.post(openai_path(), json=chat(), headers=plane.auth())
            assert refused.status_code == 429
            assert "agent default/helper is over the token budget" in refused.text
