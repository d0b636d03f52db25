"""kagent.dev/v1alpha1 objects as the operator's cache holds them, converted on read.

A cluster stores an Agent or ModelConfig written as v1alpha1 in v1alpha2 with its v1alpha1
fields kept (the CRDs convert with strategy None, bosun.api.crd); an Agent converted
before it was stored (`bosun apply`, the REST API) names its v1alpha1 Tools in an
annotation. The cache (index.py) keeps the body as delivered and hands out the form to
translate (bosun.api.v1alpha1_resolve, shared with local mode), resolved against the Tools
cached at that moment, so a Tool that appears or changes changes the Agent at its next
reconcile; `tool_refs` makes the Agent depend on its Tools so that it is re-queued then.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bosun.api.v1alpha1_convert import carries_v1alpha1
from bosun.api.v1alpha1_resolve import names_tools, resolve_stored, tool_refs_of

Obj = dict[str, Any]
Ref = tuple[str, str, str]
LEGACY_KINDS = ("Agent", "ModelConfig")


def is_legacy(kind: str, body: Mapping[str, Any]) -> bool:
    return kind in LEGACY_KINDS and (carries_v1alpha1(kind, body) or names_tools(kind, body))


def tool_refs(kind: str, body: Mapping[str, Any]) -> set[Ref]:
    """The Tools a v1alpha1 Agent names (empty for anything else)."""
    return {("Tool", ns, name) for ns, name in tool_refs_of(kind, body)}


def converted(kind: str, body: Obj, tool_body: Callable[[str, str], Obj | None]) -> Obj:
    """The v1alpha2 form of `body` (itself when it carries no v1alpha1 field or is invalid)."""
    return resolve_stored(kind, body, tool_body)
