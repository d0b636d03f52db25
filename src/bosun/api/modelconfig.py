"""The ModelConfig kind (kagent.dev/v1alpha2): which LLM an agent uses and how to reach it.

Numbers such as temperature are strings on the wire, as in kagent ("0.7"), so that existing
manifests apply unchanged; the translator turns them into numbers for config.json.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from bosun.api.base import (
    CelRule,
    KindInfo,
    PrinterColumn,
    Resource,
    ResourceStatus,
    WireModel,
    cel_config,
    status_columns,
)

DecimalString = Annotated[
    str,
    Field(pattern=r"^-?[0-9]*\.?[0-9]+$", description='A decimal number as a string, e.g. "0.7".'),
]
HttpUrl = Annotated[str, Field(pattern=r"^https?://", max_length=2048)]

Provider = Literal[
    "OpenAI",
    "Anthropic",
    "AzureOpenAI",
    "Ollama",
    "Gemini",
    "GeminiVertexAI",
    "AnthropicVertexAI",
    "Bedrock",
]


class OpenAIConfig(WireModel):
    base_url: HttpUrl | None = Field(default=None, description="Any OpenAI-compatible endpoint.")
    organization: str | None = None
    temperature: DecimalString | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    top_p: DecimalString | None = None
    frequency_penalty: DecimalString | None = None
    presence_penalty: DecimalString | None = None
    seed: int | None = None
    n: int | None = Field(default=None, ge=1)
    timeout: int | None = Field(default=None, ge=1, description="Request timeout in seconds.")
    reasoning_effort: Literal["minimal", "low", "medium", "high"] | None = None


class AnthropicConfig(WireModel):
    base_url: HttpUrl | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    temperature: DecimalString | None = None
    top_p: DecimalString | None = None
    top_k: int | None = Field(default=None, ge=1)


class AzureOpenAIConfig(WireModel):
    azure_endpoint: HttpUrl = Field(description="https://RESOURCE.openai.azure.com")
    api_version: str = Field(min_length=1, description="e.g. 2024-10-21")
    azure_deployment: str | None = None
    azure_ad_token: str | None = None
    temperature: DecimalString | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    top_p: DecimalString | None = None


class OllamaConfig(WireModel):
    host: HttpUrl = Field(default="http://localhost:11434")
    options: dict[str, str] = Field(default_factory=dict)


class GeminiConfig(WireModel):
    base_url: HttpUrl | None = None
    temperature: DecimalString | None = None
    max_output_tokens: int | None = Field(default=None, ge=1)
    top_p: DecimalString | None = None
    top_k: DecimalString | None = None


class VertexAIConfig(WireModel):
    project_id: str = Field(alias="projectID", min_length=1)
    location: str = Field(min_length=1)
    temperature: DecimalString | None = None
    top_p: DecimalString | None = None
    top_k: DecimalString | None = None
    stop_sequences: list[str] = Field(default_factory=list)


class GeminiVertexAIConfig(VertexAIConfig):
    max_output_tokens: int | None = Field(default=None, ge=1)
    candidate_count: int | None = Field(default=None, ge=1)
    response_mime_type: str | None = None


class AnthropicVertexAIConfig(VertexAIConfig):
    max_tokens: int | None = Field(default=None, ge=1)


class BedrockConfig(WireModel):
    region: str = Field(min_length=1)
    base_url: HttpUrl | None = None
    temperature: DecimalString | None = None
    max_tokens: int | None = Field(default=None, ge=1)
    top_p: DecimalString | None = None


class TLSConfig(WireModel):
    disable_verify: bool = Field(
        default=False, description="Do not verify the server's certificate (testing only)."
    )
    ca_cert_secret_ref: str | None = Field(
        default=None, description="Secret holding a CA bundle to trust."
    )
    ca_cert_secret_key: str | None = Field(
        default=None, description="Key of the CA bundle in caCertSecretRef (default ca.crt)."
    )
    disable_system_cas: bool = Field(
        default=False, alias="disableSystemCAs", description="Trust only caCertSecretRef."
    )


# Provider name -> the one block it may carry (wire name, attribute name).
PROVIDER_BLOCKS: dict[str, tuple[str, str]] = {
    "OpenAI": ("openAI", "open_ai"),
    "Anthropic": ("anthropic", "anthropic"),
    "AzureOpenAI": ("azureOpenAI", "azure_open_ai"),
    "Ollama": ("ollama", "ollama"),
    "Gemini": ("gemini", "gemini"),
    "GeminiVertexAI": ("geminiVertexAI", "gemini_vertex_ai"),
    "AnthropicVertexAI": ("anthropicVertexAI", "anthropic_vertex_ai"),
    "Bedrock": ("bedrock", "bedrock"),
}
# Where each block keeps the URL that `tls` applies to.
_TLS_URL_FIELDS = {
    "openAI": "baseUrl",
    "anthropic": "baseUrl",
    "azureOpenAI": "azureEndpoint",
    "ollama": "host",
    "gemini": "baseUrl",
    "bedrock": "baseUrl",
}

PROVIDER_RULES = tuple(
    CelRule(
        rule=f"!has(self.{wire}) || self.provider == '{provider}'",
        message=f"{wire} may be set only when provider is {provider}",
    )
    for provider, (wire, _) in PROVIDER_BLOCKS.items()
)
API_KEY_RULE = CelRule(
    rule="has(self.apiKeySecret) == has(self.apiKeySecretKey)",
    message="apiKeySecret and apiKeySecretKey must be set together",
)
TLS_RULE = CelRule(
    rule="!has(self.tls) || ("
    + " && ".join(
        f"(!has(self.{block}) || !has(self.{block}.{field}) "
        f"|| self.{block}.{field}.startsWith('https://'))"
        for block, field in _TLS_URL_FIELDS.items()
    )
    + ")",
    message="tls applies only to https:// URLs",
)


class ModelConfigSpec(WireModel):
    model_config = cel_config(*PROVIDER_RULES, API_KEY_RULE, TLS_RULE)

    model: str = Field(min_length=1, description="Model name as the provider knows it.")
    provider: Provider = Field(
        default="OpenAI", description="Which API the model is reached through."
    )
    api_key_secret: str | None = Field(default=None, description="Secret holding the API key.")
    api_key_secret_key: str | None = Field(default=None, description="Key within apiKeySecret.")
    api_key_passthrough: bool | None = None
    default_headers: dict[str, str] = Field(
        default_factory=dict, description="Headers sent with every LLM request."
    )
    open_ai: OpenAIConfig | None = Field(
        default=None, alias="openAI", description="Settings for provider OpenAI."
    )
    anthropic: AnthropicConfig | None = Field(
        default=None, description="Settings for provider Anthropic."
    )
    azure_open_ai: AzureOpenAIConfig | None = Field(
        default=None, alias="azureOpenAI", description="Settings for provider AzureOpenAI."
    )
    ollama: OllamaConfig | None = Field(default=None, description="Settings for provider Ollama.")
    gemini: GeminiConfig | None = Field(default=None, description="Settings for provider Gemini.")
    gemini_vertex_ai: GeminiVertexAIConfig | None = Field(
        default=None, alias="geminiVertexAI", description="Settings for provider GeminiVertexAI."
    )
    anthropic_vertex_ai: AnthropicVertexAIConfig | None = Field(
        default=None,
        alias="anthropicVertexAI",
        description="Settings for provider AnthropicVertexAI.",
    )
    bedrock: BedrockConfig | None = Field(
        default=None, description="Settings for provider Bedrock."
    )
    tls: TLSConfig | None = Field(
        default=None, description="TLS settings for an https:// base URL."
    )

    @model_validator(mode="after")
    def _check_cross_field_rules(self) -> ModelConfigSpec:
        for provider, (wire, attr) in PROVIDER_BLOCKS.items():
            if getattr(self, attr) is not None and provider != self.provider:
                expected = PROVIDER_BLOCKS[self.provider][0]
                raise ValueError(
                    f"{wire} is set but provider is {self.provider}: "
                    f"{wire} may be set only when provider is {provider} "
                    f"(use the {expected} block)"
                )
        if (self.api_key_secret is None) != (self.api_key_secret_key is None):
            raise ValueError(API_KEY_RULE.message)
        if self.tls is not None:
            for wire, url_field in _TLS_URL_FIELDS.items():
                block = getattr(self, PROVIDER_BLOCKS_BY_WIRE[wire])
                url = getattr(block, _snake(url_field), None) if block else None
                if url is not None and not url.startswith("https://"):
                    raise ValueError(
                        f"tls is set but {wire}.{url_field} is {url}: {TLS_RULE.message}"
                    )
        return self

    def provider_block(self) -> WireModel | None:
        """The block matching `provider`, if given."""
        block: WireModel | None = getattr(self, PROVIDER_BLOCKS[self.provider][1])
        return block


PROVIDER_BLOCKS_BY_WIRE = {wire: attr for wire, attr in PROVIDER_BLOCKS.values()}


def _snake(camel: str) -> str:
    return "".join("_" + c.lower() if c.isupper() else c for c in camel)


class ModelConfigStatus(ResourceStatus):
    secret_hash: str | None = Field(
        default=None, description="Hash of the referenced Secret's data; changes roll agents."
    )


class ModelConfig(Resource[ModelConfigSpec, ModelConfigStatus]):
    info = KindInfo(
        kind="ModelConfig",
        version="v1alpha2",
        plural="modelconfigs",
        short_names=("mc",),
        description="How to reach an LLM: provider, model, credentials and parameters.",
        printer_columns=(
            PrinterColumn("Provider", ".spec.provider"),
            PrinterColumn("Model", ".spec.model"),
            *status_columns("Accepted"),
        ),
    )
    status: ModelConfigStatus | None = None
