"""The model gateway's wire contract: how a ModelConfig is routed and what the agent gets.

Shared by the translator (which writes the agent's base URL and credential) and by
`bosun.gateway` (which serves those URLs and checks that credential), so both sides
name the same paths, annotation, env var and token file.
"""

from __future__ import annotations

from typing import Literal

ROUTE_ANNOTATION = "gateway.bosun.dev/route"
"""On a ModelConfig: "true" routes its agents through the gateway, "false" never does;
absent, the cluster-wide default decides (BOSUN_MODEL_GATEWAY)."""

TOKEN_ENV = "BOSUN_GATEWAY_TOKEN"
"""The agent's gateway credential in local mode (a per-agent token the supervisor sets)."""
TOKEN_VOLUME = "bosun-gateway-token"
TOKEN_DIR = "/var/run/secrets/bosun/gateway"
TOKEN_FILE = f"{TOKEN_DIR}/token"
"""In a cluster: the pod's projected ServiceAccount token (audience AUDIENCE), re-read by
the runtime for each request because the kubelet rotates it."""
AUDIENCE = "bosun"
DEFAULT_CONTROLPLANE = "http://bosun-controlplane.bosun-system:8083"
"""The gateway's address when the translator is given none (validation, `bosun render`);
the operator passes BOSUN_INTERNAL_URL and local mode its own URL."""
TOKEN_SECONDS = 3600

CONTROLPLANE_TOKEN_ENV = "BOSUN_TOKEN"
CONTROLPLANE_TOKEN_FILE_ENV = "BOSUN_TOKEN_FILE"
"""The agent's credential for the control plane's API and A2A proxy: BOSUN_TOKEN (local
mode: the same minted token as TOKEN_ENV), else the file BOSUN_TOKEN_FILE (in a cluster:
TOKEN_FILE, the token the gateway takes too)."""

GatewayApi = Literal["openai", "anthropic"]
ROUTABLE: dict[str, GatewayApi] = {
    "OpenAI": "openai",
    "Anthropic": "anthropic",
    "AzureOpenAI": "openai",
    "Ollama": "openai",
}
"""Providers the gateway carries, and the wire API the agent speaks to it for each: an
Azure OpenAI or Ollama model is an OpenAI-compatible model at the gateway, which turns
the call into the provider's own (Azure's deployment URL and api-key, Ollama's /v1)."""


def route_wanted(annotations: dict[str, str], default: bool) -> bool:
    value = annotations.get(ROUTE_ANNOTATION)
    if value is None:
        return default
    return value.strip().lower() in ("true", "on", "yes", "1")


def base_url(controlplane: str, namespace: str, agent: str, model_config: str,
             api: GatewayApi) -> str:  # fmt: skip
    """What the agent's SDK gets as base_url (the OpenAI SDK appends /chat/completions,
    the Anthropic SDK /v1/messages)."""
    root = f"{controlplane.rstrip('/')}/gateway/{namespace}/{agent}/{model_config}/{api}"
    return root + "/v1" if api == "openai" else root
