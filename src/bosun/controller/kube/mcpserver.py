"""Reconcile one MCPServer: translate, apply its objects, write status, queue discovery.

The translator renders Deployment, Service, ServiceAccount and (with rbac rules) a Role
and RoleBinding; they are applied and pruned like an Agent's. Ready follows the
Deployment; once Ready, the tools are discovered at the Service URL in the discovery
queue (remotemcpserver.py), and rediscovered every interval from there.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from bosun.api.mcpserver import MCPServer
from bosun.controller.kube.agent import invalid_spec_message
from bosun.controller.kube.client import KubeError
from bosun.controller.kube.context import Controller, ObjKey
from bosun.controller.kube.gather import gather
from bosun.controller.kube.owned import apply_owned, deployment_state
from bosun.controller.kube.status import ACCEPTED, Cond, build_status, ready_condition
from bosun.controller.translate import (
    MCPServerOutput,
    TranslationFailed,
    mcpserver_references,
    translate_mcpserver,
)


async def reconcile_mcpserver(ctl: Controller, namespace: str, name: str) -> None:
    key = ("MCPServer", namespace, name)
    body = ctl.cache.get("MCPServer", namespace, name)
    if body is None:
        ctl.forget(key)
        ctl.discoveries.add(key)  # the discovery side removes its tools from the sink
        return
    if (body.get("metadata") or {}).get("deletionTimestamp"):
        return
    ctl.check_fresh(key, body)
    generation = int(body["metadata"].get("generation") or 0)
    output: MCPServerOutput | None = None
    try:
        server = MCPServer.model_validate(body)
    except ValidationError as exc:
        accepted = Cond(ACCEPTED, False, "InvalidSpec", invalid_spec_message(exc))
    else:
        refs = await gather(ctl, server, mcpserver_references(server))
        try:
            output = translate_mcpserver(server, refs, ctl.settings.translate)
        except TranslationFailed as exc:
            accepted = Cond(ACCEPTED, False, "TranslationFailed", str(exc))
        else:
            accepted = Cond(ACCEPTED, True, "Reconciled", f"MCP server at {output.url}")

    apply_error: KubeError | None = None
    answers: dict[ObjKey, dict[str, Any]] = {}
    if output is not None:
        try:
            answers = await apply_owned(ctl, body, output.objects)
        except KubeError as exc:
            if exc.status == 0 or exc.status >= 500:
                raise
            apply_error = exc
            accepted = Cond(ACCEPTED, False, "ApplyFailed", f"applying objects failed: {exc}")

    deploy_name = next(
        (
            o["metadata"]["name"]
            for o in (output.objects if output else [])
            if o["kind"] == "Deployment"
        ),
        name,
    )
    deployment = deployment_state(ctl, namespace, deploy_name, answers)
    ready = ready_condition(namespace, deploy_name, deployment)
    status = build_status(body.get("status"), [accepted, ready], generation)
    await ctl.write_status(body, status)
    if ready.status and accepted.status and key not in ctl.discovering:
        # Discover now; from then on the discovery reschedules itself every interval.
        ctl.discovering.add(key)
        ctl.discoveries.add(key)
    if apply_error is not None:
        raise apply_error
