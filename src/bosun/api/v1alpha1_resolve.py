"""A stored v1alpha1 Agent's Tools, resolved again against the Tools stored now.

An Agent written as kagent.dev/v1alpha1 reaches a controller in one of two forms:
- as a cluster stores it (v1alpha2 with the v1alpha1 fields kept in `spec`): converted
  here with `convert_stored`;
- already converted (`bosun apply`, the REST API, local mode's store): its v1alpha1
  `tools` are in the `TOOL_REFS` annotation, and only what they became is recomputed: the
  entry on the built-in tool server, the `HTTP_TOOLS` annotation and the `spec.tools[i]`
  notes of `NOT_CARRIED_OVER`. Everything else of the converted Agent is left as stored.

Pure. The operator's cache (controller/kube/legacy.py) and the local supervisor
(controller/local/tools.py) call `tool_refs_of` to know which Agents a Tool change touches
and `resolve_stored` to get the form they translate.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from bosun.api.v1alpha1 import NOT_CARRIED_OVER, TOOL_REFS, ObjectRef, Tool
from bosun.api.v1alpha1_convert import (
    BUILTIN_SERVER,
    builtin_entry,
    carries_v1alpha1,
    convert_stored,
    resolve_tools,
    with_tool_annotations,
)

ToolBody = Callable[[str, str], Mapping[str, Any] | None]
"""(namespace, name) -> the stored Tool's body, or None."""

_TOOL_NOTE = re.compile(r"^spec\.tools\[\d+\] \(")


def _namespace(body: Mapping[str, Any]) -> str:
    return str((body.get("metadata") or {}).get("namespace") or "default")


def _annotation_refs(body: Mapping[str, Any]) -> list[ObjectRef] | None:
    """The TOOL_REFS of a converted Agent (None when it has none or they are unreadable)."""
    raw = ((body.get("metadata") or {}).get("annotations") or {}).get(TOOL_REFS)
    if not raw:
        return None
    try:
        return [ObjectRef.model_validate(item) for item in json.loads(raw)]
    except (ValueError, TypeError, ValidationError):
        return None


def _spec_refs(body: Mapping[str, Any]) -> list[ObjectRef]:
    refs = []
    for item in (body.get("spec") or {}).get("tools") or []:
        if isinstance(item, Mapping) and item.get("name"):
            refs.append(ObjectRef(name=str(item["name"]), namespace=item.get("namespace")))
    return refs


def names_tools(kind: str, body: Mapping[str, Any]) -> bool:
    """Whether `body` is an Agent whose v1alpha1 tools are resolved by `resolve_stored`."""
    if kind != "Agent":
        return False
    return carries_v1alpha1(kind, body) or _annotation_refs(body) is not None


def tool_refs_of(kind: str, body: Mapping[str, Any]) -> set[tuple[str, str]]:
    """(namespace, name) of the Tools a v1alpha1 Agent names (empty for anything else)."""
    if kind != "Agent":
        return set()
    refs = _spec_refs(body) if carries_v1alpha1(kind, body) else _annotation_refs(body) or []
    ns = _namespace(body)
    return {(r.namespace or ns, r.name) for r in refs}


def _tools(kind: str, body: Mapping[str, Any], tool_body: ToolBody) -> dict[tuple[str, str], Tool]:
    tools: dict[tuple[str, str], Tool] = {}
    for ns, name in tool_refs_of(kind, body):
        raw = tool_body(ns, name)
        if raw is None:
            continue
        try:
            tools[(ns, name)] = Tool.model_validate({k: v for k, v in raw.items() if k != "status"})
        except ValidationError:
            continue  # the Tool's own status says what is wrong; the name alone maps it
    return tools


def _is_builtin_entry(entry: Any) -> bool:
    server = entry.get("mcpServer") if isinstance(entry, Mapping) else None
    return (
        isinstance(server, Mapping)
        and server.get("name") == BUILTIN_SERVER
        and server.get("kind", "RemoteMCPServer") == "RemoteMCPServer"
        and not server.get("namespace")
    )


def reresolved(body: Mapping[str, Any], tools: Mapping[tuple[str, str], Tool]) -> dict[str, Any]:
    """A converted Agent with what its TOOL_REFS became recomputed against `tools`."""
    refs = _annotation_refs(body)
    if refs is None:
        return dict(body)
    resolved = resolve_tools(_namespace(body), refs, tools)
    out = copy.deepcopy(dict(body))
    spec = out.setdefault("spec", {})
    declarative = spec.setdefault("declarative", {})
    others = [t for t in declarative.get("tools") or [] if not _is_builtin_entry(t)]
    entries = [builtin_entry(resolved.tool_names)] if resolved.tool_names else []
    if entries or others:
        declarative["tools"] = entries + others
    else:
        declarative.pop("tools", None)
    meta = out.setdefault("metadata", {})
    old = str((meta.get("annotations") or {}).get(NOT_CARRIED_OVER) or "")
    kept = [n for n in old.split("; ") if n and not _TOOL_NOTE.match(n)]
    out["metadata"] = with_tool_annotations(meta, kept + resolved.notes, resolved.http_tools)
    return out


def resolve_stored(kind: str, body: Mapping[str, Any], tool_body: ToolBody) -> dict[str, Any]:
    """The form of a stored object a controller translates, its Tools looked up now.

    An Agent as a cluster stores a v1alpha1 write is converted; an already converted one
    has its Tools resolved again; anything else (and an invalid v1alpha1 body, whose
    v1alpha2 validation then names what is wrong) is returned as it is.
    """
    same = body if isinstance(body, dict) else dict(body)
    if not names_tools(kind, body) and not carries_v1alpha1(kind, body):
        return same
    tools = _tools(kind, body, tool_body)
    if carries_v1alpha1(kind, body):
        return convert_stored(kind, body, tools) or same
    return reresolved(body, tools)
