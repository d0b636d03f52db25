"""An agent's tools: MCP servers (RemoteMCPServer, MCPServer, Service) and agents as tools.

Called by `config.build_config`. Produces config.json's `mcp_servers` and `remote_agents`,
the tool names the prompt template sees, and the env vars for headers kept in Secrets.
Header values from ConfigMaps are inlined in config.json: they are not secret, and a
change to them changes the config hash, which rolls the pods.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from bosun.api.agent import Agent, McpServerTool, Tool, TypedReference, ValueRef
from bosun.api.config import McpServerSettings, RemoteAgentSettings
from bosun.api.mcpserver import MCPServer, RemoteMCPServer, parse_duration
from bosun.controller.translate.errors import Errors, ref_name
from bosun.controller.translate.interface import References, TranslateOptions, TranslationError
from bosun.controller.translate.meta import env_name
from bosun.controller.translate.references import namespace_allowed
from bosun.controller.translate.wiring import (
    PodWiring,
    config_map_value,
    secret_key_file,
    secret_key_hash,
    tls_settings,
)

AGENT_PORT = 8080
MAX_TOOL_NAME = 64  # the longest tool name every provider accepts
BUILTIN_TOOLS_ANNOTATION = "bosun.dev/builtin-tools"
"""On a RemoteMCPServer/MCPServer: "true" marks Bosun's own tool server (trusted annotations)."""
APPROVE_DESTRUCTIVE_ANNOTATION = "bosun.dev/require-approval-for-destructive-tools"
"""On an Agent: "false" turns off the default approval of destructive built-in tools."""


def approve_destructive(agent: Agent, server_annotations: dict[str, str]) -> bool | None:
    """True when calls to the server's destructive tools pause for approval by default:
    the server is the built-in one (its annotations can be trusted) and the Agent did not
    opt out. None otherwise, so that config.json of other servers stays unchanged."""
    if server_annotations.get(BUILTIN_TOOLS_ANNOTATION, "").lower() != "true":
        return None
    opt = agent.metadata.annotations.get(APPROVE_DESTRUCTIVE_ANNOTATION, "true")
    return None if opt.strip().lower() == "false" else True


def approval_note(servers: list[str]) -> str | None:
    """The Accepted condition's note for an Agent that gets the default approval policy on
    `servers` ("ns/name"), or None when it gets it on none."""
    if not servers:
        return None
    names = ", ".join(servers)
    return (
        f"destructive tools of the built-in tool server {names} pause for approval by "
        f'default; annotate the Agent {APPROVE_DESTRUCTIVE_ANNOTATION}: "false" to opt out'
    )


@dataclass
class Tools:
    mcp_servers: list[McpServerSettings] = field(default_factory=list)
    remote_agents: list[RemoteAgentSettings] = field(default_factory=list)
    names: list[str] = field(default_factory=list)  # for {{.ToolNames}}
    notes: list[str] = field(default_factory=list)  # for the Accepted condition's message


@dataclass
class _Headers:
    literal: dict[str, str] = field(default_factory=dict)
    from_env: dict[str, str] = field(default_factory=dict)


def mcp_server_url(server: MCPServer, options: TranslateOptions) -> str:
    """Where an MCPServer's endpoint is reached: the option's resolver or cluster DNS."""
    if options.mcp_server_url is not None:
        return options.mcp_server_url(server)
    spec = server.spec
    path = "/mcp"
    if spec.transport_type == "http" and spec.http_transport is not None:
        path = spec.http_transport.path
    # The Service always listens on deployment.port (stdio: the bridge's port).
    return f"http://{server.name}.{server.namespace}:{spec.deployment.port}{path}"


def agent_url(namespace: str, name: str, options: TranslateOptions) -> str:
    if options.agent_url is not None:
        return options.agent_url(namespace, name)
    return f"http://{name}.{namespace}:{AGENT_PORT}"


def subagent_url(namespace: str, name: str, options: TranslateOptions) -> str:
    """Where an agent calls another (agent as tool, team member): through the control
    plane's A2A proxy when there is one, so Policies (A2A allow/deny, invokers), the audit
    log and the task records see the call; else straight to the agent's Service."""
    if options.controlplane_url:
        return f"{options.controlplane_url.rstrip('/')}/api/a2a/{namespace}/{name}"
    return agent_url(namespace, name, options)


def agent_tool_name(namespace: str, name: str) -> str:
    """The tool name the LLM sees for an agent: `namespace__name`, sanitised, <= 64 chars."""
    raw = re.sub(r"[^A-Za-z0-9_]", "_", f"{namespace}__{name}")
    if len(raw) <= MAX_TOOL_NAME:
        return raw
    digest = hashlib.sha256(raw.encode()).hexdigest()[:8]
    return f"{raw[: MAX_TOOL_NAME - 9]}_{digest}"


