"""Where a ModelConfig's requests really go: provider facts of the gateway, in one place.

Which wire API a provider speaks through the gateway, its default endpoint, and how the
API key is sent (Azure: its `api-key` header, or the ModelConfig's Entra ID token).
Providers the gateway cannot carry (Gemini, Vertex AI, Bedrock) are named in `ROUTABLE`
by omission: the translator reaches those directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import quote

from bosun.api.gateway import ROUTABLE as GATEWAY_ROUTABLE
from bosun.api.modelconfig import (
    AnthropicConfig,
    AzureOpenAIConfig,
    ModelConfig,
    OllamaConfig,
    OpenAIConfig,
)

Api = Literal["openai", "anthropic"]
ROUTABLE: dict[str, Api] = dict(GATEWAY_ROUTABLE)
OPENAI_URL = "https://api.openai.com/v1"
ANTHROPIC_URL = "https://api.anthropic.com"


@dataclass(frozen=True)
class Upstream:
    api: Api
    url: str  # the endpoint: .../chat/completions or .../v1/messages
    provider: str
    model: str
    headers: dict[str, str] = field(default_factory=dict)  # credentials and default headers


def upstream_for(mc: ModelConfig, api_key: str | None) -> Upstream:
    """The endpoint and headers for `mc` (raises ValueError for a provider not routable)."""
    spec = mc.spec
    api = ROUTABLE.get(spec.provider)
    if api is None:
        raise ValueError(f"provider {spec.provider} cannot be routed through the gateway")
    headers = dict(spec.default_headers)
    block = spec.provider_block()
    if isinstance(block, AzureOpenAIConfig):
        deployment = block.azure_deployment or spec.model
        endpoint = str(block.azure_endpoint).rstrip("/")
        url = (
            f"{endpoint}/openai/deployments/{quote(deployment, safe='')}/chat/completions"
            f"?api-version={quote(block.api_version, safe='')}"
        )
        if block.azure_ad_token:  # an Entra ID token instead of the resource's key
            headers["Authorization"] = f"Bearer {block.azure_ad_token}"
        elif api_key:
            headers["api-key"] = api_key
        return Upstream(api, url, spec.provider, spec.model, headers)
    if isinstance(block, OllamaConfig) or spec.provider == "Ollama":
        host = (block.host if isinstance(block, OllamaConfig) else OllamaConfig().host).rstrip("/")
        base = host if host.endswith("/v1") else host + "/v1"
        url = base + "/chat/completions"
    elif api == "openai":
        base = (block.base_url if isinstance(block, OpenAIConfig) else None) or OPENAI_URL
        url = base.rstrip("/") + "/chat/completions"
        if isinstance(block, OpenAIConfig) and block.organization:
            headers["OpenAI-Organization"] = block.organization
    else:
        base = (block.base_url if isinstance(block, AnthropicConfig) else None) or ANTHROPIC_URL
        url = base.rstrip("/") + "/v1/messages"
    if api_key:
        if api == "openai":
            headers["Authorization"] = f"Bearer {api_key}"
        else:
            headers["x-api-key"] = api_key
    return Upstream(api, url, spec.provider, spec.model, headers)
