"""bosun up's agent credential: a token file (the local projected ServiceAccount token),
never a static env token, that the supervisor rewrites with a later expiry.

The agent is a declarative one with its models routed through the gateway, run by a fake
runtime (a small HTTP server) that reports what it sees: config.json's api_key_file, the
env, and the token file's content at each request.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from localmode_helpers import condition_of, eventually

from bosun.api import gateway as contract
from bosun.api.config import AgentConfig
from bosun.api.store import ResourceStore
from bosun.controller.local.supervisor import LocalSupervisor
from bosun.gateway import tokens
from bosun.runtime.models import api_key
from bosun.server.governance import agent_token_minter, token_key
from bosun.server.settings import Settings

pytestmark = pytest.mark.slow

START = 1_800_000_000.0

FAKE_RUNTIME = """
import json, os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

args = sys.argv[1:]
config_dir = args[args.index("--config") + 1]
port = int(args[args.index("--port") + 1])
config = json.load(open(os.path.join(config_dir, "config.json")))

def read(path):
    try:
        return open(path).read()
    except OSError as exc:
        return "unreadable: " + str(exc)

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        key_file = config["model"].get("api_key_file")
        token_file = os.environ.get("BOSUN_TOKEN_FILE")
        body = json.dumps({
            "name": config["name"], "pid": os.getpid(), "api_key_file": key_file,
            "token_file": token_file,
            "key_token": read(key_file) if key_file else None,
            "file_token": read(token_file) if token_file else None,
            "static": [n for n in ("BOSUN_TOKEN", "BOSUN_GATEWAY_TOKEN") if n in os.environ],
        }).encode()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass

HTTPServer((args[args.index("--host") + 1], port), Handler).serve_forever()
"""

MANIFESTS: list[dict[str, Any]] = [
    {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "key", "namespace": "default"},
     "stringData": {"k": "sk-provider"}},
    {"apiVersion": "kagent.dev/v1alpha2", "kind": "ModelConfig",
     "metadata": {"name": "m", "namespace": "default"},
     "spec": {"provider": "OpenAI", "model": "gpt-4o", "apiKeySecret": "key",
              "apiKeySecretKey": "k"}},
    {"apiVersion": "kagent.dev/v1alpha2", "kind": "Agent",
     "metadata": {"name": "helper", "namespace": "default"},
     "spec": {"declarative": {"systemMessage": "hi", "modelConfig": "m"}}},
]  # fmt: skip


@pytest.fixture
async def running(
    store: ResourceStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[LocalSupervisor, list[float], bytes]]:
    fake = tmp_path / "fake_runtime.py"
    fake.write_text(FAKE_RUNTIME)
    monkeypatch.setattr(
        "bosun.controller.local.workload.bosun_command", lambda: [sys.executable, str(fake)]
    )
    settings = Settings(data_dir=tmp_path / "plane")
    clock = [START]
    supervisor = LocalSupervisor(
        store,
        data_dir=tmp_path / "data",
        controlplane_url="http://127.0.0.1:9",
        backoff_start=0.1,
        base_env={"PATH": "/usr/bin:/bin", "BOSUN_TOKEN": "a-users-static-token"},
        model_gateway=True,
        gateway_token=agent_token_minter(settings, clock=lambda: clock[0]),
        token_refresh=3600.0,  # the test refreshes by hand
    )
    task = asyncio.create_task(supervisor.run())
    try:
        yield supervisor, clock, token_key(settings.secret_key_file)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await supervisor.stop()


async def test_the_agent_reads_a_rotated_token_file_and_no_env_token(
    store: ResourceStore, running: tuple[LocalSupervisor, list[float], bytes]
) -> None:
    supervisor, clock, key = running
    for body in MANIFESTS:
        await store.apply(body)

    async def seen() -> dict[str, Any] | None:
        import httpx

        ready = await condition_of(store, "Agent", "default", "helper", "Ready")
        if ready.get("status") != "True":
            return None
        async with httpx.AsyncClient(trust_env=False) as client:
            answer = await client.get(supervisor.agent_url("default", "helper") + "/")
            return dict(answer.json())

    first = await eventually(seen, what="helper Ready")
    run_dir = supervisor.data_dir / "run" / "agent" / "default" / "helper"
    token_file = run_dir / "volumes" / contract.TOKEN_VOLUME / "token"
    assert first["static"] == []  # neither the minted token nor this machine's BOSUN_TOKEN
    assert first["api_key_file"] == first["token_file"] == str(token_file)
    assert first["key_token"] == first["file_token"] == token_file.read_text()
    assert token_file.stat().st_mode & 0o777 == 0o600
    assert tokens.verify(key, first["file_token"], now=START) == ("default", "helper")
    minted = tokens.check(key, first["file_token"])
    assert minted is not None and minted.expires == START + contract.TOKEN_SECONDS
    assert tokens.verify(key, first["file_token"], now=minted.expires) is None

    clock[0] = START + contract.TOKEN_SECONDS / 3
    supervisor.refresh_tokens()
    second = await seen()
    assert second is not None and second["pid"] == first["pid"]  # rewritten, not restarted
    refreshed = tokens.check(key, second["file_token"])
    assert refreshed is not None and refreshed.expires == minted.expires + 1200
    assert second["key_token"] == second["file_token"]
    assert [p.name for p in token_file.parent.iterdir()] == ["token"]  # no temp file left
    assert json.loads(json.dumps(second))["static"] == []
    # the runtime's own reading of config.json finds the rotated token, not an env var
    config = AgentConfig.load(run_dir / "volumes" / "config")
    assert config.model.api_key_env == contract.TOKEN_ENV
    assert api_key(config.model) == second["file_token"]