def _headers(
    values: list[ValueRef],
    refs: References,
    errors: Errors,
    wiring: PodWiring,
    *,
    path: str,
    namespace: str,
    agent_namespace: str,
    env_prefix: str,
    into: _Headers,
) -> None:
    for i, ref in enumerate(values):
        where = f"{path}[{i}]"
        if ref.value is not None:
            into.literal[ref.name] = ref.value
            continue
        source = ref.value_from
        assert source is not None  # the model guarantees value xor valueFrom
        if source.type == "ConfigMap":
            value = config_map_value(
                refs,
                errors,
                path=where,
                namespace=namespace,
                name=source.name,
                key=source.key,
                why=f"header {ref.name}",
            )
            if value is not None:
                into.literal[ref.name] = value
            continue
        if namespace != agent_namespace:
            errors.add(
                where,
                f"header {ref.name} comes from {ref_name('Secret', namespace, source.name)}, "
                f'but the agent runs in namespace "{agent_namespace}" and a pod can read '
                "only Secrets of its own namespace",
            )
            continue
        if secret_key_hash(
            refs,
            errors,
            path=where,
            namespace=namespace,
            name=source.name,
            key=source.key,
            why=f"header {ref.name}",
            wiring=wiring,
        ):
            var = env_name(env_prefix, "HEADER", ref.name)
            if not wiring.has_env(var):
                wiring.secret_env(var, source.name, source.key)
            into.from_env[ref.name] = var


def _remote_server(
    agent: Agent,
    server: RemoteMCPServer,
    ref: McpServerTool,
    headers: _Headers,
    refs: References,
    errors: Errors,
    wiring: PodWiring,
    *,
    path: str,
    agent_namespace: str,
    env_prefix: str,
) -> McpServerSettings:
    spec = server.spec
    server_ref = ref_name("RemoteMCPServer", server.namespace, server.name)
    server_headers = _Headers()
    _headers(
        spec.headers_from,
        refs,
        errors,
        wiring,
        path=f"{path} ({server_ref} headersFrom)",
        namespace=server.namespace,
        agent_namespace=agent_namespace,
        env_prefix=env_prefix,
        into=server_headers,
    )
    tls = None
    if spec.tls is not None:
        ca_file = None
        if spec.tls.ca_cert_secret_ref:
            key = spec.tls.ca_cert_secret_key or "ca.crt"
            volume = env_name(env_prefix, "ca").lower().replace("_", "-")
            if server.namespace != agent_namespace:
                errors.add(
                    path,
                    "tls.caCertSecretRef of a server in another namespace "
                    "cannot be mounted in the agent's pod",
                )
            else:
                ca_file = secret_key_file(
                    refs,
                    errors,
                    wiring,
                    path=path,
                    namespace=server.namespace,
                    name=spec.tls.ca_cert_secret_ref,
                    key=key,
                    why=f"tls.caCertSecretRef of {server_ref}",
                    volume=volume,
                    directory=f"/etc/bosun/tls/{volume}",
                    file=key,
                )
        tls = tls_settings(spec.tls, ca_file)
    # Headers set on the agent's tool entry win over the server's own.
    literal = server_headers.literal | headers.literal
    from_env = server_headers.from_env | headers.from_env
    return McpServerSettings(
        name=f"{server.namespace}/{server.name}",
        url=spec.url,
        protocol="sse" if spec.protocol == "SSE" else "streamable_http",
        headers={k: v for k, v in literal.items() if k not in headers.from_env},
        headers_from_env={k: v for k, v in from_env.items() if k not in headers.literal},
        timeout=parse_duration(spec.timeout),
        sse_read_timeout=(parse_duration(spec.sse_read_timeout) if spec.sse_read_timeout else None),
        terminate_on_close=spec.terminate_on_close,
        tools=list(ref.tool_names),
        require_approval=list(ref.require_approval),
        require_approval_for_destructive=approve_destructive(agent, server.metadata.annotations),
        allowed_headers=list(ref.allowed_headers),
        tls=tls,
    )


@dataclass(frozen=True)
class _Entry:
    """One entry of the agent's `spec.declarative.tools`, with what translating it needs."""

    agent: Agent
    tool: Tool
    index: int
    refs: References
    options: TranslateOptions
    errors: Errors
    wiring: PodWiring
    out: Tools

    @property
    def env_prefix(self) -> str:
        """Env vars wired for this entry start with this (keeps entries apart)."""
        return f"BOSUN_TOOL{self.index}"

    def path(self, field_: str) -> str:
        return f"spec.declarative.tools[{self.index}].{field_}"

    def headers(self) -> _Headers:
        """The headers the entry itself sets (`headersFrom`), wired into the pod."""
        headers = _Headers()
        _headers(
            self.tool.headers_from,
            self.refs,
            self.errors,
            self.wiring,
            path=self.path("headersFrom"),
            namespace=self.agent.namespace,
            agent_namespace=self.agent.namespace,
            env_prefix=self.env_prefix,
            into=headers,
        )
        return headers


