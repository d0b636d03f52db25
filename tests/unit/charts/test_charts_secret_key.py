"""The control plane's secret key in a cluster: a Secret the chart makes once and keeps, or
the user's own, mounted read-only where BOSUN_SECRET_KEY_PATH points. Agents' push-config
keys are derived from it, so every replica and every restart must read the same key (an
emptyDir /data would give each pod a new one)."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from test_charts_governance import controlplane_env, server_settings
from test_charts_render import BASE, kinds, named, render

from bosun.server.secretbox import SecretBox

pytestmark = pytest.mark.slow  # helm processes


def test_the_chart_makes_a_kept_fernet_key_and_the_server_reads_it_from_the_mount(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    docs = render(tmp_path, BASE)
    secret = named(docs, "Secret", "bosun-secret-key")
    assert secret["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    key = base64.b64decode(secret["data"]["secret.key"])
    Fernet(key)  # a key SecretBox can use, not just random bytes
    pod = named(docs, "Deployment", "bosun")["spec"]["template"]["spec"]
    volume = next(v for v in pod["volumes"] if v["name"] == "secret-key")
    assert volume["secret"]["secretName"] == "bosun-secret-key"
    mount = next(m for m in pod["containers"][0]["volumeMounts"] if m["name"] == "secret-key")
    assert mount["readOnly"] is True

    # The server, given this env and the file where the Secret's mount puts it:
    env = controlplane_env(docs)
    settings = server_settings(env, monkeypatch)
    assert str(settings.secret_key_file) == f"{mount['mountPath']}/secret.key"
    local = tmp_path / "secret.key"
    local.write_bytes(key)
    monkeypatch.setenv("BOSUN_SECRET_KEY_PATH", str(local))
    box = SecretBox.from_file(server_settings({**env, "BOSUN_SECRET_KEY_PATH": str(local)},
                                              monkeypatch).secret_key_file)  # fmt: skip
    assert box.open(box.seal({"a": "b"})) == {"a": "b"}


def test_an_existing_secret_is_used_and_none_is_made(tmp_path: Path) -> None:
    docs = render(tmp_path, {**BASE, "secretKey": {"existingSecret": "my-key"}})
    assert [s["metadata"]["name"] for s in kinds(docs, "Secret")
            if s["metadata"]["name"].endswith("secret-key")] == []  # fmt: skip
    pod = named(docs, "Deployment", "bosun")["spec"]["template"]["spec"]
    volume = next(v for v in pod["volumes"] if v["name"] == "secret-key")
    assert volume["secret"]["secretName"] == "my-key"
