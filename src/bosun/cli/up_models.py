"""Which LLM `bosun up` gives the example agents: the scripted mock, or a real provider.

The examples' agents use the ModelConfig `default-model-config`; `DIR/modelconfig.yaml`
points it at the fake LLM. `DIR/providers/<name>.yaml` define the same ModelConfig for a
real provider. One environment variable switches (see examples/README.md):

    OPENAI_API_KEY=sk-...      -> providers/openai.yaml, key stored as Secret openai-api-key
    ANTHROPIC_API_KEY=sk-...   -> providers/anthropic.yaml, Secret anthropic-api-key
    OLLAMA_HOST=http://...     -> providers/ollama.yaml with that host
    BOSUN_PROVIDER=mock|openai|anthropic|ollama  forces a choice (e.g. mock with a key set)

Used by up.py before it applies the manifests. The key goes into a Secret in the local
store (encrypted at rest) and never into a file or a log.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROVIDER_ENV = "BOSUN_PROVIDER"


@dataclass(frozen=True)
class Provider:
    name: str
    env: str  # the variable that selects it and carries the key (or the host)
    secret: str | None  # Secret that receives the key


PROVIDERS = (
    Provider("openai", "OPENAI_API_KEY", "openai-api-key"),
    Provider("anthropic", "ANTHROPIC_API_KEY", "anthropic-api-key"),
    Provider("ollama", "OLLAMA_HOST", None),
)


@dataclass
class ModelChoice:
    provider: str  # "mock" or a Provider.name
    reason: str  # for the summary: why this one
    bodies: list[dict[str, Any]] = field(default_factory=list)  # to apply after DIR's
    problems: list[str] = field(default_factory=list)


def choose(directory: Path, env: Mapping[str, str] | None = None) -> ModelChoice:
    env = os.environ if env is None else env
    forced = env.get(PROVIDER_ENV, "").strip().lower()
    by_name = {p.name: p for p in PROVIDERS}
    if forced == "mock":
        return ModelChoice("mock", f"{PROVIDER_ENV}=mock")
    if forced and forced not in by_name:
        names = ", ".join(["mock", *by_name])
        return ModelChoice("mock", "", problems=[f"{PROVIDER_ENV}={forced}: use one of {names}"])
    provider = by_name.get(forced) or next((p for p in PROVIDERS if env.get(p.env)), None)
    if provider is None:
        return ModelChoice("mock", "no provider key in the environment")
    value = env.get(provider.env, "")
    reason = f"{PROVIDER_ENV}={forced}" if forced else f"{provider.env} is set"
    if not value and provider.secret:
        return ModelChoice(
            provider.name, reason, problems=[f"{PROVIDER_ENV}={forced} needs {provider.env}"]
        )
    path = directory / "providers" / f"{provider.name}.yaml"
    return _load(provider, path, value, reason)


def _load(provider: Provider, path: Path, value: str, reason: str) -> ModelChoice:
    from bosun.api.manifests import load_manifests
    from bosun.cli.resources import manifest_bodies

    if not path.is_file():
        return ModelChoice(provider.name, reason, problems=[f"{path}: no such file"])
    manifests = load_manifests([path])
    choice = ModelChoice(provider.name, reason, problems=[str(p) for p in manifests.errors])
    bodies = manifest_bodies(manifests)
    namespaces = {str((b.get("metadata") or {}).get("namespace") or "default") for b in bodies}
    if provider.secret:
        for namespace in sorted(namespaces):
            choice.bodies.append(
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "metadata": {"name": provider.secret, "namespace": namespace},
                    "stringData": {"api-key": value},
                }
            )
    elif value:  # Ollama: the variable is the host
        for body in bodies:
            if body.get("kind") == "ModelConfig":
                body.setdefault("spec", {}).setdefault("ollama", {})["host"] = ollama_url(value)
    choice.bodies.extend(bodies)
    return choice


def ollama_url(host: str) -> str:
    """OLLAMA_HOST as Ollama reads it ("0.0.0.0", "localhost:11434", a URL) -> a URL.

    Without a scheme Ollama's default port 11434 applies; a full URL is kept as given."""
    host = host.strip().rstrip("/")
    if "://" in host:
        return host
    if host.startswith("0.0.0.0"):  # the server's bind address; clients use localhost
        host = "127.0.0.1" + host[len("0.0.0.0") :]
    if ":" not in host.split("/", 1)[0]:
        host = host.replace("/", ":11434/", 1) if "/" in host else f"{host}:11434"
    return f"http://{host}"