def _mcp_tool(entry: _Entry, ref: McpServerTool) -> None:
    agent, refs, errors = entry.agent, entry.refs, entry.errors
    path = entry.path("mcpServer")
    ns = ref.namespace or agent.namespace
    headers = entry.headers()

    def plain(url: str, timeout: float = 30.0, approve: bool | None = None) -> McpServerSettings:
        return McpServerSettings(
            name=f"{ns}/{ref.name}",
            url=url,
            timeout=timeout,
            headers=headers.literal,
            headers_from_env=headers.from_env,
            tools=list(ref.tool_names),
            require_approval=list(ref.require_approval),
            require_approval_for_destructive=approve,
            allowed_headers=list(ref.allowed_headers),
        )

    discovered: list[str] = []
    if ref.kind == "RemoteMCPServer":
        remote = refs.remote_mcp_servers.get((ns, ref.name))
        if remote is None:
            errors.not_found(path, "RemoteMCPServer", ns, ref.name)
            return
        if not namespace_allowed(remote.spec.allowed_namespaces, ns, agent.namespace, refs):
            errors.add(path, _denied("RemoteMCPServer", ns, ref.name, agent.namespace))
            return
        settings = _remote_server(
            agent,
            remote,
            ref,
            headers,
            refs,
            errors,
            entry.wiring,
            path=path,
            agent_namespace=agent.namespace,
            env_prefix=entry.env_prefix,
        )
        if remote.status is not None:
            discovered = [t.name for t in remote.status.discovered_tools]
    elif ref.kind == "MCPServer":
        server = refs.mcp_servers.get((ns, ref.name))
        if server is None:
            errors.not_found(path, "MCPServer", ns, ref.name)
            return
        settings = plain(
            mcp_server_url(server, entry.options),
            parse_duration(server.spec.timeout),
            approve_destructive(agent, server.metadata.annotations),
        )
        if server.status is not None:
            discovered = [t.name for t in server.status.discovered_tools]
    else:  # a plain Service that speaks MCP at /mcp
        port = refs.services.get((ns, ref.name))
        if port is None:
            errors.not_found(path, "Service", ns, ref.name)
            return
        settings = plain(f"http://{ref.name}.{ns}:{port}/mcp")
    entry.out.mcp_servers.append(settings)
    entry.out.names.extend(ref.tool_names or discovered)


def _denied(kind: str, ns: str, name: str, from_ns: str) -> str:
    return (
        f'{ref_name(kind, ns, name)} does not allow references from namespace "{from_ns}" '
        "(see its spec.allowedNamespaces)"
    )


def _agent_tool(entry: _Entry, ref: TypedReference) -> None:
    agent, refs = entry.agent, entry.refs
    path = entry.path("agent")
    ns = ref.namespace or agent.namespace
    target = refs.agents.get((ns, ref.name))
    if target is None:
        entry.errors.not_found(path, "Agent", ns, ref.name)
        return
    if not namespace_allowed(target.spec.allowed_namespaces, ns, agent.namespace, refs):
        entry.errors.add(path, _denied("Agent", ns, ref.name, agent.namespace))
        return
    headers = entry.headers()
    name = agent_tool_name(ns, ref.name)
    entry.out.remote_agents.append(
        RemoteAgentSettings(
            name=name,
            ref=f"{ns}/{ref.name}",
            url=subagent_url(ns, ref.name, entry.options),
            description=target.spec.description,
            headers=headers.literal,
            headers_from_env=headers.from_env,
        )
    )
    entry.out.names.append(name)


def build_tools(
    agent: Agent,
    refs: References,
    options: TranslateOptions,
    errors: Errors,
    wiring: PodWiring,
) -> Tools:
    spec = agent.spec.declarative
    assert spec is not None
    out = Tools()
    for i, tool in enumerate(spec.tools):
        entry = _Entry(agent, tool, i, refs, options, errors, wiring, out)
        if tool.mcp_server is not None:
            _mcp_tool(entry, tool.mcp_server)
        elif tool.agent is not None:
            _agent_tool(entry, tool.agent)
    approving = [s.name for s in out.mcp_servers if s.require_approval_for_destructive]
    note = approval_note(list(dict.fromkeys(approving)))
    if note:
        out.notes.append(note)
    return out


def check_remote_server(server: RemoteMCPServer, refs: References) -> list[TranslationError]:
    """Problems with a RemoteMCPServer's own references (header and CA Secrets/ConfigMaps)."""
    errors = Errors()
    wiring = PodWiring()
    _headers(
        server.spec.headers_from,
        refs,
        errors,
        wiring,
        path="spec.headersFrom",
        namespace=server.namespace,
        agent_namespace=server.namespace,
        env_prefix="CHECK",
        into=_Headers(),
    )
    tls = server.spec.tls
    if tls is not None and tls.ca_cert_secret_ref:
        secret_key_hash(
            refs,
            errors,
            path="spec.tls.caCertSecretRef",
            namespace=server.namespace,
            name=tls.ca_cert_secret_ref,
            key=tls.ca_cert_secret_key or "ca.crt",
            why="CA bundle",
        )
    return errors.items
