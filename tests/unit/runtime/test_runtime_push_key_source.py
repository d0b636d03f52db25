"""The push sealing key from the control plane (runtime/push_key.py, ConfigSealer.prepare):
an unreachable control plane is retried and reported, never replaced by a made-up key;
a key file an older agent left still opens what it sealed."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from a2a.types import TaskPushNotificationConfig
from cryptography.fernet import Fernet

from bosun.runtime import push
from bosun.runtime.credential import ControlPlaneToken
from bosun.runtime.push_key import PushKeyError, control_plane_source, fetch

CONFIG = TaskPushNotificationConfig(
    id="c", task_id="t", url="https://example.com/h", token="push-token-never-stored-in-clear"
)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_an_unreachable_control_plane_is_retried_then_reported() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(PushKeyError, match="unreachable"):
        await fetch(url, "default/helper", ControlPlaneToken(), retry_delays=(0.0, 0.0))


async def test_no_key_yet_means_nothing_sealed_and_no_key_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(push.KEY_ENV, raising=False)
    key = Fernet.generate_key()
    answers: list[bytes | None] = [None, key]

    async def remote() -> bytes:
        answer = answers.pop(0)
        if answer is None:
            raise PushKeyError("control plane unreachable")
        return answer

    sealer = push.ConfigSealer(tmp_path, remote=remote)
    assert await sealer.prepare() is False
    with pytest.raises(OSError):
        sealer._box()  # no key made up in the meantime
    assert not (tmp_path / push.KEY_FILE).exists()
    assert await sealer.prepare() is True  # asked again
    stored = sealer.seal(CONFIG)
    assert "push-token-never-stored-in-clear" not in str(stored)
    other = push.ConfigSealer(tmp_path / "other", remote=lambda: _key(Fernet.generate_key()))
    assert await other.prepare() and other.open(stored) is None  # another agent's key
    later = push.ConfigSealer(tmp_path / "pod-2", remote=lambda: _key(key))
    assert await later.prepare() and later.open(stored) == CONFIG  # same key, fresh pod


async def _key(key: bytes) -> bytes:
    return key


async def test_an_older_key_file_still_opens_what_it_sealed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(push.KEY_ENV, raising=False)
    old = push.ConfigSealer(tmp_path).seal(CONFIG)  # sealed with the data dir's key file
    sealer = push.ConfigSealer(tmp_path, remote=lambda: _key(Fernet.generate_key()))
    assert await sealer.prepare()
    assert sealer.open(old) == CONFIG


def test_the_control_plane_is_the_source_only_with_a_url_and_a_credential(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BOSUN_TOKEN_FILE", raising=False)
    monkeypatch.delenv("BOSUN_URL", raising=False)
    monkeypatch.setenv("BOSUN_TOKEN", "t")
    assert control_plane_source("default/a") is None
    monkeypatch.setenv("BOSUN_URL", "http://127.0.0.1:1")
    assert control_plane_source("default/a") is not None
    monkeypatch.delenv("BOSUN_TOKEN")
    assert control_plane_source("default/a") is None  # nothing to prove who it is


async def test_a_control_plane_without_the_route_leaves_the_key_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    monkeypatch.delenv(push.KEY_ENV, raising=False)
    monkeypatch.setenv("BOSUN_TOKEN", "t")
    older = httpx.MockTransport(lambda request: httpx.Response(404))  # an older control plane

    async def remote() -> bytes:
        return await fetch("http://cp", "default/a", ControlPlaneToken(), transport=older)

    sealer = push.ConfigSealer(tmp_path, remote=remote)
    assert await sealer.prepare() is True
    stored = sealer.seal(CONFIG)
    assert (tmp_path / push.KEY_FILE).exists()
    assert push.ConfigSealer(tmp_path).open(stored) == CONFIG
