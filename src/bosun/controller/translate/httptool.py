"""HTTP tools: a converted v1alpha1 Agent's Tools of type http, as config.json entries.

Called by config.py (config.json's `http_tools`) and references.py (the Secrets they read).
The Tools come in the Agent's `bosun.dev/http-tools` annotation, put there by the v1alpha1
conversion (bosun.api.v1alpha1_convert) from the Tool objects it found; the runtime calls
them itself (bosun.runtime.http_tool). A header from a Secret becomes an env var set from
the Secret on the pod (`headers_from_env`): its value never reaches config.json.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from bosun.api.agent import Agent
from bosun.api.config import HttpToolSettings
from bosun.api.v1alpha1 import HttpToolSpec, Tool, ToolParameter
from bosun.api.v1alpha1_convert import http_tools_of
from bosun.controller.translate.errors import Errors
from bosun.controller.translate.interface import References
from bosun.controller.translate.meta import env_name
from bosun.controller.translate.wiring import PodWiring, secret_key_hash

Ref = tuple[str, str, str]
PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_-]*)\}")
JSON_TYPES = {"string", "number", "integer", "boolean", "array", "object"}
RESERVED = frozenset(
    {"ask_user", "save_memory", "load_memory", "list_skills", "load_skill", "read_skill_file"}
)
"""Tools every agent may have (runtime/toolsets): an HTTP tool cannot take their names."""


def llm_tool_name(name: str) -> str:
    """A Tool's name as the LLM sees it: models accept [A-Za-z0-9_-]{1,64} only."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)[:64]


def tool_references(tool: Tool) -> set[Ref]:
    """The Secrets a Tool's HTTP headers read (for the operator's dependency index)."""
    http = tool.spec.http
    if http is None:
        return set()
    return {
        ("Secret", tool.namespace, h.value_from.secret_key_ref.name)
        for h in http.headers
        if h.value_from is not None
    }


def http_tool_references(agent: Agent) -> set[Ref]:
    out: set[Ref] = set()
    for ref in http_tools_of(agent.metadata.annotations):
        for header in ref.http.headers:
            if header.value_from is not None:
                out.add(("Secret", ref.namespace, header.value_from.secret_key_ref.name))
    return out


def parameters_schema(parameters: dict[str, ToolParameter]) -> dict[str, Any]:
    """The JSON schema the LLM sees; every parameter is required (v1alpha1 had no optional)."""
    properties: dict[str, Any] = {}
    for name, param in parameters.items():
        extra = dict(param.model_extra or {})
        kind = param.type if param.type in JSON_TYPES else "string"
        properties[name] = {**extra, "type": kind, "description": param.description}
    return {"type": "object", "properties": properties, "required": sorted(properties)}


def unknown_placeholders(http: HttpToolSpec, parameters: Mapping[str, Any]) -> list[str]:
    """`{name}`s in the url or body template that are not parameters of the Tool."""
    used = set(PLACEHOLDER.findall(http.url)) | set(PLACEHOLDER.findall(http.body or ""))
    return sorted(used - set(parameters))


def build_http_tools(
    agent: Agent, refs: References, errors: Errors, wiring: PodWiring
) -> list[HttpToolSettings]:
    out: list[HttpToolSettings] = []
    for i, ref in enumerate(http_tools_of(agent.metadata.annotations)):
        where = f"spec.tools ({ref.name})"
        name = llm_tool_name(ref.name)
        if name in RESERVED or name.startswith("transfer_to_"):
            errors.add(where, f'Tool "{ref.namespace}/{ref.name}": {name} is a built-in tool name')
            continue
        if any(t.name == name for t in out):
            errors.add(where, f"two http Tools are both {name!r} to the model")
            continue
        unknown = unknown_placeholders(ref.http, ref.parameters)
        if unknown:
            errors.add(
                where,
                f'Tool "{ref.namespace}/{ref.name}": {", ".join("{" + u + "}" for u in unknown)} '
                "in spec.http is not one of its parameters",
            )
            continue
        literal: dict[str, str] = {}
        from_env: dict[str, str] = {}
        for header in ref.http.headers:
            if header.value is not None:
                literal[header.name] = header.value
                continue
            assert header.value_from is not None
            source = header.value_from.secret_key_ref
            if secret_key_hash(
                refs,
                errors,
                path=where,
                namespace=ref.namespace,
                name=source.name,
                key=source.key,
                why=f"header {header.name} of Tool {ref.name}",
                wiring=wiring,
            ):
                var = env_name("BOSUN_HTTP_TOOL", str(i), "HEADER", header.name)
                if not wiring.has_env(var):
                    wiring.secret_env(var, source.name, source.key)
                from_env[header.name] = var
        out.append(
            HttpToolSettings(
                name=name,
                ref=f"{ref.namespace}/{ref.name}",
                description=ref.description,
                parameters=parameters_schema(ref.parameters),
                method=ref.http.method,
                url=ref.http.url,
                headers=literal,
                headers_from_env=from_env,
                body=ref.http.body,
                content_type=ref.http.content_type,
                timeout=ref.http.timeout,
            )
        )
    return out
