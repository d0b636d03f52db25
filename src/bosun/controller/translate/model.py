"""Provider facts, in one place: a ModelConfig becomes config.json's `model` settings.

This is the only module that knows what each provider needs (which block, which fields,
how credentials reach the process). Everything else handles `ModelSettings` as a whole;
adding a provider means one entry in `_PROVIDERS` and one model class in bosun.api.config.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from bosun.api import config as cfg
from bosun.api.modelconfig import (
    PROVIDER_BLOCKS,
    AnthropicConfig,
    AnthropicVertexAIConfig,
    AzureOpenAIConfig,
    BedrockConfig,
    GeminiConfig,
    GeminiVertexAIConfig,
    ModelConfig,
    OllamaConfig,
    OpenAIConfig,
)
from bosun.controller.translate.errors import Errors, ref_name
from bosun.controller.translate.gateway import GatewayRoute, routed_api, through_gateway
from bosun.controller.translate.interface import References, TranslationError
from bosun.controller.translate.meta import env_name
from bosun.controller.translate.wiring import (
    PodWiring,
    secret_key_file,
    secret_key_hash,
    tls_settings,
)

GOOGLE_CREDENTIALS_ENV = "GOOGLE_APPLICATION_CREDENTIALS"
DEFAULT_CA_KEY = "ca.crt"

Common = dict[str, Any]


def _num(text: str | None) -> float | None:
    """kagent writes decimals as strings ("0.7"); config.json has numbers."""
    return None if text is None else float(text)


def _int(text: str | None) -> int | None:
    return None if text is None else int(float(text))


class _Sampled(Protocol):
    """What every provider block carries: kagent's decimal-string sampling settings."""

    @property
    def temperature(self) -> str | None: ...

    @property
    def top_p(self) -> str | None: ...


def _sampling(b: _Sampled, max_tokens: int | None) -> Common:
    """config.json's sampling settings of a block (blocks name their token limit apart)."""
    return {"temperature": _num(b.temperature), "top_p": _num(b.top_p), "max_tokens": max_tokens}


def _openai(b: OpenAIConfig | None, common: Common) -> cfg.ModelSettings:
    if b is None:
        return cfg.OpenAIModel(**common)
    return cfg.OpenAIModel(
        **common,
        **_sampling(b, b.max_tokens),
        base_url=b.base_url,
        organization=b.organization,
        frequency_penalty=_num(b.frequency_penalty),
        presence_penalty=_num(b.presence_penalty),
        seed=b.seed,
        n=b.n,
        timeout=None if b.timeout is None else float(b.timeout),
        reasoning_effort=b.reasoning_effort,
    )


def _anthropic(b: AnthropicConfig | None, common: Common) -> cfg.ModelSettings:
    if b is None:
        return cfg.AnthropicModel(**common)
    return cfg.AnthropicModel(
        **common, **_sampling(b, b.max_tokens), base_url=b.base_url, top_k=b.top_k
    )


def _azure(b: AzureOpenAIConfig, common: Common, extra: Common) -> cfg.ModelSettings:
    return cfg.AzureOpenAIModel(
        **common,
        **extra,
        **_sampling(b, b.max_tokens),
        azure_endpoint=b.azure_endpoint,
        api_version=b.api_version,
        azure_deployment=b.azure_deployment,
    )


def _ollama(b: OllamaConfig | None, common: Common) -> cfg.ModelSettings:
    b = b or OllamaConfig()
    return cfg.OllamaModel(**common, host=b.host, options=dict(b.options))


def _gemini(b: GeminiConfig | None, common: Common) -> cfg.ModelSettings:
    if b is None:
        return cfg.GeminiModel(**common)
    return cfg.GeminiModel(
        **common, **_sampling(b, b.max_output_tokens), base_url=b.base_url, top_k=_num(b.top_k)
    )


def _vertex(b: GeminiVertexAIConfig | AnthropicVertexAIConfig) -> Common:
    """What both Vertex AI providers take besides sampling: project, location, top_k, stops."""
    return {
        "project_id": b.project_id,
        "location": b.location,
        "top_k": _num(b.top_k),
        "stop_sequences": list(b.stop_sequences),
    }


def _gemini_vertex(b: GeminiVertexAIConfig, common: Common) -> cfg.ModelSettings:
    return cfg.GeminiVertexAIModel(
        **common,
        **_sampling(b, b.max_output_tokens),
        **_vertex(b),
        candidate_count=b.candidate_count,
        response_mime_type=b.response_mime_type,
    )


def _anthropic_vertex(b: AnthropicVertexAIConfig, common: Common) -> cfg.ModelSettings:
    return cfg.AnthropicVertexAIModel(**common, **_sampling(b, b.max_tokens), **_vertex(b))


