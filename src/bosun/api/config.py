"""config.json: everything the agent runtime needs, written by the translator (DESIGN.md §3).

This is the one definition of the contract between `controller.translate` (writer) and
`runtime` (reader). Keys are snake_case, shaped after kagent's config.json. Secrets are
never inline: the API key and secret headers are named by the environment variable that
holds them, and the Deployment fills those variables from Secrets.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

CONFIG_FILE = "config.json"
AGENT_CARD_FILE = "agent-card.json"
API_KEY_ENV = "BOSUN_MODEL_API_KEY"
"""Environment variable that holds the model's API key in an agent's process."""


class ConfigModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class TLSSettings(ConfigModel):
    disable_verify: bool = False
    ca_cert_file: str | None = Field(
        default=None, description="Path of a CA bundle inside the agent's filesystem."
    )
    disable_system_cas: bool = False


class ModelBase(ConfigModel):
    model: str
    api_key_env: str | None = Field(
        default=None, description="Name of the env var with the API key (never the key)."
    )
    api_key_file: str | None = Field(
        default=None,
        description="A file holding the key, read for every request when it exists (the "
        "pod's rotated ServiceAccount token for the model gateway); else api_key_env.",
    )
    headers: dict[str, str] = Field(default_factory=dict)
    tls: TLSSettings | None = None
    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None
    timeout: float | None = Field(default=None, description="Seconds per LLM request.")


class OpenAIModel(ModelBase):
    """OpenAI, or any OpenAI-compatible server at base_url (vLLM, gateways, Ollama's /v1)."""

    type: Literal["openai"] = "openai"
    base_url: str | None = None
    organization: str | None = None
    frequency_penalty: float | None = None
    presence_penalty: float | None = None
    seed: int | None = None
    n: int | None = None
    reasoning_effort: str | None = None


class AzureOpenAIModel(ModelBase):
    type: Literal["azure_openai"] = "azure_openai"
    azure_endpoint: str
    api_version: str
    azure_deployment: str | None = None
    azure_ad_token_env: str | None = None


class AnthropicModel(ModelBase):
    type: Literal["anthropic"] = "anthropic"
    base_url: str | None = None
    top_k: int | None = None


class OllamaModel(ModelBase):
    type: Literal["ollama"] = "ollama"
    host: str
    options: dict[str, str] = Field(default_factory=dict)


class GeminiModel(ModelBase):
    type: Literal["gemini"] = "gemini"
    base_url: str | None = None
    top_k: float | None = None


class GeminiVertexAIModel(ModelBase):
    type: Literal["gemini_vertex_ai"] = "gemini_vertex_ai"
    project_id: str
    location: str
    top_k: float | None = None
    stop_sequences: list[str] = Field(default_factory=list)
    candidate_count: int | None = None
    response_mime_type: str | None = None


class AnthropicVertexAIModel(ModelBase):
    type: Literal["anthropic_vertex_ai"] = "anthropic_vertex_ai"
    project_id: str
    location: str
    top_k: float | None = None
    stop_sequences: list[str] = Field(default_factory=list)


class BedrockModel(ModelBase):
    type: Literal["bedrock"] = "bedrock"
    region: str
    base_url: str | None = None


ModelSettings = Annotated[
    OpenAIModel
    | AzureOpenAIModel
    | AnthropicModel
    | OllamaModel
    | GeminiModel
    | GeminiVertexAIModel
    | AnthropicVertexAIModel
    | BedrockModel,
    Field(discriminator="type"),
]


class McpServerSettings(ConfigModel):
    """One MCP tool server the agent connects to."""

    name: str = Field(description="namespace/name of the server resource, for logs and UI.")
    url: str
    protocol: Literal["streamable_http", "sse"] = "streamable_http"
    headers: dict[str, str] = Field(default_factory=dict, description="Literal header values.")
    headers_from_env: dict[str, str] = Field(
        default_factory=dict, description="Header name -> env var holding its (secret) value."
    )
    timeout: float = Field(default=30.0, description="Seconds per request and tool call.")
    sse_read_timeout: float | None = None
    terminate_on_close: bool = True
    tools: list[str] = Field(default_factory=list, description="Tool filter; empty = all.")
    require_approval: list[str] = Field(default_factory=list)
    require_approval_for_destructive: bool | None = Field(
        default=None,
        description="Also pause for approval on every tool whose MCP annotations do not say "
        "readOnlyHint=true or destructiveHint=false (set by the translator for a trusted, "
        "built-in tool server; see docs/tools.md).",
    )
    allowed_headers: list[str] = Field(default_factory=list)
    tls: TLSSettings | None = None


class RemoteAgentSettings(ConfigModel):
    """Another agent used as a tool, over A2A."""

    name: str = Field(description="Tool name the LLM sees (namespace__name, sanitised).")
    ref: str = Field(description="namespace/name of the Agent.")
    url: str = Field(description="A2A endpoint of the agent.")
    description: str = ""
    headers: dict[str, str] = Field(default_factory=dict)
    headers_from_env: dict[str, str] = Field(default_factory=dict)


class HttpToolSettings(ConfigModel):
    """A generic HTTP tool (a kagent.dev/v1alpha1 Tool of type http) the runtime calls itself.

    Secret header values are never here: `headers_from_env` names the env vars (set from
    the Secrets on the pod) that hold them.
    """

    name: str = Field(description="Tool name the LLM sees (the Tool's name).")
    ref: str = Field(description="namespace/name of the Tool.")
    description: str = ""
    parameters: dict[str, Any] = Field(
        default_factory=dict, description="JSON schema (type object) of the arguments."
    )
    method: str = "GET"
    url: str = Field(description="URL template; {param} is replaced, URL-encoded.")
    headers: dict[str, str] = Field(default_factory=dict, description="Literal header values.")
    headers_from_env: dict[str, str] = Field(
        default_factory=dict, description="Header name -> env var holding its value."
    )
    body: str | None = Field(default=None, description="Body template; {param} as is.")
    content_type: str | None = None
    timeout: float = 30.0


class CompactionSettings(ConfigModel):
    compaction_interval: int | None = None
    overlap_size: int | None = None
    token_threshold: int | None = None
    summarizer_model: ModelSettings | None = None
    summarizer_prompt: str | None = None


class MemorySettings(ConfigModel):
    model: ModelSettings | None = None
    ttl_days: int | None = None


class GitSkillSource(ConfigModel):
    url: str
    ref: str = "main"
    path: str | None = None
    name: str = Field(description="Directory under `directory` the repo is fetched into.")


class OciSkillSource(ConfigModel):
    ref: str = Field(description="Image reference: [registry/]repository[:tag][@sha256:...].")
    name: str = Field(description="Directory under `directory` the image's files go to.")


class SkillsSettings(ConfigModel):
    """Where the agent's skills are: directories to scan, and sources to fetch first."""

    directory: str = Field(default="/skills", description="Where git and OCI sources go.")
    paths: list[str] = Field(
        default_factory=list,
        description="Directories whose subdirectories with a SKILL.md are skills.",
    )
    git: list[GitSkillSource] = Field(default_factory=list)
    git_token_env: str | None = Field(
        default=None, description="Env var with a token for HTTPS git (from gitAuthSecretRef)."
    )
    oci: list[OciSkillSource] = Field(default_factory=list)
    oci_insecure: bool = Field(
        default=False,
        description="Pull images without TLS verification, plain HTTP allowed (insecure).",
    )


class AgentConfig(ConfigModel):
    """config.json."""

    name: str = Field(description="namespace/name of the Agent.")
    description: str = ""
    instruction: str = Field(description="The fully resolved system prompt.")
    instruction_file: str | None = Field(
        default=None,
        description="When set, the runtime reads the system prompt from this file (a Secret "
        "key mounted in the pod: the translator never sees Secret values) and uses it in "
        "place of `instruction`. Template directives in it are not resolved.",
    )
    model: ModelSettings
    stream: bool = False
    mcp_servers: list[McpServerSettings] = Field(default_factory=list)
    remote_agents: list[RemoteAgentSettings] = Field(default_factory=list)
    http_tools: list[HttpToolSettings] | None = Field(
        default=None, description="Generic HTTP tools (None, not [], when none: same hash)."
    )
    memory: MemorySettings | None = None
    skills: SkillsSettings | None = None
    compaction: CompactionSettings | None = None
    max_llm_calls: int = Field(
        default=25, ge=1, description="LLM round trips allowed in one turn before it stops."
    )
    max_tool_output_chars: int = Field(
        default=50_000,
        ge=100,
        description="Tool results longer than this are truncated, with a visible marker.",
    )

    def to_json(self) -> str:
        return self.model_dump_json(indent=2, exclude_none=True)

    @classmethod
    def load(cls, config_dir: Path) -> AgentConfig:
        return cls.model_validate_json((config_dir / CONFIG_FILE).read_text())


class CardSkill(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid", frozen=True)
    id: str
    name: str
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)
    input_modes: list[str] = Field(default_factory=list, alias="inputModes")
    output_modes: list[str] = Field(default_factory=list, alias="outputModes")


def agent_card(
    *, name: str, description: str, url: str, streaming: bool, skills: list[CardSkill], version: str
) -> dict[str, Any]:
    """agent-card.json in A2A v1.0 JSON form (the runtime also serves a v0.3 view of it).

    `url` is where the agent is reached in its environment; the control plane's proxy
    rewrites it to the proxy's own URL.
    """
    return {
        "name": name,
        "description": description,
        "version": version,
        "supportedInterfaces": [
            {"url": url, "protocolBinding": "JSONRPC", "protocolVersion": "1.0"}
        ],
        "capabilities": {"streaming": streaming, "pushNotifications": False},
        "defaultInputModes": ["text"],
        "defaultOutputModes": ["text"],
        "skills": [s.model_dump(by_alias=True, exclude_defaults=False) for s in skills],
    }


def dump_card(card: dict[str, Any]) -> str:
    return json.dumps(card, indent=2)
