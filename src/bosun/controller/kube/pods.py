"""Why an Agent's pods do not start: a failed init container, read from the pods' status.

Called by agent.py only while the Agent's Deployment reports unavailable replicas (the
Deployment's status alone says "0/1 available", not that `skills-fetch` failed). One pod
list by the Deployment's selector in its namespace; no pod watch: a failing init
container changes no Deployment status, so agent.py looks again every
`pod_check_interval` seconds while replicas stay unavailable, and the Deployment's own
status event brings the recovery.

An init container counts as failed when it is terminated with a non-zero exit code, or
waiting in CrashLoopBackOff (then its last termination is read). Its termination message
is what the skills init step wrote (`spec.skills.gitRefs[0]: skills from <url> (ref <ref>):
fatal: …`, runtime/skills_fetch.py) or, with terminationMessagePolicy
FallbackToLogsOnError, the tail of its log; either is cut to one short line.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from bosun.controller.kube.client import KubeClient, KubeError
from bosun.controller.kube.status import DeploymentState

logger = logging.getLogger(__name__)

MAX_REASON = 512  # characters of the termination message kept in the condition

Obj = dict[str, Any]


def _one_line(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    # A log tail (FallbackToLogsOnError) has progress lines too: keep the ones naming a
    # field, else the last few.
    named = [line for line in lines if "spec." in line]
    kept = "; ".join(named or lines[-3:])
    return kept if len(kept) <= MAX_REASON else kept[: MAX_REASON - 3] + "..."


def _failed(status: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The termination record of a failed init container status, else None."""
    state = status.get("state") or {}
    terminated = state.get("terminated")
    if terminated and int(terminated.get("exitCode") or 0) != 0:
        return dict(terminated)
    waiting = state.get("waiting") or {}
    if waiting.get("reason") == "CrashLoopBackOff":
        last = (status.get("lastState") or {}).get("terminated")
        return dict(last) if last else {"reason": "CrashLoopBackOff", "exitCode": None}
    return None


def init_failure(pod: Mapping[str, Any]) -> str | None:
    """ "init container X of pod P failed (exit 1): <message>" for the first failed one."""
    meta = pod.get("metadata") or {}
    if meta.get("deletionTimestamp"):
        return None  # going away (an old revision's pod)
    for status in (pod.get("status") or {}).get("initContainerStatuses") or []:
        failed = _failed(status)
        if failed is None:
            continue
        code = failed.get("exitCode")
        why = _one_line(str(failed.get("message") or "")) or str(
            failed.get("reason") or "no message"
        )
        exit_ = f"exit {code}" if code is not None else str(failed.get("reason") or "failed")
        where = f"init container {status.get('name')} of pod {meta.get('name')}"
        return f"{where} failed ({exit_}): {why}"
    return None


async def find_init_failure(client: KubeClient, deployment: DeploymentState) -> str | None:
    """The first init failure among the Deployment's pods; None if none, or unreadable."""
    if not deployment.selector:
        return None
    selector = ",".join(f"{k}={v}" for k, v in deployment.selector)
    try:
        pods, _ = await client.list_page("v1", "Pod", deployment.namespace, selector)
    except KubeError as exc:
        # No pods permission (an older chart) or a hiccup: Ready keeps the Deployment's
        # generic reason; never fail a reconcile for this.
        logger.debug("pods of %s/%s: %s", deployment.namespace, deployment.name, exc)
        return None
    for pod in sorted(pods, key=lambda p: str((p.get("metadata") or {}).get("name"))):
        found = init_failure(pod)
        if found is not None:
            return found
    return None
