"""The Agent kind (kagent.dev/v1alpha2): a Declarative agent Bosun runs, or your own (BYO)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from bosun.api.base import (
    DNS1123_LABEL,
    DNS1123_SUBDOMAIN,
    CelRule,
    KindInfo,
    PrinterColumn,
    Resource,
    ResourceStatus,
    WireModel,
    cel_config,
    status_columns,
)
from bosun.api.k8s import (
    AllowedNamespaces,
    EnvVar,
    KubeObject,
    LocalObjectReference,
    PullPolicy,
)

Name = Annotated[str, Field(min_length=1, max_length=253, pattern=DNS1123_SUBDOMAIN)]
Namespace = Annotated[str, Field(min_length=1, max_length=63, pattern=DNS1123_LABEL)]
ToolName = Annotated[str, Field(min_length=1, max_length=128)]

MAX_TOOLS = 20


class ValueSource(WireModel):
    """A value read from a key of a ConfigMap or Secret in the resource's namespace."""

    type: Literal["ConfigMap", "Secret"]
    name: Name
    key: str = Field(min_length=1, max_length=253)


VALUE_REF_RULE = CelRule(
    rule="has(self.value) != has(self.valueFrom)",
    message="exactly one of value and valueFrom must be set",
)


class ValueRef(WireModel):
    """A named value: literal, or read from a ConfigMap or Secret (used for headers)."""

    model_config = cel_config(VALUE_REF_RULE)
    name: str = Field(min_length=1, max_length=256)
    value: str | None = None
    value_from: ValueSource | None = None

    @model_validator(mode="after")
    def _value_xor_value_from(self) -> ValueRef:
        if (self.value is None) == (self.value_from is None):
            raise ValueError(f"{self.name}: exactly one of value and valueFrom must be set")
        return self


class PromptSource(WireModel):
    kind: Literal["ConfigMap"] = "ConfigMap"
    api_group: str | None = None
    name: Name
    alias: str | None = Field(
        default=None,
        description='Name used in the include "alias/key" directive of the system message; '
        "defaults to the ConfigMap name.",
    )


class PromptTemplate(WireModel):
    data_sources: list[PromptSource] = Field(
        default_factory=list,
        max_length=20,
        description="ConfigMaps whose keys the system message may include.",
    )


APPROVAL_RULE = CelRule(
    rule="!has(self.requireApproval) || self.requireApproval.all(t, "
    "has(self.toolNames) && t in self.toolNames)",
    message="every requireApproval entry must also be listed in toolNames",
)


class McpServerTool(WireModel):
    """Tools of one MCP server that the agent may call."""

    model_config = cel_config(APPROVAL_RULE)
    api_group: str | None = Field(default=None, description="kagent.dev, or empty for Service")
    kind: Literal["RemoteMCPServer", "MCPServer", "Service"] = "RemoteMCPServer"
    name: Name
    namespace: Namespace | None = Field(
        default=None, description="Defaults to the agent's namespace."
    )
    tool_names: list[ToolName] = Field(
        default_factory=list,
        max_length=100,
        description="Tools the agent may use; empty means all tools of the server.",
    )
    require_approval: list[ToolName] = Field(
        default_factory=list,
        max_length=100,
        description="Tools that pause for a human's approval before they run.",
    )
    allowed_headers: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Headers of the incoming request that are forwarded to this server.",
    )

    @model_validator(mode="after")
    def _approval_subset_of_tool_names(self) -> McpServerTool:
        missing = [t for t in self.require_approval if t not in self.tool_names]
        if missing:
            raise ValueError(
                f"requireApproval {', '.join(missing)}: not listed in toolNames "
                f"({', '.join(self.tool_names) or 'empty'}); {APPROVAL_RULE.message}"
            )
        return self


class TypedReference(WireModel):
    name: Name
    namespace: Namespace | None = Field(
        default=None, description="Defaults to the referring object's namespace."
    )
    kind: str | None = None
    api_group: str | None = None


TOOL_RULE = CelRule(
    rule="self.type == 'McpServer' ? (has(self.mcpServer) && !has(self.agent)) "
    ": (has(self.agent) && !has(self.mcpServer))",
    message="type McpServer needs mcpServer (and no agent); type Agent needs agent "
    "(and no mcpServer)",
)


class Tool(WireModel):
    model_config = cel_config(TOOL_RULE)

    type: Literal["McpServer", "Agent"] = Field(
        description="McpServer (set mcpServer) or Agent (set agent: another agent as a tool)."
    )
    mcp_server: McpServerTool | None = Field(default=None, description="Tools of an MCP server.")
    agent: TypedReference | None = Field(
        default=None, description="An Agent called as a tool over A2A."
    )
    headers_from: list[ValueRef] = Field(
        default_factory=list,
        max_length=50,
        description="Headers sent with every request to this tool; values may come from Secrets.",
    )

    @model_validator(mode="after")
    def _type_matches_block(self) -> Tool:
        if self.type == "McpServer":
            if self.mcp_server is None:
                raise ValueError("type McpServer needs an mcpServer block")
            if self.agent is not None:
                raise ValueError("type McpServer must not have an agent block")
        else:
            if self.mcp_server is not None:
                raise ValueError("type Agent must not have an mcpServer block (use agent)")
            if self.agent is None:
                raise ValueError("type Agent needs an agent block")
        return self


