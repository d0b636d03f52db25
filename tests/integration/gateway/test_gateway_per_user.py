"""Per-user metering with a real agent: the runtime sends the A2A caller (X-Bosun-User,
as the control plane's proxy names it) on its LLM calls through the gateway, so a
`per: User` limit counts each user apart and the metering rows name the user."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml
from gateway_harness import (
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
TOKENS = {"alice": "tok-alice-5c1d", "bob": "tok-bob-77e2"}


def _ask(user: str, text: str) -> tuple[dict[str, Any], dict[str, str]]:
    message = {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": [{"text": text}]}
    body = {"jsonrpc": "2.0", "id": "1", "method": "SendMessage",
            "params": {"message": message, "configuration": {"blocking": True}}}  # fmt: skip
    return body, {"A2A-Version": "1.0", "Authorization": f"Bearer {TOKENS[user]}"}


def _state_and_text(answer: Any) -> tuple[str, str]:
    result = answer.json()["result"]
    task = result.get("task") or result
    parts = [p for a in task.get("artifacts") or [] for p in a.get("parts") or []]
    parts += ((task.get("status") or {}).get("message") or {}).get("parts") or []
    return task["status"]["state"], " ".join(p.get("text", "") for p in parts)


async def test_a_per_user_limit_counts_each_user_of_a_real_agent_apart(
    database: Database,
    tmp_path: Path,
    mock_llm: MockLLMFactory,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from bosun.runtime.app import create_app

    tokens = tmp_path / "tokens.csv"
    tokens.write_text("".join(f"{t},{u},{i}\n" for i, (u, t) in enumerate(TOKENS.items())))
    llm = mock_llm(USAGE_SCRIPT)
    manifests = [secret(), model_config(llm.openai_base_url), agent()]
    async with gateway_plane(database, tmp_path, auth="token", token_file=tokens) as plane:
        for body in manifests:
            await plane.store.apply(body)
        limit = {"name": "per-user", "per": "User", "window": "1h", "requests": 1}
        await plane.store.apply(policy(limits=[limit]))
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
        proxy = "/api/a2a/default/helper"
        async with serving(app) as agent_url:
            await plane.store.patch_status("Agent", "default", "helper", {
                "conditions": [{"type": "Ready", "status": "True", "reason": "Ready"}],
                "url": agent_url})  # fmt: skip
            states = {}
            for user in ("alice", "bob", "alice"):
                body, headers = _ask(user, f"hi from {user}")
                answer = await plane.http.post(proxy, json=body, headers=headers)
                assert "result" in answer.json(), answer.text
                states.setdefault(user, []).append(_state_and_text(answer))
        rows = await plane.metered()
    assert states["alice"][0][0] == "TASK_STATE_COMPLETED", states
    assert [s for s, _ in states["bob"]] == ["TASK_STATE_COMPLETED"], states  # not shared
    state, text = states["alice"][1]
    assert state == "TASK_STATE_FAILED", states
    assert "user alice is over the rate of 1 requests per 1h" in text, text
    assert {r["user"] for r in rows} == {"alice", "bob"}, rows
    assert all(r["requests"] == 1 for r in rows), rows
