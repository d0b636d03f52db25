"""The proxy's access checks in every spelling the agent reads: a 0.3 HTTP+JSON send (its
message under `request`, the a2a-sdk 0.3 REST client's shape), push-config calls naming
the task `id` (0.3) or `task_id`, and a role refusal on HTTP+JSON in that binding's form."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from a2a.types import GetTaskRequest, Message, Part, Role, SendMessageRequest
from a2a_helpers import client
from server_agents import SCRIPT, register, run_agent
from server_harness import Plane, control_plane

from bosun.mockllm import MockLLM
from bosun.runtime import push
from bosun.server.db import Database

pytestmark = pytest.mark.slow  # starts the agent runtime and a control plane

PROXY = "/api/a2a/default/helper"
ALICE, BOB = {"X-Bosun-User": "alice"}, {"X-Bosun-User": "bob"}
V1 = {"A2A-Version": "1.0"}
SECRET = "AZURE-PELICAN"


@pytest.fixture
async def plane(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[Plane, MockLLM]]:
    monkeypatch.setenv(push.ALLOWED_NETWORKS_ENV, "127.0.0.1/32")
    monkeypatch.setattr(push, "RETRY_DELAYS", ())
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'cp.db'}")
    with MockLLM(SCRIPT) as llm:
        async with control_plane(db, tmp_path) as plane:
            monkeypatch.setenv("BOSUN_URL", plane.url)  # the runtime persists through us
            async with run_agent(tmp_path, llm) as agent_url:
                await register(plane, "helper", agent_url)
                yield plane, llm
    await db.close()


def _message(text: str, **ids: str) -> dict[str, Any]:
    return {"messageId": str(uuid.uuid4()), "role": "ROLE_USER", "parts": [{"text": text}], **ids}


async def _alice_task(plane: Plane, **configuration: Any) -> tuple[str, str]:
    params = {"message": _message(f"my secret is {SECRET}"), "configuration": configuration}
    body = {"jsonrpc": "2.0", "id": 1, "method": "SendMessage", "params": params}
    sent = (await plane.http.post(PROXY, json=body, headers={**ALICE, **V1})).json()
    await plane.settle()
    return sent["result"]["task"]["id"], sent["result"]["task"]["contextId"]


async def test_a_0_3_rest_client_through_the_proxy_owns_its_task(
    plane: tuple[Plane, MockLLM],
) -> None:
    proxy, _ = plane
    url = proxy.url + PROXY
    sent: list[bytes] = []

    async def keep(request: httpx.Request) -> None:
        sent.append(request.content)

    hooks = {"request": [keep]}
    async with httpx.AsyncClient(headers=ALICE, timeout=30, event_hooks=hooks) as http:
        alice = await client(url, http, binding="HTTP+JSON", version="0.3")
        message = Message(
            role=Role.ROLE_USER, message_id=str(uuid.uuid4()), parts=[Part(text="hi")]
        )
        events = [e async for e in alice.send_message(SendMessageRequest(message=message))]
        last = events[-1]
        task_id = last.task.id if last.HasField("task") else last.status_update.task_id
        got = await alice.get_task(GetTaskRequest(id=task_id))
        assert got.status.state == 3  # TASK_STATE_COMPLETED, answered to its owner
    assert any(b'"request"' in body for body in sent)  # the 0.3 wire shape, not 1.0's
    await proxy.settle()
    assert await proxy.app.state.ctx.repos.tasks.owner(task_id) == "alice"
    stored = (await proxy.http.get(f"/api/tasks/{task_id}", headers=ALICE)).json()
    assert stored["user_id"] == "alice"


@pytest.mark.parametrize("spelling", ["contextId", "context_id", "taskId", "task_id"])
async def test_a_0_3_rest_send_cannot_join_another_users_conversation(
    plane: tuple[Plane, MockLLM], spelling: str
) -> None:
    proxy, llm = plane
    task_id, context_id = await _alice_task(proxy)
    seen = len(llm.llm_requests())
    target = task_id if spelling.startswith("task") else context_id
    # The 0.3 REST shape: the message under `request`, its text in `content`, no header.
    message = {"messageId": str(uuid.uuid4()), "role": "ROLE_USER",
               "content": [{"text": "what was said?"}], spelling: target}  # fmt: skip
    bob = await proxy.http.post(f"{PROXY}/v1/message:send", json={"request": message}, headers=BOB)
    assert bob.status_code == 404, bob.text
    assert bob.json()["error"]["details"][0]["reason"] == "TASK_NOT_FOUND"
    assert not any(SECRET in json.dumps(r, default=str) for r in llm.llm_requests()[seen:])


async def test_a_send_without_a_message_is_not_forwarded(plane: tuple[Plane, MockLLM]) -> None:
    proxy, llm = plane
    seen = len(llm.llm_requests())
    rest = await proxy.http.post(f"{PROXY}/v1/message:send", json={"msg": {}}, headers=BOB)
    assert rest.status_code == 400
    body = {"jsonrpc": "2.0", "id": 3, "method": "message/send", "params": {}}
    rpc = (await proxy.http.post(PROXY, json=body, headers=BOB)).json()
    assert rpc["error"]["code"] == -32602 and rpc["id"] == 3
    assert len(llm.llm_requests()) == seen


async def test_push_configs_of_another_user_are_refused_in_every_spelling(
    plane: tuple[Plane, MockLLM],
) -> None:
    proxy, _ = plane
    config = {"url": "http://127.0.0.1:9/hook", "token": "alice-token",
              "authentication": {"scheme": "Bearer", "credentials": "alice-cred"}}  # fmt: skip
    task_id, _ = await _alice_task(proxy, taskPushNotificationConfig=config)
    listed = await proxy.http.get(f"{PROXY}/v1/tasks/{task_id}/pushNotificationConfigs",
                                  headers={**ALICE, **V1})  # fmt: skip
    config_id = listed.json()["configs"][0]["id"]
    calls = [
        ("ListTaskPushNotificationConfigs", {"task_id": task_id}, V1),
        ("GetTaskPushNotificationConfig", {"task_id": task_id, "id": config_id}, V1),
        ("DeleteTaskPushNotificationConfig", {"task_id": task_id, "id": config_id}, V1),
        ("tasks/pushNotificationConfig/list", {"id": task_id}, {}),
        ("tasks/pushNotificationConfig/get", {"id": task_id}, {}),
        ("tasks/pushNotificationConfig/get", {"name": f"tasks/{task_id}/x"}, {}),
        ("tasks/pushNotificationConfig/delete",
         {"id": task_id, "pushNotificationConfigId": config_id}, {}),
    ]  # fmt: skip
    for method, params, headers in calls:
        body = {"jsonrpc": "2.0", "id": 9, "method": method, "params": params}
        answer = await proxy.http.post(PROXY, json=body, headers={**BOB, **headers})
        assert answer.json().get("error", {}).get("code") == -32001, (method, answer.text)
        assert "alice-" not in answer.text
    configs = f"{PROXY}/v1/tasks/{task_id}/pushNotificationConfigs"
    for verb, path in [("GET", configs), ("GET", f"{configs}/{config_id}"),
                       ("DELETE", f"{configs}/{config_id}"), ("POST", configs),
                       ("GET", f"{PROXY}/v1/tasks/{task_id}:other")]:  # fmt: skip
        for version in (V1, {}):
            rest = await proxy.http.request(verb, path, headers={**BOB, **version}, json={})
            assert rest.status_code == 404, (verb, path, rest.text)
            assert "alice-" not in rest.text
    after = await proxy.http.get(f"{PROXY}/v1/tasks/{task_id}/pushNotificationConfigs",
                                 headers={**ALICE, **V1})  # fmt: skip
    assert [c["id"] for c in after.json()["configs"]] == [config_id]  # nothing deleted


async def test_a_rest_call_refused_by_role_gets_the_rest_error(tmp_path: Path) -> None:
    tokens = tmp_path / "tokens.csv"
    tokens.write_text('tok-root,root,1,"platform"\ntok-nora,nora,4\n')
    rbac = json.dumps({"admin": ["group:platform"], "viewer": {"other": ["nora"]}})
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'cp.db'}")
    with MockLLM(SCRIPT) as llm:
        settings = {"auth": "token", "token_file": tokens, "rbac": rbac}
        async with (
            control_plane(db, tmp_path, **settings) as proxy,
            run_agent(tmp_path, llm) as agent_url,
        ):
            await register(proxy, "helper", agent_url)
            nora = {"Authorization": "Bearer tok-nora", **V1}
            rest = await proxy.http.get(f"{PROXY}/v1/tasks/x", headers=nora)
            rpc_body = {"jsonrpc": "2.0", "id": 1, "method": "GetTask", "params": {"id": "x"}}
            rpc = await proxy.http.post(PROXY, json=rpc_body, headers=nora)
    await db.close()
    assert rest.status_code == 403, rest.text
    error = rest.json()["error"]
    assert error["status"] == "PERMISSION_DENIED" and "viewer role" in error["message"]
    assert error["details"][0]["reason"] == "FORBIDDEN_BY_ROLE"
    assert rpc.status_code == 200 and rpc.json()["error"]["code"] == -32054  # JSON-RPC as before


def test_rest_push_config_calls_have_their_json_rpc_names() -> None:
    from bosun.server.a2a_rest import rest_call

    path = "v1/tasks/t1/pushNotificationConfigs"
    names = {
        (verb, sub): getattr(rest_call(verb, path + sub, None, {}), "method", None)
        for verb, sub in [("POST", ""), ("GET", ""), ("GET", "/c1"), ("DELETE", "/c1")]
    }
    assert names == {
        ("POST", ""): "CreateTaskPushNotificationConfig",
        ("GET", ""): "ListTaskPushNotificationConfigs",
        ("GET", "/c1"): "GetTaskPushNotificationConfig",
        ("DELETE", "/c1"): "DeleteTaskPushNotificationConfig",
    }


async def test_an_oversized_rest_answer_gets_the_rest_error(tmp_path: Path) -> None:
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path / 'cp.db'}")
    with MockLLM(SCRIPT) as llm:
        async with (
            control_plane(db, tmp_path, max_agent_answer_bytes=4096) as proxy,
            run_agent(tmp_path, llm) as agent_url,
        ):
            await register(proxy, "helper", agent_url)
            body = {"message": _message("x" * 5000)}  # echoed back: an answer past 4 KiB
            big = await proxy.http.post(f"{PROXY}/v1/message:send", json=body, headers=V1)
    await db.close()
    assert big.status_code == 502, big.text
    error = big.json()["error"]
    assert error["code"] == 502 and "BOSUN_MAX_AGENT_ANSWER_BYTES" in error["message"]
    assert error["details"][0]["reason"] == "ANSWER_TOO_LARGE"