class Skill(WireModel):
    """An A2A skill advertised on the agent card."""

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    examples: list[str] = Field(default_factory=list)
    input_modes: list[str] = Field(default_factory=list)
    output_modes: list[str] = Field(default_factory=list)


class A2AConfig(WireModel):
    skills: list[Skill] = Field(
        default_factory=list, description="Skills advertised on the agent card."
    )


class GitSkillRepo(WireModel):
    """A git repository holding skills (kagent's GitRepo)."""

    url: str = Field(min_length=1, max_length=2048, description="HTTPS or SSH URL of the repo.")
    ref: str = Field(
        default="main", min_length=1, max_length=255, description="Branch, tag or commit."
    )
    path: str | None = Field(
        default=None, max_length=1024, description="Subdirectory of the repo used as skill root."
    )
    name: str | None = Field(
        default=None, max_length=253, description="Directory under /skills; default: repo name."
    )


class ConfigMapSkill(WireModel):
    """A small skill kept in a ConfigMap: each key is a file, SKILL.md among them (Bosun)."""

    name: Name


class SkillsSpec(WireModel):
    """Skills (folders with a SKILL.md) made available to the agent under /skills."""

    insecure_skip_verify: bool = Field(
        default=False,
        description="Pull `refs` without TLS verification, plain HTTP allowed (testing only).",
    )
    refs: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="OCI images or artifacts with skills, pulled anonymously to /skills/<name>.",
    )
    git_auth_secret_ref: LocalObjectReference | None = Field(
        default=None,
        description="Secret with a `token` key for HTTPS git auth, used for every gitRefs entry.",
    )
    git_refs: list[GitSkillRepo] = Field(
        default_factory=list, max_length=20, description="Git repositories to fetch skills from."
    )
    config_map_refs: list[ConfigMapSkill] = Field(
        default_factory=list, max_length=20, description="ConfigMaps that each hold one skill."
    )
    local_paths: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Directories on this machine with skills (local mode, `bosun up`, only).",
    )


class Memory(WireModel):
    model_config_: Name | None = Field(
        default=None, alias="modelConfig", description="ModelConfig used for memory."
    )
    ttl_days: int | None = Field(default=None, ge=1, description="Forget memories after this.")


class Summarizer(WireModel):
    model_config_: Name | None = Field(
        default=None, alias="modelConfig", description="ModelConfig used to summarise."
    )
    prompt_template: str | None = None


class Compaction(WireModel):
    compaction_interval: int | None = Field(
        default=None, ge=1, description="Compact after this many turns."
    )
    overlap_size: int | None = Field(
        default=None, ge=0, description="Turns kept verbatim across a compaction."
    )
    token_threshold: int | None = Field(
        default=None, ge=1, description="Compact when the history passes this many tokens."
    )
    summarizer: Summarizer | None = None


class ContextConfig(WireModel):
    compaction: Compaction | None = None


class ServiceAccountConfig(WireModel):
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)


SERVICE_ACCOUNT_RULE = CelRule(
    rule="!(has(self.serviceAccountName) && has(self.serviceAccountConfig))",
    message="serviceAccountName and serviceAccountConfig are mutually exclusive",
)


class SharedDeploymentSpec(WireModel):
    """Pod settings for the agent's Deployment."""

    replicas: int | None = Field(default=None, ge=0, description="Pods to run (default 1).")
    image_pull_policy: PullPolicy | None = None
    image_pull_secrets: list[LocalObjectReference] = Field(default_factory=list)
    env: list[EnvVar] = Field(
        default_factory=list, description="Extra environment variables (core/v1 EnvVar)."
    )
    resources: KubeObject | None = Field(
        default=None,
        description="Container resources (core/v1 ResourceRequirements); Bosun sets "
        "requests and a memory limit when empty.",
    )
    labels: dict[str, str] = Field(default_factory=dict, description="Extra pod labels.")
    annotations: dict[str, str] = Field(default_factory=dict, description="Extra pod annotations.")
    volumes: list[KubeObject] = Field(default_factory=list, description="Extra pod volumes.")
    volume_mounts: list[KubeObject] = Field(
        default_factory=list, description="Extra volume mounts of the container."
    )
    node_selector: dict[str, str] = Field(default_factory=dict)
    tolerations: list[KubeObject] = Field(default_factory=list)
    affinity: KubeObject | None = None
    security_context: KubeObject | None = Field(
        default=None, description="Container securityContext."
    )
    pod_security_context: KubeObject | None = Field(
        default=None, description="Pod securityContext."
    )
    service_account_name: Name | None = Field(
        default=None,
        description="Run as this existing ServiceAccount (none is created).",
    )
    service_account_config: ServiceAccountConfig | None = Field(
        default=None,
        description="Labels and annotations of the ServiceAccount Bosun creates.",
    )

    @model_validator(mode="after")
    def _one_service_account_source(self) -> SharedDeploymentSpec:
        if self.service_account_name is not None and self.service_account_config is not None:
            raise ValueError(SERVICE_ACCOUNT_RULE.message)
        return self


