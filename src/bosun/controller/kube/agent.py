"""Reconcile one Agent: translate, apply, prune, write status, tell the sink.

Accepted is False with the precise reason when the spec is invalid (InvalidSpec: the
field path and rule, as the CRD's CEL would say it), when the translator rejects it
(TranslationFailed: e.g. `spec.declarative.modelConfig: ModelConfig "ns/x" not found`) or
when the API server refuses an object (ApplyFailed). Objects of the last good translation
stay in place while an Agent is not accepted, so a typo never takes a working agent down.
Ready comes from the agent's Deployment (available replicas of its current generation),
as the apply just answered it when it was applied, else from the cache. A new Agent whose
references are not cached yet (applied in the same batch as its ModelConfig) waits for
them once, up to DEFER seconds, before it is reported: one status write, no Warning.
While the Deployment reports unavailable replicas, its pods are read (pods.py): an init
container that failed (the skills fetch: `spec.skills.gitRefs[0]: …`) makes Ready False
with reason InitFailed and its termination message, and the Agent is looked at again
every `pod_check_interval` seconds until the replicas are available.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from pydantic import ValidationError

from bosun.api.agent import Agent
from bosun.api.manifests import problems_from_validation
from bosun.controller.kube.client import KubeError
from bosun.controller.kube.context import Controller, ObjKey
from bosun.controller.kube.gather import gather
from bosun.controller.kube.owned import apply_owned, deployment_state
from bosun.controller.kube.pods import find_init_failure
from bosun.controller.kube.sink import AgentRecord
from bosun.controller.kube.status import (
    ACCEPTED,
    INIT_FAILED,
    READY,
    Cond,
    build_status,
    ready_condition,
)
from bosun.controller.kube.workqueue import Requeue
from bosun.controller.translate import (
    AgentOutput,
    TranslationFailed,
    agent_references,
    translate_agent,
)

logger = logging.getLogger(__name__)

DEFER = 1.0  # seconds a new Agent waits for a missing reference before reporting it


def invalid_spec_message(exc: ValidationError) -> str:
    return "; ".join(str(p) for p in problems_from_validation(exc))


def _accepted(output: AgentOutput) -> Cond:
    message = "; ".join(["Agent reconciled", *output.notes])
    return Cond(ACCEPTED, True, "Reconciled", message)


def _deployment_name(output: AgentOutput | None, name: str) -> str:
    for obj in output.objects if output else []:
        if obj.get("kind") == "Deployment":
            return str(obj["metadata"]["name"])
    return name


def _young(body: dict[str, Any]) -> bool:
    """Never reconciled yet (no conditions): its references may still be on their way."""
    return not (body.get("status") or {}).get("conditions")


async def reconcile_agent(ctl: Controller, namespace: str, name: str) -> None:
    key = ("Agent", namespace, name)
    body = ctl.cache.get("Agent", namespace, name)
    if body is None:
        await ctl.sink.delete_agent(namespace, name)
        ctl.forget(key)
        return
    if (body.get("metadata") or {}).get("deletionTimestamp"):
        return  # going away: Kubernetes deletes the owned objects
    ctl.check_fresh(key, body)
    generation = int(body["metadata"].get("generation") or 0)

    output: AgentOutput | None = None
    try:
        agent = Agent.model_validate(body)
    except ValidationError as exc:
        accepted = Cond(ACCEPTED, False, "InvalidSpec", invalid_spec_message(exc))
    else:
        refs = await gather(ctl, agent, agent_references(agent))
        try:
            output = translate_agent(agent, refs, ctl.settings.translate)
        except TranslationFailed as exc:
            if _young(body) and key not in ctl.deferred:
                # Applied together with its ModelConfig (kubectl apply -f dir/): the other
                # object's watch event may come a moment later, and its arrival queues this
                # Agent again. Wait for that once (at most DEFER) instead of reporting it
                # missing, writing status, posting a Warning and then undoing all that.
                ctl.deferred.add(key)
                raise Requeue(DEFER, f"waiting for references: {exc}") from exc
            accepted = Cond(ACCEPTED, False, "TranslationFailed", str(exc))
        else:
            accepted = _accepted(output)

    ctl.deferred.discard(key)
    apply_error: KubeError | None = None
    answers: dict[ObjKey, dict[str, Any]] = {}
    if output is not None:
        try:
            answers = await apply_owned(ctl, body, output.objects)
        except KubeError as exc:
            if exc.status == 0 or exc.status >= 500:
                raise  # the API server is unwell: retry with backoff, status unchanged
            apply_error = exc
            accepted = Cond(ACCEPTED, False, "ApplyFailed", f"applying objects failed: {exc}")

    deploy_name = _deployment_name(output, name)
    deployment = deployment_state(ctl, namespace, deploy_name, answers)
    ready = ready_condition(namespace, deploy_name, deployment)
    if deployment is not None and deployment.unavailable > 0 and not ready.status:
        failure = await find_init_failure(ctl.client, deployment)
        if failure is not None:
            ready = Cond(READY, False, INIT_FAILED, failure)
        # An init container failing (again) changes no Deployment status: look again.
        ctl.reconciles.add(key, ctl.settings.pod_check_interval)
    status = build_status(body.get("status"), [accepted, ready], generation)
    await ctl.write_status(body, status)
    await _sink(ctl, body, output, accepted)
    if apply_error is not None:
        raise apply_error  # retry with backoff: RBAC or quota may be fixed meanwhile


async def _sink(
    ctl: Controller,
    body: dict[str, Any],
    output: AgentOutput | None,
    accepted: Cond,
) -> None:
    meta = body["metadata"]
    resource = {k: v for k, v in body.items() if k != "status"}
    config_hash = output.config_hash if output else ""
    fingerprint = hashlib.sha256(
        json.dumps(
            [meta.get("generation"), accepted.status, accepted.message, config_hash],
            default=str,
        ).encode()
    ).hexdigest()
    key = ("Agent", meta["namespace"], meta["name"])
    if ctl.sunk.get(key) == fingerprint:
        return
    accepted_ok = bool(accepted.status) and output is not None
    record = AgentRecord(
        namespace=meta["namespace"],
        name=meta["name"],
        resource=resource,
        accepted=accepted_ok,
        message=accepted.message,
        config=output.config if output and accepted_ok else None,
        card=output.card if output and accepted_ok else None,
        config_hash=config_hash,
    )
    await ctl.sink.upsert_agent(record)
    ctl.sunk[key] = fingerprint