def _bedrock(b: BedrockConfig, common: Common) -> cfg.ModelSettings:
    return cfg.BedrockModel(
        **common, **_sampling(b, b.max_tokens), region=b.region, base_url=b.base_url
    )


@dataclass(frozen=True)
class _Provider:
    build: Callable[[Any, Common], cfg.ModelSettings]
    block_required: bool = False
    # "env": the key goes into an env var named by api_key_env.
    # "google_file": the Secret key is a service-account JSON, mounted as a file and named
    # by GOOGLE_APPLICATION_CREDENTIALS (how Google's client libraries find credentials).
    credentials: Literal["env", "google_file"] = "env"


_PROVIDERS: dict[str, _Provider] = {
    "OpenAI": _Provider(_openai),
    "Anthropic": _Provider(_anthropic),
    "AzureOpenAI": _Provider(lambda b, c: _azure(b, c, {}), block_required=True),
    "Ollama": _Provider(_ollama),
    "Gemini": _Provider(_gemini),
    "GeminiVertexAI": _Provider(_gemini_vertex, block_required=True, credentials="google_file"),
    "AnthropicVertexAI": _Provider(
        _anthropic_vertex, block_required=True, credentials="google_file"
    ),
    "Bedrock": _Provider(_bedrock, block_required=True),
}


def model_settings(
    mc: ModelConfig,
    refs: References,
    errors: Errors,
    wiring: PodWiring,
    *,
    path: str,
    purpose: str,
    api_key_env: str,
    gateway: GatewayRoute | None = None,
) -> cfg.ModelSettings | None:
    """config.json's model for `mc`, wiring its credentials and CA into the pod.

    `purpose` ("model", "memory", "summarizer") keeps env vars and volumes of several
    ModelConfigs in one pod apart; `api_key_env` is the env var that will hold the key.
    With `gateway`, a ModelConfig routed through the model gateway gets the gateway's URL
    and the agent's own credential, and its Secret is not wired (gateway.py).
    """
    spec = mc.spec
    provider = _PROVIDERS[spec.provider]
    where = ref_name("ModelConfig", mc.namespace, mc.name)
    block = spec.provider_block()
    if block is None and provider.block_required:
        wire = PROVIDER_BLOCKS[spec.provider][0]
        errors.add(path, f"{where}: provider {spec.provider} needs a {wire} block")
        return None

    common: Common = {"model": spec.model, "headers": dict(spec.default_headers)}
    api = routed_api(mc, gateway, errors, path)
    if gateway is not None and api is not None:
        return through_gateway(provider.build(block, common), mc, gateway, api, wiring)
    if spec.api_key_secret and spec.api_key_secret_key:
        found = secret_key_hash(
            refs,
            errors,
            path=path,
            namespace=mc.namespace,
            name=spec.api_key_secret,
            key=spec.api_key_secret_key,
            why=f"apiKeySecret of {where}",
            wiring=wiring,
        )
        if found is not None:
            if provider.credentials == "env":
                wiring.secret_env(api_key_env, spec.api_key_secret, spec.api_key_secret_key)
                common["api_key_env"] = api_key_env
            elif not wiring.has_env(GOOGLE_CREDENTIALS_ENV):
                file = wiring.secret_file(
                    f"{purpose}-credentials",
                    spec.api_key_secret,
                    spec.api_key_secret_key,
                    f"/etc/bosun/credentials/{purpose}",
                    "credentials.json",
                )
                wiring.literal_env(GOOGLE_CREDENTIALS_ENV, file)

    if spec.tls is not None:
        ca_file = None
        if spec.tls.ca_cert_secret_ref:
            key = spec.tls.ca_cert_secret_key or DEFAULT_CA_KEY
            ca_file = secret_key_file(
                refs,
                errors,
                wiring,
                path=path,
                namespace=mc.namespace,
                name=spec.tls.ca_cert_secret_ref,
                key=key,
                why=f"tls.caCertSecretRef of {where}",
                volume=f"{purpose}-ca",
                directory=f"/etc/bosun/tls/{purpose}",
                file=key,
            )
        common["tls"] = tls_settings(spec.tls, ca_file)

    if isinstance(block, AzureOpenAIConfig) and block.azure_ad_token:
        # The token is written in the ModelConfig itself; it still travels by env var so
        # that config.json never holds a credential.
        token_env = env_name("BOSUN", purpose, "AZURE_AD_TOKEN")
        wiring.literal_env(token_env, block.azure_ad_token)
        return _azure(block, common, {"azure_ad_token_env": token_env})
    return provider.build(block, common)


def check_model_config(mc: ModelConfig, refs: References) -> list[TranslationError]:
    """Problems with a ModelConfig on its own (missing block, Secret or key)."""
    errors = Errors()
    model_settings(mc, refs, errors, PodWiring(), path="spec", purpose="model", api_key_env="CHECK")
    return errors.items
