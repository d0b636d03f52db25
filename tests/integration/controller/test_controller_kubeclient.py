"""KubeClient over aiohttp with lightkube's credentials: a rotated token file is read again
after a 401, and the API's Status errors become Conflict / NotFound / KubeError values."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp.web
import pytest

from bosun.controller.kube.client import Conflict, KubeClient, KubeError
from bosun.controller.kube.settings import ControllerSettings


class FakeApi:
    def __init__(self) -> None:
        self.accepted = "Bearer old"
        self.seen: list[str] = []

    async def handle(self, request: aiohttp.web.Request) -> aiohttp.web.Response:
        self.seen.append(request.headers.get("Authorization", ""))
        if request.headers.get("Authorization") != self.accepted:
            return self.status(401, "Unauthorized", "token rejected")
        name = request.match_info["name"]
        if name == "taken":
            return self.status(409, "AlreadyExists", 'configmaps "taken" already exists')
        if name == "missing":
            return self.status(404, "NotFound", 'configmaps "missing" not found')
        if name == "broken":
            return aiohttp.web.Response(status=500, text="no Status here")
        body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}
        return aiohttp.web.json_response(body)

    @staticmethod
    def status(code: int, reason: str, message: str) -> aiohttp.web.Response:
        body = {"kind": "Status", "status": "Failure", "code": code, "reason": reason}
        return aiohttp.web.Response(
            status=code,
            text=json.dumps({**body, "message": message}),
            content_type="application/json",
        )


@pytest.fixture
async def api() -> AsyncIterator[tuple[FakeApi, str]]:
    fake = FakeApi()
    app = aiohttp.web.Application()
    app.router.add_route("*", "/api/v1/namespaces/{ns}/configmaps/{name}", fake.handle)
    runner = aiohttp.web.AppRunner(app)
    await runner.setup()
    site = aiohttp.web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield fake, f"http://127.0.0.1:{port}"
    await runner.cleanup()


def kubeconfig(tmp_path: Path, server: str, token_file: Path) -> Path:
    path = tmp_path / "kubeconfig"
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "test",
        "clusters": [{"name": "test", "cluster": {"server": server}}],
        "users": [{"name": "test", "user": {"tokenFile": str(token_file)}}],
        "contexts": [{"name": "test", "context": {"cluster": "test", "user": "test"}}],
    }
    path.write_text(json.dumps(config))
    return path


async def test_rotated_token_file_is_read_again_after_401(
    api: tuple[FakeApi, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, url = api
    token = tmp_path / "token"
    token.write_text("old\n")
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig(tmp_path, url, token)))
    client = KubeClient(ControllerSettings())
    try:
        assert await client.get("v1", "ConfigMap", "ns", "a") is not None
        token.write_text("new\n")  # the kubelet rotated it; the server wants the new one
        fake.accepted = "Bearer new"
        found = await client.get("v1", "ConfigMap", "ns", "b")
        assert found is not None and found["metadata"]["name"] == "b"
        assert fake.seen == ["Bearer old", "Bearer old", "Bearer new"]
    finally:
        await client.close()


async def test_status_errors_become_values(api: tuple[FakeApi, str]) -> None:
    fake, url = api
    client = KubeClient(ControllerSettings(api_server=url, api_token="old"))
    try:
        assert await client.get("v1", "ConfigMap", "ns", "missing") is None
        with pytest.raises(Conflict) as conflict:
            await client.patch("v1", "ConfigMap", "ns", "taken", {"data": {}})
        assert (conflict.value.status, conflict.value.reason) == (409, "AlreadyExists")
        assert str(conflict.value) == '409 AlreadyExists: configmaps "taken" already exists'
        with pytest.raises(KubeError) as broken:
            await client.get("v1", "ConfigMap", "ns", "broken")
        assert broken.value.status == 500 and "no Status here" in broken.value.message
        fake.accepted = "Bearer other"
        with pytest.raises(KubeError) as denied:  # a fixed token does not renew: 401 stands
            await client.get("v1", "ConfigMap", "ns", "a")
        assert denied.value.status == 401
    finally:
        await client.close()
    unreachable = KubeClient(ControllerSettings(api_server="http://127.0.0.1:9", api_token="t"))
    try:
        with pytest.raises(KubeError) as down:
            await unreachable.get("v1", "ConfigMap", "ns", "a")
        assert down.value.status == 0 and "not reachable" in str(down.value)
    finally:
        await unreachable.close()
