"""Pure pieces of the control plane: settings, the proxy's parsing, the secret box, CLI."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bosun.server.a2a_proxy import rewrite_card
from bosun.server.a2a_record import SseTap, observe
from bosun.server.secretbox import SecretBox, SecretBoxError
from bosun.server.settings import Settings


def test_database_urls_get_async_drivers(tmp_path: Path) -> None:
    pg = Settings(database_url="postgresql://u:p@db:5432/bosun", data_dir=tmp_path)
    assert pg.resolved_database_url() == "postgresql+asyncpg://u:p@db:5432/bosun"
    lite = Settings(database_url="sqlite:////var/bosun.db", data_dir=tmp_path)
    assert lite.resolved_database_url() == "sqlite+aiosqlite:////var/bosun.db"
    default = Settings(data_dir=tmp_path / "d")
    assert default.resolved_database_url() == f"sqlite+aiosqlite:///{tmp_path / 'd' / 'bosun.db'}"
    assert (tmp_path / "d").is_dir()


def test_service_account_auth_defaults_to_cluster_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(mode="cluster").accept_service_accounts
    assert not Settings(mode="local").accept_service_accounts
    monkeypatch.setenv("BOSUN_SERVICE_ACCOUNT_AUTH", "false")
    assert not Settings(mode="cluster").accept_service_accounts


def test_observe_reads_v1_and_v03_shapes() -> None:
    task = {"id": "t", "contextId": "c", "status": {"state": "TASK_STATE_WORKING"}}
    seen = observe({"task": task})
    assert seen is not None and seen.task == task
    assert (seen.task_id, seen.context_id, seen.state) == ("t", "c", "TASK_STATE_WORKING")
    update = observe({"statusUpdate": {"taskId": "t", "contextId": "c",
                                       "status": {"state": "TASK_STATE_COMPLETED"}}})  # fmt: skip
    assert update is not None and (update.task_id, update.state, update.task) == (
        "t", "TASK_STATE_COMPLETED", None)  # fmt: skip
    v03 = observe({"kind": "status-update", "taskId": "t", "contextId": "c",
                   "status": {"state": "completed"}})  # fmt: skip
    assert v03 is not None and v03.state == "completed"
    message = observe({"message": {"messageId": "m", "contextId": "c", "parts": []}})
    assert message is not None and (message.task_id, message.context_id) == (None, "c")
    assert observe(None) is None and observe({"other": 1}) is None and observe([1]) is None


def test_sse_tap_splits_events_across_chunks() -> None:
    tap = SseTap()
    stream = b'data: {"a": 1}\r\n\r\n: ping\n\nevent: x\ndata: {"b":\ndata: 2}\n\ndata: {"c"'
    chunks = [stream[i : i + 7] for i in range(0, len(stream), 7)]
    found = [data for chunk in chunks for data in tap.feed(chunk)]
    assert found == ['{"a": 1}', '{"b":\n2}']


def test_cards_point_at_the_proxy() -> None:
    card = {
        "name": "a",
        "url": "http://10.0.0.5:8080/",
        "supportedInterfaces": [
            {"url": "http://10.0.0.5:8080", "protocolBinding": "JSONRPC"},
            {"url": "http://10.0.0.5:8080/v1", "protocolBinding": "HTTP+JSON"},
            {"url": "10.0.0.5:9090", "protocolBinding": "GRPC"},
        ],
    }
    base = "https://bosun.example/api/a2a/ns/a"
    out = rewrite_card(card, base)
    assert out["url"] == base
    assert [i["url"] for i in out["supportedInterfaces"]] == [base, f"{base}/v1"]
    assert card["url"] == "http://10.0.0.5:8080/"  # the input is not changed


def test_secret_box_key_file_is_private_and_stable(tmp_path: Path) -> None:
    key = tmp_path / "keys" / "secret.key"
    box = SecretBox.from_file(key)
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    sealed = box.seal({"apiKey": "c2stMTIz"})
    assert b"c2stMTIz" not in sealed
    assert SecretBox.from_file(key).open(sealed) == {"apiKey": "c2stMTIz"}
    with pytest.raises(SecretBoxError):
        SecretBox.generate().open(sealed)


def test_controlplane_refuses_to_listen_openly_without_auth(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from bosun.cli.main import app

    monkeypatch.setenv("BOSUN_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("BOSUN_AUTH", raising=False)
    result = CliRunner().invoke(app, ["controlplane", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "refusing to listen on 0.0.0.0 without authentication" in result.output
    monkeypatch.setenv("BOSUN_AUTH", "token")
    result = CliRunner().invoke(app, ["controlplane", "--host", "0.0.0.0"])
    assert result.exit_code == 1 and "BOSUN_TOKEN_FILE" in result.output
