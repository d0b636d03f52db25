"""Whether and how a kagent.dev/v1alpha1 Tool can run: the verdict its status shows.

Shared by the operator (controller/kube/tool.py) and the local supervisor
(controller/local/tools.py), which write it in their own condition shapes. Pure: Secrets
are looked up through the `secret` callable the caller gives ((namespace, name) -> the
Secret's data, or None).

- type kubernetes: Accepted, runsAs builtin, builtinTool the built-in tool's name;
- type http with spec.http whose placeholders are parameters and whose header Secrets
  exist: Accepted, runsAs http;
- else Accepted False: CannotRun (custom, http without spec.http, no built-in match),
  SecretNotFound (a header's Secret or key is absent) or InvalidSpec.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from bosun.api.v1alpha1 import Tool
from bosun.api.v1alpha1_convert import tool_notes
from bosun.controller.translate.httptool import unknown_placeholders

SecretLookup = Callable[[str, str], Mapping[str, str] | None]


@dataclass(frozen=True)
class ToolVerdict:
    accepted: bool
    reason: str
    message: str
    runs_as: str | None = None  # builtin | http
    builtin_tool: str | None = None


def _http_problems(tool: Tool, secret: SecretLookup) -> list[str]:
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
        data = secret(tool.namespace, ref.name)
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


def tool_verdict(tool: Tool, secret: SecretLookup) -> ToolVerdict:
    builtin, notes = tool_notes(tool)
    if notes:
        return ToolVerdict(False, "CannotRun", "; ".join(notes))
    if builtin is not None:
        message = f"runs as the built-in tool server's {builtin}"
        return ToolVerdict(True, "Accepted", message, "builtin", builtin)
    problems = _http_problems(tool, secret)
    if problems:
        reason = "SecretNotFound" if any("Secret" in p for p in problems) else "InvalidSpec"
        return ToolVerdict(False, reason, "; ".join(problems))
    http = tool.spec.http
    assert http is not None
    message = f"runs in the agents that list it as an HTTP call: {http.method} {http.url}"
    return ToolVerdict(True, "Accepted", message, "http")
