"""config.json model settings -> the engine's Model: the one place that knows providers.

Called by `bosun.runtime.engine` when it builds the agent (and by compaction for a
configured summariser). Nothing else in Bosun branches on a provider name (STYLE.md §5).

Every provider gets: the API key from the environment variable named in config.json
(never from the file), default headers, TLS options (a CA bundle, no system CAs, or no
verification), a per-request timeout, and bounded retries with backoff for timeouts,
429 and 5xx (the provider SDKs retry those, honouring Retry-After; we only set how many
times). Imports of provider SDKs happen inside the builders so that a runtime using
OpenAI never loads the Anthropic or Google SDKs.
"""

from __future__ import annotations

import os
import ssl
from typing import TYPE_CHECKING, Any

from bosun.api import gateway as gateway_contract
from bosun.api.config import (
    API_KEY_ENV,
    AnthropicModel,
    AnthropicVertexAIModel,
    AzureOpenAIModel,
    BedrockModel,
    GeminiModel,
    GeminiVertexAIModel,
    ModelBase,
    OllamaModel,
    OpenAIModel,
    TLSSettings,
)
from bosun.api.config import ModelSettings as ConfigModelSettings
from bosun.runtime import openai_params
from bosun.runtime.credential import USER_HEADER, TokenFile, turn_user

if TYPE_CHECKING:
    from pydantic_ai.models import Model
    from pydantic_ai.settings import ModelSettings

DEFAULT_MAX_RETRIES = 3
"""Retries per LLM request on timeouts, 429 and 5xx (so at most four attempts)."""
DEFAULT_TIMEOUT = 300.0
"""Seconds per LLM request when config.json sets none (long answers stream for minutes)."""


def _routed(settings: ModelBase) -> bool:
    """Whether the translator pointed this model at the model gateway (its credential)."""
    return settings.api_key_env == gateway_contract.TOKEN_ENV


class ModelConfigError(ValueError):
    """The model settings cannot be used; the message says which setting and why."""


def api_key(settings: ModelBase) -> str | None:
    """The API key from the file config.json names, when it exists (the model gateway's
    rotated ServiceAccount token), else from its environment variable (or
    BOSUN_MODEL_API_KEY)."""
    if settings.api_key_file and os.path.isfile(settings.api_key_file):
        with open(settings.api_key_file) as f:
            return f.read().strip() or None
    name = settings.api_key_env or API_KEY_ENV
    value = os.environ.get(name)
    return value or None


def _require_key(settings: ModelBase, provider: str) -> str:
    key = api_key(settings)
    if key is None:
        name = settings.api_key_env or API_KEY_ENV
        raise ModelConfigError(
            f"{provider} needs an API key: set the environment variable {name} "
            "(in a cluster it comes from the ModelConfig's apiKeySecret)"
        )
    return key


def ssl_verify(tls: TLSSettings | None) -> ssl.SSLContext | bool:
    """What an HTTP client should verify TLS against, from config.json's tls block."""
    if tls is None:
        return True
    if tls.disable_verify:
        return False
    if tls.ca_cert_file is None:
        return True
    if not os.path.isfile(tls.ca_cert_file):
        raise ModelConfigError(f"tls.ca_cert_file {tls.ca_cert_file!r} does not exist")
    if tls.disable_system_cas:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(cafile=tls.ca_cert_file)
        return context
    context = ssl.create_default_context()
    context.load_verify_locations(cafile=tls.ca_cert_file)
    return context


def _sdk_options(settings: ModelBase) -> dict[str, Any]:
    """What every provider SDK client (OpenAI, Azure, Anthropic, Vertex) is built with:
    config.json's headers, Bosun's retries and timeout, and the HTTP client for TLS, a
    rotating key file and the gateway's user header."""
    return {
        "default_headers": settings.headers or None,
        "max_retries": DEFAULT_MAX_RETRIES,
        "timeout": _timeout(settings),
        "http_client": _http_client(settings),
    }


def _http_client(settings: ModelBase) -> Any:
    """An httpx2 client honouring the TLS block and a key file (and, through the model
    gateway, sending the turn's user), or None to let the SDK build its own."""
    key_file = settings.api_key_file
    rotating = bool(key_file and os.path.isfile(key_file))
    routed = _routed(settings)
    if settings.tls is None and not rotating and not routed:
        return None
    import httpx2

    hooks: dict[str, list[Any]] = {"request": []}
    if routed:

        async def with_user(request: Any) -> None:
            user = turn_user()
            if user:
                request.headers[USER_HEADER] = user

        hooks["request"].append(with_user)
    if rotating:
        assert key_file is not None

        token = TokenFile(key_file)

        async def fresh_key(request: Any) -> None:
            # The kubelet rotates a projected token in place: the current one per request.
            key = token.get()
            if key is None:
                return
            if "authorization" in request.headers:
                request.headers["authorization"] = f"Bearer {key}"
            if "x-api-key" in request.headers:
                request.headers["x-api-key"] = key

        hooks["request"].append(fresh_key)
    return httpx2.AsyncClient(
        verify=ssl_verify(settings.tls), timeout=_timeout(settings), event_hooks=hooks
    )


