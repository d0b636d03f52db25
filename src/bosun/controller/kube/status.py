"""Status builders: conditions (Accepted, Ready, ...) the Kubernetes way, as pure functions.

- a condition's lastTransitionTime changes only when its status changes (a new message or
  reason alone keeps the time), as kubectl and Argo CD expect;
- each condition and the status carry observedGeneration;
- conditions of other types (written by someone else) are kept.

Used by every handler module; `Ready` comes from the Deployment summary that the index
keeps for each Deployment owned by an Agent or MCPServer (for an Agent whose pods' init
container failed, agent.py replaces it with reason InitFailed, pods.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Obj = dict[str, Any]

ACCEPTED = "Accepted"
READY = "Ready"
INIT_FAILED = "InitFailed"  # Ready's reason when an init container failed (pods.py)
ROLLING_OUT = "is rolling out"  # in Ready's message while a new revision rolls out (events.py)


def now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Cond:
    """A condition to set: type, True/False/Unknown, a CamelCase reason and a message."""

    type: str
    status: bool | None
    reason: str
    message: str

    @property
    def wire_status(self) -> str:
        return "Unknown" if self.status is None else "True" if self.status else "False"


def merge_conditions(
    previous: Sequence[Mapping[str, Any]], new: Sequence[Cond], generation: int | None
) -> list[Obj]:
    """`previous` with `new` set: transition times kept when the status did not change."""
    by_type = {str(c.get("type")): dict(c) for c in previous}
    for cond in new:
        old = by_type.get(cond.type)
        changed = old is None or old.get("status") != cond.wire_status
        entry: Obj = {
            "type": cond.type,
            "status": cond.wire_status,
            "reason": cond.reason,
            "message": cond.message,
            "lastTransitionTime": now()
            if changed or old is None
            else old.get("lastTransitionTime") or now(),
        }
        if generation is not None:
            entry["observedGeneration"] = generation
        by_type[cond.type] = entry
    ordered = [by_type.pop(c.type) for c in new]
    return ordered + list(by_type.values())


def build_status(
    current: Mapping[str, Any] | None,
    conditions: Sequence[Cond],
    generation: int | None,
    **fields: Any,
) -> Obj:
    """The full status to write: `current` with the conditions and fields replaced.

    A field given as None is removed.
    """
    status: Obj = dict(current or {})
    status["conditions"] = merge_conditions(status.get("conditions") or [], conditions, generation)
    if generation is not None:
        status["observedGeneration"] = generation
    for key, value in fields.items():
        if value is None:
            status.pop(key, None)
        else:
            status[key] = value
    return status


def status_patch(current: Mapping[str, Any] | None, desired: Mapping[str, Any]) -> Obj | None:
    """The merge patch that turns `current` into `desired` (None when they are equal)."""
    current = current or {}
    if dict(current) == dict(desired):
        return None
    patch: Obj = {k: v for k, v in desired.items() if current.get(k) != v}
    patch.update({k: None for k in current if k not in desired})
    return patch


@dataclass(frozen=True)
class DeploymentState:
    """What Ready needs from a Deployment (kept in the index, not the whole object)."""

    namespace: str
    name: str
    generation: int
    observed_generation: int
    replicas: int  # desired
    available: int
    ready: int
    updated: int
    unavailable: int = 0  # status.unavailableReplicas: pods exist and are not available
    selector: tuple[tuple[str, str], ...] = ()  # spec.selector.matchLabels (its pods)

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> DeploymentState:
        meta = body.get("metadata") or {}
        spec = body.get("spec") or {}
        status = body.get("status") or {}
        replicas = spec.get("replicas")
        return cls(
            namespace=str(meta.get("namespace") or ""),
            name=str(meta.get("name") or ""),
            generation=int(meta.get("generation") or 0),
            observed_generation=int(status.get("observedGeneration") or 0),
            replicas=1 if replicas is None else int(replicas),
            available=int(status.get("availableReplicas") or 0),
            ready=int(status.get("readyReplicas") or 0),
            updated=int(status.get("updatedReplicas") or 0),
            unavailable=int(status.get("unavailableReplicas") or 0),
            selector=tuple(
                sorted(
                    (str(k), str(v))
                    for k, v in ((spec.get("selector") or {}).get("matchLabels") or {}).items()
                )
            ),
        )


def ready_condition(namespace: str, name: str, deployment: DeploymentState | None) -> Cond:
    """Ready from the Deployment: available replicas of the current generation."""
    if deployment is None:
        return Cond(READY, False, "DeploymentNotFound", f"Deployment {namespace}/{name} not found")
    counts = f"{deployment.available}/{deployment.replicas} replicas available"
    if deployment.observed_generation < deployment.generation:
        return Cond(
            READY,
            False,
            "DeploymentNotReady",
            f"Deployment {namespace}/{name} {ROLLING_OUT} (generation "
            f"{deployment.generation} not yet observed); {counts}",
        )
    if deployment.available >= deployment.replicas:
        return Cond(READY, True, "DeploymentReady", f"Deployment {namespace}/{name}: {counts}")
    return Cond(READY, False, "DeploymentNotReady", f"Deployment {namespace}/{name}: {counts}")
