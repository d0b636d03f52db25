"""The supervisor runs what the store holds: start, Ready, crash and restart, rotation, delete.

Workloads here are plain Python HTTP servers (a BYO agent with `cmd`, an http MCPServer run
as given), so these tests need neither the agent runtime nor an LLM; the end-to-end test
runs the real ones.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from localmode_helpers import condition_of, eventually

from bosun.api.store import ResourceStore
from bosun.controller.local.ports import free_port
from bosun.controller.local.supervisor import LocalSupervisor

pytestmark = pytest.mark.slow

SERVER = """
import json, os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps({"name": os.environ.get("GREETING", "?"), "pid": os.getpid()}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass

print("serving", os.getpid(), flush=True)
HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def byo_agent(script: Path, port: int) -> dict[str, Any]:
    return {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "Agent",
        "metadata": {"name": "byo", "namespace": "default"},
        "spec": {
            "type": "BYO",
            "byo": {
                "deployment": {
                    "image": "example/byo:1",
                    "cmd": sys.executable,
                    "args": [str(script), str(port)],
                    "port": port,
                    "env": [
                        {
                            "name": "GREETING",
                            "valueFrom": {"secretKeyRef": {"name": "greeting", "key": "text"}},
                        }
                    ],
                }
            },
        },
    }


def secret(text: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "greeting", "namespace": "default"},
        "stringData": {"text": text},
    }


async def card(port: int) -> dict[str, Any] | None:
    import httpx

    try:
        async with httpx.AsyncClient(trust_env=False) as client:
            response = await client.get(f"http://127.0.0.1:{port}/.well-known/agent-card.json")
            return dict(response.json())
    except httpx.HTTPError:
        return None


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and ") Z " not in stat.read_text()


async def test_byo_agent_runs_restarts_rolls_on_secret_change_and_stops(
    store: ResourceStore, supervisor: LocalSupervisor, tmp_path: Path
) -> None:
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    port = free_port()
    await store.apply(secret("hello"))
    await store.apply(byo_agent(script, port))

    ready = await eventually(
        lambda: condition_of(store, "Agent", "default", "byo", "Ready"),
        what="Ready",
    )
    ready = await eventually(
        lambda: _true(condition_of(store, "Agent", "default", "byo", "Ready")), what="Ready True"
    )
    assert ready["reason"] == "ProcessReady"
    accepted = await condition_of(store, "Agent", "default", "byo", "Accepted")
    assert accepted["status"] == "True"
    first = await card(port)
    assert first is not None and first["name"] == "hello"
    assert supervisor.ready_url("default", "byo") == f"http://127.0.0.1:{port}"

    # killed: restarted by the supervisor, Ready again with a new pid
    os.kill(first["pid"], signal.SIGKILL)
    second = await eventually(lambda: _new_pid(card(port), first["pid"]), what="restarted process")
    assert second["name"] == "hello"
    log = supervisor.log_path("Agent", "default", "byo")
    assert log is not None
    await eventually(lambda: "signal SIGKILL" in log.read_text(), what="crash logged")

    # the Secret it reads changes: the process is replaced and sees the new value
    await store.apply(secret("bonjour"))
    third = await eventually(lambda: _named(card(port), "bonjour"), what="rolled to the new secret")
    assert third["pid"] != second["pid"]

    # deleted: the process goes away
    await store.delete("Agent", "default", "byo")
    await eventually(lambda: not alive(third["pid"]), what="process stopped")
    assert supervisor.ready_url("default", "byo") is None


