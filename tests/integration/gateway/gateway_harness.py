"""A control plane with the model gateway for tests: uvicorn on a free port (`serving` of
tests/integration/server/server_harness.py, imported rather than copied), the scripted
fake LLM as the provider, and manifests for a routed agent."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bosun.server.app import create_app
from bosun.server.db import Database, Repositories
from bosun.server.governance import agent_token_minter
from bosun.server.secretbox import SecretBox
from bosun.server.settings import Settings
from bosun.server.store_db import DbResourceStore

SERVER_TESTS = Path(__file__).resolve().parent.parent / "server"
if str(SERVER_TESTS) not in sys.path:
    sys.path.insert(0, str(SERVER_TESTS))

from server_harness import serving  # noqa: E402

REAL_KEY = "sk-real-provider-key-0123456789"
USAGE_SCRIPT: list[dict[str, Any]] = [
    {"match": {"contains": "tool"}, "text": "calling",
     "usage": {"input_tokens": 7, "output_tokens": 3},
     "tool_calls": [{"name": "lookup", "arguments": {"q": "x"}}]},
    {"default": True, "text": "hello from the provider",
     "usage": {"input_tokens": 40, "output_tokens": 20}},
]  # fmt: skip


@dataclass
class Clock:
    """An injectable wall clock for the gateway's windows."""

    now: float = 1_800_000_000.0  # a whole hour, day and minute

    def __call__(self) -> float:
        return self.now


@dataclass
class Plane:
    url: str
    http: httpx.AsyncClient
    app: Any
    store: DbResourceStore
    database: Database
    settings: Settings
    clock: Clock = field(default_factory=Clock)

    def token(self, agent: str = "helper", namespace: str = "default") -> str:
        return agent_token_minter(self.settings)(namespace, agent)

    def auth(self, agent: str = "helper", namespace: str = "default") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(agent, namespace)}"}

    async def metered(self) -> list[dict[str, Any]]:
        await self.app.state.gateway.meter.flush()
        from bosun.server.db.metering import GatewayRequestsRepo

        return await GatewayRequestsRepo(self.database).totals()


@contextlib.asynccontextmanager
async def gateway_plane(
    database: Database, tmp_path: Path, *, box: SecretBox | None = None, **settings: Any
) -> AsyncIterator[Plane]:
    store = DbResourceStore(Repositories.of(database).resources, box or SecretBox.generate())
    config = Settings(data_dir=tmp_path, policy_refresh=0, **settings)
    app = create_app(config, database=database, store=store)
    clock = Clock()
    async with serving(app) as url, httpx.AsyncClient(base_url=url, timeout=30) as http:
        app.state.gateway.clock = clock
        yield Plane(url, http, app, store, database, config, clock)


def secret(name: str = "llm-key", ns: str = "default") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": ns},
            "stringData": {"apiKey": REAL_KEY}}  # fmt: skip


def model_config(base_url: str, *, name: str = "gpt", ns: str = "default",
                 provider: str = "OpenAI", model: str = "gpt-4o") -> dict[str, Any]:  # fmt: skip
    block = {"openAI": {"baseUrl": base_url}} if provider == "OpenAI" else {
        "anthropic": {"baseUrl": base_url}}  # fmt: skip
    return {
        "apiVersion": "kagent.dev/v1alpha2",
        "kind": "ModelConfig",
        "metadata": {"name": name, "namespace": ns,
                     "annotations": {"gateway.bosun.dev/route": "true"}},
        "spec": {"provider": provider, "model": model, "apiKeySecret": "llm-key",
                 "apiKeySecretKey": "apiKey", **block},
    }  # fmt: skip


def agent(name: str = "helper", ns: str = "default", model: str = "gpt",
          summarizer: str | None = None) -> dict[str, Any]:  # fmt: skip
    declarative: dict[str, Any] = {"modelConfig": model, "systemMessage": "You help."}
    if summarizer:
        declarative["context"] = {
            "compaction": {"compactionInterval": 5, "summarizer": {"modelConfig": summarizer}}
        }
    return {"apiVersion": "kagent.dev/v1alpha2", "kind": "Agent",
            "metadata": {"name": name, "namespace": ns},
            "spec": {"type": "Declarative", "declarative": declarative}}  # fmt: skip


def policy(name: str = "governance", ns: str = "default", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "policy.bosun.dev/v1alpha1", "kind": "Policy",
            "metadata": {"name": name, "namespace": ns}, "spec": spec}  # fmt: skip


def chat(text: str = "hi", **extra: Any) -> dict[str, Any]:
    return {"model": "whatever", "messages": [{"role": "user", "content": text}], **extra}


def openai_path(agent: str = "helper", mc: str = "gpt", ns: str = "default") -> str:
    return f"/gateway/{ns}/{agent}/{mc}/openai/v1/chat/completions"


def anthropic_path(agent: str = "helper", mc: str = "claude", ns: str = "default") -> str:
    return f"/gateway/{ns}/{agent}/{mc}/anthropic/v1/messages"
