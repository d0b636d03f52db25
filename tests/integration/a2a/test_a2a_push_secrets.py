"""Webhook tokens and credentials are never stored or answered in clear: not in the agent's
SQLite store, not in the control plane's database, not in /api/sessions/{id}/events; the
deliveries after an agent restart still carry them (they are sealed, runtime/push.py)."""

from __future__ import annotations

import json
import sqlite3
import uuid
from pathlib import Path

import httpx
import pytest
from a2a.types import AuthenticationInfo, TaskPushNotificationConfig
from a2a_helpers import client
from a2a_webhook import Receiver
from runtime_helpers import base_config
from server_agents import SCRIPT as AGENT_SCRIPT
from server_agents import register, run_agent
from server_harness import control_plane
from test_a2a_push_notifications import SCRIPT, _first, _send

from bosun.mockllm import MockLLM
from bosun.runtime import push
from bosun.server.db import Database

pytestmark = pytest.mark.slow  # starts agents (pydantic-ai import: seconds)

TOKEN, CREDENTIALS = "tok-PLAIN-8c1f", "cred-PLAIN-77ad"


def _rows_with(path: Path, *needles: str) -> list[str]:
    """Tables of an SQLite file with a row that contains any of `needles`."""
    found = []
    with sqlite3.connect(path) as db:
        tables = [n for (n,) in db.execute("select name from sqlite_master where type='table'")]
        for table in tables:
            for row in db.execute(f'select * from "{table}"'):
                text = json.dumps(row, default=str)
                if any(needle in text for needle in needles):
                    found.append(table)
    return found


@pytest.fixture
def allow_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(push.ALLOWED_NETWORKS_ENV, "127.0.0.1/32")
    monkeypatch.setattr(push, "RETRY_DELAYS", (0.05,))
    monkeypatch.delenv(push.KEY_ENV, raising=False)


async def test_sealed_in_the_agent_store_and_still_sent_after_a_restart(
    start_agent, allow_loopback, tmp_path: Path
) -> None:
    receiver = await Receiver().start()
    auth = AuthenticationInfo(scheme="Bearer", credentials=CREDENTIALS)
    try:
        with MockLLM(SCRIPT) as llm:
            agent = await start_agent(base_config(llm), name="sealed")
            async with httpx.AsyncClient(timeout=30) as http:
                a2a = await client(agent.url, http, binding="JSONRPC")
                config = TaskPushNotificationConfig(
                    url=receiver.url, token=TOKEN, authentication=auth
                )
                first = await _first(a2a.send_message(_send("weather?", config=config)))
                task_id, context_id = first.task.id, first.task.context_id
                await a2a.create_task_push_notification_config(
                    TaskPushNotificationConfig(
                        id="second", task_id=task_id, url=receiver.url, token=TOKEN + "2"
                    )
                )
                await receiver.wait_for("TASK_STATE_INPUT_REQUIRED")
            await agent.stop()
            [store] = (tmp_path / "sealed-data").glob("*.sqlite3")
            assert _rows_with(store, "push_configs")  # the configs are stored...
            assert _rows_with(store, TOKEN, CREDENTIALS) == []  # ...their secrets are not
            key = tmp_path / "sealed-data" / push.KEY_FILE
            assert key.stat().st_mode & 0o077 == 0
            receiver.calls.clear()

            again = await start_agent(base_config(llm), name="sealed")  # same store and key
            async with httpx.AsyncClient(timeout=30) as http:
                a2a = await client(again.url, http, binding="JSONRPC")
                await _first(
                    a2a.send_message(_send("Oslo", task_id=task_id, context_id=context_id))
                )
                await receiver.wait_for("TASK_STATE_COMPLETED")
    finally:
        await receiver.stop()
    tokens = {headers["x-a2a-notification-token"] for headers, _, _ in receiver.calls}
    assert tokens == {TOKEN, TOKEN + "2"}
    assert {
        headers.get("authorization")
        for headers, _, _ in receiver.calls
        if headers["x-a2a-notification-token"] == TOKEN
    } == {f"Bearer {CREDENTIALS}"}


async def test_a_config_sealed_with_another_key_is_dropped(tmp_path: Path, monkeypatch) -> None:
    config = TaskPushNotificationConfig(
        id="c1", task_id="t1", url="https://example.com/hook", token=TOKEN,
        authentication=AuthenticationInfo(scheme="Basic", credentials=CREDENTIALS),
    )  # fmt: skip
    monkeypatch.delenv(push.KEY_ENV, raising=False)
    stored = push.ConfigSealer(tmp_path).seal(config)
    assert TOKEN not in json.dumps(stored) and CREDENTIALS not in json.dumps(stored)
    assert stored["authentication"] == {"scheme": "Basic"}
    assert push.ConfigSealer(tmp_path).open(stored) == config  # same key file
    assert push.ConfigSealer(tmp_path / "other").open(stored) is None  # another key


