"""Webhook deliveries connect to the address that was checked (runtime/push_address.py): a
DNS answer that changes between the check and the connection (rebinding to 127.0.0.1)
never reaches a loopback server, and every attempt checks again."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from a2a.types import TaskPushNotificationConfig

from bosun.runtime import push
from bosun.runtime.push_address import check

HOST = "hooks.example"
PUBLIC = "93.184.216.34"


class Loopback:
    """A tiny HTTP server on 127.0.0.1 that records each request's head and answers 200."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode()
        length = next((int(line.split(":", 1)[1]) for line in head.split("\r\n")
                       if line.lower().startswith("content-length:")), 0)  # fmt: skip
        await reader.readexactly(length)
        self.requests.append(head)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
        await writer.drain()
        writer.close()

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])


@pytest.fixture
async def loopback() -> AsyncIterator[Loopback]:
    server = Loopback()
    server.server = await asyncio.start_server(server._serve, "127.0.0.1", 0)
    yield server
    server.server.close()
    await server.server.wait_closed()


@pytest.fixture
def rebinding_dns(monkeypatch: pytest.MonkeyPatch) -> None:
    """The system resolver (what httpx would use on its own) answers 127.0.0.1 for HOST."""
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host == HOST:
            return real("127.0.0.1", port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


class NoInternet(httpx.AsyncBaseTransport):
    """Real connections, except to public IP literals (refused at once: no network here);
    records each request's URL host and Host header."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.seen: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append((request.url.host, request.headers["host"]))
        if request.url.host == PUBLIC:
            raise httpx.ConnectError("no route to the internet in tests", request=request)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def _sender(transport: NoInternet, answers: list[list[str]]) -> tuple[push.WebhookSender, list]:
    asked: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return answers[min(len(asked), len(answers)) - 1]

    http = httpx.AsyncClient(transport=transport, timeout=5, follow_redirects=False)
    store: Any = None  # deliver() does not read the store
    return push.WebhookSender(store, http=http, retry_delays=(0.0, 0.0), resolve=resolve), asked


def _config(port: int, scheme: str = "http") -> TaskPushNotificationConfig:
    return TaskPushNotificationConfig(
        id="c", task_id="t", url=f"{scheme}://{HOST}:{port}/hook", token="tok"
    )


async def test_delivery_connects_to_the_checked_address_not_a_second_lookup(
    loopback: Loopback, rebinding_dns: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(push.ALLOWED_NETWORKS_ENV, raising=False)
    transport = NoInternet()
    sender, asked = _sender(transport, [[PUBLIC]])
    try:
        delivered = await sender.deliver(_config(loopback.port), {"task": {}})
    finally:
        await sender.close()
    assert delivered is False  # the public address is unreachable here
    assert loopback.requests == []  # the rebound answer (127.0.0.1) was never used
    assert transport.seen == [(PUBLIC, f"{HOST}:{loopback.port}")] * 3  # 1 + 2 retries
    assert asked == [HOST] * 3  # checked again before every attempt


async def test_each_attempt_checks_again_and_refuses_a_rebound_address(
    loopback: Loopback, rebinding_dns: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(push.ALLOWED_NETWORKS_ENV, raising=False)
    transport = NoInternet()
    sender, asked = _sender(transport, [[PUBLIC], ["127.0.0.1"]])
    try:
        delivered = await sender.deliver(_config(loopback.port), {"task": {}})
    finally:
        await sender.close()
    assert delivered is False
    assert loopback.requests == []
    assert [host for host, _ in transport.seen] == [PUBLIC]  # the retry was refused first
    assert asked == [HOST, HOST]


async def test_an_allowed_address_is_called_with_the_original_host(
    loopback: Loopback, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(push.ALLOWED_NETWORKS_ENV, "127.0.0.1/32")
    transport = NoInternet()
    # HOST resolves only through the injected resolver: the client must not look it up
    sender, _ = _sender(transport, [["127.0.0.1"]])
    try:
        delivered = await sender.deliver(_config(loopback.port), {"task": {}})
    finally:
        await sender.close()
    assert delivered is True
    [head] = loopback.requests
    assert head.startswith("POST /hook ")
    assert f"host: {HOST}:{loopback.port}\r\n" in head.lower()
    assert "x-a2a-notification-token: tok\r\n" in head.lower()


async def test_pinned_https_keeps_the_name_for_sni_and_brackets_ipv6() -> None:
    async def v6(host: str, port: int) -> list[str]:
        return ["2606:4700::1111"]

    checked = await check(f"https://{HOST}/hook?x=1", v6)
    assert checked is not None
    url, headers, extensions = checked.pinned()
    assert url == "https://[2606:4700::1111]:443/hook?x=1"
    assert headers == {"Host": HOST}
    assert extensions == {"sni_hostname": HOST}


async def test_any_blocked_answer_refuses_the_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(push.ALLOWED_NETWORKS_ENV, raising=False)

    async def mixed(host: str, port: int) -> list[str]:
        return [PUBLIC, "169.254.169.254"]

    async def nothing(host: str, port: int) -> list[str]:
        raise OSError("no such host")

    assert await check(f"http://{HOST}/", mixed) is None
    assert await check(f"http://{HOST}/", nothing) is None
    assert await push.validate_url("ftp://example.com/") is False
