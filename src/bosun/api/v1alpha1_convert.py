"""kagent.dev/v1alpha1 -> v1alpha2: an Agent or ModelConfig in the earlier API, converted.

Called by bosun.api.manifests when it reads a v1alpha1 Agent or ModelConfig (so `bosun
validate/render/apply`, `bosun up` and the REST API all see the v1alpha2 form). Pure. Each
conversion returns the v1alpha2 wire body and `notes`: one line per field that could not
be carried over, `path: why`. The body carries them in two annotations (`CONVERTED_FROM`,
`NOT_CARRIED_OVER`), which the translator adds to the Accepted condition's message.

- Agent: `systemMessage` -> `declarative.systemMessage`; `modelConfigRef.name` ->
  `declarative.modelConfig` (same namespace only, as in v1alpha2); `tools: [{name}]` ->
  one `McpServer` tool on the built-in tool server (RemoteMCPServer `kagent-tool-server`)
  with the matching `toolNames`, found from the Tool objects of the same set (type
  kubernetes) or, without one, from the Tool's name (`kubectl-get` -> `k8s_get_resources`).
  A Tool of type http goes with the Agent in the `HTTP_TOOLS` annotation (the translator
  makes it an HTTP tool the runtime calls); a Tool of type custom cannot run and is left
  out, with a note. The `tools` themselves stay in the `TOOL_REFS` annotation, so that a
  controller resolves them again against the Tools stored later (v1alpha1_resolve.py).
- ModelConfig: `apiKeySecretRef{name,key}` -> `apiKeySecret`/`apiKeySecretKey`; `baseUrl`
  -> the provider block's `baseUrl` (`host` for Ollama).

`convert_stored` does the same for an object as a cluster stores it: written as v1alpha1,
read back as v1alpha2 (the CRDs convert with strategy None, so only apiVersion changes and
the v1alpha1 fields stay in `spec`). The operator's cache and the REST API call it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, get_args

from pydantic import ValidationError

from bosun.api.modelconfig import Provider
from bosun.api.v1alpha1 import (
    CONVERTED_FROM,
    HTTP_TOOLS,
    NOT_CARRIED_OVER,
    TOOL_REFS,
    AgentV1Alpha1,
    HttpToolRef,
    ModelConfigV1Alpha1,
    ObjectRef,
    Tool,
    extra_fields,
)

V1ALPHA1 = "kagent.dev/v1alpha1"
V1ALPHA2 = "kagent.dev/v1alpha2"
BUILTIN_SERVER = "kagent-tool-server"

BUILTIN_K8S_TOOLS = frozenset(
    {
        "k8s_annotate_resource",
        "k8s_apply_manifest",
        "k8s_check_service_connectivity",
        "k8s_create_resource",
        "k8s_create_resource_from_url",
        "k8s_delete_resource",
        "k8s_describe_resource",
        "k8s_execute_command",
        "k8s_get_available_api_resources",
        "k8s_get_cluster_configuration",
        "k8s_get_events",
        "k8s_get_pod_logs",
        "k8s_get_resource_yaml",
        "k8s_get_resources",
        "k8s_label_resource",
        "k8s_patch_resource",
        "k8s_remove_annotation",
        "k8s_remove_label",
        "k8s_rollout",
        "k8s_scale",
    }
)
"""The Kubernetes tools of Bosun's built-in tool server (bosun.tools, kagent's names)."""

KUBECTL_VERBS = {
    "get": "k8s_get_resources",
    "describe": "k8s_describe_resource",
    "logs": "k8s_get_pod_logs",
    "events": "k8s_get_events",
    "apply": "k8s_apply_manifest",
    "create": "k8s_create_resource",
    "delete": "k8s_delete_resource",
    "patch": "k8s_patch_resource",
    "scale": "k8s_scale",
    "rollout": "k8s_rollout",
    "exec": "k8s_execute_command",
    "label": "k8s_label_resource",
    "annotate": "k8s_annotate_resource",
    "api-resources": "k8s_get_available_api_resources",
    "yaml": "k8s_get_resource_yaml",
}
"""`kubectl-<verb>` (the v1alpha1 write-ups' tool names) -> the built-in tool."""

# provider -> (block key on the wire, its URL field on the wire)
_URL_FIELDS: dict[str, tuple[str, str]] = {
    "OpenAI": ("openAI", "baseUrl"),
    "Anthropic": ("anthropic", "baseUrl"),
    "Gemini": ("gemini", "baseUrl"),
    "Ollama": ("ollama", "host"),
}


@dataclass
class Converted:
    body: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def builtin_for(name: str, tool: Tool | None = None) -> str | None:
    """The built-in tool a v1alpha1 Tool stands for (None when nothing matches)."""
    if tool is not None and tool.spec.builtin:
        return tool.spec.builtin if tool.spec.builtin in BUILTIN_K8S_TOOLS else None
    snake = name.replace("-", "_")
    if snake in BUILTIN_K8S_TOOLS:
        return snake
    for prefix in ("kubectl-", "kubectl_", "k8s-", "k8s_"):
        if name.startswith(prefix):
            verb = name.removeprefix(prefix).replace("_", "-")
            return KUBECTL_VERBS.get(verb)
    return None


def tool_notes(tool: Tool) -> tuple[str | None, list[str]]:
    """(the built-in tool it runs as, why it cannot run) for a Tool object's own status."""
    if tool.spec.type == "http":
        if tool.spec.http is None:
            return None, [
                "spec.http: not set; an http Tool runs only with spec.http (method, url, "
                "headers ...): agents that list it go without it"
            ]
        return None, []
    if tool.spec.type == "custom":
        return None, [
            "spec.type: custom tools cannot run in Bosun; agents that list it go without it"
        ]
    builtin = builtin_for(tool.name, tool)
    if builtin is None:
        return None, [
            f"metadata.name: no built-in tool matches {tool.name!r}; set spec.builtin to one "
            "of the built-in tool server's tools (e.g. k8s_get_resources)"
        ]
    return builtin, []


def _annotated(
    meta: dict[str, Any],
    notes: list[str],
    http_tools: list[HttpToolRef] | None = None,
    tool_refs: Sequence[ObjectRef] | None = None,
) -> dict[str, Any]:
    annotations = dict(meta.get("annotations") or {})
    annotations[CONVERTED_FROM] = V1ALPHA1
    if notes:
        annotations[NOT_CARRIED_OVER] = "; ".join(notes)
    else:
        annotations.pop(NOT_CARRIED_OVER, None)
    if http_tools:
        annotations[HTTP_TOOLS] = json.dumps(
            [t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in http_tools],
            sort_keys=True,
            separators=(",", ":"),
        )
    else:
        annotations.pop(HTTP_TOOLS, None)
    if tool_refs:
        refs = [
            {"name": r.name, **({"namespace": r.namespace} if r.namespace else {})}
            for r in tool_refs
        ]
        annotations[TOOL_REFS] = json.dumps(refs, separators=(",", ":"))
    return {**meta, "annotations": annotations}


def with_tool_annotations(
    meta: dict[str, Any], notes: list[str], http_tools: list[HttpToolRef]
) -> dict[str, Any]:
    """A converted object's metadata with its notes and HTTP Tools replaced."""
    return _annotated(meta, notes, http_tools)


def http_tools_of(annotations: Mapping[str, str]) -> list[HttpToolRef]:
    """The HTTP Tools a converted Agent carries (empty when none or unreadable)."""
    raw = annotations.get(HTTP_TOOLS)
    if not raw:
        return []
    try:
        items = json.loads(raw)
        return [HttpToolRef.model_validate(item) for item in items]
    except (ValueError, TypeError):
        return []


def _metadata(resource: AgentV1Alpha1 | ModelConfigV1Alpha1) -> dict[str, Any]:
    return resource.metadata.model_dump(by_alias=True, exclude_none=True, mode="json")


@dataclass
class ResolvedTools:
    """What an Agent's v1alpha1 `tools: [{name}]` become, given the Tools known."""

    tool_names: list[str] = field(default_factory=list)  # on the built-in tool server
    http_tools: list[HttpToolRef] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # `spec.tools[i] (name): why`


def resolve_tools(
    namespace: str,
    refs: Sequence[ObjectRef],
    tools: Mapping[tuple[str, str], Tool] | None = None,
) -> ResolvedTools:
    """Each Tool an Agent of `namespace` names, resolved against `tools` (by (ns, name)).

    Used when a v1alpha1 Agent is converted, and again at each reconcile of a stored one
    (v1alpha1_resolve.py) against the Tools stored then.
    """
    out = ResolvedTools()
    for i, tool_ref in enumerate(refs):
        ns = tool_ref.namespace or namespace
        tool = (tools or {}).get((ns, tool_ref.name))
        where = f"spec.tools[{i}] ({tool_ref.name})"
        if tool is not None and tool.spec.type == "http" and tool.spec.http is not None:
            if ns != namespace:
                out.notes.append(f"{where}: an http Tool must be in the agent's namespace")
            elif all(t.name != tool.name for t in out.http_tools):
                out.http_tools.append(
                    HttpToolRef(
                        name=tool.name,
                        namespace=ns,
                        description=tool.spec.description,
                        parameters=tool.spec.parameters,
                        http=tool.spec.http,
                    )
                )
            continue
        if tool is not None and tool.spec.type == "http":
            out.notes.append(f"{where}: an http Tool without spec.http cannot run")
            continue
        if tool is not None and tool.spec.type != "kubernetes":
            out.notes.append(f"{where}: a Tool of type {tool.spec.type} cannot run in Bosun")
            continue
        builtin = builtin_for(tool_ref.name, tool)
        if builtin is None:
            why = (
                "no built-in tool matches its name (see the Tool)"
                if tool is not None
                else f"no built-in tool matches its name, and no Tool {ns}/{tool_ref.name} exists"
            )
            out.notes.append(f"{where}: {why}")
        elif builtin not in out.tool_names:
            out.tool_names.append(builtin)
    return out


def builtin_entry(tool_names: list[str]) -> dict[str, Any]:
    """The v1alpha2 tool entry of a converted Agent's built-in tools."""
    return {
        "type": "McpServer",
        "mcpServer": {
            "apiGroup": "kagent.dev",
            "kind": "RemoteMCPServer",
            "name": BUILTIN_SERVER,
            "toolNames": tool_names,
        },
    }


def convert_agent(
    agent: AgentV1Alpha1, tools: Mapping[tuple[str, str], Tool] | None = None
) -> Converted:
    """The v1alpha2 Agent; `tools` are the v1alpha1 Tools known, by (namespace, name)."""
    spec = agent.spec
    notes = [f"{path}: not a v1alpha1 field Bosun knows" for path in extra_fields(spec, "spec")]
    declarative: dict[str, Any] = {}
    if spec.system_message is not None:
        declarative["systemMessage"] = spec.system_message
    ref = spec.config_ref
    if ref is None:
        notes.append("spec.modelConfigRef: not set; v1alpha2 uses default-model-config")
    elif ref.namespace not in (None, agent.namespace):
        notes.append(
            f"spec.modelConfigRef.namespace: {ref.namespace} is not the agent's namespace; "
            "v1alpha2 reads the ModelConfig of the agent's namespace"
        )
        declarative["modelConfig"] = ref.name
    else:
        declarative["modelConfig"] = ref.name
    resolved = resolve_tools(agent.namespace, spec.tools, tools)
    notes += resolved.notes
    if resolved.tool_names:
        declarative["tools"] = [builtin_entry(resolved.tool_names)]
    body: dict[str, Any] = {
        "apiVersion": V1ALPHA2,
        "kind": "Agent",
        "metadata": _annotated(_metadata(agent), notes, resolved.http_tools, spec.tools),
        "spec": {
            "type": "Declarative",
            "description": spec.description,
            "declarative": declarative,
        },
    }
    return Converted(body, notes)


def convert_model_config(mc: ModelConfigV1Alpha1) -> Converted:
    spec = mc.spec
    notes = [f"{path}: not a v1alpha1 field Bosun knows" for path in extra_fields(spec, "spec")]
    providers = {p.lower(): p for p in get_args(Provider)}
    provider = providers.get(spec.provider.lower())
    out: dict[str, Any] = {"model": spec.model}
    if provider is None:
        notes.append(f"spec.provider: {spec.provider!r} is not a v1alpha2 provider; using OpenAI")
        provider = "OpenAI"
    out["provider"] = provider
    if spec.api_key_secret_ref is not None:
        out["apiKeySecret"] = spec.api_key_secret_ref.name
        out["apiKeySecretKey"] = spec.api_key_secret_ref.key
    if spec.base_url is not None:
        block = _URL_FIELDS.get(provider)
        if block is None:
            notes.append(f"spec.baseUrl: provider {provider} takes no base URL")
        else:
            out[block[0]] = {block[1]: spec.base_url}
    body: dict[str, Any] = {
        "apiVersion": V1ALPHA2,
        "kind": "ModelConfig",
        "metadata": _annotated(_metadata(mc), notes),
        "spec": out,
    }
    return Converted(body, notes)


AGENT_V1_FIELDS = ("systemMessage", "modelConfigRef", "tools")
MODEL_CONFIG_V1_FIELDS = ("apiKeySecretRef", "baseUrl")
"""spec keys that only v1alpha1 has: a stored object carrying one was written as v1alpha1."""


def carries_v1alpha1(kind: str, body: Mapping[str, Any]) -> bool:
    """Whether a v1alpha2-read Agent or ModelConfig body holds v1alpha1 fields."""
    spec = body.get("spec")
    if not isinstance(spec, Mapping):
        return False
    if kind == "Agent":
        return any(k in spec for k in AGENT_V1_FIELDS)
    if kind == "ModelConfig":
        if any(k in spec for k in MODEL_CONFIG_V1_FIELDS):
            return True
        provider = spec.get("provider")
        # v1alpha1 spelled providers freely (`openai`); v1alpha2 has exact names
        return isinstance(provider, str) and provider not in get_args(Provider)
    return False


def convert_stored(
    kind: str, body: Mapping[str, Any], tools: Mapping[tuple[str, str], Tool] | None = None
) -> dict[str, Any] | None:
    """The v1alpha2 form of a stored body that carries v1alpha1 fields (else None).

    Metadata (resourceVersion, uid, owners ...) and status are the stored object's own, so
    a status write of the result goes to the object that was read. A body that is not a
    valid v1alpha1 object either is returned as None too: the caller's v1alpha2 validation
    then names what is wrong.
    """
    if not carries_v1alpha1(kind, body):
        return None
    doc = {k: body[k] for k in ("kind", "metadata", "spec") if k in body}
    doc["apiVersion"] = V1ALPHA1
    if kind == "Agent" and doc["spec"].get("type") == "Declarative":
        # the v1alpha2 storage schema's default, added when the API server reads it back
        doc["spec"] = {k: v for k, v in doc["spec"].items() if k != "type"}
    try:
        if kind == "Agent":
            converted = convert_agent(AgentV1Alpha1.model_validate(doc), tools)
        else:
            converted = convert_model_config(ModelConfigV1Alpha1.model_validate(doc))
    except ValidationError:
        return None
    meta = dict(body.get("metadata") or {})
    meta["annotations"] = converted.body["metadata"]["annotations"]
    return {**body, "apiVersion": V1ALPHA2, "metadata": meta, "spec": converted.body["spec"]}


def to_v1alpha2(body: Any) -> Any:
    """A request body: a v1alpha1 Agent or ModelConfig in, its v1alpha2 form out.

    For the control plane's REST API (the routes run it before validating the body as
    v1alpha2). Anything else is returned as is; a v1alpha1 body that is not valid raises
    ValueError naming the fields. Top-level keys other than the object's own (the
    ModelConfig route's write-only `apiKey`) are kept.
    """
    if not isinstance(body, dict) or body.get("kind") not in ("Agent", "ModelConfig"):
        return body
    kind = str(body["kind"])
    if body.get("apiVersion") != V1ALPHA1:
        stored = convert_stored(kind, body)
        return body if stored is None else stored
    doc = {k: body[k] for k in ("apiVersion", "kind", "metadata", "spec") if k in body}
    try:
        if kind == "Agent":
            converted = convert_agent(AgentV1Alpha1.model_validate(doc))
        else:
            converted = convert_model_config(ModelConfigV1Alpha1.model_validate(doc))
    except ValidationError as exc:
        problems = "; ".join(
            ".".join(str(p) for p in err["loc"]) + ": " + err["msg"] for err in exc.errors()
        )
        raise ValueError(f"not a valid {V1ALPHA1} {kind}: {problems}") from None
    rest = {k: v for k, v in body.items() if k not in doc and k != "status"}
    return {**converted.body, **rest}