async def test_the_control_plane_neither_stores_nor_answers_them(
    tmp_path: Path, allow_loopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = {"X-Bosun-User": "alice", "A2A-Version": "1.0"}
    config = {"url": "http://127.0.0.1:9/hook", "token": TOKEN,
              "authentication": {"scheme": "Bearer", "credentials": CREDENTIALS}}  # fmt: skip
    message = {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": [{"text": "hi"}]}
    params = {"message": message, "configuration": {"taskPushNotificationConfig": config}}
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'cp.db'}")
    with MockLLM(AGENT_SCRIPT) as llm:
        async with control_plane(db, tmp_path) as plane:
            monkeypatch.setenv("BOSUN_URL", plane.url)  # the agent stores through the plane
            async with run_agent(tmp_path, llm) as agent_url:
                await register(plane, "helper", agent_url)
                body = {"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": params}
                sent = await plane.http.post("/api/a2a/default/helper", json=body, headers=alice)
                context_id = sent.json()["result"]["task"]["contextId"]
                await plane.settle()
                events = await plane.http.get(f"/api/sessions/{context_id}/events", headers=alice)
                # An agent from before the sealing wrote them in clear: dropped on write...
                legacy = {"kind": "push_configs", "task_id": "old", "configs": [config]}
                added = await plane.http.post(
                    f"/api/sessions/{context_id}/events", json={"data": legacy}, headers=alice
                )
                # ...and left out of answers when such a row is already in the database.
                repos = plane.app.state.ctx.repos
                await repos.sessions.add_event(None, context_id, {**legacy, "task_id": "older"})
                session = await plane.http.get(f"/api/sessions/{context_id}", headers=alice)
                again = await plane.http.get(f"/api/sessions/{context_id}/events", headers=alice)
    await db.close()
    kinds = [e["data"].get("kind") for e in events.json()]
    assert "push_configs" in kinds, kinds
    for answer in (events, added, session, again):
        assert answer.status_code < 300, answer.text
        assert TOKEN not in answer.text and CREDENTIALS not in answer.text
    assert len([e for e in again.json() if e["data"].get("kind") == "push_configs"]) == 3
    assert _rows_with(tmp_path / "cp.db", TOKEN, CREDENTIALS) == ["events"]  # the "older" row only


async def test_through_the_control_plane_store_they_survive_a_restart_sealed(
    tmp_path: Path, allow_loopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    alice = {"X-Bosun-User": "alice", "A2A-Version": "1.0"}
    receiver = await Receiver().start()
    config = {"url": receiver.url, "token": TOKEN,
              "authentication": {"scheme": "Bearer", "credentials": CREDENTIALS}}  # fmt: skip

    def send(text: str, **ids: str) -> dict:
        message = {"messageId": str(uuid.uuid4()), "role": "ROLE_USER",
                   "parts": [{"text": text}], **ids}  # fmt: skip
        params: dict = {"message": message}
        if not ids:  # the first message registers the webhook
            params["configuration"] = {"taskPushNotificationConfig": config}
        return {"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": params}

    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'cp.db'}")
    try:
        with MockLLM(SCRIPT) as llm:
            async with control_plane(db, tmp_path) as plane:
                monkeypatch.setenv("BOSUN_URL", plane.url)  # the agent stores through the plane
                proxy = "/api/a2a/default/helper"
                async with run_agent(tmp_path, llm) as agent_url:
                    await register(plane, "helper", agent_url)
                    sent = await plane.http.post(proxy, json=send("weather?"), headers=alice)
                    task = sent.json()["result"]["task"]
                    await receiver.wait_for("TASK_STATE_INPUT_REQUIRED")
                receiver.calls.clear()
                async with run_agent(tmp_path, llm) as agent_url:  # same data dir, same key
                    await register(plane, "helper", agent_url)
                    answer = {"taskId": task["id"], "contextId": task["contextId"]}
                    await plane.http.post(proxy, json=send("Oslo", **answer), headers=alice)
                    await receiver.wait_for("TASK_STATE_COMPLETED")
    finally:
        await receiver.stop()
        await db.close()
    assert _rows_with(tmp_path / "cp.db", TOKEN, CREDENTIALS) == []
    assert {h["x-a2a-notification-token"] for h, _, _ in receiver.calls} == {TOKEN}
    assert {h["authorization"] for h, _, _ in receiver.calls} == {f"Bearer {CREDENTIALS}"}
