"""End to end: an agent that uses an agent of another namespace as a tool calls it through
the control plane's A2A proxy, so the target namespace's Policy applies to the call.

Two real runtimes (dev/caller, prod/helper) on one control plane, the scripted fake LLM
behind both. A Policy in prod denies A2A from dev: the caller's tool call gets the proxy's
error naming the rule, and the caller still answers. Without the Policy the same call
reaches the helper through the proxy, which records the helper's task for the user.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from gateway_harness import (
    REAL_KEY,
    Plane,
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

SCRIPT: list[dict[str, Any]] = [
    {"match": {"system_contains": "You are the caller", "contains": "ask prod"},
     "tool_calls": [{"name": "prod__helper", "arguments": {"request": "status of prod?"}}]},
    {"match": {"system_contains": "You are the caller", "tool_result": "prod__helper"},
     "text": "The helper said: {{last_tool_result}}"},
    {"match": {"system_contains": "You are the helper"}, "text": "prod is healthy"},
]  # fmt: skip
DENY_DEV = {"a2a": [{"namespaces": ["dev"], "action": "Deny"}]}


def ask(text: str) -> dict[str, Any]:
    message = {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": [{"text": text}]}
    return {"jsonrpc": "2.0", "id": "1", "method": "SendMessage",
            "params": {"message": message, "configuration": {"blocking": True}}}  # fmt: skip


def _answer(result: dict[str, Any]) -> tuple[str, str]:
    task = result.get("task") or result
    parts = [p for a in task.get("artifacts") or [] for p in a.get("parts") or []]
    parts += ((task.get("status") or {}).get("message") or {}).get("parts") or []
    return task["status"]["state"], " ".join(p.get("text", "") for p in parts)


def _manifests(llm_url: str) -> list[dict[str, Any]]:
    caller = agent("caller", ns="dev")
    caller["spec"]["declarative"]["systemMessage"] = "You are the caller."
    caller["spec"]["declarative"]["tools"] = [
        {"type": "Agent", "agent": {"name": "helper", "namespace": "prod"}}
    ]
    helper = agent("helper", ns="prod")
    helper["spec"]["declarative"]["systemMessage"] = "You are the helper."
    helper["spec"]["allowedNamespaces"] = {"from": "All"}  # the owners allow it; the Policy
    direct = model_config(llm_url, ns="prod")  # the helper holds its key: the gateway
    direct["metadata"]["annotations"] = {}  # would take only its own token, not the caller's
    return [  # is the platform team's word on top
        secret(ns="dev"), secret(ns="prod"), model_config(llm_url, ns="dev"), direct,
        caller, helper,
    ]  # fmt: skip


@contextlib.asynccontextmanager
async def _running(
    plane: Plane,
    manifests: list[dict[str, Any]],
    name: str,
    ns: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[None]:
    """One agent's runtime in this process, on its translated config, marked Ready."""
    from bosun.runtime.app import create_app

    refs = references_from_set(load_text(yaml.safe_dump_all(manifests)))
    body = next(m for m in manifests if m["metadata"] == {"name": name, "namespace": ns})
    typed = load_text(yaml.safe_dump(body)).resources[0]
    out = translate_agent(typed, refs, TranslateOptions(controlplane_url=plane.url))
    assert out.config is not None and out.card is not None
    key_env = out.config.model.api_key_env
    if key_env and key_env != contract.TOKEN_ENV:  # its Secret's key, as the pod's env has it
        monkeypatch.setenv(key_env, REAL_KEY)
    config_dir = tmp_path / f"{ns}-{name}"
    config_dir.mkdir()
    (config_dir / "config.json").write_text(out.config.to_json())
    (config_dir / "agent-card.json").write_text(json.dumps(out.card))
    app = create_app(config_dir, data_dir=tmp_path / f"{ns}-{name}-data")
    async with serving(app) as url:
        ready = {"conditions": [{"type": "Ready", "status": "True", "reason": "Ready"}],
                 "url": url}  # fmt: skip
        await plane.store.patch_status("Agent", ns, name, ready)
        yield


async def test_a_policy_denies_an_agent_tool_across_namespaces_and_the_caller_still_answers(
    database: Database,
    tmp_path: Path,
    mock_llm: MockLLMFactory,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    llm = mock_llm(SCRIPT)
    manifests = _manifests(llm.openai_base_url)
    async with gateway_plane(database, tmp_path) as plane:
        for body in manifests:
            await plane.store.apply(body)
        await plane.store.apply(policy(ns="prod", **DENY_DEV))
        # The caller's credential as the runtime reads it (bosun up and a cluster give a
        # rotated file; BOSUN_TOKEN is the same for the runtime), for the gateway and the
        # control plane. Both runtimes share this process's env; the A2A call is the caller's.
        token = plane.token("caller", "dev")
        monkeypatch.setenv(contract.TOKEN_ENV, token)
        monkeypatch.setenv(contract.CONTROLPLANE_TOKEN_ENV, token)
        monkeypatch.setenv("BOSUN_URL", plane.url)
        async with (
            _running(plane, manifests, "helper", "prod", tmp_path, monkeypatch),
            _running(plane, manifests, "caller", "dev", tmp_path, monkeypatch),
        ):
            proxy = "/api/a2a/dev/caller"
            headers = {"A2A-Version": "1.0", "X-Bosun-User": "alice"}
            denied = await plane.http.post(proxy, json=ask("ask prod"), headers=headers)
            state, text = _answer(denied.json()["result"])
            assert state == "TASK_STATE_COMPLETED", denied.text
            assert text.startswith("The helper said:"), text
            assert (  # the tool error the model read, with the proxy's JSON-RPC error
                "the agent prod/helper failed: JSON-RPC Error -32055: A2A from namespace dev "
                "to namespace prod is denied by Policy prod/governance rule spec.a2a[0]"
            ) in text, text
            helper_tasks = await plane.http.get("/api/tasks", params={"agent_ref": "prod/helper"})
            assert helper_tasks.json() == [], "a denied call reached the helper"

            await plane.store.delete("Policy", "prod", "governance")
            allowed = await plane.http.post(proxy, json=ask("ask prod"), headers=headers)
            state, text = _answer(allowed.json()["result"])
            assert state == "TASK_STATE_COMPLETED", allowed.text
            assert text.startswith("The helper said: prod is healthy"), text
            helper_tasks = await plane.http.get("/api/tasks", params={"agent_ref": "prod/helper"})
            (task,) = helper_tasks.json()
            assert task["state"] == "TASK_STATE_COMPLETED", task
            # The helper's task and session belong to the user the caller works for, not to
            # the caller: the runtime passed X-Bosun-User on to the proxy.
            assert task["user_id"] == "alice", task
            sessions = await plane.http.get("/api/sessions", params={"agent": "prod/helper"})
            (session,) = sessions.json()
            assert session["user_id"] == "alice", session
