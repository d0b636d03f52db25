"""kagent.dev/v1alpha1 Tools in local mode: their status, and the Agents that name them.

Called by the supervisor at every reconcile (a Tool's change, like any other, triggers
one). The decisions are the operator's, shared rather than repeated:
- a Tool's Accepted condition, `runsAs` and `builtinTool` come from
  bosun.controller.toolstatus (the Secrets of http headers looked up in the mirror);
- an Agent written as v1alpha1 (stored converted, naming its Tools in an annotation) is
  translated in the form bosun.api.v1alpha1_resolve gives it against the Tools stored now,
  so an http Tool's new URL changes the agent's config.json (and restarts it), and a
  deleted Tool is named in the Agent's Accepted message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from bosun.api import Agent
from bosun.api.v1alpha1 import Tool
from bosun.api.v1alpha1_resolve import names_tools, resolve_stored
from bosun.controller.local.conditions import ACCEPTED, condition
from bosun.controller.local.mirror import Mirror
from bosun.controller.toolstatus import tool_verdict


def tool_status(tool: Tool, mirror: Mirror) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the Accepted condition, the status fields runsAs and builtinTool; None removes)."""
    verdict = tool_verdict(tool, lambda ns, name: mirror.data("Secret", ns, name))
    accepted = condition(ACCEPTED, verdict.accepted, verdict.reason, verdict.message)
    return accepted, {"runsAs": verdict.runs_as, "builtinTool": verdict.builtin_tool}


def _tool_body(mirror: Mirror, namespace: str, name: str) -> Mapping[str, Any] | None:
    obj = mirror.objects.get(("Tool", namespace, name))
    return None if obj is None else obj.body


def resolved_agents(mirror: Mirror) -> list[Agent]:
    """Every valid Agent of the mirror, v1alpha1 ones with their Tools resolved now."""
    out: list[Agent] = []
    for agent in mirror.of_kind("Agent"):
        assert isinstance(agent, Agent)
        stored = mirror.objects.get(agent.key)
        if stored is None or not names_tools("Agent", stored.body):
            out.append(agent)
            continue
        body = resolve_stored("Agent", stored.body, lambda ns, n: _tool_body(mirror, ns, n))
        try:
            out.append(Agent.model_validate(body))
        except ValidationError:
            out.append(agent)  # cannot happen for a body the store accepted; keep it as stored
    return out
