"""End to end: an agent routed through the gateway (runtime + gateway + fake LLM) answers,
holds no provider key anywhere, and fails fast with the Policy's message when over budget."""

from __future__ import annotations

import json
import logging
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from gateway_harness import (
    REAL_KEY,
    USAGE_SCRIPT,
    agent,
    gateway_plane,
    model_config,
    policy,
    secret,
    serving,
)

from bosun.api import gateway as contract
from bosun.api.manifests import load_text
from bosun.controller.translate import TranslateOptions, references_from_set, translate_agent
from bosun.mockllm.testing import MockLLMFactory, mock_llm  # noqa: F401
from bosun.server.db import Database

pytestmark = pytest.mark.slow
A2A = {"A2A-Version": "1.0"}


def ask(text: str) -> dict[str, Any]:
    message = {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": [{"text": text}]}
    return {"jsonrpc": "2.0", "id": "1", "method": "SendMessage",
            "params": {"message": message, "configuration": {"blocking": True}}}  # fmt: skip


def _texts(result: dict[str, Any]) -> str:
    task = result.get("task") or result
    parts = [p for a in task.get("artifacts") or [] for p in a.get("parts") or []]
    parts += ((task.get("status") or {}).get("message") or {}).get("parts") or []
    return " ".join(p.get("text", "") for p in parts)


async def test_a_routed_agent_answers_and_holds_no_provider_key(
    database: Database,
    tmp_path: Path,
    mock_llm: MockLLMFactory,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from bosun.runtime.app import create_app

    caplog.set_level(logging.DEBUG)
    llm = mock_llm(USAGE_SCRIPT)
    manifests = [secret(), model_config(llm.openai_base_url), agent()]
    async with gateway_plane(database, tmp_path) as plane:
        for body in manifests:
            await plane.store.apply(body)
        refs = references_from_set(load_text(yaml.safe_dump_all(manifests)))
        typed = load_text(yaml.safe_dump(agent())).resources[0]
        out = translate_agent(typed, refs, TranslateOptions(controlplane_url=plane.url))
        assert out.config is not None and out.card is not None
        config_dir = tmp_path / "config"
        config_dir.mkdir()
        (config_dir / "config.json").write_text(out.config.to_json())
        (config_dir / "agent-card.json").write_text(json.dumps(out.card))
        pod = json.dumps(out.objects)
        assert REAL_KEY not in pod and "llm-key" not in pod  # no env from the key's Secret
        assert REAL_KEY not in out.config.to_json()

        # The agent's credential (the supervisor provides it as a rotated file; the
        # runtime falls back to this env variable when the file is not there):
        monkeypatch.setenv(contract.TOKEN_ENV, plane.token())
        monkeypatch.delenv("BOSUN_URL", raising=False)
        app = create_app(config_dir, data_dir=tmp_path / "agent-data")
        async with serving(app) as agent_url:
            await plane.store.patch_status("Agent", "default", "helper", {
                "conditions": [{"type": "Ready", "status": "True", "reason": "Ready"}],
                "url": agent_url})  # fmt: skip
            answer = await plane.http.post("/api/a2a/default/helper", json=ask("hi"), headers=A2A)
            assert "result" in answer.json(), answer.text
            result = answer.json()["result"]
            assert "hello from the provider" in _texts(result), result
            assert llm.llm_requests()[-1].path.startswith("/v1/chat/completions")

            budget = {"name": "hourly", "window": "1h", "tokens": 50}
            await plane.store.apply(policy(limits=[budget]))
            proxy = "/api/a2a/default/helper"
            await plane.http.post(proxy, json=ask("spend"), headers=A2A)  # 60 tokens
            started = time.monotonic()
            refused = await plane.http.post(proxy, json=ask("more"), headers=A2A)
            took = time.monotonic() - started
        task = refused.json()["result"].get("task") or refused.json()["result"]
        assert task["status"]["state"] == "TASK_STATE_FAILED", task
        message = _texts(task)
        assert "over the token budget of 50 tokens per 1h" in message, message
        assert "Policy default/governance" in message and "resets at" in message
        assert message.startswith("The model gateway refused the call"), message
        # Not a provider's rate limit, not cut, not a dict:
        assert "rate limiting" not in message and "Try again in a moment" not in message
        assert "{'" not in message and "…" not in message, message
        assert message.rstrip().endswith("s)"), message  # "... (in N s)": the whole message
        assert took < 10, f"the runtime retried a long 429 for {took:.1f} s"
    assert REAL_KEY not in caplog.text
    assert REAL_KEY not in (config_dir / "config.json").read_text()


async def test_a_forbidden_model_fails_the_task_with_the_policys_message(
    database: Database,
    tmp_path: Path,
    mock_llm: MockLLMFactory,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bosun.runtime.app import create_app

    llm = mock_llm(USAGE_SCRIPT)
    manifests = [secret(), model_config(llm.openai_base_url), agent()]
    async with gateway_plane(database, tmp_path) as plane:
        for body in manifests:
            await plane.store.apply(body)
        await plane.store.apply(policy(models={"allow": ["gpt-4o-mini"]}))
        refs = references_from_set(load_text(yaml.safe_dump_all(manifests)))
        typed = load_text(yaml.safe_dump(agent())).resources[0]
        out = translate_agent(typed, refs, TranslateOptions(controlplane_url=plane.url))
        assert out.config is not None and out.card is not None
        config_dir = tmp_path / "config"
        config_dir.mkdir()
        (config_dir / "config.json").write_text(out.config.to_json())
        (config_dir / "agent-card.json").write_text(json.dumps(out.card))
        monkeypatch.setenv(contract.TOKEN_ENV, plane.token())
        monkeypatch.delenv("BOSUN_URL", raising=False)
        app = create_app(config_dir, data_dir=tmp_path / "agent-data")
        async with serving(app) as agent_url:
            await plane.store.patch_status("Agent", "default", "helper", {
                "conditions": [{"type": "Ready", "status": "True", "reason": "Ready"}],
                "url": agent_url})  # fmt: skip
            refused = await plane.http.post("/api/a2a/default/helper", json=ask("hi"), headers=A2A)
        assert not llm.llm_requests(), "the provider was called"
    task = refused.json()["result"].get("task") or refused.json()["result"]
    assert task["status"]["state"] == "TASK_STATE_FAILED", task
    message = _texts(task)
    assert "API key" not in message and "credentials" not in message, message
    assert 'model "gpt-4o" is not allowed in namespace default' in message, message
    assert "Policy default/governance (spec.models.allow: gpt-4o-mini)" in message, message
