"""Kubernetes Events for condition transitions, so `kubectl describe agent` tells the story.

Called by `Controller.write_status` (context.py) after a status write went through: the
conditions before and after are compared and each transition that matters becomes one
core/v1 Event whose involvedObject is the Agent/ModelConfig/RemoteMCPServer/MCPServer.

Which transitions post an Event (`transitions`, pure):
- a condition becomes False with a reason or message it did not have: Warning, reason and
  message of the condition (they name the field or reference, never a secret value);
- a condition that was False becomes True: Normal, the condition's reason (Reconciled,
  Accepted, ToolsDiscovered, DeploymentReady);
- Ready is about a Deployment, which starts out not ready: it warns only when it was True
  and is lost (not while a new revision rolls out), and every False -> True is Normal;
  except Ready False with reason InitFailed (an init container failed, e.g. a skill
  source that cannot be fetched), which warns like any other failure.
A steady state posts nothing: a status write is skipped when nothing changed, and a
failing object whose condition keeps its reason and message has no transition.

How they are posted (`EventRecorder`), as client-go's recorder does: an Event named
`<object>.<hex nanoseconds>`; the same (object, type, reason, message) again within the
cache's memory bumps `count` and `lastTimestamp` of that Event with a merge patch instead
of creating another (a condition flapping between two states makes two Events, not two
hundred). Only create and patch are needed (the chart's RBAC grants exactly these).
Posting never fails a reconcile: an error is logged and the Event is dropped.
"""

from __future__ import annotations

import datetime
import logging
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bosun.controller.kube.client import KubeClient, KubeError, NotFound
from bosun.controller.kube.status import INIT_FAILED, READY, ROLLING_OUT

logger = logging.getLogger(__name__)

Obj = dict[str, Any]

NORMAL = "Normal"
WARNING = "Warning"
COMPONENT = "bosun-controller"
MAX_MESSAGE = 1024  # events.k8s.io/v1 limits note to 1 kB; core/v1 is kept to the same
CACHE_SIZE = 4096  # as client-go's event aggregation cache


@dataclass(frozen=True)
class EventSpec:
    type: str  # Normal or Warning
    reason: str
    message: str


def _by_type(status: Mapping[str, Any] | None) -> dict[str, Mapping[str, Any]]:
    conditions = (status or {}).get("conditions") or []
    return {str(c.get("type")): c for c in conditions if isinstance(c, Mapping)}


def _rolling_out(cond: Mapping[str, Any]) -> bool:
    return ROLLING_OUT in str(cond.get("message") or "")


def transitions(
    previous: Mapping[str, Any] | None, desired: Mapping[str, Any] | None
) -> list[EventSpec]:
    """The Events that the change of conditions from `previous` to `desired` deserves."""
    before = _by_type(previous)
    out: list[EventSpec] = []
    for type_, cond in _by_type(desired).items():
        old = before.get(type_)
        status = cond.get("status")
        old_status = old.get("status") if old is not None else None
        reason = str(cond.get("reason") or type_)
        message = str(cond.get("message") or "")
        if status == "False":
            if type_ == READY and reason != INIT_FAILED:
                if old_status == "True" and not _rolling_out(cond):
                    out.append(EventSpec(WARNING, reason, message))
                continue
            same = (
                old is not None
                and old_status == "False"
                and old.get("reason") == cond.get("reason")
                and old.get("message") == cond.get("message")
            )
            if not same:
                out.append(EventSpec(WARNING, reason, message))
        elif status == "True" and (
            old_status == "False" or (type_ == READY and old_status != "True")
        ):
            out.append(EventSpec(NORMAL, reason, message))
    return out


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _truncate(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE else message[: MAX_MESSAGE - 3] + "..."


class EventRecorder:
    """Posts core/v1 Events through the operator's client, aggregating repeats."""

    def __init__(self, client: KubeClient, instance: str = "") -> None:
        self._client = client
        self._instance = instance
        # (uid, type, reason, message) -> (namespace, event name, count)
        self._seen: OrderedDict[tuple[str, str, str, str], tuple[str, str, int]] = OrderedDict()
        self.posted = 0  # Events created or bumped (for tests and logs)

    async def record(self, involved: Mapping[str, Any], events: Sequence[EventSpec]) -> None:
        for spec in events:
            await self.post(involved, spec)

    async def post(self, involved: Mapping[str, Any], spec: EventSpec) -> None:
        meta = involved.get("metadata") or {}
        namespace = str(meta.get("namespace") or "default")
        message = _truncate(spec.message)
        key = (str(meta.get("uid") or ""), spec.type, spec.reason, message)
        try:
            seen = self._seen.get(key)
            if seen is not None:
                event_ns, name, count = seen
                try:
                    await self._client.patch(
                        "v1", "Event", event_ns, name, {"count": count + 1, "lastTimestamp": _now()}
                    )
                except NotFound:
                    pass  # expired (kube-apiserver keeps Events for an hour): a new one
                else:
                    self._remember(key, (event_ns, name, count + 1))
                    self.posted += 1
                    return
            created = await self._client.create(self._event(involved, namespace, spec, message))
            name = str((created.get("metadata") or {}).get("name") or "")
            self._remember(key, (namespace, name, 1))
            self.posted += 1
        except KubeError as exc:
            # An Event is a courtesy: never fail or retry a reconcile for it.
            logger.warning(
                "%s %s/%s: could not post the %s Event %s: %s",
                involved.get("kind"),
                namespace,
                meta.get("name"),
                spec.type,
                spec.reason,
                exc,
            )

    def _remember(self, key: tuple[str, str, str, str], value: tuple[str, str, int]) -> None:
        self._seen[key] = value
        self._seen.move_to_end(key)
        while len(self._seen) > CACHE_SIZE:
            self._seen.popitem(last=False)

    def _event(
        self, involved: Mapping[str, Any], namespace: str, spec: EventSpec, message: str
    ) -> Obj:
        meta = involved.get("metadata") or {}
        name = str(meta.get("name") or "object")[:200]
        stamp = _now()
        event: Obj = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": f"{name}.{time.time_ns():x}", "namespace": namespace},
            "involvedObject": {
                "apiVersion": involved.get("apiVersion"),
                "kind": involved.get("kind"),
                "name": meta.get("name"),
                "namespace": namespace,
                "uid": meta.get("uid"),
                "resourceVersion": meta.get("resourceVersion"),
            },
            "type": spec.type,
            "reason": spec.reason,
            "message": message,
            "count": 1,
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "source": {"component": COMPONENT},
            "reportingComponent": COMPONENT,
            "reportingInstance": self._instance,
        }
        return event
