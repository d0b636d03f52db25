"""An agent that stores through the control plane seals push secrets with a key the control
plane derives for it (GET /api/agents/{ns}/{name}/push-key), so a replaced pod (a fresh data
dir, no BOSUN_PUSH_KEY) still delivers a running task's updates with the stored token; the
key is answered to that agent only."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from a2a_webhook import Receiver
from server_agents import register, run_agent
from server_harness import control_plane
from test_a2a_push_notifications import SCRIPT
from test_a2a_push_secrets import CREDENTIALS, TOKEN, _rows_with

from bosun.api import gateway as contract
from bosun.mockllm import MockLLM
from bosun.runtime import push
from bosun.server.db import Database
from bosun.server.governance import agent_token_minter

pytestmark = pytest.mark.slow  # starts agents (pydantic-ai import: seconds)

ALICE = {"X-Bosun-User": "alice", "A2A-Version": "1.0"}
PROXY = "/api/a2a/default/helper"
KEY_ROUTE = "/api/agents/default/helper/push-key"


def _send(text: str, config: dict | None = None, **ids: str) -> dict:
    message = {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": [{"text": text}],
               **ids}  # fmt: skip
    params: dict = {"message": message}
    if config:
        params["configuration"] = {"taskPushNotificationConfig": config}
    return {"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": params}


@pytest.fixture
def agent_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.setenv(push.ALLOWED_NETWORKS_ENV, "127.0.0.1/32")
    monkeypatch.setattr(push, "RETRY_DELAYS", (0.05,))
    monkeypatch.delenv(push.KEY_ENV, raising=False)
    monkeypatch.delenv(contract.CONTROLPLANE_TOKEN_FILE_ENV, raising=False)
    return monkeypatch


async def test_a_replaced_agent_still_delivers_with_the_stored_token(
    tmp_path: Path, agent_env: pytest.MonkeyPatch
) -> None:
    receiver = await Receiver().start()
    config = {"url": receiver.url, "token": TOKEN,
              "authentication": {"scheme": "Bearer", "credentials": CREDENTIALS}}  # fmt: skip
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'cp.db'}")
    try:
        with MockLLM(SCRIPT) as llm:
            async with control_plane(db, tmp_path / "plane") as plane:
                agent_env.setenv("BOSUN_URL", plane.url)
                mint = agent_token_minter(plane.app.state.settings)
                # the agent's own credential, as bosun up / the pod's token gives it
                agent_env.setenv(contract.CONTROLPLANE_TOKEN_ENV, mint("default", "helper"))
                async with run_agent(tmp_path / "pod-1", llm) as agent_url:
                    await register(plane, "helper", agent_url)
                    sent = await plane.http.post(PROXY, json=_send("weather?", config),
                                                 headers=ALICE)  # fmt: skip
                    task = sent.json()["result"]["task"]
                    await receiver.wait_for("TASK_STATE_INPUT_REQUIRED")
                first_pod = tmp_path / "pod-1" / "helper-data"
                assert not (first_pod / push.KEY_FILE).exists()  # the plane's key, no file
                receiver.calls.clear()
                # a replaced pod: nothing of the first one's filesystem is left
                async with run_agent(tmp_path / "pod-2", llm) as agent_url:
                    await register(plane, "helper", agent_url)
                    ids = {"taskId": task["id"], "contextId": task["contextId"]}
                    await plane.http.post(PROXY, json=_send("Oslo", **ids), headers=ALICE)
                    await receiver.wait_for("TASK_STATE_COMPLETED")
    finally:
        await receiver.stop()
        await db.close()
    assert _rows_with(tmp_path / "cp.db", TOKEN, CREDENTIALS) == []  # still sealed at rest
    assert receiver.calls
    assert {h["x-a2a-notification-token"] for h, _, _ in receiver.calls} == {TOKEN}
    assert {h["authorization"] for h, _, _ in receiver.calls} == {f"Bearer {CREDENTIALS}"}


async def test_the_push_key_is_for_that_agent_only(tmp_path: Path) -> None:
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'cp.db'}")
    try:
        async with control_plane(db, tmp_path) as plane:
            mint = agent_token_minter(plane.app.state.settings)

            def bearer(namespace: str, name: str) -> dict[str, str]:
                return {"Authorization": f"Bearer {mint(namespace, name)}"}

            own = await plane.http.get(KEY_ROUTE, headers=bearer("default", "helper"))
            again = await plane.http.get(KEY_ROUTE, headers=bearer("default", "helper"))
            other = await plane.http.get(
                "/api/agents/default/other/push-key", headers=bearer("default", "other")
            )
            forged = f"Bearer {mint('default', 'helper')[:-3]}AAA"
            refused = {
                "another agent": await plane.http.get(KEY_ROUTE, headers=bearer("default", "x")),
                "same name elsewhere": await plane.http.get(
                    KEY_ROUTE, headers=bearer("team", "helper")
                ),
                "a user": await plane.http.get(KEY_ROUTE, headers={"X-Bosun-User": "alice"}),
                "a forged token": await plane.http.get(
                    KEY_ROUTE, headers={"Authorization": forged}
                ),
            }
    finally:
        await db.close()
    assert own.status_code == 200, own.text
    assert own.headers["cache-control"] == "no-store"
    from cryptography.fernet import Fernet

    Fernet(own.json()["key"])  # a usable Fernet key
    assert again.json() == own.json()  # derived, not random
    assert other.status_code == 200 and other.json() != own.json()
    statuses = {who: answer.status_code for who, answer in refused.items()}
    assert statuses == {"another agent": 403, "same name elsewhere": 403, "a user": 401,
                        "a forged token": 401}, statuses  # fmt: skip
    for answer in refused.values():
        assert own.json()["key"] not in answer.text


async def test_in_cluster_mode_the_agents_service_account_gets_it(tmp_path: Path) -> None:
    from server_agents import agent

    from bosun.server.auth.serviceaccount import Review

    accounts = {"sa-helper": "helper", "sa-other": "other"}

    async def review(token: str, audiences: list[str] | None) -> Review:
        if token not in accounts:
            return Review(False, error="unknown token")
        user = f"system:serviceaccount:default:{accounts[token]}"
        return Review(True, user, ("system:serviceaccounts",), audiences=tuple(audiences or ()))

    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'cp.db'}")
    try:
        async with control_plane(db, tmp_path, review=review, service_account_auth=True) as plane:
            await plane.store.apply(agent("helper"))  # runs as ServiceAccount "helper"

            async def ask(token: str) -> int:
                headers = {"Authorization": f"Bearer {token}"}
                return (await plane.http.get(KEY_ROUTE, headers=headers)).status_code

            statuses = [await ask("sa-helper"), await ask("sa-other"), await ask("nope")]
    finally:
        await db.close()
    assert statuses == [200, 403, 401]
