"""Push notifications through the official a2a-sdk client: configs set with the message and
with the config methods, delivery to a local webhook with the receiver's token and
credentials, retries on a failing receiver, webhook URLs screened against SSRF, and
configs that survive an agent restart."""

from __future__ import annotations

import uuid

import httpx
import pytest
from a2a.client.errors import A2AClientError
from a2a.types import (
    AuthenticationInfo,
    DeleteTaskPushNotificationConfigRequest,
    GetTaskPushNotificationConfigRequest,
    ListTaskPushNotificationConfigsRequest,
    Message,
    Part,
    Role,
    SendMessageConfiguration,
    SendMessageRequest,
    TaskPushNotificationConfig,
)
from a2a.utils.errors import InvalidParamsError
from a2a_helpers import client
from a2a_webhook import Receiver
from runtime_helpers import base_config

from bosun.mockllm import MockLLM
from bosun.runtime import push

pytestmark = pytest.mark.slow  # starts agents (pydantic-ai import: seconds)

SCRIPT = [
    {"match": {"contains": "weather", "turn": 0}, "text": "Checking.",
     "tool_calls": [{"name": "ask_user", "arguments": {"questions": [{"question": "City?"}]}}]},
    {"default": True, "text": "Sunny."},
]  # fmt: skip


def _send(text: str, *, task_id: str = "", context_id: str = "", config=None) -> SendMessageRequest:
    message = Message(
        role=Role.ROLE_USER,
        message_id=str(uuid.uuid4()),
        parts=[Part(text=text)],
        task_id=task_id,
        context_id=context_id,
    )
    configuration = SendMessageConfiguration(return_immediately=True)
    if config is not None:
        configuration.task_push_notification_config.CopyFrom(config)
    return SendMessageRequest(message=message, configuration=configuration)


async def _first(stream):
    async for event in stream:
        return event
    raise AssertionError("no event")


@pytest.fixture
def allow_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(push.ALLOWED_NETWORKS_ENV, "127.0.0.1/32")
    monkeypatch.setattr(push, "RETRY_DELAYS", (0.05, 0.1, 0.2))


@pytest.mark.parametrize("binding", ["JSONRPC", "HTTP+JSON"])
async def test_updates_reach_the_webhook_with_its_credentials_and_retries(
    start_agent, allow_loopback, binding: str
) -> None:
    receiver = await Receiver(fail_first=2).start()
    try:
        with MockLLM(SCRIPT) as llm:
            agent = await start_agent(base_config(llm))
            async with httpx.AsyncClient(timeout=30) as http:
                a2a = await client(agent.url, http, binding=binding)
                config = TaskPushNotificationConfig(
                    url=receiver.url,
                    token="tok-123",
                    authentication=AuthenticationInfo(scheme="Bearer", credentials="s3cret"),
                )
                first = await _first(a2a.send_message(_send("hello", config=config)))
                task_id = first.task.id
                done = await receiver.wait_for("TASK_STATE_COMPLETED")
                configs = await a2a.list_task_push_notification_configs(
                    ListTaskPushNotificationConfigsRequest(task_id=task_id)
                )
                [stored] = configs.configs
                got = await a2a.get_task_push_notification_config(
                    GetTaskPushNotificationConfigRequest(task_id=task_id, id=stored.id)
                )
                assert got.url == receiver.url
                await a2a.delete_task_push_notification_config(
                    DeleteTaskPushNotificationConfigRequest(task_id=task_id, id=stored.id)
                )
                after = await a2a.list_task_push_notification_configs(
                    ListTaskPushNotificationConfigsRequest(task_id=task_id)
                )
                assert list(after.configs) == []
    finally:
        await receiver.stop()
    assert done["statusUpdate"]["taskId"] == task_id
    statuses = [status for _, _, status in receiver.calls]
    assert statuses[:3] == [503, 503, 200]  # the first update, retried until delivered
    for headers, _, _ in receiver.calls:
        assert headers["x-a2a-notification-token"] == "tok-123"
        assert headers["authorization"] == "Bearer s3cret"


async def test_webhook_urls_to_internal_addresses_are_refused(start_agent, monkeypatch) -> None:
    monkeypatch.delenv(push.ALLOWED_NETWORKS_ENV, raising=False)
    with MockLLM(SCRIPT) as llm:
        agent = await start_agent(base_config(llm))
        async with httpx.AsyncClient(timeout=30) as http:
            a2a = await client(agent.url, http, binding="JSONRPC")
            first = await _first(a2a.send_message(_send("weather?")))
            for url in ("http://127.0.0.1:9/hook", "http://169.254.169.254/latest", "file:///etc"):
                config = TaskPushNotificationConfig(task_id=first.task.id, url=url)
                with pytest.raises((InvalidParamsError, A2AClientError)):
                    await a2a.create_task_push_notification_config(config)
    assert await push.validate_url("http://10.0.0.1/") is False
    monkeypatch.setenv(push.ALLOWED_NETWORKS_ENV, "10.0.0.0/8")
    assert await push.validate_url("http://10.0.0.1/") is True


async def test_configs_survive_an_agent_restart(start_agent, allow_loopback) -> None:
    receiver = await Receiver().start()
    try:
        with MockLLM(SCRIPT) as llm:
            agent = await start_agent(base_config(llm), name="durable")
            async with httpx.AsyncClient(timeout=30) as http:
                a2a = await client(agent.url, http, binding="JSONRPC")
                first = await _first(a2a.send_message(_send("weather?")))
                task_id, context_id = first.task.id, first.task.context_id
                await a2a.create_task_push_notification_config(
                    TaskPushNotificationConfig(task_id=task_id, url=receiver.url, token="t")
                )
                await receiver.wait_for("TASK_STATE_INPUT_REQUIRED")
            await agent.stop()
            receiver.calls.clear()

            again = await start_agent(base_config(llm), name="durable")  # same store
            async with httpx.AsyncClient(timeout=30) as http:
                a2a = await client(again.url, http, binding="JSONRPC")
                await _first(
                    a2a.send_message(_send("Oslo", task_id=task_id, context_id=context_id))
                )
                await receiver.wait_for("TASK_STATE_COMPLETED")
    finally:
        await receiver.stop()
    assert all(headers["x-a2a-notification-token"] == "t" for headers, _, _ in receiver.calls)
