"""kagent.dev/v1alpha1 objects as the operator's cache holds them, converted on read.

A cluster stores an Agent or ModelConfig written as v1alpha1 in v1alpha2 with its v1alpha1
fields kept (the CRDs convert with strategy None, bosun.api.crd). The cache (index.py)
keeps the body as delivered and hands out its v1alpha2 form (bosun.api.v1alpha1_convert),
converted against the Tools cached at that moment, so a Tool that appears or changes
changes the Agent's conversion at its next reconcile; `tool_refs` makes the Agent depend
on its Tools so that it is re-queued then.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from bosun.api.v1alpha1 import Tool
from bosun.api.v1alpha1_convert import carries_v1alpha1, convert_stored

Obj = dict[str, Any]
Ref = tuple[str, str, str]
LEGACY_KINDS = ("Agent", "ModelConfig")


def is_legacy(kind: str, body: Mapping[str, Any]) -> bool:
    return kind in LEGACY_KINDS and carries_v1alpha1(kind, body)


def tool_refs(kind: str, body: Mapping[str, Any]) -> set[Ref]:
    """The Tools a v1alpha1 Agent names (empty for anything else)."""
    if kind != "Agent" or not is_legacy(kind, body):
        return set()
    ns = str((body.get("metadata") or {}).get("namespace") or "")
    out: set[Ref] = set()
    for item in (body.get("spec") or {}).get("tools") or []:
        if isinstance(item, Mapping) and item.get("name"):
            out.add(("Tool", str(item.get("namespace") or ns), str(item["name"])))
    return out


def converted(kind: str, body: Obj, tool_body: Callable[[str, str], Obj | None]) -> Obj:
    """The v1alpha2 form of `body` (itself when it carries no v1alpha1 field or is invalid)."""
    tools: dict[tuple[str, str], Tool] = {}
    for _, ns, name in tool_refs(kind, body):
        raw = tool_body(ns, name)
        if raw is None:
            continue
        try:
            tools[(ns, name)] = Tool.model_validate({k: v for k, v in raw.items() if k != "status"})
        except ValidationError:
            continue  # the Tool's own status says what is wrong; the name alone maps it
    return convert_stored(kind, body, tools) or body
