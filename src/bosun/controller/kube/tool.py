"""Reconcile one kagent.dev/v1alpha1 Tool: say in its status whether and how it can run.

A Tool is not run by itself: the v1alpha1 Agents that name it run it (the conversion in
the cache, legacy.py, resolves their `tools: [{name}]` against the Tools of their
namespace). Its status says what those Agents get: `runsAs: builtin` with
`builtinTool` (type kubernetes), `runsAs: http` (type http with spec.http whose Secrets
exist), or Accepted False with the reason (CannotRun, SecretNotFound, InvalidSpec).
"""

from __future__ import annotations

from pydantic import ValidationError

from bosun.api.v1alpha1 import Tool
from bosun.controller.kube.agent import invalid_spec_message
from bosun.controller.kube.context import Controller
from bosun.controller.kube.status import ACCEPTED, Cond, build_status
from bosun.controller.toolstatus import tool_verdict


def _accepted(ctl: Controller, tool: Tool) -> tuple[Cond, str | None, str | None]:
    """(Accepted, runsAs, builtinTool): the verdict shared with local mode (toolstatus.py)."""
    verdict = tool_verdict(tool, ctl.cache.secret)
    cond = Cond(ACCEPTED, verdict.accepted, verdict.reason, verdict.message)
    return cond, verdict.runs_as, verdict.builtin_tool


async def reconcile_tool(ctl: Controller, namespace: str, name: str) -> None:
    key = ("Tool", namespace, name)
    body = ctl.cache.get("Tool", namespace, name)
    if body is None:
        ctl.forget(key)
        return
    ctl.check_fresh(key, body)
    generation = int(body["metadata"].get("generation") or 0)
    runs_as: str | None = None
    builtin: str | None = None
    try:
        tool = Tool.model_validate({k: v for k, v in body.items() if k != "status"})
    except ValidationError as exc:
        accepted = Cond(ACCEPTED, False, "InvalidSpec", invalid_spec_message(exc))
    else:
        accepted, runs_as, builtin = _accepted(ctl, tool)
    status = build_status(
        body.get("status"), [accepted], generation, runsAs=runs_as, builtinTool=builtin
    )
    await ctl.write_status(body, status)