def _timeout(settings: ModelBase) -> float:
    return settings.timeout if settings.timeout is not None else DEFAULT_TIMEOUT


def model_settings(settings: ConfigModelSettings) -> ModelSettings:
    """Sampling parameters and timeout as the engine's ModelSettings.

    Retries are not among them: the SDK clients we build carry `max_retries` themselves,
    and a `max_retries` setting would make the engine copy the client (a new SDK client
    object, and a thread hop for its platform headers) on every request. Only the
    Google models, whose client we do not build, get it (`_google_settings`).
    """
    from pydantic_ai.settings import ModelSettings

    result = ModelSettings(timeout=_timeout(settings))
    for name in ("temperature", "max_tokens", "top_p"):
        value = getattr(settings, name)
        if value is not None:
            result[name] = value
    if isinstance(settings, OpenAIModel):
        for name in ("frequency_penalty", "presence_penalty", "seed"):
            value = getattr(settings, name)
            if value is not None:
                result[name] = value  # type: ignore[literal-required]
    top_k = getattr(settings, "top_k", None)
    if top_k is not None:
        result["top_k"] = int(top_k)
    stop = getattr(settings, "stop_sequences", None)
    if stop:
        result["stop_sequences"] = list(stop)
    if isinstance(settings, OllamaModel) and settings.options:
        result["extra_body"] = {"options": {k: _number(v) for k, v in settings.options.items()}}
    return result


def _number(value: str) -> Any:
    """Ollama options arrive as strings in config.json; send numbers as numbers."""
    for convert in (int, float):
        try:
            return convert(value)
        except ValueError:
            continue
    return value


def build_model(settings: ConfigModelSettings) -> Model:
    """The engine model for config.json's `model` block. Raises ModelConfigError."""
    builder = _BUILDERS.get(type(settings))
    if builder is None:  # a new type in bosun.api without a builder here
        raise ModelConfigError(f"model type {settings.type!r} is not supported by this runtime")
    model: Model = builder(settings)
    return model


def _openai(settings: OpenAIModel) -> Model:
    from openai import AsyncOpenAI
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.openai import OpenAIProvider

    openai_params.install()  # skip the SDK's no-op parameter transform

    key = api_key(settings)
    if key is None:
        if settings.base_url is None:
            _require_key(settings, "OpenAI")
        key = "not-needed"  # OpenAI-compatible servers often take no key, the SDK wants one
    client = AsyncOpenAI(
        api_key=key,
        base_url=settings.base_url,
        organization=settings.organization,
        **_sdk_options(settings),
    )
    model_name = settings.model
    return OpenAIChatModel(
        model_name,
        provider=OpenAIProvider(openai_client=client),
        settings=_with_reasoning(model_settings(settings), settings),
    )


def _with_reasoning(result: ModelSettings, settings: OpenAIModel) -> ModelSettings:
    if settings.reasoning_effort:
        result["openai_reasoning_effort"] = settings.reasoning_effort  # type: ignore[typeddict-unknown-key]
    return result


def _ollama(settings: OllamaModel) -> Model:
    from openai import AsyncOpenAI
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.ollama import OllamaProvider

    openai_params.install()  # skip the SDK's no-op parameter transform

    # Ollama serves an OpenAI-compatible API under /v1 of its host.
    base_url = settings.host.rstrip("/")
    if not base_url.endswith("/v1"):
        base_url += "/v1"
    client = AsyncOpenAI(
        api_key=api_key(settings) or "ollama",
        base_url=base_url,
        **_sdk_options(settings),
    )
    return OpenAIChatModel(
        settings.model,
        provider=OllamaProvider(openai_client=client),
        settings=model_settings(settings),
    )


def _azure(settings: AzureOpenAIModel) -> Model:
    from openai import AsyncAzureOpenAI
    from pydantic_ai.models.openai import OpenAIChatModel
    from pydantic_ai.providers.azure import AzureProvider

    openai_params.install()  # skip the SDK's no-op parameter transform

    ad_token = os.environ.get(settings.azure_ad_token_env) if settings.azure_ad_token_env else None
    key = api_key(settings)
    if ad_token is None and key is None:
        _require_key(settings, "Azure OpenAI")
    client = AsyncAzureOpenAI(
        azure_endpoint=settings.azure_endpoint,
        api_version=settings.api_version,
        azure_deployment=settings.azure_deployment,
        api_key=None if ad_token else key,
        azure_ad_token=ad_token,
        **_sdk_options(settings),
    )
    return OpenAIChatModel(
        settings.azure_deployment or settings.model,
        provider=AzureProvider(openai_client=client),
        settings=model_settings(settings),
    )