async def test_problems_show_in_status_and_nothing_runs(
    store: ResourceStore, supervisor: LocalSupervisor
) -> None:
    await store.apply(
        {
            "apiVersion": "kagent.dev/v1alpha2",
            "kind": "Agent",
            "metadata": {"name": "lost", "namespace": "default"},
            "spec": {
                "type": "Declarative",
                "declarative": {"systemMessage": "hi", "modelConfig": "nowhere"},
            },
        }
    )
    await store.apply(
        {
            "apiVersion": "kagent.dev/v1alpha2",
            "kind": "Agent",
            "metadata": {"name": "image-only", "namespace": "default"},
            "spec": {"type": "BYO", "byo": {"deployment": {"image": "example/agent:1"}}},
        }
    )
    accepted = await eventually(
        lambda: condition_of(store, "Agent", "default", "lost", "Accepted"), what="Accepted"
    )
    assert accepted["status"] == "False"
    assert accepted["reason"] == "TranslationFailed"
    assert "nowhere" in accepted["message"]
    ready = await condition_of(store, "Agent", "default", "lost", "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "NotAccepted")

    ready = await eventually(
        lambda: condition_of(store, "Agent", "default", "image-only", "Ready"), what="Ready"
    )
    assert (ready["status"], ready["reason"]) == ("False", "NotSupportedLocally")
    assert "spec.byo.deployment.cmd" in ready["message"]
    assert all(w.process is None for w in supervisor.workloads.values())


async def _true(cond: Any) -> dict[str, Any] | None:
    found = await cond
    return found if found.get("status") == "True" else None


async def _new_pid(pending: Any, old: int) -> dict[str, Any] | None:
    found = await pending
    return found if found and found["pid"] != old else None


async def _named(pending: Any, name: str) -> dict[str, Any] | None:
    found = await pending
    return found if found and found["name"] == name else None


async def test_stdio_mcpserver_runs_behind_the_bridge_and_its_tools_are_discovered(
    store: ResourceStore, supervisor: LocalSupervisor
) -> None:
    await store.apply(
        {
            "apiVersion": "kagent.dev/v1alpha1",
            "kind": "MCPServer",
            "metadata": {"name": "tools", "namespace": "default"},
            "spec": {
                "transportType": "stdio",
                "deployment": {
                    "image": "ghcr.io/bosun-dev/bosun:latest",
                    "cmd": "bosun",
                    "args": ["tools", "serve", "--stdio", "--no-kubernetes"],
                },
            },
        }
    )
    ready = await eventually(
        lambda: _true(condition_of(store, "MCPServer", "default", "tools", "Ready")),
        what="MCPServer Ready",
        within=30,
    )
    assert "serving http://127.0.0.1:" in ready["message"]

    async def tools() -> list[str]:
        obj = await store.get("MCPServer", "default", "tools")
        return [t["name"] for t in (obj.body.get("status") or {}).get("discoveredTools") or []]

    names = await eventually(tools, what="discovered tools", within=20)
    assert {"current_time", "calculate", "echo", "word_count"} <= set(names)


FAKE_RUNTIME = """
import json, os, sys
from http.server import BaseHTTPRequestHandler, HTTPServer

args = sys.argv[1:]
assert args[0] == "agent", args
config_dir = args[args.index("--config") + 1]
port = int(args[args.index("--port") + 1])
config = json.load(open(os.path.join(config_dir, "config.json")))

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path != "/.well-known/agent-card.json":
            self.send_response(404)
            self.end_headers()
            return
        body = json.dumps({
            "name": config["name"], "model": config["model"]["model"], "pid": os.getpid(),
            "key": os.environ.get("BOSUN_MODEL_API_KEY", ""),
            "remote": [a["url"] for a in config.get("remote_agents", [])],
        }).encode()
        self.send_response(200)
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass

HTTPServer((args[args.index("--host") + 1], port), Handler).serve_forever()
"""


def model_config(model: str) -> dict[str, Any]:
    return {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "ModelConfig",
        "metadata": {"name": "m", "namespace": "default"},
        "spec": {
            "provider": "OpenAI",
            "model": model,
            "apiKeySecret": "key",
            "apiKeySecretKey": "k",
        },
    }


def declarative(name: str, *sub_agents: str) -> dict[str, Any]:
    tools = [{"type": "Agent", "agent": {"name": s}} for s in sub_agents]
    return {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "Agent",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"declarative": {"systemMessage": "hi", "modelConfig": "m", "tools": tools}},
    }


async def test_declarative_agents_get_config_dirs_and_roll_when_their_model_changes(
    store: ResourceStore,
    supervisor: LocalSupervisor,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = tmp_path / "fake_runtime.py"
    fake.write_text(FAKE_RUNTIME)
    monkeypatch.setattr(
        "bosun.controller.local.workload.bosun_command", lambda: [sys.executable, str(fake)]
    )
    await store.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "key", "namespace": "default"},
            "stringData": {"k": "sk-local"},
        }
    )
    await store.apply(model_config("model-a"))
    await store.apply(declarative("sub"))
    await store.apply(declarative("main", "sub"))

    async def card_of(name: str) -> dict[str, Any] | None:
        ready = await condition_of(store, "Agent", "default", name, "Ready")
        if ready.get("status") != "True":
            return None
        return await card(int(supervisor.agent_url("default", name).rsplit(":", 1)[1]))

    main = await eventually(lambda: card_of("main"), what="main Ready")
    assert (main["name"], main["model"], main["key"]) == ("default/main", "model-a", "sk-local")
    assert main["remote"] == [supervisor.agent_url("default", "sub")]
    model = await condition_of(store, "ModelConfig", "default", "m", "Accepted")
    assert model["status"] == "True"

    await store.apply(model_config("model-b"))  # both agents use it: both roll
    rolled = await eventually(
        lambda: _model(card_of("main"), "model-b"), what="main rolled to model-b"
    )
    assert rolled["pid"] != main["pid"]
    await eventually(lambda: _model(card_of("sub"), "model-b"), what="sub rolled")


async def _model(pending: Any, model: str) -> dict[str, Any] | None:
    found = await pending
    return found if found and found["model"] == model else None
