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
from bosun.api.v1alpha1_convert import tool_notes
from bosun.controller.kube.agent import invalid_spec_message
from bosun.controller.kube.context import Controller
from bosun.controller.kube.status import ACCEPTED, Cond, build_status
from bosun.controller.translate.httptool import unknown_placeholders


def _http_problems(ctl: Controller, tool: Tool) -> list[str]:
    http = tool.spec.http
    assert http is not None
    problems = [
        f"spec.http: {{{name}}} is not one of spec.parameters"
        for name in unknown_placeholders(http, tool.spec.parameters)
    ]
    for i, header in enumerate(http.headers):
        if header.value_from is None:
            continue
        ref = header.value_from.secret_key_ref
        data = ctl.cache.secret(tool.namespace, ref.name)
        where = f"spec.http.headers[{i}].valueFrom.secretKeyRef"
        if data is None:
            problems.append(f'{where}: Secret "{tool.namespace}/{ref.name}" not found')
        elif ref.key not in data:
            keys = ", ".join(sorted(data)) or "none"
            problems.append(
                f'{where}: key "{ref.key}" not found in Secret '
                f'"{tool.namespace}/{ref.name}" (keys: {keys})'
            )
    return problems


def _accepted(ctl: Controller, tool: Tool) -> tuple[Cond, str | None, str | None]:
    """(Accepted, runsAs, builtinTool)."""
    builtin, notes = tool_notes(tool)
    if notes:
        return Cond(ACCEPTED, False, "CannotRun", "; ".join(notes)), None, None
    if builtin is not None:
        message = f"runs as the built-in tool server's {builtin}"
        return Cond(ACCEPTED, True, "Accepted", message), "builtin", builtin
    problems = _http_problems(ctl, tool)
    if problems:
        reason = "SecretNotFound" if any("Secret" in p for p in problems) else "InvalidSpec"
        return Cond(ACCEPTED, False, reason, "; ".join(problems)), None, None
    http = tool.spec.http
    assert http is not None
    message = f"runs in the agents that list it as an HTTP call: {http.method} {http.url}"
    return Cond(ACCEPTED, True, "Accepted", message), "http", None


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