def _anthropic(settings: AnthropicModel) -> Model:
    from anthropic import AsyncAnthropic
    from pydantic_ai.models.anthropic import AnthropicModel as EngineAnthropicModel
    from pydantic_ai.providers.anthropic import AnthropicProvider

    key = api_key(settings)
    if key is None:
        if settings.base_url is None:
            _require_key(settings, "Anthropic")
        key = "not-needed"
    client = AsyncAnthropic(
        api_key=key,
        base_url=settings.base_url,
        **_sdk_options(settings),
    )
    return EngineAnthropicModel(
        settings.model,
        provider=AnthropicProvider(anthropic_client=client),
        settings=_anthropic_settings(settings),
    )


def _anthropic_settings(settings: AnthropicModel | AnthropicVertexAIModel) -> ModelSettings:
    result = model_settings(settings)
    # The Messages API requires max_tokens; pick a generous default when config.json has none.
    result.setdefault("max_tokens", 8192)
    return result


def _anthropic_vertex(settings: AnthropicVertexAIModel) -> Model:
    from anthropic import AsyncAnthropicVertex
    from pydantic_ai.models.anthropic import AnthropicModel as EngineAnthropicModel
    from pydantic_ai.providers.anthropic import AnthropicProvider

    client = AsyncAnthropicVertex(
        region=settings.location,
        project_id=settings.project_id,
        **_sdk_options(settings),
    )
    return EngineAnthropicModel(
        settings.model,
        provider=AnthropicProvider(anthropic_client=client),
        settings=_anthropic_settings(settings),
    )


def _gemini(settings: GeminiModel) -> Model:
    from pydantic_ai.models.google import GoogleModel
    from pydantic_ai.providers.google import GoogleProvider

    provider = GoogleProvider(
        api_key=_require_key(settings, "Gemini"),
        base_url=settings.base_url,
        http_client=_http_client(settings),
    )
    return GoogleModel(settings.model, provider=provider, settings=_google_settings(settings))


def _google_settings(settings: GeminiModel | GeminiVertexAIModel) -> ModelSettings:
    result = model_settings(settings)
    result["max_retries"] = DEFAULT_MAX_RETRIES  # the google-genai client is the provider's
    if settings.headers:
        result["extra_headers"] = dict(settings.headers)
    return result


def _gemini_vertex(settings: GeminiVertexAIModel) -> Model:
    from pydantic_ai.models.google import GoogleModel
    from pydantic_ai.providers.google_cloud import GoogleCloudProvider

    provider = GoogleCloudProvider(
        project=settings.project_id,
        location=settings.location,
        http_client=_http_client(settings),
    )
    return GoogleModel(settings.model, provider=provider, settings=_google_settings(settings))


def _bedrock(settings: BedrockModel) -> Model:
    from pydantic_ai.models.bedrock import BedrockConverseModel
    from pydantic_ai.providers.bedrock import BedrockProvider

    key = api_key(settings)
    if settings.tls is not None or settings.headers:
        # Custom TLS or headers need our own boto3 client, which signs with the AWS
        # credential chain (a Bedrock API key cannot be combined with them).
        provider = BedrockProvider(bedrock_client=_boto_client(settings))
    elif key is not None:
        provider = BedrockProvider(
            api_key=key, region_name=settings.region, base_url=settings.base_url
        )
    else:  # the standard AWS credential chain (env, IRSA web identity, instance profile)
        provider = BedrockProvider(region_name=settings.region, base_url=settings.base_url)
    return BedrockConverseModel(
        settings.model, provider=provider, settings=model_settings(settings)
    )


def _boto_client(settings: BedrockModel) -> Any:
    import boto3

    verify: bool | str = True
    if settings.tls is not None:
        verify = False if settings.tls.disable_verify else (settings.tls.ca_cert_file or True)
    client = boto3.client(
        "bedrock-runtime",
        region_name=settings.region,
        endpoint_url=settings.base_url,
        verify=verify,
    )
    headers = dict(settings.headers)

    def add_headers(request: Any, **_: Any) -> None:
        for name, value in headers.items():
            request.headers[name] = value

    client.meta.events.register("before-sign.bedrock-runtime.*", add_headers)
    return client


_BUILDERS: dict[type[Any], Any] = {
    OpenAIModel: _openai,
    AzureOpenAIModel: _azure,
    AnthropicModel: _anthropic,
    OllamaModel: _ollama,
    GeminiModel: _gemini,
    GeminiVertexAIModel: _gemini_vertex,
    AnthropicVertexAIModel: _anthropic_vertex,
    BedrockModel: _bedrock,
}