class DeclarativeDeploymentSpec(SharedDeploymentSpec):
    model_config = cel_config(SERVICE_ACCOUNT_RULE)
    image: str | None = Field(default=None, description="Overrides Bosun's runtime image.")


class ByoDeploymentSpec(SharedDeploymentSpec):
    model_config = cel_config(SERVICE_ACCOUNT_RULE)
    image: str = Field(min_length=1, description="Your image; it must serve A2A on port 8080.")
    cmd: str | None = Field(default=None, description="Overrides the image's entrypoint.")
    args: list[str] = Field(default_factory=list)
    port: int = Field(default=8080, ge=1, le=65535, description="Port the image serves A2A on.")


SYSTEM_MESSAGE_RULE = CelRule(
    rule="!(has(self.systemMessage) && has(self.systemMessageFrom))",
    message="systemMessage and systemMessageFrom are mutually exclusive",
)


class DeclarativeAgentSpec(WireModel):
    model_config = cel_config(SYSTEM_MESSAGE_RULE)

    runtime: Literal["python", "go"] = Field(
        default="python",
        description="python; go is accepted and runs the same Python runtime.",
    )
    system_message: str | None = Field(
        default=None,
        description="The system prompt. A template when promptTemplate is set.",
    )
    system_message_from: ValueSource | None = Field(
        default=None, description="Read the system prompt from a ConfigMap or Secret key."
    )
    prompt_template: PromptTemplate | None = Field(
        default=None,
        description="Makes the system message a template: include directives and "
        "variables such as .AgentName are resolved.",
    )
    model_config_: Name = Field(
        default="default-model-config",
        alias="modelConfig",
        description="Name of a ModelConfig in the agent's namespace.",
    )
    stream: bool = Field(default=False, description="Stream tokens to clients as they come.")
    tools: list[Tool] = Field(
        default_factory=list,
        max_length=MAX_TOOLS,
        description="MCP servers and agents the agent may call.",
    )
    a2a_config: A2AConfig | None = Field(
        default=None, alias="a2aConfig", description="What the agent card advertises."
    )
    memory: Memory | None = Field(default=None, description="Long-term memory.")
    context: ContextConfig | None = Field(
        default=None, description="How the conversation history is kept within limits."
    )
    deployment: DeclarativeDeploymentSpec | None = Field(
        default=None, description="Pod settings of the agent's Deployment."
    )

    @model_validator(mode="after")
    def _one_system_message_source(self) -> DeclarativeAgentSpec:
        if self.system_message is not None and self.system_message_from is not None:
            raise ValueError(SYSTEM_MESSAGE_RULE.message)
        return self


class ByoAgentSpec(WireModel):
    deployment: ByoDeploymentSpec = Field(description="Your image and its pod settings.")


AGENT_TYPE_RULE = CelRule(
    rule="!has(self.type) || self.type == 'Declarative' ? "
    "(has(self.declarative) && !has(self.byo)) : (has(self.byo) && !has(self.declarative))",
    message="type Declarative needs declarative (and no byo); type BYO needs byo "
    "(and no declarative)",
)


class AgentSpec(WireModel):
    model_config = cel_config(AGENT_TYPE_RULE)

    type: Literal["Declarative", "BYO"] = Field(
        default="Declarative",
        description="Declarative: Bosun runs the agent from this spec; BYO: your own image "
        "serving A2A.",
    )
    description: str = Field(
        default="", description="What the agent does; shown to users and to other agents."
    )
    declarative: DeclarativeAgentSpec | None = Field(
        default=None, description="The agent's prompt, model and tools (type Declarative)."
    )
    byo: ByoAgentSpec | None = Field(default=None, description="Your own agent (type BYO).")
    skills: SkillsSpec | None = Field(
        default=None, description="Skills (SKILL.md folders) fetched into the pod at /skills."
    )
    allowed_namespaces: AllowedNamespaces | None = Field(
        default=None,
        description="Namespaces whose agents may use this agent as a tool (default: Same).",
    )

    @model_validator(mode="after")
    def _type_matches_block(self) -> AgentSpec:
        if self.type == "Declarative":
            if self.declarative is None:
                raise ValueError("type Declarative needs a declarative block")
            if self.byo is not None:
                raise ValueError("type Declarative must not have a byo block")
        else:
            if self.byo is None:
                raise ValueError("type BYO needs a byo block")
            if self.declarative is not None:
                raise ValueError("type BYO must not have a declarative block")
        return self


class AgentStatus(ResourceStatus):
    pass


class Agent(Resource[AgentSpec, AgentStatus]):
    info = KindInfo(
        kind="Agent",
        version="v1alpha2",
        plural="agents",
        description="An AI agent: its prompt, model, tools and how it is deployed.",
        printer_columns=(
            PrinterColumn("Type", ".spec.type"),
            PrinterColumn("Model", ".spec.declarative.modelConfig"),
            *status_columns("Ready", "Accepted"),
        ),
    )
    status: AgentStatus | None = None
